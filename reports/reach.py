"""Reach, by deprivation: did the pilot's help get to the patients it was for?

Among a pilot's allocated appointments (the intervention arm by default), the share with
- a delivered reminder (an SMS the provider reported delivered),
- a number to call (a mobile or another number: calls go to any kind),
- a call offered (a call task about the appointment),
- a call that reached the patient (an attempt with result "reached"),
- support offered (a support offer recorded about the appointment),
by IMD quintile, ethnic group or preferred language, each with its Wilson interval. One GROUP BY
query. A warning says when a share in quintile 1 (most deprived) is below quintile 5's, with the
Newcombe interval of the difference: reach that favours the least deprived widens the gap.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Exists, F, OuterRef, Q

from appointments.models import Appointment
from calls.models import CallTask, SupportOffer
from config.disclosure import rate_is_disclosive
from pilots.models import Arm, Pilot
from reminders.models import Reminder, ReminderStatus
from reports.mechanisms import reached_by_a_call
from reports.selectors import DIMENSIONS, NOT_KNOWN
from reports.stats import newcombe_difference, wilson_interval

REACH_LABELS = {"imd_quintile": "IMD quintile", "ethnicity": "Ethnic group", "language": "Preferred language"}
REACH_DIMENSIONS = {
    "imd_quintile": DIMENSIONS["imd_quintile"],
    "ethnicity": DIMENSIONS["ethnicity"],
    "language": lambda: F("patient__preferred_language"),
}
MEASURES = {
    "delivered_reminder": "a delivered reminder",
    "callable_number": "a callable number",
    "offered_call": "a call offered",
    "reached": "a call that reached the patient",
    "offered_support": "support offered",
}
ARM_CHOICES = ("intervention", "control", "all")


@dataclass(frozen=True)
class ReachRow:
    group: Any
    appointments: int
    counts: dict[str, int]

    def as_dict(self, by: str, *, suppress: bool = False) -> dict[str, Any]:
        group = NOT_KNOWN if self.group is None else self.group
        out: dict[str, Any] = {by: group, "group": group, "appointments": self.appointments}
        for measure in MEASURES:
            events = self.counts[measure]
            if suppress and rate_is_disclosive(events, self.appointments):
                out.update({measure: None, f"{measure}_share": None, f"{measure}_ci_low": None,
                            f"{measure}_ci_high": None})  # fmt: skip
                continue
            interval = wilson_interval(events, self.appointments)
            out.update({
                measure: events,
                f"{measure}_share": events / self.appointments if self.appointments else None,
                f"{measure}_ci_low": interval.low if interval else None,
                f"{measure}_ci_high": interval.high if interval else None,
            })  # fmt: skip
        if suppress and any(out[m] is None for m in MEASURES) and self.appointments < 5:
            out["appointments"] = None
        out["suppressed"] = any(out[m] is None for m in MEASURES)
        return out


@dataclass
class Reach:
    by: str
    arm: str
    rows: list[ReachRow]

    def warnings(self, *, suppress: bool = False) -> list[str]:
        """One sentence per measure whose share in quintile 1 is below quintile 5's."""
        if self.by != "imd_quintile":
            return []
        q = {row.group: row for row in self.rows}
        most, least = q.get(1), q.get(5)
        if most is None or least is None or not most.appointments or not least.appointments:
            return []
        out = []
        for measure, words in MEASURES.items():
            a, b = most.counts[measure], least.counts[measure]
            if a / most.appointments >= b / least.appointments:
                continue
            hidden = suppress and (
                rate_is_disclosive(a, most.appointments) or rate_is_disclosive(b, least.appointments)
            )
            if hidden:
                out.append(f"Fewer appointments in IMD quintile 1 (most deprived) than in quintile 5 had {words}.")
                continue
            d = newcombe_difference(a, most.appointments, b, least.appointments)
            beyond = " (beyond chance)" if d.high < 0 else ""
            out.append(
                f"Fewer appointments in IMD quintile 1 (most deprived) than in quintile 5 had {words}: "
                f"{100 * a / most.appointments:.1f}% against {100 * b / least.appointments:.1f}%, "
                f"{100 * d.estimate:+.1f} points (95% interval {100 * d.low:+.1f} to {100 * d.high:+.1f}){beyond}."
            )
        return out

    def as_dict(self, *, suppress: bool = False) -> dict[str, Any]:
        statements = [] if self.rows else ["The pilot has no allocated appointments in this arm."]
        return {
            "by": self.by,
            "by_label": REACH_LABELS[self.by],
            "arm": self.arm,
            "measures": dict(MEASURES),
            "rows": [row.as_dict(self.by, suppress=suppress) for row in self.rows],
            "warnings": self.warnings(suppress=suppress),
            "statements": statements,
        }


def pilot_reach(pilot: Pilot, *, by: str = "imd_quintile", arm: str = Arm.INTERVENTION) -> Reach:
    """Reach among the pilot's allocated appointments in `arm` ("all" for both), by `by`."""
    if by not in REACH_DIMENSIONS:
        raise ValueError(f"Reach is reported by {', '.join(REACH_DIMENSIONS)}, not {by!r}.")
    if arm not in ARM_CHOICES:
        raise ValueError(f"arm must be one of {', '.join(ARM_CHOICES)}.")
    appointments = Appointment.objects.filter(allocation__pilot=pilot)
    if arm != "all":
        appointments = appointments.filter(allocation__arm=arm)
    here = OuterRef("pk")
    rows = (
        appointments.annotate(
            group=REACH_DIMENSIONS[by](),
            delivered=Exists(Reminder.objects.filter(appointment=here, status=ReminderStatus.DELIVERED)),
            task=Exists(CallTask.objects.filter(Q(appointment=here) | Q(appointments=here))),
            reached=reached_by_a_call("pk"),
            support=Exists(SupportOffer.objects.filter(appointment=here)),
        )
        .values("group")
        .annotate(
            n=Count("id"),
            delivered_reminder=Count("id", filter=Q(delivered=True)),
            callable_number=Count("id", filter=~Q(patient__mobile="", patient__other_phone="")),
            offered_call=Count("id", filter=Q(task=True)),
            reached_n=Count("id", filter=Q(reached=True)),
            offered_support=Count("id", filter=Q(support=True)),
        )
        .order_by("group")
    )
    return Reach(
        by,
        arm,
        [
            ReachRow(
                row["group"],
                row["n"],
                {
                    "delivered_reminder": row["delivered_reminder"],
                    "callable_number": row["callable_number"],
                    "offered_call": row["offered_call"],
                    "reached": row["reached_n"],
                    "offered_support": row["offered_support"],
                },
            )
            for row in rows
        ],
    )
