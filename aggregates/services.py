"""Making an aggregate export: count, suppress, seal, keep, audit.

`export_aggregates(date_from=…, date_to=…)` is what the command, the nightly task and the download
page call. Nothing is kept unless the whole file was built and meets the schema.
"""

from __future__ import annotations

import calendar
import hashlib
import json
import re
from datetime import date, datetime
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Count, Max, Min
from django.utils import timezone

from aggregates.disclosure import RULE, withheld
from aggregates.files import SCHEMA_NAME, SCHEMA_VERSION, attend_version, canonical, sealed
from aggregates.models import AggregateFile
from aggregates.tables import Counts, count_tables
from appointments.importing.models import ImportBatch, ImportStatus
from appointments.models import Appointment
from audit.models import AuditAction
from audit.services import audit_record
from config.disclosure import SMALL_NUMBER
from config.localtime import local_zone
from patients.deprivation.lookup import current_vintage
from patients.models import Patient
from reports.disclosure import cell_of

ODS_CODE = re.compile(r"^[A-Z0-9]{3,5}$")


class ExportError(ValueError):
    """An export that cannot be made as asked (a period that is not whole months, no trust code…)."""


def check_whole_months(date_from: date, date_to: date) -> None:
    if date_from.day != 1:
        raise ExportError(f"--from must be the first day of a month, not {date_from:%Y-%m-%d}.")
    if date_to.day != calendar.monthrange(date_to.year, date_to.month)[1]:
        raise ExportError(f"--to must be the last day of a month, not {date_to:%Y-%m-%d}.")
    if date_to < date_from:
        raise ExportError("--to is before --from.")


def last_whole_months(months: int, today: date) -> tuple[date, date]:
    """The `months` whole calendar months before the one `today` is in."""
    last = date(today.year, today.month, 1)
    end = date.fromordinal(last.toordinal() - 1)
    index = end.year * 12 + end.month - 1 - (months - 1)
    return date(index // 12, index % 12 + 1, 1), end


def _trust() -> dict[str, str]:
    code, name = settings.ATTEND_TRUST_ODS_CODE, settings.ATTEND_TRUST_NAME
    if not ODS_CODE.match(code):
        raise ExportError(
            f"ATTEND_TRUST_ODS_CODE must be the trust's ODS code (3 to 5 capitals or digits), not {code!r}."
        )
    if not name:
        raise ExportError("ATTEND_TRUST_NAME is blank: set it to the trust's name.")
    return {"ods_code": code, "name": name}


def _imd_vintage(date_from: date, date_to: date) -> str:
    """The vintage the period's deciles are in: the one most of its patients' deciles came from."""
    most = (
        Appointment.objects.between(date_from, date_to)
        .exclude(patient__imd_vintage="")
        .values("patient__imd_vintage")
        .annotate(n=Count("pk"))
        .order_by("-n", "patient__imd_vintage")
        .first()
    )
    if most is None:  # no outcomes in the period: the trust's patients' vintage
        most = (
            Patient.objects.exclude(imd_vintage="").values("imd_vintage").annotate(n=Count("pk")).order_by("-n").first()
        )
        most = {"patient__imd_vintage": most["imd_vintage"]} if most else None
    vintage = most["patient__imd_vintage"] if most else current_vintage()
    if vintage is None:
        raise ExportError("No IMD vintage: load the deprivation tables (import_deprivation) first.")
    return vintage


def _coverage() -> dict[str, Any]:
    zone = local_zone()
    span = Appointment.objects.aggregate(first=Min("starts_at"), last=Max("starts_at"))
    imported = ImportBatch.objects.filter(status=ImportStatus.SUCCEEDED).aggregate(at=Max("finished_at"))["at"]
    return {
        "first_appointment": span["first"].astimezone(zone).date().isoformat() if span["first"] else None,
        "last_appointment": span["last"].astimezone(zone).date().isoformat() if span["last"] else None,
        "last_import_at": imported.isoformat() if imported else None,
    }


def _row(counts: Counts, hidden: bool) -> dict[str, Any]:
    if hidden:
        return {**counts.groups, "happened": None, "dnas": None, "cancelled": None, "suppressed": True}
    return {**counts.groups, "happened": counts.happened, "dnas": counts.dnas, "cancelled": counts.cancelled,
            "suppressed": False}  # fmt: skip


def build_document(*, date_from: date, date_to: date, now: datetime | None = None) -> dict[str, Any]:
    """The export's content (without its hash): every table, disclosure control applied."""
    check_whole_months(date_from, date_to)
    trust = _trust()
    tables = count_tables(date_from=date_from, date_to=date_to)
    hidden = withheld(tables)
    out_tables = [
        {"by": list(by), "rows": [_row(row, cell_of(row.groups) in hidden) for row in rows]}
        for by, rows in tables.items()
    ]
    suppressed = sum(row["suppressed"] for table in out_tables for row in table["rows"])
    return {
        "schema": SCHEMA_NAME,
        "version": SCHEMA_VERSION,
        "trust": trust,
        "period": {"from": date_from.isoformat(), "to": date_to.isoformat()},
        "coverage": _coverage(),
        "imd_vintage": _imd_vintage(date_from, date_to),
        "attend_version": attend_version(),
        "generated_at": (now or timezone.now()).isoformat(),
        "disclosure": {"threshold": SMALL_NUMBER, "rule": RULE, "suppressed_cells": suppressed},
        "tables": out_tables,
    }


def _tables_sha256(document: dict[str, Any]) -> str:
    keep = ("trust", "period", "imd_vintage", "disclosure", "tables")
    return hashlib.sha256(canonical({key: document[key] for key in keep})).hexdigest()


@transaction.atomic
def export_aggregates(
    *, date_from: date, date_to: date, actor: Any = None, actor_label: str = "", reuse_unchanged: bool = False
) -> AggregateFile:
    """Build, check and keep one export, audited (action EXPORT). With `reuse_unchanged`, a period
    whose figures are the same as its latest export's gives that export back instead (the nightly
    job: nothing new to send)."""
    now = timezone.now()
    document = build_document(date_from=date_from, date_to=date_to, now=now)
    same = _tables_sha256(document)
    if reuse_unchanged:
        earlier = AggregateFile.objects.filter(period_from=date_from, period_to=date_to).first()
        if earlier is not None and earlier.tables_sha256 == same:
            return earlier
    content = sealed(document)
    label = actor_label or (actor.get_username() if actor is not None else "system")
    exported = AggregateFile.objects.create(
        period_from=date_from,
        period_to=date_to,
        content=content,
        sha256=json.loads(content)["sha256"],
        tables_sha256=same,
        suppressed_cells=document["disclosure"]["suppressed_cells"],
        generated_at=now,
        created_by=actor,
        created_by_label=label,
    )
    audit_record(
        action=AuditAction.EXPORT,
        target=exported,
        actor=actor,
        actor_label=label,
        summary=f"Aggregate export {date_from:%Y-%m} to {date_to:%Y-%m}: {exported.suppressed_cells} cells suppressed",
    )
    return exported
