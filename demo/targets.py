"""The demo's divisions and disparity targets: Surgery and Medicine, each with a target owned by the
demo director, so the dashboard's targets panel and the board pack have something to show.

Run by create_demo_logins (the director must exist), after seed_demo; safe to run again.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from django.db.models import Max
from django.utils import timezone

from appointments.models import Appointment, Specialty
from targets.models import DisparityTarget, Division, DivisionSpecialty, Scope
from targets.services import target_create

# Treatment function codes of the synthetic trust's specialties (demo/synthetic.py), by division.
DIVISIONS = {
    "Surgery": ("100", "101", "110", "120", "130"),
    "Medicine": ("300", "301", "320", "330", "340"),
}
BASELINE_GAP, TARGET_GAP = Decimal("8.0"), Decimal("4.0")


def _months_after(month: date, months: int) -> date:
    index = month.year * 12 + month.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def demo_divisions() -> list[Division]:
    divisions = []
    for name, codes in DIVISIONS.items():
        division, _ = Division.objects.get_or_create(name=name)
        for specialty in Specialty.objects.filter(treatment_function_code__in=codes):
            DivisionSpecialty.objects.get_or_create(specialty=specialty, defaults={"division": division})
        divisions.append(division)
    return divisions


def demo_targets(director: Any) -> list[DisparityTarget]:
    """Each division's target: 8 points a year before the latest outcome's month to 4 points a year after."""
    latest = Appointment.objects.happened().aggregate(latest=Max("starts_at"))["latest"]
    if latest is None:
        return []
    month = timezone.localtime(latest).date().replace(day=1)
    targets = []
    for division in demo_divisions():
        target = DisparityTarget.objects.active().filter(scope=Scope.DIVISION, division=division).first()
        if target is None:
            target = target_create(
                scope=Scope.DIVISION,
                subject=division,
                owner=director,
                baseline_month=_months_after(month, -12),
                baseline_gap_points=BASELINE_GAP,
                target_month=_months_after(month, 12),
                target_gap_points=TARGET_GAP,
                note="Demo target",
                set_by=director,
            )
        targets.append(target)
    return targets
