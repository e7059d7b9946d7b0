"""Retention: free text about patients is blanked once it is older than the retention period.

Call notes and message bodies are useful for a while and then only a risk. Each app
registers the free-text fields it owns, with the date that starts their clock:

    # in an AppConfig.ready()
    from audit.retention import register_retention
    register_retention("reminders.InboundMessage", date_field="received_at", fields=["body"])

`purge_expired(...)` then blanks those fields on rows older than ATTEND_RETENTION_DAYS
(the rows themselves stay: outcomes, counts and the audit trail are still needed). The
`purge_expired_data` command and the nightly beat task call it; it is idempotent.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import reduce
from operator import or_

from django.apps import apps
from django.conf import settings
from django.db import models, transaction
from django.utils import timezone

from audit.models import AuditAction
from audit.services import audit_record


@dataclass(frozen=True)
class RetentionRule:
    model_label: str  # "app_label.ModelName"
    date_field: str
    fields: tuple[str, ...]

    @property
    def model(self) -> type[models.Model]:
        return apps.get_model(self.model_label)

    @property
    def name(self) -> str:
        return f"{self.model._meta.label_lower}.{'+'.join(self.fields)}"


_RULES: dict[tuple[str, str], RetentionRule] = {}


def register_retention(
    model: type[models.Model] | str, *, date_field: str, fields: list[str] | tuple[str, ...]
) -> None:
    """Blank `fields` of `model` once `date_field` is older than the retention period.
    Registering the same model and date field again replaces the earlier rule."""
    label = model if isinstance(model, str) else model._meta.label
    _RULES[(label.lower(), date_field)] = RetentionRule(label, date_field, tuple(fields))


def registered_rules() -> list[RetentionRule]:
    return sorted(_RULES.values(), key=lambda rule: rule.name)


def _blank_value(field: models.Field) -> str | None:
    return None if field.null else ""


def _expired_with_text(rule: RetentionRule, cutoff: datetime) -> models.QuerySet:
    model = rule.model
    not_blank = [
        ~models.Q(**{name: ""}) & models.Q(**{f"{name}__isnull": False}) for name in rule.fields
    ]  # fmt: skip
    return model._default_manager.filter(**{f"{rule.date_field}__lt": cutoff}).filter(reduce(or_, not_blank))


def retention_cutoff(*, now: datetime | None = None, days: int | None = None) -> datetime:
    days = settings.ATTEND_RETENTION_DAYS if days is None else days
    return (now or timezone.now()) - timedelta(days=days)


@transaction.atomic
def purge_expired(*, now: datetime | None = None, days: int | None = None, dry_run: bool = False) -> dict[str, int]:
    """Blank the registered fields on rows past retention. Returns rows blanked (or, with
    `dry_run`, that would be) per rule, and records what it did in the audit trail."""
    cutoff = retention_cutoff(now=now, days=days)
    counts = {}
    for rule in registered_rules():
        expired = _expired_with_text(rule, cutoff)
        if dry_run:
            counts[rule.name] = expired.count()
        else:
            blanks = {name: _blank_value(rule.model._meta.get_field(name)) for name in rule.fields}
            counts[rule.name] = expired.update(**blanks)
    if not dry_run and any(counts.values()):
        audit_record(
            action=AuditAction.CHANGE,
            actor_label="retention",
            target_type="retention",
            summary=f"Blanked free text older than {cutoff:%Y-%m-%d}: {sum(counts.values())} rows",
            changes={name: [None, str(count)] for name, count in counts.items() if count},
        )
    return counts
