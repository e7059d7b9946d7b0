"""The synthetic trust: an explicit model of outpatient attendance for the demo,
the tests and the benchmarks.

Nothing here is real patient data. Because the data are generated from a known model,
tests can check what Attend recovers from them (that the risk model ranks people by
the true risk, that DNA rates rise with deprivation, that a pilot's known effect is
estimated correctly).

## Geography
`lsoa_count` synthetic LSOAs with codes shaped like English 2011 LSOA codes but in
a range no real LSOA uses (E019xxxxx). Their IMD 2019 deciles are drawn with the
skew of an urban trust's catchment (more deprived than England as a whole).
Postcodes are in an invented area, "AT" (no real postcode area uses it), shaped like
real ones ("AT7 3QD"), a handful per LSOA. Phones are in Ofcom's drama range
(07700 900000–900999), NHS numbers in the 999 test range.

## Attendance
Each past appointment is first cancelled with a fixed chance (by the patient 6%, by
the hospital 5%). Otherwise the patient does not attend with probability

    p = logistic(INTERCEPT + deprivation + age + earlier DNAs + lead time + follow-up
                 + weekday + time of day + specialty + sex + medium + interpreter + u)

where `u ~ Normal(0, PATIENT_SD)` is the patient's own propensity, constant over
time (some people miss appointments again and again; history reveals it). The
coefficients are the constants below. With the defaults, overall DNA rate is about
7.5%; the most deprived decile's rate is about twice the least deprived's; ages
18–29 have the highest rate; each earlier DNA raises the odds steeply; longer
booking lead times and follow-ups raise it; Mondays and Fridays are worse.

Real attendance is not additive, and neither is this model. These interactions are
what the published work and the case study describe, and what a risk model has to
find for itself (a logistic regression on the same inputs cannot represent them):

- Travel: deprivation weighs on appointments the patient must travel to. Its effect
  is full for face-to-face appointments, a third for video and none for telephone.
- Young and deprived: adults aged 18–29 in the three most deprived deciles carry an
  extra `YOUNG_DEPRIVED_EFFECT` (the case study saw rates up to four times the average).
- Recency: an earlier DNA counts in full for a year, then `OLD_DNA_WEIGHT` of that.
- Forgetting: lead time matters more to people who have missed before. The lead-time
  slope is multiplied by `FORGETFUL_LEAD_MULTIPLIER` once the patient has a DNA.
- Time of day: the first slot of the morning (before 09:00) and the late afternoon
  (from 15:00) are both worse than the middle of the day.

## A past pilot
`seed_demo` also runs a pilot in the past (demo/pilot.py), so a director has an evaluation to
read: over the `PILOT_WEEKS` weeks before today, appointments whose true DNA probability was at
least `PILOT_MIN_RISK` (standing in for the risk model's high band) are randomised 1:1 by Attend's
own allocation (stratified by IMD quintile, permuted blocks). The intervention arm is called;
for a patient the call reaches (in either arm: control patients can ask for one) the odds of a
DNA are multiplied by `PILOT_ODDS_RATIO`, using the same uniform draw, so support only ever turns
a DNA into an attendance. Reminders, calls and support are simulated there. Later appointments'
histories are not redrawn (no spill-over).

A DNA is coded 3 (did not attend) or, one time in ten, 7 (arrived too late to be
seen); an attendance 5, or one time in twenty 6 (late but seen).

Same seed and same `today` give the same data.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import numpy as np

from patients.identifiers import synthetic_nhs_number
from patients.models import age_band

LONDON = ZoneInfo("Europe/London")
YEAR = timedelta(days=365)

# --- The attendance model --------------------------------------------------------------
INTERCEPT = -5.0
PATIENT_SD = 0.85
# Per decile below 10: the most deprived decile has about twice the odds of the least.
DEPRIVATION_PER_DECILE = 0.06
# Share of the deprivation effect by medium (travel is what deprivation makes hard).
DEPRIVATION_BY_MEDIUM = {"face_to_face": 1.0, "telephone": 0.0, "video": 1 / 3}
AGE_EFFECT = {"0-17": 0.15, "18-29": 0.85, "30-44": 0.5, "45-64": 0.0, "65-79": -0.4, "80+": -0.15}
YOUNG_DEPRIVED_EFFECT = 0.8  # ages 18–29 living in deciles 1–3
PRIOR_DNA_EFFECT = 0.55  # per earlier DNA in the last year …
OLD_DNA_WEIGHT = 0.35  # … this share of it for an older one …
PRIOR_DNA_CAP = 4  # … counting at most this many
LEAD_TIME_PER_WEEK = 0.06  # per week between booking and appointment …
LEAD_TIME_CAP_WEEKS = 20  # … up to this many weeks …
FORGETFUL_LEAD_MULTIPLIER = 3.0  # … and this many times steeper once the patient has missed one
FOLLOW_UP_EFFECT = 0.3
WEEKDAY_EFFECT = (0.2, 0.0, -0.05, 0.05, 0.25)  # Monday … Friday
EARLY_MORNING_EFFECT = 0.5  # appointments before 09:00
LATE_AFTERNOON_EFFECT = 0.2  # appointments from 15:00
MALE_EFFECT = 0.1
MEDIUM_EFFECT = {"face_to_face": 0.0, "telephone": -0.4, "video": -0.1}
INTERPRETER_EFFECT = 0.25
PILOT_WEEKS = 16
PILOT_MIN_RISK = 0.15
PILOT_ODDS_RATIO = 0.65
PATIENT_CANCELS = 0.06
HOSPITAL_CANCELS = 0.05

# Real treatment function codes, with each specialty's own effect on DNA odds.
SPECIALTIES: tuple[tuple[str, str, float], ...] = (
    ("100", "General Surgery", 0.0),
    ("101", "Urology", -0.1),
    ("110", "Trauma and Orthopaedics", -0.05),
    ("120", "Ear Nose and Throat", 0.1),
    ("130", "Ophthalmology", -0.2),
    ("300", "General Internal Medicine", 0.15),
    ("301", "Gastroenterology", 0.2),
    ("320", "Cardiology", -0.15),
    ("330", "Dermatology", 0.3),
    ("340", "Respiratory Medicine", 0.25),
)
SITES: tuple[tuple[str, str, str], ...] = (
    ("RAT01", "Attend General Hospital", "Bus 4 and 17 stop at the main entrance. Pay and display parking."),
    ("RAT02", "Northfield Community Hospital", "Bus 22 from the city centre. Free parking behind the hospital."),
    ("RAT03", "Riverside Treatment Centre", "Ten minutes' walk from the railway station. No on-site parking."),
)
# Catchment decile distribution (1 = most deprived): an urban trust, skewed deprived.
DECILE_WEIGHTS = (0.14, 0.13, 0.12, 0.11, 0.10, 0.09, 0.09, 0.08, 0.07, 0.07)
AGE_BANDS_DRAW = (("0-17", 0, 17, 0.12), ("18-29", 18, 29, 0.14), ("30-44", 30, 44, 0.17),
                  ("45-64", 45, 64, 0.27), ("65-79", 65, 79, 0.21), ("80+", 80, 95, 0.09))  # fmt: skip
ETHNICITIES = (("A", 0.72), ("B", 0.01), ("C", 0.05), ("D", 0.01), ("E", 0.005), ("F", 0.01), ("G", 0.005),
               ("H", 0.03), ("J", 0.04), ("K", 0.015), ("L", 0.01), ("M", 0.01), ("N", 0.03), ("P", 0.005),
               ("R", 0.005), ("S", 0.01), ("Z", 0.02), ("99", 0.02))  # fmt: skip
# Languages other than English spoken by some people of each ethnic category.
OTHER_LANGUAGES = {"C": ("pl", "ro", "lt"), "J": ("ur", "pa"), "K": ("bn", "syl"), "H": ("pa", "gu"),
                   "N": ("so", "ti", "ar"), "R": ("zh",), "S": ("ar", "fa", "ku")}  # fmt: skip
GIVEN_NAMES = ("Olivia", "Amelia", "Isla", "Ava", "Mia", "Grace", "Aisha", "Zainab", "Maja", "Chloe", "Oliver",
               "George", "Noah", "Arthur", "Muhammad", "Leo", "Harry", "Jack", "Kacper", "Ahmed", "Dylan",
               "Rhys")  # fmt: skip
FAMILY_NAMES = ("Smith", "Jones", "Taylor", "Brown", "Williams", "Wilson", "Johnson", "Davies", "Patel", "Khan",
                "Ahmed", "Hussain", "Evans", "Thomas", "Roberts", "Nowak", "Kowalski", "Begum", "Ali",
                "Walker")  # fmt: skip


def logistic(x: float) -> float:
    return 1.0 / (1.0 + math.exp(-x))


def dna_log_odds(
    *,
    imd_decile: int,
    age_band: str,
    recent_dnas: int,
    older_dnas: int,
    lead_days: int,
    follow_up: bool,
    weekday: int,
    hour: int,
    specialty_effect: float,
    male: bool,
    medium: str,
    interpreter: bool,
    patient_effect: float,
) -> float:
    """The model above as a function: the log-odds that a (not cancelled) appointment is a DNA.

    `recent_dnas` are the patient's DNAs in the year before this appointment, `older_dnas` the rest."""
    deprived = 10 - imd_decile
    earlier = min(recent_dnas + OLD_DNA_WEIGHT * older_dnas, PRIOR_DNA_CAP)
    lead_slope = LEAD_TIME_PER_WEEK * (FORGETFUL_LEAD_MULTIPLIER if recent_dnas + older_dnas else 1.0)
    return (
        INTERCEPT
        + DEPRIVATION_PER_DECILE * deprived * DEPRIVATION_BY_MEDIUM[medium]
        + AGE_EFFECT[age_band]
        + (YOUNG_DEPRIVED_EFFECT if age_band == "18-29" and imd_decile <= 3 else 0.0)
        + PRIOR_DNA_EFFECT * earlier
        + lead_slope * min(lead_days / 7, LEAD_TIME_CAP_WEEKS)
        + (FOLLOW_UP_EFFECT if follow_up else 0.0)
        + WEEKDAY_EFFECT[weekday]
        + (EARLY_MORNING_EFFECT if hour < 9 else LATE_AFTERNOON_EFFECT if hour >= 15 else 0.0)
        + specialty_effect
        + (MALE_EFFECT if male else 0.0)
        + MEDIUM_EFFECT[medium]
        + (INTERPRETER_EFFECT if interpreter else 0.0)
        + patient_effect
    )


