"""The code tables the FHIR reader maps through: FHIR R4 and UK Core codes → Attend's values.

Kept apart from `fhir.py` so the tables can be read (and copied into the README) whole.
Each table is the complete code system it names, so a code missing from it is a code the
standard does not have, and is reported rather than guessed.
"""

from __future__ import annotations

from appointments.models import AttendanceCode
from patients.languages import SIGN_LANGUAGES

PATIENT_CANCELLED = str(AttendanceCode.PATIENT_CANCELLED.value)
HOSPITAL_CANCELLED = str(AttendanceCode.HOSPITAL_CANCELLED.value)

# --- Appointment.status (R4 AppointmentStatus, required binding) ---------------------------
# booked, arrived, checked-in: the appointment stands and its outcome is not yet known.
# proposed, pending: not every participant has accepted; imported as upcoming once it has a
# start (R4's app-3 invariant lets a proposed appointment leave start out; then it is skipped).
OPEN_STATUSES = frozenset({"booked", "arrived", "checked-in", "proposed", "pending"})
OUTCOME_STATUSES = {
    "fulfilled": str(AttendanceCode.ATTENDED.value),
    "noshow": str(AttendanceCode.DID_NOT_ATTEND.value),
}
# Statuses that are not an appointment Attend can act on: the entry is skipped, with this reason.
SKIPPED_STATUSES = {
    "waitlist": (
        "waitlist: the patient is on a waiting list and no appointment is booked yet, so there is "
        "nothing to remind or call about; it is imported once the PAS books it"
    ),
}
ENTERED_IN_ERROR = (
    "entered-in-error: the PAS says this Appointment was recorded by mistake and never existed: an "
    "earlier import of it is withdrawn (its reminders and calls stop, and it leaves every report); "
    "one never imported is not imported"
)
UNSCHEDULED_REASON = (
    "{status} with no Appointment.start: a request not yet given a time, so there is nothing to remind "
    "or call about; it is imported once it has a start"
)

# --- Appointment.cancelationReason → NHS attendance code -----------------------------------
# Every code of http://terminology.hl7.org/CodeSystem/appointment-cancellation-reason (the R4
# example binding; 32 codes). The NHS Data Dictionary's "attended or did not attend" has two
# cancellation codes: 2 (cancelled by, or on behalf of, the patient) and 4 (cancelled or
# postponed by the health care provider). The code system's own hierarchy says who: the `pat`
# codes are the patient's (2); `prov` codes and every other code (equipment, preparation,
# rooms, orders, interpreters, weather, errors) are the provider's decision (4). A cancelled
# appointment without a reason, or with a code outside this table, is 4: nothing says the
# patient cancelled, and a patient cancellation counts against the patient in the risk model.
CANCELLATION_SYSTEM = "http://terminology.hl7.org/CodeSystem/appointment-cancellation-reason"
CANCELLATION_REASONS: dict[str, tuple[str, str]] = {
    "pat": (PATIENT_CANCELLED, "Patient"),
    "pat-cpp": (PATIENT_CANCELLED, "Patient: Canceled via Patient Portal"),
    "pat-crs": (PATIENT_CANCELLED, "Patient: Canceled via automated reminder system"),
    "pat-dec": (PATIENT_CANCELLED, "Patient: Deceased"),
    "pat-fb": (PATIENT_CANCELLED, "Patient: Feeling Better"),
    "pat-lt": (PATIENT_CANCELLED, "Patient: Lack of Transportation"),
    "pat-mt": (PATIENT_CANCELLED, "Patient: Member Terminated"),
    "pat-mv": (PATIENT_CANCELLED, "Patient: Moved"),
    "pat-preg": (PATIENT_CANCELLED, "Patient: Pregnant"),
    "pat-swl": (PATIENT_CANCELLED, "Patient: Scheduled from Wait List"),
    "pat-ucp": (PATIENT_CANCELLED, "Patient: Unhappy/Changed Provider"),
    "prov": (HOSPITAL_CANCELLED, "Provider"),
    "prov-dch": (HOSPITAL_CANCELLED, "Provider: Discharged"),
    "prov-edu": (HOSPITAL_CANCELLED, "Provider: Edu/Meeting"),
    "prov-hosp": (HOSPITAL_CANCELLED, "Provider: Hospitalized"),
    "prov-labs": (HOSPITAL_CANCELLED, "Provider: Labs Out of Acceptable Range"),
    "prov-mri": (HOSPITAL_CANCELLED, "Provider: MRI Screening Form Marked Do Not Proceed"),
    "prov-onc": (HOSPITAL_CANCELLED, "Provider: Oncology Treatment Plan Changes"),
    "prov-pers": (HOSPITAL_CANCELLED, "Provider: Personal"),
    "maint": (HOSPITAL_CANCELLED, "Equipment Maintenance/Repair"),
    "meds-inc": (HOSPITAL_CANCELLED, "Prep/Med Incomplete"),
    "other": (HOSPITAL_CANCELLED, "Other"),
    "oth-cms": (HOSPITAL_CANCELLED, "Other: CMS Therapy Cap Service Not Authorized"),
    "oth-err": (HOSPITAL_CANCELLED, "Other: Error"),
    "oth-fin": (HOSPITAL_CANCELLED, "Other: Financial"),
    "oth-int": (HOSPITAL_CANCELLED, "Other: No Interpreter Available"),
    "oth-iv": (HOSPITAL_CANCELLED, "Other: Improper IV Access/Infiltrate IV"),
    "oth-mu": (HOSPITAL_CANCELLED, "Other: Prep/Med/Results Unavailable"),
    "oth-oerr": (HOSPITAL_CANCELLED, "Other: Schedule Order Error"),
    "oth-room": (HOSPITAL_CANCELLED, "Other: Room/Resource Maintenance"),
    "oth-swie": (HOSPITAL_CANCELLED, "Other: Silent Walk In Error"),
    "oth-weath": (HOSPITAL_CANCELLED, "Other: Weather"),
}
UNSTATED_CANCELLATION = HOSPITAL_CANCELLED

