"""The synthetic trust's patients have invented postal addresses, so a patient with no mobile gets
a letter in the demo; and its past pilot follows the product's rule that STOP ends texts only."""

import re
from datetime import date

import pytest
from django.core.management import call_command
from django.utils import timezone

from calls.models import CallAttempt, CallResult
from demo import synthetic
from letters.models import Letter
from letters.planning import letters_plan
from patients.models import Patient
from reminders.planning import text_recipient

TODAY = date(2026, 11, 23)
HOUSE_AND_STREET = re.compile(r"^\d{1,3} [A-Z][A-Za-z' ]+$")


@pytest.fixture(scope="module")
def trust():
    return synthetic.generate(patients=1500, seed=11, today=TODAY)


def test_synthetic_patients_have_plausible_invented_uk_addresses(trust):
    with_address = [p for p in trust.patients if p.address_lines]
    assert 0.93 < len(with_address) / len(trust.patients) < 1
    for patient in with_address:
        *lines, town = patient.address_lines
        assert town == synthetic.TOWN and patient.postcode.startswith("AT")
        assert HOUSE_AND_STREET.match(lines[-2]) and lines[-2].split(" ", 1)[1] in synthetic.STREETS
        assert all(len(line) <= 100 for line in patient.address_lines)


def test_adding_addresses_changed_no_other_draw(trust):
    again = synthetic.generate(patients=1500, seed=11, today=TODAY)
    assert [(p.mobile, p.sms_opt_out, p.postcode) for p in again.patients] == [
        (p.mobile, p.sms_opt_out, p.postcode) for p in trust.patients
    ]
    assert synthetic.synthetic_address(5, "Old Town") == synthetic.synthetic_address(5, "Old Town")


@pytest.mark.django_db
def test_in_the_demo_a_patient_with_no_mobile_gets_a_letter(settings):
    settings.ATTEND_LETTER_BACKEND = "print"
    call_command("seed_demo", "--patients", "300", "--seed", "3", "--today", timezone.localdate().isoformat(),
                 "--no-pilot")  # fmt: skip
    assert Patient.objects.exclude(address_line_1="").count() > 250

    letters_plan()

    letters = list(Letter.objects.select_related("appointment__patient"))
    assert any(letter.why_letter == "no mobile number" and not letter.appointment.patient.mobile for letter in letters)
    # Every letter is for a patient who cannot be texted (no mobile, opted out, a child with no carer's mobile).
    texted = [letter for letter in letters if text_recipient(letter.appointment)[0]]
    assert not texted


@pytest.mark.django_db
@pytest.mark.slow
def test_the_demo_pilot_calls_and_reaches_patients_who_opted_out_of_texts(capsys):
    call_command("seed_demo", "--patients", "4000", "--seed", "5", "--today", "2026-11-23")
    reached = CallAttempt.objects.filter(result=CallResult.REACHED, task__patient__sms_opt_out=True)
    assert reached.exists()
    assert not reached.filter(task__reason="patient_asked").exists()  # they cannot ask by text
