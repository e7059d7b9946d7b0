"""The bulk reminder move's two writes agree: PostgreSQL's one UPDATE … FROM (VALUES …) and the
portable bulk_update leave the same rows, for the columns a sweep writes when it records sends
and skips (text with quotes and non-ASCII, blanks, numbers, instants and NULLs).

Both run on PostgreSQL (CI); on SQLite only the portable write exists, and the comparison skips.
"""

from datetime import timedelta

import pytest
from django.db import transaction

from reminders.models import Reminder, ReminderStatus
from reminders.transitions import bulk_write_portable, bulk_write_postgres
from tests.reminders.conftest import NOW, make_reminder

pytestmark = [pytest.mark.django_db, pytest.mark.postgres]
S = ReminderStatus
COLUMNS = ["status", "status_changed_at", "to_number", "body", "language", "segments", "provider",
           "provider_message_id", "sent_at", "retry_at", "error_code", "error_message", "skip_reason"]  # fmt: skip


def _as_a_sweep_leaves_them(reminders: list[Reminder]) -> None:
    sent, skipped = reminders[:2], reminders[2]
    for i, reminder in enumerate(sent):
        reminder.status, reminder.status_changed_at = S.SENT, NOW
        reminder.to_number, reminder.language, reminder.segments = "+447700900123", ["en", "pl"][i], i + 1
        reminder.body = ["Your appointment is on Friday at 14:30.", 'Wizyta w piątek o 14:30 — "Clinic" O\'Neil'][i]
        reminder.provider, reminder.provider_message_id, reminder.sent_at = "database", f"SM{i}", NOW
    skipped.status, skipped.status_changed_at, skipped.skip_reason = S.SKIPPED, NOW, "No usable mobile number"
    skipped.retry_at = NOW + timedelta(hours=1)


def _rows_after(write, pks: list[int]) -> list[tuple]:
    with transaction.atomic():
        reminders = list(Reminder.objects.filter(pk__in=pks).order_by("pk"))
        Reminder.objects.filter(pk__in=pks).update(status=S.SENDING, claim_token="sweep")
        _as_a_sweep_leaves_them(reminders)
        write(reminders, COLUMNS)
        rows = list(Reminder.objects.filter(pk__in=pks).order_by("pk").values_list("pk", *COLUMNS, "claim_token"))
        transaction.set_rollback(True)
    return rows


def test_both_bulk_writes_leave_the_same_reminders():
    pks = [make_reminder().pk for _ in range(3)]
    portable = _rows_after(bulk_write_portable, pks)
    assert _rows_after(bulk_write_postgres, pks) == portable
    assert [row[1] for row in portable] == [S.SENT, S.SENT, S.SKIPPED]
