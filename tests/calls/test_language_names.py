"""The call card names a patient's language from the one table the FHIR importer also
reads (patients.languages), so a sign language imported as its code reads as its name."""

import re

import pytest
from django.urls import reverse
from django.utils import timezone

from appointments.importing.fhir_maps import attend_language
from audit.models import AuditAction, AuditEvent
from calls.models import CallAttempt, CallTaskStatus, SupportOffer, SupportType
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


# --- The card's languages are chosen by name from the list, stored as the code -------------------


@pytest.fixture
def claimed(call_handler):
    return CallTaskFactory(status=CallTaskStatus.CLAIMED, claimed_by=call_handler, claimed_at=timezone.now())


def _post_card(client, task, **fields):
    data = {"result": "reached", "intention": "will_attend", "mobile": task.patient.mobile,
            "preferred_language": task.patient.preferred_language, "interpreter_required": "no", **fields}  # fmt: skip
    return client.post(reverse("call-card", args=[task.pk]), data)


def _language_input(page: str, name: str) -> str:
    tag = re.search(rf'<input[^>]*name="{name}"[^>]*>', page)
    assert tag, f"no {name} input on the card"
    return tag.group(0)


def test_the_card_shows_the_patients_language_by_name_in_a_list_searchable_by_typing(client_for, call_handler, claimed):
    claimed.patient.preferred_language = "pl"
    claimed.patient.save(update_fields=["preferred_language"])
    page = client_for(call_handler).get(reverse("call-card", args=[claimed.pk])).content.decode()
    control = _language_input(page, "preferred_language")
    assert 'value="Polish"' in control
    list_id = re.search(r'list="([^"]+)"', control).group(1)
    options = re.search(rf'<datalist id="{list_id}">(.*?)</datalist>', page, re.S).group(1)
    names = re.findall(r'<option value="([^"]+)">', options)
    assert names[0] == "English" and {"Polish", "British Sign Language", "Persian (Farsi)"} <= set(names)
    assert names[1:] == sorted(names[1:])


def test_choosing_polish_stores_pl_and_an_interpreter_chosen_by_name_stores_its_code(client_for, call_handler, claimed):
    response = _post_card(
        client_for(call_handler), claimed, preferred_language="Polish", support_interpreter="on",
        interpreter_status="arranged", interpreter_language="british sign language",
    )  # fmt: skip
    assert response.status_code == 302
    claimed.patient.refresh_from_db()
    assert claimed.patient.preferred_language == "pl"
    assert SupportOffer.objects.get(support_type=SupportType.INTERPRETER).language == "bfi"


def test_a_typed_code_is_still_taken(client_for, call_handler, claimed):
    assert _post_card(client_for(call_handler), claimed, preferred_language=" UR ").status_code == 302
    claimed.patient.refresh_from_db()
    assert claimed.patient.preferred_language == "ur"


def test_a_language_not_in_the_list_is_refused_with_an_error_and_nothing_is_recorded(client_for, call_handler, claimed):
    response = _post_card(client_for(call_handler), claimed, preferred_language="Klingon")
    assert response.status_code == 400
    page = response.content.decode()
    assert "Choose a language from the list." in page
    assert 'value="Klingon"' in _language_input(page, "preferred_language")  # what was typed, to correct
    assert not CallAttempt.objects.exists()
    claimed.patient.refresh_from_db()
    assert claimed.patient.preferred_language == "en"


def test_an_imported_code_not_in_the_list_is_shown_and_kept_not_dropped(client_for, call_handler, claimed):
    claimed.patient.preferred_language = "xx"
    claimed.patient.save(update_fields=["preferred_language"])
    client = client_for(call_handler)
    page = client.get(reverse("call-card", args=[claimed.pk])).content.decode()
    assert 'value="xx"' in _language_input(page, "preferred_language")
    assert "Recorded as xx, which is not in the list" in page
    assert _post_card(client, claimed).status_code == 302  # the handler left it as it was
    assert CallAttempt.objects.filter(task=claimed).exists()
    claimed.patient.refresh_from_db()
    assert claimed.patient.preferred_language == "xx"
    changed = [field for event in AuditEvent.objects.filter(action=AuditAction.CHANGE) for field in event.changes]
    assert "preferred_language" not in changed
