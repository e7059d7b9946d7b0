"""Write validated rows in chunks: bulk upserts keyed on patient_id and appointment_id.

Each chunk is one transaction and two round trips per table (read what exists, then
one INSERT … ON CONFLICT DO UPDATE for what is new or changed), so a re-import of
the same file writes nothing and a later extract only touches what moved. Rows that
have not changed are not rewritten; that keeps `updated_at` honest.

Sites, specialties and clinics an extract names for the first time are created (the
validator has checked their codes) and listed (`counts.new_codes`) for the batch summary,
so a new site is seen by a person rather than appearing silently in the filters.

What changed for existing appointments (cancelled, moved, happened) is announced
(appointments.changes) in the same transaction as the chunk, for calls and reminders.

A field staff corrected in Attend keeps Attend's value (patients.corrections): the
extract counts as received when the writer starts, for telling a newer PAS value.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from django.db import transaction
from django.utils import timezone

from appointments.changes import AppointmentChanges, announce_appointments_changed
from appointments.importing.columns import PATIENT_FIELDS_FROM_COLUMN, specialty_name
from appointments.importing.validation import AppointmentValues, PatientValues
from appointments.models import CANCELLED_CODES, HAPPENED_CODES, Appointment, AttendanceCode, Clinic, Site, Specialty
from patients.corrections.models import LocalCorrection
from patients.corrections.services import keep_local_corrections
from patients.deaths import deaths_kept
from patients.deprivation.lookup import (
    Deprivation,
    current_vintage,
    derive_deprivation,
    derive_lsoa_deprivation,
    patient_deprivation,
)
from patients.identifiers import postcode_key
from patients.models import Patient

APPOINTMENT_FIELDS = (
    "patient_id", "site_id", "specialty_id", "clinic_id", "starts_at", "booked_at",
    "appointment_type", "medium", "attendance_code", "start_time_known", "age_at_appointment",
)  # fmt: skip
UNMATCHED_EXAMPLES = 50
NEW_CODE_EXAMPLES = 50


@dataclass
class WriteCounts:
    appointments_created: int = 0
    appointments_updated: int = 0
    appointments_unchanged: int = 0
    patients_created: int = 0
    patients_updated: int = 0
    unmatched_postcodes: set[str] = field(default_factory=set)
    unmatched_lsoas: set[str] = field(default_factory=set)
    replanning: Counter = field(default_factory=Counter)
    # "sites", "specialties", "clinics" → the codes this import created
    new_codes: dict[str, list[str]] = field(default_factory=lambda: {"sites": [], "specialties": [], "clinics": []})

    def new_codes_summary(self) -> dict[str, object]:
        """Each kind's count and first codes, for the batch: {"sites": {"count": 1, "codes": ["RAT09"]}, …}."""
        return {kind: {"count": len(codes), "codes": sorted(codes)[:NEW_CODE_EXAMPLES]}
                for kind, codes in self.new_codes.items() if codes}  # fmt: skip


