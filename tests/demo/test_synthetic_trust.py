"""The synthetic trust must show the patterns the product is meant to find."""

import json
from collections import defaultdict
from datetime import date

import pytest
from django.core.management import CommandError, call_command

from appointments.models import Appointment
from demo import synthetic
from demo.trust import load_synthetic_trust
from patients.deprivation.models import LsoaDeprivation, PostcodeLsoa
from patients.deprivation.quintiles import imd_quintile
from patients.deprivation.services import refresh_patient_deprivation
from patients.models import Patient, age_band
from tests.support.factories import PatientFactory

TODAY = date(2026, 11, 23)


@pytest.fixture(scope="module")
def trust():
    return synthetic.generate(patients=6000, seed=7, today=TODAY)


def _dna_rate(appointments):
    happened = [a for a in appointments if a.attendance_code in (3, 5, 6, 7)]
    return sum(a.attendance_code in (3, 7) for a in happened) / len(happened)


def _rate_by(trust, key):
    groups = defaultdict(list)
    for appointment in trust.appointments:
        groups[key(appointment)].append(appointment)
    return {group: _dna_rate(items) for group, items in groups.items()}


def test_overall_dna_rate_is_close_to_the_english_outpatient_average(trust):
    assert 0.065 <= _dna_rate(trust.appointments) <= 0.085


def test_the_most_deprived_quintile_misses_about_twice_as_often_as_the_least(trust):
    rates = _rate_by(trust, lambda a: imd_quintile(a.patient.area.imd_decile))
    assert 1.6 <= rates[1] / rates[5] <= 2.8
    assert rates[1] > rates[2] > rates[4] > rates[5]


def test_young_adults_have_the_highest_dna_rate(trust):
    rates = _rate_by(trust, lambda a: age_band((a.starts_at.date() - a.patient.date_of_birth).days // 365))
    assert max(rates, key=rates.get) == "18-29"


def test_dna_rate_rises_steeply_with_earlier_dnas(trust):
    earlier = defaultdict(int)
    by_history = defaultdict(list)
    for appointment in sorted(trust.appointments, key=lambda a: a.starts_at):
        key = appointment.patient.hospital_number
        by_history[min(earlier[key], 2)].append(appointment)
        earlier[key] += appointment.attendance_code in (3, 7)
    rates = {count: _dna_rate(items) for count, items in by_history.items()}
    assert rates[1] > 2 * rates[0]
    assert rates[2] > 1.5 * rates[1]


def test_follow_ups_and_long_lead_times_raise_the_rate(trust):
    by_type = _rate_by(trust, lambda a: a.appointment_type)
    assert by_type["follow_up"] > by_type["first"]
    by_lead = _rate_by(trust, lambda a: (a.starts_at - a.booked_at).days > 84)
    assert by_lead[True] > by_lead[False]


def test_there_are_two_years_of_outcomes_and_six_weeks_ahead(trust):
    days = [(a.starts_at.date() - TODAY).days for a in trust.appointments]
    assert min(days) >= -731 and max(days) <= 44
    future = [a for a in trust.appointments if a.starts_at.date() > TODAY]
    assert future and all(a.attendance_code == 0 for a in future)
    assert all(a.booked_at < a.starts_at for a in trust.appointments)


def test_the_same_seed_gives_the_same_trust():
    first = synthetic.generate(patients=300, seed=11, today=TODAY)
    again = synthetic.generate(patients=300, seed=11, today=TODAY)
    other = synthetic.generate(patients=300, seed=12, today=TODAY)

    def fingerprint(t):
        return [(a.pas_id, a.patient.nhs_number, a.starts_at, a.attendance_code) for a in t.appointments]

    assert fingerprint(first) == fingerprint(again)
    assert fingerprint(first) != fingerprint(other)


def test_synthetic_identifiers_cannot_belong_to_real_people(trust):
    assert all(p.nhs_number.startswith("999") for p in trust.patients)
    assert all(p.mobile == "" or p.mobile.startswith("+447700900") for p in trust.patients)
    assert all(p.postcode.startswith("AT") for p in trust.patients)


@pytest.mark.django_db
def test_seed_demo_writes_the_trust_and_prints_a_json_summary(capsys):
    call_command("seed_demo", "--patients", "200", "--seed", "3", "--today", "2026-11-23", "--json")
    summary = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert Patient.objects.count() == summary["patients"] == 200
    assert Appointment.objects.count() == summary["appointments"]
    assert Appointment.objects.filter(attendance_code=0).count() == summary["upcoming_appointments"] > 0
    assert summary["sites"] == 3 and summary["specialties"] == 10


@pytest.mark.django_db
def test_seed_demo_run_twice_replaces_the_demo_data_rather_than_adding_to_it():
    call_command("seed_demo", "--patients", "100", "--today", "2026-11-23")
    count = Appointment.objects.count()
    call_command("seed_demo", "--patients", "100", "--today", "2026-11-23")
    assert Appointment.objects.count() == count
    assert Patient.objects.count() == 100


@pytest.mark.django_db
def test_seed_demo_refuses_a_database_holding_real_patients_unless_told():
    PatientFactory(hospital_number="RX1234567")
    with pytest.raises(CommandError, match="seed_demo did not create"):
        call_command("seed_demo", "--patients", "50")
    assert Patient.objects.count() == 1
    call_command("seed_demo", "--patients", "50", "--allow-real-data")
    assert Patient.objects.filter(hospital_number="RX1234567").exists()


@pytest.mark.django_db
def test_demo_patients_get_their_deciles_from_the_reference_tables_by_the_deprivation_rule():
    trust = synthetic.generate(patients=200, seed=3, today=TODAY)
    load_synthetic_trust(trust)
    expected = {p.hospital_number: (p.area.lsoa_code, p.area.imd_decile, "IMD2019") for p in trust.patients}
    stored = Patient.objects.values_list("hospital_number", "lsoa_code", "imd_decile", "imd_vintage")
    assert {number: tuple(rest) for number, *rest in stored} == expected
    # Re-deriving from the reference tables, as after loading new IMD files, changes nobody.
    assert refresh_patient_deprivation(vintage="IMD2019") == {"patients_updated": 0, "patients_unmatched": 0}


@pytest.mark.django_db
def test_seeding_again_with_other_areas_leaves_only_the_new_areas_in_the_reference_tables():
    load_synthetic_trust(synthetic.generate(patients=100, seed=3, today=TODAY))
    second = synthetic.generate(patients=100, seed=4, today=TODAY)
    load_synthetic_trust(second)
    assert set(LsoaDeprivation.objects.values_list("lsoa_code", flat=True)) == {a.lsoa_code for a in second.areas}
    assert PostcodeLsoa.objects.count() == sum(len(a.postcodes) for a in second.areas)
