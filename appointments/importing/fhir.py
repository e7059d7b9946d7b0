"""A FHIR R4 Bundle of Appointment resources, read as extract rows.

Each Appointment becomes one row in Attend's columns, so it is validated and written
exactly as a CSV row is. What is read from where:

| Attend column | FHIR R4 |
| --- | --- |
| appointment_id | Appointment.identifier[0].value, else Appointment.id |
| attendance_code | Appointment.status: booked, pending, proposed, arrived, checked-in → blank (not yet |
|  | known); fulfilled → 5; noshow → 3; cancelled → 4 if cancelationReason is `prov`, else 2 |
| appointment_start, booked_at | Appointment.start, Appointment.created |
| appointment_type | appointmentType code FOLLOWUP → follow_up, anything else → first |
| medium | video if the Appointment has a virtual service (R5's `virtualService`, or its R4 |
|  | cross-version extension); telephone if a serviceType is SNOMED CT 185317003 |
|  | (telephone encounter); otherwise face to face (R4 has no element for it) |
| specialty_code | Appointment.specialty[0].coding[0].code (treatment function code) |
| site_code | the participant Location's ODS site code identifier, else its id |
| clinic_code | the participant HealthcareService's identifier, else its id |
| patient_id | the participant Patient's local identifier (not the NHS number), else its id |
| nhs_number | the Patient's `https://fhir.nhs.uk/Id/nhs-number` identifier |
| date_of_birth, sex | Patient.birthDate; gender female/male/other/unknown → F/M/X/U |
| postcode, phone | Patient.address[0].postalCode; a telecom phone with use `mobile` (else the first phone) |
| language, interpreter_required | the preferred communication language; the `patient-interpreterRequired` extension |
| ethnicity | the UK Core EthnicCategory extension |

Patients, Locations and HealthcareServices are found in the Bundle by reference
(`Patient/123`) or by `fullUrl`. The whole Bundle is parsed at once, so its size is
capped in `files.MAX_FHIR_BYTES`; large extracts should come as CSV.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

from appointments.importing.columns import ALL_COLUMNS
from appointments.importing.csv_source import RawRow
from appointments.importing.files import ExtractRefused

NHS_NUMBER_SYSTEM = "https://fhir.nhs.uk/Id/nhs-number"
ODS_SITE_SYSTEMS = ("https://fhir.nhs.uk/Id/ods-site-code", "https://fhir.nhs.uk/Id/ods-organization-code")
INTERPRETER_EXTENSION = "http://hl7.org/fhir/StructureDefinition/patient-interpreterRequired"
ETHNICITY_EXTENSION = "https://fhir.hl7.org.uk/StructureDefinition/Extension-UKCore-EthnicCategory"
VIRTUAL_SERVICE_EXTENSION = "http://hl7.org/fhir/5.0/StructureDefinition/extension-Appointment.virtualService"
TELEPHONE_ENCOUNTER = ("http://snomed.info/sct", "185317003")
WRONG_SHAPE = (
    "not shaped as a FHIR R4 Appointment: an element holds text or a number where FHIR has an object "
    "or a list (check participant, identifier, specialty, serviceType and the Patient it refers to)"
)
OPEN_STATUSES = {"booked", "pending", "proposed", "arrived", "checked-in"}
GENDERS = {"female": "F", "male": "M", "other": "X", "unknown": "U"}


def _first_code(concept: dict | None) -> str:
    for coding in (concept or {}).get("coding", []) or []:
        if coding.get("code"):
            return str(coding["code"])
    return ""


def _identifier(resource: dict, systems: tuple[str, ...] | None = None, *, exclude: tuple[str, ...] = ()) -> str:
    for identifier in resource.get("identifier", []) or []:
        system = identifier.get("system", "")
        if (systems is None or system in systems) and system not in exclude and identifier.get("value"):
            return str(identifier["value"])
    return ""


def _extension(resource: dict, url: str) -> dict:
    return next((e for e in resource.get("extension", []) or [] if e.get("url") == url), {})


class FhirSource:
    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self.chars_read = 0
        self.columns_present = frozenset(ALL_COLUMNS)

    def _bundle(self) -> dict:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8-sig"))
        except json.JSONDecodeError as exc:
            raise ExtractRefused(f"The file is not valid JSON ({exc}).") from None
        if not isinstance(data, dict) or data.get("resourceType") != "Bundle":
            raise ExtractRefused("This JSON is not a FHIR Bundle (resourceType must be 'Bundle').")
        return data

    def rows(self) -> Iterator[RawRow]:
        bundle = self._bundle()
        self.chars_read = self.path.stat().st_size
        raw_entries = bundle.get("entry")
        # Entries are numbered by their place in the Bundle, so an error names the right one.
        entries = [
            (number, entry, entry.get("resource"))
            for number, entry in enumerate(raw_entries if isinstance(raw_entries, list) else [], start=1)
            if isinstance(entry, dict) and isinstance(entry.get("resource"), dict)
        ]
        resources: dict[str, dict] = {}
        for _, entry, resource in entries:
            if isinstance(resource.get("resourceType"), str) and isinstance(resource.get("id"), str | int):
                resources[f"{resource['resourceType']}/{resource['id']}"] = resource
            if isinstance(entry.get("fullUrl"), str):
                resources[entry["fullUrl"]] = resource
        appointments = [(number, r) for number, _, r in entries if r.get("resourceType") == "Appointment"]
        if not appointments:
            raise ExtractRefused("The FHIR Bundle has no Appointment resources.")
        for number, appointment in appointments:
            try:
                yield number, self._row(appointment, resources), None
            except _Unusable as exc:
                yield number, None, str(exc)
            except (AttributeError, TypeError, KeyError, IndexError, ValueError):
                # An element of the wrong JSON type: this entry is reported, the rest still imports.
                yield number, None, WRONG_SHAPE

    def _row(self, appointment: dict, resources: dict[str, dict]) -> dict[str, str]:
        actors: dict[str, dict] = {}
        for participant in appointment.get("participant", []) or []:
            reference = ((participant or {}).get("actor") or {}).get("reference", "")
            kind = reference.split("/")[-2] if reference.count("/") >= 1 else ""
            if kind and reference in resources:
                actors.setdefault(kind, resources[reference])
            elif kind:
                actors.setdefault(kind, {"id": reference.split("/")[-1]})
        patient = actors.get("Patient")
        if patient is None:
            raise _Unusable("the Appointment has no Patient participant")
        return {
            **self._appointment_values(appointment, actors),
            **self._patient_values(patient),
        }

    def _appointment_values(self, appointment: dict, actors: dict[str, dict]) -> dict[str, str]:
        status = appointment.get("status", "")
        if status in OPEN_STATUSES:
            code = ""
        elif status == "fulfilled":
            code = "5"
        elif status == "noshow":
            code = "3"
        elif status == "cancelled":
            code = "4" if _first_code(appointment.get("cancelationReason")) == "prov" else "2"
        else:
            code = f"FHIR status {status or '(none)'}"  # reported by validation as an unknown code
        location = actors.get("Location", {})
        service = actors.get("HealthcareService", {})
        specialties = appointment.get("specialty") or [{}]
        return {
            "appointment_id": _identifier(appointment) or str(appointment.get("id", "")),
            "attendance_code": code,
            "appointment_start": str(appointment.get("start", "")),
            "booked_at": str(appointment.get("created", "")),
            "appointment_type": "follow_up"
            if _first_code(appointment.get("appointmentType")) == "FOLLOWUP"
            else "first",
            "specialty_code": _first_code(specialties[0]),
            "site_code": _identifier(location, ODS_SITE_SYSTEMS) or str(location.get("id", "")),
            "clinic_code": _identifier(service) or str(service.get("id", "")),
            "medium": _medium(appointment),
        }

    def _patient_values(self, patient: dict) -> dict[str, str]:
        phones = [t for t in patient.get("telecom", []) or [] if t.get("system") in ("phone", "sms")]
        mobile = next((t for t in phones if t.get("use") == "mobile"), phones[0] if phones else {})
        language = next(
            (c for c in patient.get("communication", []) or [] if c.get("preferred")),
            (patient.get("communication") or [{}])[0],
        )
        interpreter = _extension(patient, INTERPRETER_EXTENSION).get("valueBoolean")
        names = patient.get("name") or [{}]
        return {
            "patient_id": _identifier(patient, exclude=(NHS_NUMBER_SYSTEM,)) or str(patient.get("id", "")),
            "nhs_number": _identifier(patient, (NHS_NUMBER_SYSTEM,)),
            "date_of_birth": str(patient.get("birthDate", "")),
            "sex": GENDERS.get(patient.get("gender", ""), "U"),
            "postcode": str(((patient.get("address") or [{}])[0]).get("postalCode", "")),
            "phone": str(mobile.get("value", "")),
            "language": _first_code(language.get("language")).split("-")[0],
            "interpreter_required": "" if interpreter is None else ("Y" if interpreter else "N"),
            "ethnicity": _first_code(_extension(patient, ETHNICITY_EXTENSION).get("valueCodeableConcept")),
            "given_name": " ".join(names[0].get("given", []) or []),
            "family_name": str(names[0].get("family", "")),
        }


def _medium(appointment: dict) -> str:
    if appointment.get("virtualService") or _extension(appointment, VIRTUAL_SERVICE_EXTENSION):
        return "video"
    codings = [
        c for concept in appointment.get("serviceType", []) or [] for c in (concept or {}).get("coding", []) or []
    ]
    if any((c.get("system"), c.get("code")) == TELEPHONE_ENCOUNTER for c in codings):
        return "telephone"
    return ""  # blank is face to face


class _Unusable(ValueError):
    """An Appointment resource that cannot become a row at all."""
