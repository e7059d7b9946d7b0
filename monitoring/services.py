"""Watching the active model live.

Monthly (beat, and `monitor_risk_model`), for the appointments of a month that were scored and
whose outcome then arrived: realised AUC with its DeLong interval, mean predicted against
observed (calibration-in-the-large) and ECE, overall and per IMD quintile, for all scored
appointments and separately for the pilot's control arm (untouched by outreach, so Attend's own
calls cannot have changed the outcome the model predicted). The page warns when the realised
AUC falls more than ATTEND_MONITOR_AUC_DROP below the hold-out's, or mean predicted and observed
part by more than ATTEND_MONITOR_CALIBRATION_DRIFT, on a month with enough appointments to say.

Who gets help against who needs it: per IMD quintile, sex, age band and ethnic group, the share
of the appointments put on a call list against the share of the DNAs.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime

import numpy as np
from django.conf import settings
from django.db import transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from appointments.models import DNA_CODES, Appointment, age_on_day_expression
from calls.models import CallTask
from config.localtime import local_days_bounds
from monitoring.models import LiveCheck, Population
from patients.deprivation.quintiles import imd_quintile
from patients.models import EthnicCategory, age_band
from pilots.models import Allocation, Arm
from risk.metrics import evaluate
from risk.models import RiskModel
from risk.presenters import headline_population


def month_bounds(month: date) -> tuple[datetime, datetime]:
    first = month.replace(day=1)
    following = date(first.year + first.month // 12, first.month % 12 + 1, 1)
    return local_days_bounds(first, date.fromordinal(following.toordinal() - 1))


def _quintile_group(decile: int | None) -> str:
    quintile = imd_quintile(decile)
    return f"imd_quintile:{quintile if quintile is not None else 'none'}"


@transaction.atomic
def live_checks_compute(*, month: date, now: datetime | None = None) -> int:
    """(Re)compute the month's checks for every model that scored its appointments; returns how many rows."""
    month = month.replace(day=1)
    start, end = month_bounds(month)
    control = Allocation.objects.filter(appointment=OuterRef("pk"), arm=Arm.CONTROL)
    rows = list(
        Appointment.objects.happened()
        .filter(starts_at__gte=start, starts_at__lt=end, risk_score__isnull=False)
        .annotate(in_control=Exists(control))
        .values_list("risk_score__model_id", "risk_score__probability", "attendance_code", "patient__imd_decile",
                     "in_control")
    )  # fmt: skip
    cells: dict[tuple[int, str, str], list[tuple[float, bool]]] = defaultdict(list)
    dna_codes = {int(code) for code in DNA_CODES}
    for model_id, probability, code, decile, in_control in rows:
        outcome = (probability, code in dna_codes)
        populations = (Population.ALL, Population.CONTROL) if in_control else (Population.ALL,)
        for population in populations:
            cells[(model_id, population, "all")].append(outcome)
            cells[(model_id, population, _quintile_group(decile))].append(outcome)
    now = now or timezone.now()
    LiveCheck.objects.filter(month=month).delete()
    checks = []
    for (model_id, population, group), outcomes in cells.items():
        p = np.array([o[0] for o in outcomes], dtype=np.float64)
        y = np.array([o[1] for o in outcomes], dtype=np.float64)
        figures = evaluate(y, p, {})
        checks.append(
            LiveCheck(
                model_id=model_id, month=month, population=population, group=group, rows=len(y),
                dnas=int(y.sum()), auc=figures["auc"], auc_low=figures.get("auc_low"),
                auc_high=figures.get("auc_high"), mean_predicted=figures["mean_predicted"],
                dna_rate=figures["dna_rate"], ece=figures["ece"], computed_at=now,
            )
        )  # fmt: skip
    LiveCheck.objects.bulk_create(checks)
    return len(checks)


def live_warnings(model: RiskModel) -> list[str]:
    """What the page warns about, from the model's latest month with enough appointments to judge."""
    overall = LiveCheck.objects.filter(model=model, population=Population.ALL, group="all")
    enough = overall.filter(rows__gte=settings.ATTEND_MONITOR_MIN_APPOINTMENTS).order_by("-month").first()
    if enough is None:
        return []
    warnings = []
    held_out = headline_population(model.metrics).get("auc")
    if enough.auc is not None and held_out is not None and held_out - enough.auc > settings.ATTEND_MONITOR_AUC_DROP:
        warnings.append(
            f"In {enough.month:%B %Y} the realised AUC was {enough.auc:.3f}, {held_out - enough.auc:.3f} below the "
            f"hold-out's {held_out:.3f} (the margin is {settings.ATTEND_MONITOR_AUC_DROP}): the model may have "
            "drifted. Retrain it on recent data and compare the cards."
        )
    if enough.mean_predicted is not None and enough.dna_rate is not None:
        drift = enough.mean_predicted - enough.dna_rate
        if abs(drift) > settings.ATTEND_MONITOR_CALIBRATION_DRIFT:
            warnings.append(
                f"In {enough.month:%B %Y} the model predicted a {enough.mean_predicted:.1%} DNA rate against "
                f"{enough.dna_rate:.1%} observed ({'over' if drift > 0 else 'under'}-predicting by "
                f"{abs(drift):.1%}): its probabilities no longer match what happens."
            )
    return warnings


# --- who gets help against who needs it ------------------------------------------------------

GROUPINGS = (("imd_quintile", "IMD quintile (1 = most deprived)"), ("sex", "Sex"), ("age_band", "Age band"),
             ("ethnic_group", "Ethnic group"))  # fmt: skip


@dataclass(frozen=True)
class HelpShare:
    group: str
    appointments: int
    selected: int  # put on a call list
    dnas: int

    def share_of(self, total: HelpShare, field: str) -> float | None:
        whole = getattr(total, field)
        return getattr(self, field) / whole if whole else None


def _groups_of(decile: int | None, sex: str, ethnic: str, age: int | None) -> dict[str, str]:
    quintile = imd_quintile(decile)
    return {
        "imd_quintile": str(quintile) if quintile is not None else "Not known",
        "sex": sex or "U",
        "age_band": age_band(age) if age is not None else "Not known",
        "ethnic_group": EthnicCategory.group_of(ethnic),
    }


def help_shares(*, model: RiskModel, since: date) -> dict[str, tuple[HelpShare, list[HelpShare]]]:
    """Per grouping: (the total, each group), over appointments the model scored that happened since `since`."""
    start, _ = local_days_bounds(since, since)
    on_a_list = CallTask.objects.filter(Q(appointment=OuterRef("pk")) | Q(appointments=OuterRef("pk")))
    rows = (
        Appointment.objects.happened()
        .filter(starts_at__gte=start, risk_score__model=model)
        .annotate(selected=Exists(on_a_list), age=age_on_day_expression())
        .values_list("patient__imd_decile", "patient__sex", "patient__ethnic_category", "age", "selected",
                     "attendance_code")
    )  # fmt: skip
    dna_codes = {int(code) for code in DNA_CODES}
    counts: dict[str, dict[str, list[int]]] = {name: defaultdict(lambda: [0, 0, 0]) for name, _ in GROUPINGS}
    for *about, selected, code in rows:
        for name, group in _groups_of(*about).items():
            cell = counts[name][group]
            cell[0] += 1
            cell[1] += int(selected)
            cell[2] += int(code in dna_codes)
    result = {}
    for name, groups in counts.items():
        parts = [HelpShare(group, *values) for group, values in sorted(groups.items())]
        total = HelpShare("All", *(sum(part[i] for part in groups.values()) for i in range(3)))
        result[name] = (total, parts)
    return result