class BatchWriter:
    def __init__(self, *, columns_present: frozenset[str]) -> None:
        self.counts = WriteCounts()
        self.patient_fields = tuple(
            dict.fromkeys(
                name
                for column, names in PATIENT_FIELDS_FROM_COLUMN.items()
                if column in columns_present
                for name in names
            )
        )
        self._lsoa_deprivation: dict[str, Deprivation] = {}
        self.vintage = current_vintage()
        self._deprivation: dict[str, Deprivation | None] = {}
        self._sites: dict[str, int] = dict(Site.objects.values_list("ods_code", "id"))
        self._specialties: dict[str, int] = dict(Specialty.objects.values_list("treatment_function_code", "id"))
        self._clinics: dict[str, int] = dict(Clinic.objects.values_list("code", "id"))
        self.extract_at = timezone.now()
        self._any_corrections = LocalCorrection.objects.exists()  # most imports need not look per chunk
        self._deaths_in_file = "deceased" in self.patient_fields

    # --- reference data ------------------------------------------------------------------
    def _site(self, code: str) -> int:
        if code not in self._sites:
            site, created = Site.objects.get_or_create(ods_code=code, defaults={"name": code})
            self._sites[code] = site.id
            if created:
                self.counts.new_codes["sites"].append(code)
        return self._sites[code]

    def _specialty(self, code: str) -> int:
        if code not in self._specialties:
            specialty, created = Specialty.objects.get_or_create(
                treatment_function_code=code, defaults={"name": specialty_name(code)}
            )
            self._specialties[code] = specialty.id
            if created:
                self.counts.new_codes["specialties"].append(code)
        return self._specialties[code]

    def _clinic(self, row: AppointmentValues) -> int:
        if row.clinic_code not in self._clinics:
            clinic, created = Clinic.objects.get_or_create(
                code=row.clinic_code,
                defaults={
                    "name": row.clinic_code,
                    "site_id": self._site(row.site_code),
                    "specialty_id": self._specialty(row.specialty_code),
                },
            )
            self._clinics[row.clinic_code] = clinic.id
            if created:
                self.counts.new_codes["clinics"].append(row.clinic_code)
        return self._clinics[row.clinic_code]

    def _derive(self, postcodes: set[str]) -> None:
        wanted = {postcode_key(p) for p in postcodes} - self._deprivation.keys()
        if not wanted:
            return
        found = derive_deprivation(wanted, vintage=self.vintage) if self.vintage else {}
        for key in wanted:
            self._deprivation[key] = found.get(key)

    def _derive_lsoas(self, lsoas: set[str]) -> None:
        wanted = lsoas - self._lsoa_deprivation.keys()
        if wanted:
            self._lsoa_deprivation.update(derive_lsoa_deprivation(wanted, vintage=self.vintage or ""))

    # --- patients ----------------------------------------------------------------------
    def _patient_instance(self, values: PatientValues, existing: dict | None) -> Patient:
        found = self._deprivation.get(postcode_key(values.postcode)) if values.postcode else None
        if found is None and values.lsoa:  # the extract's own LSOA, when no postcode places the patient
            found = self._lsoa_deprivation[values.lsoa]
            if found.imd_decile is None:
                self.counts.unmatched_lsoas.add(values.lsoa)
        lsoa_code, imd_decile, imd_vintage = patient_deprivation(found)
        if values.postcode and imd_decile is None:
            self.counts.unmatched_postcodes.add(values.postcode)
        patient = Patient(
            hospital_number=values.hospital_number,
            nhs_number=values.nhs_number,
            date_of_birth=values.date_of_birth,
            sex=values.sex,
            ethnic_category=values.ethnic_category,
            postcode=values.postcode,
            lsoa_code=lsoa_code,
            imd_decile=imd_decile,
            imd_vintage=imd_vintage,
            mobile=values.mobile,
            other_phone=values.other_phone,
            preferred_language=values.preferred_language,
            interpreter_required=values.interpreter_required,
            communication_needs=values.communication_needs,
            deceased=values.deceased,
            date_of_death=values.date_of_death,
            contact_name=values.contact_name,
            contact_phone=values.contact_phone,
            contact_relationship=values.contact_relationship,
            address_line_1=values.address_line_1,
            address_line_2=values.address_line_2,
            address_line_3=values.address_line_3,
            address_line_4=values.address_line_4,
            address_line_5=values.address_line_5,
            address_line_6=values.address_line_6,
            given_name=values.given_name,
            family_name=values.family_name,
        )
        if existing is not None and "mobile_unusable" in existing:  # only when the file has a phone column
            # The provider's "cannot receive SMS" verdict holds until the number changes.
            patient.mobile_unusable = existing["mobile_unusable"] and existing["mobile"] == values.mobile
        return patient

    def _keep_local_corrections(self, patients: dict[str, PatientValues]) -> dict[str, PatientValues]:
        if not self._any_corrections:
            return patients
        return keep_local_corrections(patients, fields=self.patient_fields, extract_at=self.extract_at)

    def _keep_deaths(self, patients: dict[str, PatientValues]) -> tuple[dict[str, PatientValues], list[str]]:
        """A death Attend holds is kept whatever the extract says (patients.deaths); returns the
        patients and the hospital numbers newly deceased."""
        if not self._deaths_in_file:
            return patients, []
        return deaths_kept(patients, seen_at=self.extract_at)

    def _announce_deaths(self, hospital_numbers: list[str]) -> None:
        if hospital_numbers:
            ids = list(Patient.objects.filter(hospital_number__in=hospital_numbers).values_list("pk", flat=True))
            self.counts.replanning.update(announce_appointments_changed(AppointmentChanges(deceased_patient_ids=ids)))

    def _write_patients(self, patients: dict[str, PatientValues]) -> dict[str, int]:
        """Upsert the chunk's patients; returns hospital number → id for all of them."""
        fields = self.patient_fields
        existing = {
            row["hospital_number"]: row
            for row in Patient.objects.filter(hospital_number__in=list(patients)).values(
                "id", "hospital_number", *fields
            )
        }
        self._derive({p.postcode for p in patients.values() if p.postcode})
        self._derive_lsoas({p.lsoa for p in patients.values() if p.lsoa})
        to_write, created = [], []
        for number, values in patients.items():
            patient = self._patient_instance(values, existing.get(number))
            old = existing.get(number)
            if old is None:
                created.append(number)
                to_write.append(patient)
            elif any(getattr(patient, name) != old[name] for name in fields):
                to_write.append(patient)
        if to_write:
            Patient.objects.bulk_create(
                to_write,
                update_conflicts=True,
                unique_fields=["hospital_number"],
                update_fields=[*fields, "updated_at"],
            )
        self.counts.patients_created += len(created)
        self.counts.patients_updated += len(to_write) - len(created)
        ids = {number: row["id"] for number, row in existing.items()}
        if created:
            ids.update(Patient.objects.filter(hospital_number__in=created).values_list("hospital_number", "id"))
        return ids

    # --- appointments ----------------------------------------------------------------------
    def write(self, rows: list[tuple[AppointmentValues, PatientValues]], staged: object = None) -> None:
        """Write one chunk (later rows win over earlier rows with the same ids); `staged` is for the
        PostgreSQL writer (`writing_postgres.stager_for`), and none is made for this one."""
        patients = {patient.hospital_number: patient for _, patient in rows}
        appointments = {appointment.pas_id: appointment for appointment, _ in rows}
        with transaction.atomic():
            patients, newly_deceased = self._keep_deaths(self._keep_local_corrections(patients))
            patient_ids = self._write_patients(patients)
            existing = {
                row["pas_id"]: row
                for row in Appointment.objects.filter(pas_id__in=list(appointments)).values(
                    "id", "pas_id", *APPOINTMENT_FIELDS
                )
            }
            to_write: list[Appointment] = []
            cancelled, moved, happened = [], [], []
            for pas_id, values in appointments.items():
                appointment = Appointment(
                    pas_id=pas_id,
                    patient_id=patient_ids[values.hospital_number],
                    site_id=self._site(values.site_code),
                    specialty_id=self._specialty(values.specialty_code),
                    clinic_id=self._clinic(values),
                    starts_at=values.starts_at,
                    booked_at=values.booked_at,
                    appointment_type=values.appointment_type,
                    medium=values.medium,
                    attendance_code=values.attendance_code,
                    start_time_known=values.start_time_known,
                    age_at_appointment=values.age_at_appointment,
                )
                old = existing.get(pas_id)
                if old is None:
                    to_write.append(appointment)
                    self.counts.appointments_created += 1
                    continue
                if all(getattr(appointment, name) == old[name] for name in APPOINTMENT_FIELDS):
                    self.counts.appointments_unchanged += 1
                    continue
                to_write.append(appointment)
                self.counts.appointments_updated += 1
                was_open = old["attendance_code"] == AttendanceCode.NOT_YET_KNOWN
                if was_open and values.attendance_code in CANCELLED_CODES:
                    cancelled.append(old["id"])
                elif was_open and values.attendance_code in HAPPENED_CODES:
                    happened.append(old["id"])
                elif values.attendance_code == AttendanceCode.NOT_YET_KNOWN and values.starts_at != old["starts_at"]:
                    moved.append(old["id"])
            if to_write:
                Appointment.objects.bulk_create(
                    to_write,
                    update_conflicts=True,
                    unique_fields=["pas_id"],
                    update_fields=[*APPOINTMENT_FIELDS, "updated_at"],
                )
            self.counts.replanning.update(announce_appointments_changed(AppointmentChanges(cancelled, moved, happened)))
            self._announce_deaths(newly_deceased)

    def unmatched_examples(self) -> list[str]:
        return sorted(self.counts.unmatched_postcodes)[:UNMATCHED_EXAMPLES]


def withdraw_entered_in_error(pas_ids: set[str]) -> tuple[int, Counter]:
    """Withdraw the appointments the PAS says were recorded in error (code 99: in no report,
    reminder, call or model); those still upcoming are announced as cancelled, so their
    reminders and calls stop. Returns (how many were withdrawn, what the announcement did)."""
    found = Appointment.objects.filter(pas_id__in=pas_ids).exclude(attendance_code=AttendanceCode.ENTERED_IN_ERROR)
    was_open = list(found.filter(attendance_code=AttendanceCode.NOT_YET_KNOWN).values_list("id", flat=True))
    withdrawn = found.update(attendance_code=AttendanceCode.ENTERED_IN_ERROR, updated_at=timezone.now())
    return withdrawn, Counter(announce_appointments_changed(AppointmentChanges(was_open, [], [])))