# --- UK Core DeliveryChannel extension → medium ----------------------------------------------
# https://fhir.hl7.org.uk/CodeSystem/UKCore-DeliveryChannel (complete, case-sensitive; matched
# here without case). Version 1 of the extension carries valueCode, version 2 a
# valueCodeableConcept: both are read.
DELIVERY_CHANNEL_EXTENSION = "https://fhir.hl7.org.uk/StructureDefinition/Extension-UKCore-DeliveryChannel"
DELIVERY_CHANNELS = {"in-person": "face_to_face", "telephone": "telephone", "video": "video"}

# --- Appointment.specialty → treatment function code -----------------------------------------
# Code systems whose codes are NHS treatment function codes (three digits). A coding from one of
# these wins; otherwise any coding whose code is three digits; otherwise the first code, which
# is then reported as not a treatment function code (e.g. the SNOMED CT practice codes of the
# HL7 examples).
TREATMENT_FUNCTION_SYSTEMS = frozenset({
    "https://fhir.hl7.org.uk/CodeSystem/UKCore-PracticeSettingCode",
    "https://fhir.hl7.org.uk/CodeSystem/UKCore-PracticeSettingCodeEngland",
    "https://fhir.nhs.uk/CodeSystem/Specialty-1",
})  # fmt: skip

# --- Patient.communication.language → preferred language -------------------------------------
# FHIR codes a language in BCP 47 (urn:ietf:bcp:47): the primary subtag is ISO 639-1 where a
# language has a two-letter code (en, pl, ur) and ISO 639-3 where it has none, as every sign
# language does. Attend keeps the primary subtag, so British Sign Language stays `bfi` (before,
# it became English). UK Core's HumanLanguage codes (the NHS Data Dictionary's) are ISO 639-1
# plus q1 Braille, q2 American, q3 Australian and q4 British Sign Language and q5 Makaton; their
# sign languages are stored under their BCP 47 code so one language has one code in Attend.
# A sign language means the patient needs an interpreter at the appointment (a BSL/English
# interpreter for a hearing clinician), so it sets interpreter_required whatever the
# interpreterRequired extension says.
BCP47_SYSTEM = "urn:ietf:bcp:47"
UKCORE_LANGUAGE_SYSTEMS = frozenset({
    "https://fhir.hl7.org.uk/CodeSystem/UKCore-HumanLanguage",
    "https://fhir.nhs.uk/R4/CodeSystem/CodeSystem-UKCore-HumanLanguage",
    "https://fhir.nhs.uk/CodeSystem/UKCore-HumanLanguage",
})  # fmt: skip
# Tags BCP 47 still recognises from before sign languages had their own subtags (sgn-GB is BSL).
SIGN_LANGUAGE_REGION_TAGS = {
    "sgn-gb": "bfi", "sgn-ie": "isg", "sgn-us": "ase", "sgn-fr": "fsl", "sgn-de": "gsg", "sgn-es": "ssp",
    "sgn-it": "ise", "sgn-pt": "psr", "sgn-nl": "dse", "sgn-se": "swl", "sgn-dk": "dsl", "sgn-no": "nsl",
    "sgn-gr": "gss", "sgn-jp": "jsl", "sgn-br": "bzs", "sgn-mx": "mfs", "sgn-za": "sfs",
}  # fmt: skip
UKCORE_SIGN_LANGUAGES = {"q2": "ase", "q3": "asf", "q4": "bfi"}


def attend_language(tag: str) -> tuple[str, bool]:
    """(the code Attend stores, whether it is a sign language) for a BCP 47 tag or UK Core code."""
    tag = tag.strip().lower().replace("_", "-")
    if tag in SIGN_LANGUAGE_REGION_TAGS:
        return SIGN_LANGUAGE_REGION_TAGS[tag], True
    primary = tag.split("-")[0]
    primary = UKCORE_SIGN_LANGUAGES.get(primary, primary)
    return primary, primary in SIGN_LANGUAGES