@dataclass(frozen=True)
class Area:
    lsoa_code: str
    imd_decile: int
    imd_rank: int
    postcodes: tuple[str, ...]


@dataclass
class SyntheticPatient:
    hospital_number: str
    nhs_number: str
    given_name: str
    family_name: str
    date_of_birth: date
    sex: str
    ethnic_category: str
    area: Area
    postcode: str
    mobile: str
    preferred_language: str
    interpreter_required: bool
    sms_opt_out: bool
    patient_effect: float
    # Postal address lines before the postcode (invented: see `synthetic_address`); empty for some.
    address_lines: tuple[str, ...] = ()


@dataclass
class SyntheticAppointment:
    pas_id: str
    patient: SyntheticPatient
    clinic_code: str
    specialty_code: str
    site_code: str
    starts_at: datetime
    booked_at: datetime
    appointment_type: str
    medium: str
    attendance_code: int
    # The model's own probability of a DNA (None for a cancelled one): for tests only.
    true_dna_probability: float | None = None
    # The uniform draw that decided the outcome (a DNA if below the probability), so a
    # simulated intervention can redraw it coupled: see `attended_with_support`.
    outcome_draw: float | None = None


@dataclass
class SyntheticClinic:
    code: str
    name: str
    site_code: str
    specialty_code: str


