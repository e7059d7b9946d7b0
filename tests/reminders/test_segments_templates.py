import pytest

from reminders.messages import reminder_text, render, unknown_placeholders
from reminders.models import MessageTemplate
from reminders.segments import GSM7, UCS2, count_segments, non_gsm7_characters
from tests.reminders.conftest import london
from tests.support.factories import AppointmentFactory, PatientFactory


@pytest.mark.parametrize(
    ("text", "encoding", "units", "segments"),
    [
        ("a" * 160, GSM7, 160, 1),
        ("a" * 161, GSM7, 161, 2),
        ("a" * 306, GSM7, 306, 2),
        ("a" * 307, GSM7, 307, 3),
        ("€" * 80, GSM7, 160, 1),  # extension characters cost two septets
        ("[" * 81, GSM7, 162, 2),
        ("ŵ" * 70, UCS2, 70, 1),
        ("ŵ" * 71, UCS2, 71, 2),
        ("ŷ" + "a" * 133, UCS2, 134, 2),
        ("🙂" * 35, UCS2, 70, 1),  # an emoji is two UTF-16 units
        ("", GSM7, 0, 0),
    ],
)
def test_segment_counts_for_gsm7_and_ucs2(text, encoding, units, segments):
    count = count_segments(text)
    assert (count.encoding, count.units, count.segments) == (encoding, units, segments)


def test_welsh_circumflexed_w_and_y_force_ucs2():
    assert count_segments("Bydd eich apwyntiad yn Ysbyty Gwynedd").encoding == GSM7
    assert count_segments("Dewch â'r llythyr hwn i'r ŵyl").encoding == UCS2
    assert count_segments("Mae'n ddrwg gennym, ŷch chi").encoding == UCS2
    assert non_gsm7_characters("Dewch â'r ŵyl ŷ ŵ") == ["â", "ŵ", "ŷ"]


def test_a_curly_apostrophe_forces_ucs2_but_a_straight_one_does_not():
    assert count_segments("St Mary's").encoding == GSM7
    assert count_segments("St Mary’s").encoding == UCS2


def test_placeholders_are_filled_and_nothing_else_is_evaluated():
    body = "Hi {first_name} {first_name.__class__} {unknown} {"
    assert render(body, {"first_name": "Ann"}) == "Hi Ann {first_name.__class__} {unknown} {"
    assert unknown_placeholders("{first_name} {date} {clinic} {nhs_number}") == ["nhs_number"]


@pytest.mark.django_db
def test_the_default_english_and_welsh_templates_fit_in_two_gsm7_segments():
    for template in MessageTemplate.objects.filter(language__in=["en", "cy"]):
        appointment = AppointmentFactory(
            patient=PatientFactory(given_name="Alexandra", preferred_language=template.language),
            starts_at=london(2026, 9, 30, 14, 45),
        )
        body, language = reminder_text(appointment)
        count = count_segments(body)
        assert (language, count.encoding, count.segments) == (template.language, GSM7, 2), body


@pytest.mark.django_db
def test_a_welsh_name_with_a_circumflex_makes_that_reminder_ucs2():
    appointment = AppointmentFactory(patient=PatientFactory(given_name="Ŵyn", preferred_language="cy"))
    body, _ = reminder_text(appointment)
    assert count_segments(body).encoding == UCS2


@pytest.mark.django_db
def test_a_trust_can_add_a_language():
    MessageTemplate.objects.create(language="pl", name="Polski", body="Witaj {first_name}, {date} {time}.",
                                   reply_options="")  # fmt: skip
    appointment = AppointmentFactory(
        patient=PatientFactory(given_name="Ola", preferred_language="pl"), starts_at=london(2026, 9, 30, 14, 45)
    )
    assert reminder_text(appointment) == ("Witaj Ola, 30/09/2026 14:45.", "pl")
