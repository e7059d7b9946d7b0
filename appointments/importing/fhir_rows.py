"""One FHIR Appointment, with the Patient, Location and HealthcareService it refers to → one extract row.

The mapping is tabled in `fhir.py`'s docstring and its codes in `fhir_maps`. While it reads,
each row notes on a `Where` which resource and element every column came from, and a
better reason than the validator's for a value it knows is missing or not usable, so a
problem can name what to fix in the PAS's FHIR ("Appointment.created in Appointment/x").
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field

from appointments.importing import fhir_maps as maps
from appointments.importing.fhir_resources import (
    TRAILING_REFERENCE,
    BundleIndex,
    codings,
    extension,
    first_code,
    identifier,
)
from patients.identifiers import normalise_nhs_number

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
GENDERS = {"female": "F", "male": "M", "other": "X", "unknown": "U"}
PATIENT_KEY_LIMIT = 32  # Patient.hospital_number

# Where each Attend column comes from, for the reasons of its problems.
APPOINTMENT_PATHS = {
    "appointment_id": "Appointment.identifier",
    "attendance_code": "Appointment.status",
    "appointment_start": "Appointment.start",
    "booked_at": "Appointment.created",
    "appointment_type": "Appointment.appointmentType",
    "medium": "Appointment.extension:DeliveryChannel",
    "specialty_code": "Appointment.specialty",
}
PATIENT_PATHS = {
    "patient_id": "Patient.identifier",
    "nhs_number": "Patient.identifier:nhs-number",
    "date_of_birth": "Patient.birthDate",
    "sex": "Patient.gender",
    "postcode": "Patient.address.postalCode",
    "phone": "Patient.telecom",
    "other_phone": "Patient.telecom",
    "language": "Patient.communication.language",
    "interpreter_required": "Patient.extension:interpreterRequired",
    "ethnicity": "Patient.extension:EthnicCategory",
    "given_name": "Patient.name.given",
    "family_name": "Patient.name.family",
    "date_of_death": "Patient.deceased[x]",
    **{f"address_line_{line}": "Patient.address.line" for line in range(1, 7)},
}
NO_PATIENT = "the Appointment has no Patient participant (a participant.actor referring to a Patient)"
NOT_A_STATUS = (
    "not an R4 Appointment.status (proposed, pending, booked, arrived, fulfilled, cancelled, noshow, "
    "entered-in-error, checked-in, waitlist)"
)
MISSING = {
    "appointment_id": "missing: give Appointment.identifier (the PAS's appointment id) or Appointment.id; a "
    "urn:uuid fullUrl changes with every Bundle, so it cannot be the key for a re-import",
    "appointment_start": "missing: Attend needs when the appointment is",
    "booked_at": "missing: Attend needs the day the appointment was booked",
    "specialty_code": "missing: Attend needs a treatment function code (a coding from UK Core PracticeSettingCode)",
    "date_of_birth": "missing: Attend needs the patient's date of birth",
    "patient_id": "missing: the Patient has no local identifier, no valid NHS number and no id (a urn:uuid fullUrl "
    "changes with every Bundle, so it cannot be the key)",
}


@dataclass
class Where:
    """Where one entry's values came from: the resource and element behind each column."""

    line: int
    appointment: str  # "Appointment/example", or its fullUrl when it has no id
    places: dict[str, tuple[str, str]] = field(default_factory=dict)  # column → (resource, FHIR path)
    reasons: dict[str, tuple[str, str]] = field(default_factory=dict)  # column → (value, better reason)
    entry: tuple[str, str, str] = ("", "", "Appointment")  # a whole-entry problem: column, value, path

    def place(self, column: str, resource: str, path: str, value: str, missing: str | None = None) -> None:
        self.places[column] = (resource, path)
        if missing and not value:
            self.reasons[column] = ("", missing)


