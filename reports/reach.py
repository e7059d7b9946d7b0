"""Reach, by deprivation: did the pilot's help get to the patients it was for?

Among a pilot's allocated appointments (the intervention arm by default), the share with
- a delivered reminder (an SMS the provider reported delivered),
- a callable number (a mobile, another number, or their parent's or carer's: calls go to any
  kind, and a child's to the carer), unless the patient had asked not to be called by then,
- a letter posted (sent by Notify's printer or printed by the post room, and not come back),
- a call offered (a call task about the appointment),
- a call that reached the patient (an attempt with result "reached"),
- support offered (a support offer recorded about the appointment),
by IMD quintile, ethnic group or preferred language, each with its Wilson interval. One GROUP BY
query. A warning says when a share in quintile 1 (most deprived) is below quintile 5's, with the
Newcombe interval of the difference: reach that favours the least deprived widens the gap.
Beside the tables, why the arm's appointments got no text, as the nightly plan recorded it
(letters.ChannelPlan): counts under 5 withheld for audiences that are suppressed, with the next
smallest when only one would be.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Exists, F, OuterRef, Q

from appointments.models import Appointment
from calls.models import CallTask, DoNotCall, SupportOffer
from config.disclosure import is_small, rate_is_disclosive
from letters.models import ChannelPlan, Letter, LetterStatus
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
    "reached_by_letter": "a letter posted",
    "offered_call": "a call offered",
    "reached": "a call that reached the patient",
    "offered_support": "support offered",
}
ARM_CHOICES = ("intervention", "control", "all")
# A letter that went (Notify's printer posted it, or the post room printed it) and has not come back.
LETTER_POSTED = (LetterStatus.DELIVERED, LetterStatus.PRINTED)


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
    no_text_reasons: dict[str, int] = field(default_factory=dict)

    def reasons_as_list(self, *, suppress: bool = False) -> list[dict[str, Any]]:
        """Why no text went, most common first; counts under 5 withheld when `suppress` (and the
        next smallest with a lone one, so no total gives it back)."""
        rows = sorted(self.no_text_reasons.items(), key=lambda item: (-item[1], item[0]))
        hidden = {reason for reason, n in rows if is_small(n)} if suppress else set()
        if len(hidden) == 1 and len(rows) > 1:
            hidden.add(next(reason for reason, _ in reversed(rows) if reason not in hidden))
        return [{"reason": reason, "appointments": None if reason in hidden else n} for reason, n in rows]

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

    def as_dict(self, *, suppress: bool = False, suppress_reasons: bool | None = None) -> dict[str, Any]:
        statements = [] if self.rows else ["The pilot has no allocated appointments in this arm."]
        return {
            "by": self.by,
            "by_label": REACH_LABELS[self.by],
            "arm": self.arm,
            "measures": dict(MEASURES),
            "rows": [row.as_dict(self.by, suppress=suppress) for row in self.rows],
            "warnings": self.warnings(suppress=suppress),
            "statements": statements,
            "no_text_reasons": self.reasons_as_list(
                suppress=suppress if suppress_reasons is None else suppress_reasons
            ),
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
    asked_not_to_be_called = DoNotCall.objects.filter(
        Q(lifted_at__isnull=True) | Q(lifted_at__gt=OuterRef("starts_at")),
        patient=OuterRef("patient_id"), recorded_at__lte=OuterRef("starts_at"),
    )  # fmt: skip
    has_number = ~Q(patient__mobile="", patient__other_phone="", patient__contact_phone="")
    rows = (
        appointments.annotate(
            group=REACH_DIMENSIONS[by](),
            delivered=Exists(Reminder.objects.filter(appointment=here, status=ReminderStatus.DELIVERED)),
            task=Exists(CallTask.objects.filter(Q(appointment=here) | Q(appointments=here))),
            not_to_be_called=Exists(asked_not_to_be_called),
            posted=Exists(Letter.objects.filter(appointment=here, status__in=LETTER_POSTED)),
            reached=reached_by_a_call("pk"),
            support=Exists(SupportOffer.objects.filter(appointment=here)),
        )
        .values("group")
        .annotate(
            n=Count("id"),
            delivered_reminder=Count("id", filter=Q(delivered=True)),
            callable_number=Count("id", filter=has_number & Q(not_to_be_called=False)),
            reached_by_letter=Count("id", filter=Q(posted=True)),
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
                    "reached_by_letter": row["reached_by_letter"],
                    "offered_call": row["offered_call"],
                    "reached": row["reached_n"],
                    "offered_support": row["offered_support"],
                },
            )
            for row in rows
        ],
        dict(
            ChannelPlan.objects.filter(appointment__in=appointments)
            .exclude(why_no_text="")
            .values("why_no_text")
            .annotate(n=Count("id"))
            .values_list("why_no_text", "n")
        ),
    )
