"""Writes the synthetic trust (demo/synthetic.py) into the database.

Its areas go in as deprivation reference data, and its patients' deciles are derived from
them by the deprivation rule (patients.deprivation.lookup), as an imported patient's are.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction

from appointments.models import Appointment, Clinic, Site, Specialty
from demo.pilot import outreach_remove_for_demo_patients
from demo.synthetic import SITES, SPECIALTIES, SYNTHETIC_LSOA_PREFIX, SyntheticPatient, SyntheticTrust
from patients.deprivation.lookup import Deprivation, derive_deprivation, patient_deprivation
from patients.deprivation.models import LSOA_YEAR_FOR_VINTAGE, LsoaDeprivation, PostcodeLsoa
from patients.deprivation.readers import LsoaImdRow, PostcodeLsoaRow
from patients.deprivation.services import load_reference_rows
from patients.identifiers import postcode_key
from patients.models import ImdVintage, Patient

DEMO_PREFIX = "DEMO"
BATCH = 5000


class RealDataPresent(Exception):
    """The database holds patients that seed_demo did not create."""


@dataclass(frozen=True)
class SeedSummary:
    patients: int
    appointments: int
    past_appointments: int
    upcoming_appointments: int
    sites: int
    specialties: int
    clinics: int


def non_demo_patients() -> int:
    return Patient.objects.exclude(hospital_number__startswith=DEMO_PREFIX).count()


def remove_demo_data() -> None:
    """Delete what an earlier seed_demo wrote, so a re-run gives exactly the new data."""
    demo_patients = Patient.objects.filter(hospital_number__startswith=DEMO_PREFIX)
    outreach_remove_for_demo_patients(demo_patients)
    Appointment.objects.filter(patient__in=demo_patients).delete()
    demo_patients.delete()
    PostcodeLsoa.objects.filter(lsoa_code__startswith=SYNTHETIC_LSOA_PREFIX).delete()
    LsoaDeprivation.objects.filter(lsoa_code__startswith=SYNTHETIC_LSOA_PREFIX).delete()
    Clinic.objects.filter(code__startswith="RAT0", appointments__isnull=True).delete()
    Site.objects.filter(ods_code__in=[code for code, _, _ in SITES], appointments__isnull=True).delete()


def _load_areas(trust: SyntheticTrust) -> dict[str, Deprivation]:
    """The synthetic areas as deprivation reference data (IMD 2019, 2011 LSOAs), and what the
    deprivation rule derives from them for the patients' postcodes: demo patients get their
    deciles the way imported ones do."""
    load_reference_rows(
        vintage=ImdVintage.IMD2019,
        postcode_lsoas=[
            PostcodeLsoaRow(postcode_key(postcode), LSOA_YEAR_FOR_VINTAGE[ImdVintage.IMD2019], area.lsoa_code)
            for area in trust.areas
            for postcode in area.postcodes
        ],
        lsoa_imds=[LsoaImdRow(area.lsoa_code, area.imd_rank, area.imd_decile) for area in trust.areas],
    )
    return derive_deprivation({p.postcode for p in trust.patients}, vintage=ImdVintage.IMD2019)


def _patient(p: SyntheticPatient, deprivation: dict[str, Deprivation]) -> Patient:
    lsoa_code, imd_decile, imd_vintage = patient_deprivation(deprivation.get(postcode_key(p.postcode)))
    return Patient(
        hospital_number=p.hospital_number,
        nhs_number=p.nhs_number,
        given_name=p.given_name,
        family_name=p.family_name,
        date_of_birth=p.date_of_birth,
        sex=p.sex,
        ethnic_category=p.ethnic_category,
        postcode=p.postcode,
        lsoa_code=lsoa_code,
        imd_decile=imd_decile,
        imd_vintage=imd_vintage,
        mobile=p.mobile,
        preferred_language=p.preferred_language,
        interpreter_required=p.interpreter_required,
        sms_opt_out=p.sms_opt_out,
        **{f"address_line_{number}": line for number, line in enumerate(p.address_lines, start=1)},
    )


@transaction.atomic
def load_synthetic_trust(trust: SyntheticTrust, *, allow_real_data: bool = False) -> SeedSummary:
    if not allow_real_data and non_demo_patients():
        raise RealDataPresent(
            "This database holds patients that seed_demo did not create. "
            "Refusing to add synthetic patients beside them (pass --allow-real-data if you are sure)."
        )
    remove_demo_data()
    sites = {
        code: Site.objects.update_or_create(ods_code=code, defaults={"name": name, "directions": directions})[0]
        for code, name, directions in SITES
    }
    specialties = {
        tfc: Specialty.objects.get_or_create(treatment_function_code=tfc, defaults={"name": name})[0]
        for tfc, name, _ in SPECIALTIES
    }
    clinics = {
        c.code: Clinic.objects.create(
            code=c.code,
            name=c.name,
            site=sites[c.site_code],
            specialty=specialties[c.specialty_code],
            call_script=(
                "Introduce yourself and Attend's purpose: we call to check the appointment still suits, "
                "and to offer help getting there if it would help."
            ),
        )
        for c in trust.clinics
    }
    deprivation = _load_areas(trust)
    Patient.objects.bulk_create((_patient(p, deprivation) for p in trust.patients), batch_size=BATCH)
    patient_ids = dict(
        Patient.objects.filter(hospital_number__startswith=DEMO_PREFIX).values_list("hospital_number", "id")
    )
    Appointment.objects.bulk_create(
        (
            Appointment(
                pas_id=a.pas_id,
                patient_id=patient_ids[a.patient.hospital_number],
                site=sites[a.site_code],
                specialty=specialties[a.specialty_code],
                clinic=clinics[a.clinic_code],
                starts_at=a.starts_at,
                booked_at=a.booked_at,
                appointment_type=a.appointment_type,
                medium=a.medium,
                attendance_code=a.attendance_code,
            )
            for a in trust.appointments
        ),
        batch_size=BATCH,
    )
    upcoming = sum(1 for a in trust.appointments if a.attendance_code == 0)
    return SeedSummary(
        patients=len(trust.patients),
        appointments=len(trust.appointments),
        past_appointments=len(trust.appointments) - upcoming,
        upcoming_appointments=upcoming,
        sites=len(sites),
        specialties=len(specialties),
        clinics=len(clinics),
    )
