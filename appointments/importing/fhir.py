"""A FHIR R4 Bundle of Appointment resources (HL7 R4 and UK Core), read as extract rows.

Each Appointment becomes one row in Attend's columns, so it is validated and written
exactly as a CSV row is. What is read from where (the code tables are in `fhir_maps`):

| Attend column | FHIR R4 / UK Core |
| --- | --- |
| appointment_id | Appointment.identifier[0].value, else Appointment.id (never a urn:uuid fullUrl, which |
|  | changes with every Bundle) |
| attendance_code | Appointment.status: booked, arrived, checked-in, and proposed or pending with a start → |
|  | blank (not yet known); fulfilled → 5; noshow → 3; cancelled → 2 or 4 by cancelationReason |
|  | (`fhir_maps.CANCELLATION_REASONS`); entered-in-error withdraws an earlier import of the same |
|  | id (code 99, in no report); waitlist, and proposed or pending with no start, are skipped |
| appointment_start | Appointment.start |
| booked_at | Appointment.created; a date alone (valid R4 dateTime) is that day at local midnight |
| appointment_type | appointmentType code FOLLOWUP → follow_up, anything else → first |
| medium | UK Core DeliveryChannel extension (In-person, Telephone, Video); else video if the Appointment |
|  | has a virtual service (R5's `virtualService`, or its R4 cross-version extension); else telephone |
|  | if a serviceType is SNOMED CT 185317003 (telephone encounter); else face to face |
| specialty_code | Appointment.specialty: a treatment function coding (`fhir_maps.TREATMENT_FUNCTION_SYSTEMS`), |
|  | else any three-digit code |
| site_code | the participant Location's ODS site code identifier, else its id |
| clinic_code | the participant HealthcareService's identifier, else its id; else the participant Location's |
|  | local (non-ODS) identifier; else "<site>-<serviceType code>"; else "<site>-<treatment function>" |
| patient_id | the participant Patient's local identifier (not the NHS number; type MR first); else its |
|  | valid NHS number; else "fhir:" + Patient.id, or "fhir:" + 27 hex digits of SHA-256(Patient.id) |
|  | when that is over 32 characters (stable across Bundles; never equal to a CSV hospital number) |
| nhs_number | the Patient's `https://fhir.nhs.uk/Id/nhs-number` identifier |
| date_of_birth, sex | Patient.birthDate; gender female/male/other/unknown → F/M/X/U |
| postcode | the home (else first) address's postalCode |
| phone, other_phone | Patient.telecom phones (system phone or sms) in rank order, leaving out use `old`: phone |
|  | is the one with use `mobile`, else the first; other_phone the next (texts go only to a mobile) |
| language, interpreter_required | the preferred communication language (`fhir_maps.attend_language`: a |
|  | sign language means an interpreter is needed); else the `patient-interpreterRequired` extension |
| ethnicity | the UK Core EthnicCategory extension |
| date_of_death | Patient.deceasedDateTime (its day), or deceasedBoolean true → Y (died, date not known) |

References are resolved inside the Bundle: a `urn:uuid:` or absolute URL against each
entry's fullUrl, a relative one (`Patient/123`) against the fullUrl's server and then the
resources' type and id, and `#id` against the Appointment's contained resources.

A problem is reported as a CSV row's is (entry number for line, Attend's column, the value),
and its reason starts with the FHIR element and the resource to fix: "Appointment.created in
Appointment/example: missing: …" (`FhirSource.located`). The whole Bundle is parsed at
once, so its size is capped in `files.MAX_FHIR_BYTES`; large extracts should come as CSV.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

from appointments.importing.columns import ALL_COLUMNS
from appointments.importing.csv_source import RawRow
from appointments.importing.fhir_resources import BundleIndex
from appointments.importing.fhir_rows import (
    VIRTUAL_SERVICE_EXTENSION,
    WRONG_SHAPE,
    AppointmentRow,
    Skipped,
    Where,
    Withdrawn,
)
from appointments.importing.files import ExtractRefused
from appointments.importing.validation import RowError

__all__ = ["VIRTUAL_SERVICE_EXTENSION", "FhirSource"]


class FhirSource:
    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self.chars_read = 0
        self.columns_present = frozenset(ALL_COLUMNS)
        self.withdrawals: dict[int, str] = {}  # entry number → id of an entered-in-error Appointment
        self._where: Where | None = None

    def _read(self) -> dict:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8-sig"))
        except json.JSONDecodeError as exc:
            raise ExtractRefused(f"The file is not valid JSON ({exc}).") from None
        if not isinstance(data, dict) or data.get("resourceType") != "Bundle":
            raise ExtractRefused("This JSON is not a FHIR Bundle (resourceType must be 'Bundle').")
        return data

    def rows(self) -> Iterator[RawRow]:
        data = self._read()
        self.chars_read = self.path.stat().st_size
        raw_entries = data.get("entry")
        # Entries are numbered by their place in the Bundle, so an error names the right one.
        entries = [
            (number, entry, entry.get("resource"))
            for number, entry in enumerate(raw_entries if isinstance(raw_entries, list) else [], start=1)
            if isinstance(entry, dict) and isinstance(entry.get("resource"), dict)
        ]
        bundle = BundleIndex(entries)
        appointments = [(n, e, r) for n, e, r in entries if r.get("resourceType") == "Appointment"]
        if not appointments:
            raise ExtractRefused("The FHIR Bundle has no Appointment resources.")
        for number, entry, appointment in appointments:
            base_url = entry.get("fullUrl") if isinstance(entry.get("fullUrl"), str) else ""
            self._where = where = Where(number, bundle.name(appointment, f"Appointment in entry {number}"))
            try:
                yield number, AppointmentRow(appointment, bundle, base_url, where).values(), None
            except Skipped as exc:
                where.entry = (exc.column, exc.value, exc.path)
                if isinstance(exc, Withdrawn) and exc.pas_id:
                    self.withdrawals[number] = exc.pas_id
                yield number, None, str(exc)
            except (AttributeError, TypeError, KeyError, IndexError, ValueError):
                # An element of the wrong JSON type: this entry is reported, the rest still imports.
                self._where = Where(number, where.appointment)
                yield number, None, WRONG_SHAPE

    def located(self, problems: list[RowError]) -> list[RowError]:
        """The problems of the entry just read, each reason led by the FHIR element and the resource
        to fix ("Appointment.created in Appointment/example: …"), and a blank value's reason saying
        what Attend needs it for. Called (by the import run) before the next entry is read."""
        where = self._where
        if where is None:
            return problems
        located = []
        for problem in problems:
            if problem.line != where.line:
                located.append(problem)
                continue
            column, value = problem.column, problem.value
            if not column:
                column, value, path = where.entry
                resource = where.appointment
            else:
                resource, path = where.places.get(column, (where.appointment, "Appointment"))
            reason = problem.reason
            better = where.reasons.get(column)
            if better is not None and better[0][:200] == value and problem.severity == "error":
                reason = better[1]
            located.append(problem._replace(column=column, value=value, reason=f"{path} in {resource}: {reason}"))
        return located