class AppointmentRow:
    """One Appointment (and the resources it refers to) → one extract row, noting where each value came from."""

    def __init__(self, appointment: dict, bundle: BundleIndex, base_url: str, where: Where) -> None:
        self.appointment = appointment
        self.where = where
        self.actors: dict[str, tuple[dict, str]] = {}  # resource type → (resource, how problems name it)
        for participant in appointment.get("participant", []) or []:
            actor = participant.get("actor") or {}
            reference = actor.get("reference", "")
            if not reference:
                continue  # a participant known only by its display ("Phone Call") or type
            found = bundle.resolve(reference, base_url=base_url, contained=appointment.get("contained") or [])
            match = TRAILING_REFERENCE.search(reference)
            stated = str(actor.get("type") or "").rsplit("/", 1)[-1]  # Reference.type: "Patient" or its URL
            kind = (found or {}).get("resourceType") or stated or (match[1] if match else "")
            if not kind or kind in self.actors:
                continue
            if found is None:  # not in the Bundle: its id is all there is (a Location's may be its site code)
                self.actors[kind] = ({"id": match[2]} if match else {}, f"{reference} (not in the Bundle)")
            else:
                self.actors[kind] = (found, bundle.name(found, reference))

    def values(self) -> dict[str, str]:
        status = self.appointment.get("status", "")
        if not isinstance(status, str):
            raise TypeError("status")
        start = str(self.appointment.get("start", ""))
        code = self._attendance_code(status, start)  # first: an entry that is not an appointment is said so
        if "Patient" not in self.actors:
            raise Skipped(NO_PATIENT, column="patient_id", path="Appointment.participant")
        appointment = self._appointment_values(code, start)
        site = self._site()
        return {
            **appointment,
            "site_code": site,
            "clinic_code": self._clinic(site, appointment["specialty_code"]),
            **PatientRow(*self.actors["Patient"], self.where).values(),
        }

    def _appointment_values(self, code: str, start: str) -> dict[str, str]:
        appointment, where = self.appointment, self.where
        created = str(appointment.get("created", ""))
        specialty = _treatment_function(appointment.get("specialty"))
        values = {
            "appointment_id": identifier(appointment) or str(appointment.get("id", "")),
            "attendance_code": code,
            "appointment_start": start,
            "booked_at": _booked_at(created),
            "appointment_type": "follow_up"
            if first_code(appointment.get("appointmentType")) == "FOLLOWUP"
            else "first",
            "specialty_code": specialty,
            "medium": _medium(appointment),
        }
        for column, path in APPOINTMENT_PATHS.items():
            where.place(column, where.appointment, path, values[column], MISSING.get(column))
        if re.fullmatch(r"\d{4}(-\d{2})?", created):
            where.reasons["booked_at"] = (created, "gives only the year or month: Attend needs the day it was booked")
        if specialty and not re.fullmatch(r"\d{3}", specialty):
            where.reasons["specialty_code"] = (specialty, f"{specialty} is not a treatment function code: add a coding "
                                               f"from {sorted(maps.TREATMENT_FUNCTION_SYSTEMS)[0]}")  # fmt: skip
        return values

    def _attendance_code(self, status: str, start: str) -> str:
        if status == "entered-in-error":
            pas_id = identifier(self.appointment) or str(self.appointment.get("id", ""))
            raise Withdrawn(maps.ENTERED_IN_ERROR, pas_id=pas_id)
        if status in maps.SKIPPED_STATUSES:
            raise Skipped(maps.SKIPPED_STATUSES[status], column="attendance_code", value=status)
        if status in maps.OPEN_STATUSES:
            if not start and status in ("proposed", "pending"):
                raise Skipped(maps.UNSCHEDULED_REASON.format(status=status), column="attendance_code", value=status)
            return ""
        if status in maps.OUTCOME_STATUSES:
            return maps.OUTCOME_STATUSES[status]
        if status == "cancelled":
            return _cancellation_code(self.appointment)
        raise Skipped(NOT_A_STATUS, column="attendance_code", value=status)

    def _site(self) -> str:
        where = self.where
        if "Location" not in self.actors:
            where.place("site_code", where.appointment, "Appointment.participant", "")
            where.reasons["site_code"] = ("", "missing: no participant Location, so no ODS site code (add a Location "
                                          f"with an identifier of system {ODS_SITE_SYSTEMS[0]})")  # fmt: skip
            return ""
        location, name = self.actors["Location"]
        ods = identifier(location, ODS_SITE_SYSTEMS)
        if ods:
            where.place("site_code", name, "Location.identifier:ods-site-code", ods)
            return ods
        site = str(location.get("id", ""))
        where.place("site_code", name, "Location.id", site)
        where.reasons["site_code"] = (site, f"the Location has no identifier of system {ODS_SITE_SYSTEMS[0]}, and "
                                      f"its id {site!r} is not an ODS site code")  # fmt: skip
        return site

    def _clinic(self, site: str, specialty: str) -> str:
        """HealthcareService, else the Location's own code, else the service type or specialty at the site."""
        where, appointment = self.where, self.appointment
        if "HealthcareService" in self.actors:
            service, name = self.actors["HealthcareService"]
            code = identifier(service) or str(service.get("id", ""))
            where.place("clinic_code", name, "HealthcareService.identifier", code)
            return code
        if "Location" in self.actors:
            location, name = self.actors["Location"]
            code = identifier(location, exclude=ODS_SITE_SYSTEMS)
            if code:
                where.place("clinic_code", name, "Location.identifier", code)
                return code
        service_type = next((str(c["code"]) for c in codings(appointment.get("serviceType")) if c.get("code")), "")
        code, path = (service_type, "Appointment.serviceType") if service_type else (specialty, "Appointment.specialty")
        clinic = f"{site}-{code}" if site and code else ""
        where.place("clinic_code", where.appointment, path, clinic)
        where.reasons["clinic_code"] = ("", "missing: no HealthcareService, Location code, serviceType or specialty")
        return clinic