@dataclass
class SyntheticTrust:
    areas: list[Area]
    clinics: list[SyntheticClinic]
    patients: list[SyntheticPatient]
    appointments: list[SyntheticAppointment] = field(default_factory=list)


def attended_with_support(appointment: SyntheticAppointment) -> bool:
    """Whether a DNA would have been an attendance had the pilot's support multiplied its odds
    by PILOT_ODDS_RATIO (the same draw against the lower probability)."""
    p = appointment.true_dna_probability
    if p is None or appointment.outcome_draw is None:
        return False
    odds = p / (1 - p) * PILOT_ODDS_RATIO
    return appointment.outcome_draw >= odds / (1 + odds) and appointment.outcome_draw < p


# Invented streets in an invented town: with the "AT" postcodes (no real UK postcode area) no
# synthetic address can be a real person's.
STREETS = ("Alder Row", "Bramble Way", "Cobbler's Lane", "Dovecote Street", "Elmfield Road", "Foundry Close",
           "Gasworks Terrace", "Hatter's Walk", "Ironstone Avenue", "Jubilee Crescent", "Kiln Yard",
           "Larkspur Drive", "Millrace Road", "Nettle Grove", "Orchard Mews", "Pinfold Street", "Quarry Bank",
           "Ropewalk", "Saddler Street", "Tannery Lane", "Underhill Road", "Viaduct Street", "Weaver's Court",
           "Yew Tree Place")  # fmt: skip
