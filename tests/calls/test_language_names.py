"""The call card names a patient's language from the one table the FHIR importer also
reads (patients.languages), so a sign language imported as its code reads as its name."""

import pytest
from django.urls import reverse
from django.utils import timezone

from appointments.importing.fhir_maps import attend_language
from calls.models import CallTaskStatus
from patients.languages import SIGN_LANGUAGES, language_name
from tests.support.call_factories import CallTaskFactory

pytestmark = pytest.mark.django_db


def test_a_bsl_user_s_card_says_british_sign_language(client_for, call_handler):
    task = CallTaskFactory(status=CallTaskStatus.CLAIMED, claimed_by=call_handler, claimed_at=timezone.now())
    task.patient.preferred_language = "bfi"
    task.patient.save(update_fields=["preferred_language"])
    page = client_for(call_handler).get(reverse("call-card", args=[task.pk])).content.decode()
    assert "British Sign Language" in page
    assert ">bfi<" not in page


@pytest.mark.parametrize("tag", ["sgn-GB", "q4", "isg", "ase", "q3"])
def test_every_sign_language_the_importer_recognises_has_a_name_on_the_card(tag):
    code, is_sign_language = attend_language(tag)
    assert is_sign_language
    assert language_name(code) == SIGN_LANGUAGES[code][:1].upper() + SIGN_LANGUAGES[code][1:]
    assert language_name(code) != code


def test_an_unnamed_sign_language_reads_as_a_sentence_and_unknown_codes_as_given():
    assert language_name("sgn") == "A sign language (not named)"
    assert language_name("xx") == "xx"
    assert language_name("") == "Not known"
    assert language_name("PL") == "Polish"