class PatientRow:
    def __init__(self, patient: dict, name: str, where: Where) -> None:
        self.patient, self.name, self.where = patient, name, where

    def values(self) -> dict[str, str]:
        patient = self.patient
        mobile, other = _phones(patient)
        addresses = patient.get("address") or [{}]
        address = next((a for a in addresses if a.get("use") == "home"), addresses[0])
        language, sign_language = _language(patient)
        interpreter = extension(patient, INTERPRETER_EXTENSION).get("valueBoolean")
        if sign_language:
            interpreter = True
        names = patient.get("name") or [{}]
        values = {
            "patient_id": _patient_key(patient),
            "nhs_number": identifier(patient, (NHS_NUMBER_SYSTEM,)),
            "date_of_birth": str(patient.get("birthDate", "")),
            "sex": GENDERS.get(patient.get("gender", ""), "U"),
            "postcode": str(address.get("postalCode", "")),
            "phone": mobile,
            "other_phone": other,
            "language": language,
            "interpreter_required": "" if interpreter is None else ("Y" if interpreter else "N"),
            "ethnicity": first_code(extension(patient, ETHNICITY_EXTENSION).get("valueCodeableConcept")),
            "given_name": " ".join(names[0].get("given", []) or []),
            "family_name": str(names[0].get("family", "")),
            "date_of_death": _deceased(patient),
        } | _address_lines(address)
        for column, path in PATIENT_PATHS.items():
            self.where.place(column, self.name, path, values[column], MISSING.get(column))
        if "not in the Bundle" in self.name:
            self.where.reasons["date_of_birth"] = ("", "missing: the Patient is not in the Bundle; include it")
        return values


def _address_lines(address: dict) -> dict[str, str]:
    """address_line_1 … 6 for letters: Address.line in order, then the city and the district
    (the postcode is its own column); lines past the sixth are joined onto the sixth."""
    lines = [str(line).strip() for line in address.get("line", []) or []]
    lines += [str(address.get(part, "")).strip() for part in ("city", "district")]
    lines = [line for line in lines if line]
    if len(lines) > 6:
        lines[5:] = [", ".join(lines[5:])]
    lines += [""] * (6 - len(lines))
    return {f"address_line_{number}": line for number, line in enumerate(lines, start=1)}


def _deceased(patient: dict) -> str:
    """Patient.deceasedDateTime's day, or Y / N for deceasedBoolean, or blank when neither is given."""
    when = patient.get("deceasedDateTime")
    if when:
        return str(when)[:10] if re.match(r"^\d{4}-\d{2}-\d{2}", str(when)) else str(when)
    flag = patient.get("deceasedBoolean")
    return "" if flag is None else ("Y" if flag is True else "N")


def _phones(patient: dict) -> tuple[str, str]:
    """(the telecom phone with use `mobile`, else the first; the first other phone), in rank order,
    leaving out numbers whose use is `old` (no longer in use)."""
    phones = [
        telecom
        for telecom in patient.get("telecom", []) or []
        if telecom.get("system") in ("phone", "sms") and telecom.get("use") != "old" and telecom.get("value")
    ]
    phones.sort(key=lambda telecom: telecom.get("rank") or 2**31)
    first = next((t for t in phones if t.get("use") == "mobile"), phones[0] if phones else None)
    other = next((t for t in phones if t is not first), None)
    return (str(first["value"]) if first else ""), (str(other["value"]) if other else "")