BLOCKS = ("Ashby House", "Brook Court", "Canal View", "Deacon Tower", "Fairholme", "Prospect House")
TOWN = "Attendale"
HAS_ADDRESS = 0.97  # a few PAS records carry no usable address, as in real extracts
ADDRESS_SEED = 20_260_601


def synthetic_address(patient_number: int, district: str) -> tuple[str, ...]:
    """A plausible UK address (flat or house, street, district, town) for the `patient_number`th
    synthetic patient, from a stream of its own so adding addresses changed no other draw."""
    rng = np.random.default_rng([ADDRESS_SEED, patient_number])
    if rng.random() >= HAS_ADDRESS:
        return ()
    street = f"{int(rng.integers(1, 180))} {STREETS[int(rng.integers(0, len(STREETS)))]}"
    if rng.random() < 0.25:  # a flat in a block, as many are in the more deprived inner districts
        flat = f"Flat {int(rng.integers(1, 40))}, {BLOCKS[int(rng.integers(0, len(BLOCKS)))]}"
        return (flat, street, district, TOWN)
    return (street, district, TOWN)


# Every synthetic LSOA code starts with this (E019xxxxx); no real LSOA code does.
SYNTHETIC_LSOA_PREFIX = "E019"


def make_areas(rng: np.random.Generator, count: int) -> list[Area]:
    """Synthetic LSOAs, each with a few postcodes in the invented "AT" area.

    Deprivation clusters by district as it does in real cities: low district numbers
    are the inner, more deprived ones.
    """
    deciles = np.sort(rng.choice(np.arange(1, 11), size=count, p=DECILE_WEIGHTS))
    codes = rng.choice(np.arange(900_000, 1_000_000), size=count, replace=False)
    areas: list[Area] = []
    used: set[str] = set()
    for index, (decile, code) in enumerate(zip(deciles, codes, strict=True)):
        district = 1 + index * 20 // count
        postcodes = []
        while len(postcodes) < int(rng.integers(3, 9)):
            unit = "".join(rng.choice(list("ABDEFGHJLNPQRSTUWXYZ"), size=2))
            postcode = f"AT{district} {int(rng.integers(1, 10))}{unit}"
            if postcode not in used:
                used.add(postcode)
                postcodes.append(postcode)
        # Ranks are 1 (most deprived) to 32,844 as in the real IMD 2019, within the decile's band.
        rank = int((decile - 1) * 3284.4 + rng.integers(1, 3284))
        areas.append(Area(f"E01{code:06d}", int(decile), rank, tuple(postcodes)))
    return areas


def make_clinics(rng: np.random.Generator) -> list[SyntheticClinic]:
    clinics = []
    for tfc, name, _ in SPECIALTIES:
        sites = rng.choice(len(SITES), size=int(rng.integers(2, 4)), replace=False)
        for site_index in sorted(sites):
            site_code = SITES[site_index][0]
            clinics.append(SyntheticClinic(f"{site_code}-{tfc}", f"{name}, {SITES[site_index][1]}", site_code, tfc))
    return clinics


