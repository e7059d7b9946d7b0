"""Writes the synthetic trust (appointments/synthetic.py) into the database."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction

from appointments.models import Appointment, Clinic, Site, Specialty
from demo.pilot import outreach_remove_for_demo_patients
from demo.synthetic import SITES, SPECIALTIES, SyntheticTrust
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
    Clinic.objects.filter(code__startswith="RAT0", appointments__isnull=True).delete()
    Site.objects.filter(ods_code__in=[code for code, _, _ in SITES], appointments__isnull=True).delete()


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
    Patient.objects.bulk_create(
        (
            Patient(
                hospital_number=p.hospital_number,
                nhs_number=p.nhs_number,
                given_name=p.given_name,
                family_name=p.family_name,
                date_of_birth=p.date_of_birth,
                sex=p.sex,
                ethnic_category=p.ethnic_category,
                postcode=p.postcode,
                lsoa_code=p.area.lsoa_code,
                imd_decile=p.area.imd_decile,
                imd_vintage=ImdVintage.IMD2019,
                mobile=p.mobile,
                preferred_language=p.preferred_language,
                interpreter_required=p.interpreter_required,
                sms_opt_out=p.sms_opt_out,
            )
            for p in trust.patients
        ),
        batch_size=BATCH,
    )
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