def _patient_key(patient: dict) -> str:
    """The local hospital number; else the NHS number; else a stable key from the Patient's id."""
    identifiers = [i for i in patient.get("identifier", []) or [] if i.get("system") != NHS_NUMBER_SYSTEM]
    local = next((i for i in identifiers if first_code(i.get("type")) == "MR" and i.get("value")), None)
    local = local or next((i for i in identifiers if i.get("value")), None)
    if local is not None:
        return str(local["value"])
    nhs = re.sub(r"[\s-]", "", identifier(patient, (NHS_NUMBER_SYSTEM,)))
    if re.fullmatch(r"\d{10}", nhs) and _nhs_number_checks(nhs):
        return nhs
    resource_id = str(patient.get("id", ""))
    if not resource_id:
        return ""
    key = f"fhir:{resource_id}"
    return key if len(key) <= PATIENT_KEY_LIMIT else "fhir:" + hashlib.sha256(resource_id.encode()).hexdigest()[:27]


def _nhs_number_checks(digits: str) -> bool:
    try:
        normalise_nhs_number(digits)
    except ValueError:
        return False
    return True


def _booked_at(created: str) -> str:
    """R4's created is a dateTime, which may be a date alone: that day at local midnight (no offset
    means local time to the validator), exactly as the CSV importer reads a date-only booked_at."""
    return f"{created}T00:00" if re.fullmatch(r"\d{4}-\d{2}-\d{2}", created) else created


def _treatment_function(concepts: list | None) -> str:
    found_codings = codings(concepts)
    for choose in (
        lambda c: c.get("system") in maps.TREATMENT_FUNCTION_SYSTEMS,
        lambda c: re.fullmatch(r"\d{3}", str(c.get("code", ""))),
        lambda c: True,
    ):
        found = next((str(c["code"]) for c in found_codings if c.get("code") and choose(c)), "")
        if found:
            return found
    return ""


def _cancellation_code(appointment: dict) -> str:
    """2 (patient) or 4 (provider) from the reason: R4's cancelationReason, or R5's spelling, which
    UK Core examples use. Unknown or unstated: 4, as nothing says the patient cancelled."""
    reason = appointment.get("cancelationReason") or appointment.get("cancellationReason")
    for coding in (reason or {}).get("coding", []) or []:
        if (
            coding.get("system") in (None, "", maps.CANCELLATION_SYSTEM)
            and coding.get("code") in maps.CANCELLATION_REASONS
        ):
            return maps.CANCELLATION_REASONS[coding["code"]][0]
    return maps.UNSTATED_CANCELLATION


def _language(patient: dict) -> tuple[str, bool]:
    """(the code Attend stores, whether it is a sign language) from the preferred communication."""
    communications = patient.get("communication") or []
    preferred = next((c for c in communications if c.get("preferred")), communications[0] if communications else {})
    codings = (preferred.get("language") or {}).get("coding", []) or []
    readable = (maps.BCP47_SYSTEM, None, "", *maps.UKCORE_LANGUAGE_SYSTEMS)
    for coding in codings:
        if coding.get("code") and coding.get("system") in readable:
            return maps.attend_language(str(coding["code"]))
    return first_code(preferred.get("language")), False


def _medium(appointment: dict) -> str:
    channel = extension(appointment, maps.DELIVERY_CHANNEL_EXTENSION)
    if channel:
        code = channel.get("valueCode") or first_code(channel.get("valueCodeableConcept"))
        return maps.DELIVERY_CHANNELS.get(str(code).lower(), str(code))  # an unknown channel is reported
    if appointment.get("virtualService") or extension(appointment, VIRTUAL_SERVICE_EXTENSION):
        return "video"
    if any((c.get("system"), c.get("code")) == TELEPHONE_ENCOUNTER for c in codings(appointment.get("serviceType"))):
        return "telephone"
    return ""  # blank is face to face


class Skipped(ValueError):
    """An Appointment that does not become a row, with the column and element the reason is about."""

    def __init__(self, reason: str, *, column: str, value: str = "", path: str = "Appointment.status") -> None:
        super().__init__(reason)
        self.column, self.value, self.path = column, value, path


class Withdrawn(Skipped):
    """An entered-in-error Appointment: the PAS says it never existed (`pas_id` is its id, or "")."""

    def __init__(self, reason: str, *, pas_id: str) -> None:
        super().__init__(reason, column="attendance_code", value="entered-in-error")
        self.pas_id = pas_id