def make_patients(rng: np.random.Generator, count: int, areas: list[Area], today: date) -> list[SyntheticPatient]:
    band_weights = np.array([w for *_, w in AGE_BANDS_DRAW])
    eth_codes = [code for code, _ in ETHNICITIES]
    eth_weights = np.array([w for _, w in ETHNICITIES])
    eth_weights = eth_weights / eth_weights.sum()
    patients = []
    for n in range(count):
        area = areas[int(rng.integers(0, len(areas)))]
        band = AGE_BANDS_DRAW[int(rng.choice(len(AGE_BANDS_DRAW), p=band_weights / band_weights.sum()))]
        born = today - timedelta(days=int(rng.integers(band[1] * 365 + 1, (band[2] + 1) * 365 - 1)))
        sex = str(rng.choice(["F", "M", "X", "U"], p=[0.54, 0.452, 0.003, 0.005]))
        # More ethnic diversity in more deprived areas, as in English cities.
        diverse = area.imd_decile <= 4 or rng.random() < 0.5
        ethnicity = str(rng.choice(eth_codes, p=eth_weights)) if diverse else "A"
        language, interpreter = "en", False
        if ethnicity in OTHER_LANGUAGES and rng.random() < 0.35:
            language = str(rng.choice(OTHER_LANGUAGES[ethnicity]))
            interpreter = bool(rng.random() < 0.4)
        elif rng.random() < 0.01:
            language = "cy"
        has_mobile = rng.random() < 0.88
        patients.append(
            SyntheticPatient(
                hospital_number=f"DEMO{n + 1:07d}",
                nhs_number=synthetic_nhs_number(n * 11 + 1),
                given_name=str(rng.choice(GIVEN_NAMES)),
                family_name=str(rng.choice(FAMILY_NAMES)),
                date_of_birth=born,
                sex=sex,
                ethnic_category=ethnicity,
                area=area,
                postcode=str(rng.choice(area.postcodes)),
                mobile=f"+447700900{int(rng.integers(0, 1000)):03d}" if has_mobile else "",
                preferred_language=language,
                interpreter_required=interpreter,
                sms_opt_out=bool(rng.random() < 0.02),
                patient_effect=float(rng.normal(0.0, PATIENT_SD)),
            )
        )
        patients[-1].address_lines = synthetic_address(n + 1, _district_name(patients[-1].postcode))
    return patients


def _district_name(postcode: str) -> str:
    """The invented district a synthetic postcode's district (AT1 … AT20) stands for."""
    return f"{DISTRICTS[(int(postcode.split()[0][2:]) - 1) % len(DISTRICTS)]}"


DISTRICTS = ("Canal Side", "Old Town", "Foundry Fields", "St Agnes", "Millbrook", "Northfield", "Hatters Green",
             "Riverside", "Kilnhurst", "Westgate", "Brookvale", "Ashcombe", "Larkhill", "Orchard Park", "Highcroft",
             "Fernleigh", "Oakridge", "Wyvern Hill", "Linden Vale", "Elmstead")  # fmt: skip


