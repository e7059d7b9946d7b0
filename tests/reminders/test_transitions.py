import pytest

from reminders.models import Reminder, ReminderStatus
from reminders.transitions import ALLOWED_FROM, FINAL_STATUSES, IllegalTransition, can_move, reminder_transition
from tests.reminders.conftest import make_reminder

pytestmark = pytest.mark.django_db
S = ReminderStatus


def status_of(reminder) -> str:
    return Reminder.objects.values_list("status", flat=True).get(pk=reminder.pk)


def test_the_happy_path_planned_sending_sent_delivered():
    reminder = make_reminder()
    for target in (S.SENDING, S.SENT, S.DELIVERED):
        assert reminder_transition(reminder_id=reminder.pk, to=target)
    assert status_of(reminder) == S.DELIVERED


@pytest.mark.parametrize("final", sorted(FINAL_STATUSES))
def test_a_final_status_is_never_left(final):
    reminder = make_reminder()
    Reminder.objects.filter(pk=reminder.pk).update(status=final)
    moved = [target for target in ALLOWED_FROM if reminder_transition(reminder_id=reminder.pk, to=target)]
    assert (moved, status_of(reminder)) == ([], final)


def test_a_status_never_moves_backwards():
    assert not can_move(S.SENT, S.SENDING)
    assert not can_move(S.SENT, S.PLANNED)
    assert not can_move(S.DELIVERED, S.SENT)


def test_a_sent_reminder_cannot_be_skipped():
    reminder = make_reminder()
    reminder_transition(reminder_id=reminder.pk, to=S.SENDING)
    reminder_transition(reminder_id=reminder.pk, to=S.SENT)
    assert not reminder_transition(reminder_id=reminder.pk, to=S.SKIPPED)


def test_a_sweep_that_lost_its_claim_cannot_record_a_send():
    reminder = make_reminder()
    Reminder.objects.filter(pk=reminder.pk).update(status=S.SENDING, claim_token="theirs")
    assert not reminder_transition(reminder_id=reminder.pk, to=S.SENT, held_by="mine")
    assert status_of(reminder) == S.SENDING


def test_planned_is_not_a_target_from_anything_but_sending():
    assert ALLOWED_FROM[S.PLANNED] == frozenset({S.SENDING})


def test_an_unknown_target_is_refused():
    reminder = make_reminder()
    with pytest.raises(IllegalTransition):
        reminder_transition(reminder_id=reminder.pk, to="lost")