def _slot(rng: np.random.Generator, day: date) -> datetime:
    minutes = 8 * 60 + 30 + 15 * int(rng.integers(0, 33))  # 08:30 to 16:30
    return datetime.combine(day, time(minutes // 60, minutes % 60), tzinfo=LONDON)


def _weekday_on_or_after(day: date) -> date:
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return day


def make_appointments(
    rng: np.random.Generator,
    patients: list[SyntheticPatient],
    clinics: list[SyntheticClinic],
    today: date,
    *,
    history_days: int = 730,
    future_days: int = 42,
) -> Iterator[SyntheticAppointment]:
    """Each patient's appointments in time order, outcomes drawn from the model above."""
    specialty_effect = {tfc: effect for tfc, _, effect in SPECIALTIES}
    by_specialty: dict[str, list[SyntheticClinic]] = {}
    for clinic in clinics:
        by_specialty.setdefault(clinic.specialty_code, []).append(clinic)
    specialty_codes = [tfc for tfc, _, _ in SPECIALTIES]
    now = datetime.combine(today, time(6, 0), tzinfo=LONDON)
    serial = 0
    for patient in patients:
        count = 1 + int(rng.negative_binomial(2, 0.34))  # mean about 4.9, long tail of frequent attenders
        specialties = [str(rng.choice(specialty_codes))]
        if rng.random() < 0.2:
            specialties.append(str(rng.choice(specialty_codes)))
        earliest = max(-history_days, (patient.date_of_birth - today).days + 7)  # never before birth
        offsets = np.sort(rng.integers(earliest, future_days, size=count))
        dna_times: list[datetime] = []
        seen_specialties: set[str] = set()
        for offset in offsets:
            tfc = specialties[int(rng.integers(0, len(specialties)))]
            clinic = by_specialty[tfc][int(rng.integers(0, len(by_specialty[tfc])))]
            day = _weekday_on_or_after(today + timedelta(days=int(offset)))
            starts_at = _slot(rng, day)
            follow_up = tfc in seen_specialties
            seen_specialties.add(tfc)
            lead_days = int(rng.gamma(2.0, 35.0 if follow_up else 18.0)) + 1
            booked_at = starts_at - timedelta(days=lead_days, hours=int(rng.integers(0, 8)))
            if booked_at > now:  # a future appointment was booked before today
                booked_at = now - timedelta(days=int(rng.integers(0, 10)), hours=int(rng.integers(1, 8)))
            medium = str(rng.choice(["face_to_face", "telephone", "video"], p=[0.85, 0.12, 0.03]))
            age = (
                day.year
                - patient.date_of_birth.year
                - ((day.month, day.day) < (patient.date_of_birth.month, patient.date_of_birth.day))
            )
            recent_dnas = sum(t > starts_at - YEAR for t in dna_times)
            probability = logistic(
                dna_log_odds(
                    imd_decile=patient.area.imd_decile,
                    age_band=age_band(age),
                    recent_dnas=recent_dnas,
                    older_dnas=len(dna_times) - recent_dnas,
                    lead_days=(starts_at - booked_at).days,
                    follow_up=follow_up,
                    weekday=starts_at.weekday(),
                    hour=starts_at.hour,
                    specialty_effect=specialty_effect[tfc],
                    male=patient.sex == "M",
                    medium=medium,
                    interpreter=patient.interpreter_required,
                    patient_effect=patient.patient_effect,
                )
            )
            code, true_probability, outcome_draw = 0, probability, None
            if starts_at < now:
                cancel_draw = rng.random()
                if cancel_draw < PATIENT_CANCELS:
                    code, true_probability = 2, None
                elif cancel_draw < PATIENT_CANCELS + HOSPITAL_CANCELS:
                    code, true_probability = 4, None
                else:
                    outcome_draw = rng.random()
                    if outcome_draw < probability:
                        code = 7 if rng.random() < 0.1 else 3
                        dna_times.append(starts_at)
                    else:
                        code = 6 if rng.random() < 0.05 else 5
            serial += 1
            yield SyntheticAppointment(
                pas_id=f"DEMO-A{serial:08d}",
                patient=patient,
                clinic_code=clinic.code,
                specialty_code=tfc,
                site_code=clinic.site_code,
                starts_at=starts_at,
                booked_at=booked_at,
                appointment_type="follow_up" if follow_up else "first",
                medium=medium,
                attendance_code=code,
                true_dna_probability=true_probability,
                outcome_draw=outcome_draw,
            )


def generate(*, patients: int, seed: int, today: date) -> SyntheticTrust:
    """The whole synthetic trust, deterministic in (patients, seed, today)."""
    rng = np.random.default_rng(seed)
    areas = make_areas(rng, max(60, patients // 40))
    clinics = make_clinics(rng)
    people = make_patients(rng, patients, areas, today)
    trust = SyntheticTrust(areas=areas, clinics=clinics, patients=people)
    trust.appointments = list(make_appointments(rng, people, clinics, today))
    return trust
