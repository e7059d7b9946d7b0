"""The monthly board pack: one printable page of the month's evidence on the deprivation gap.

For a calendar month: DNA rates by IMD quintile with 95% Wilson intervals and the month's gap
(Newcombe's interval) and ratio; the gap month by month up to it as an XmR chart and table; every
active disparity target with its status at that month; and the latest pilot's evidence so far
(stratified effect, arms by quintile, the change in the gap, reach and what cannot be estimated).

Each part is a publication of its own filters and goes through the same disclosure control as
the dashboard (reports.disclosure.report_disclosure; the pilot through reports.pilot_disclosure),
so a director's board pack withholds exactly what the dashboard withholds for that month, that
history, that target and that pilot.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from django import forms
from django.db.models import Max
from django.http import HttpRequest
from django.utils import timezone

from appointments.models import Appointment
from audit.models import AuditAction
from audit.services import audit_record
from config.disclosure import audience_of
from pilots.models import Pilot
from reports import tables
from reports.disclosure import report_disclosure, request_families
from reports.evaluation import evaluate_pilot
from reports.findings import NO_CALLS, pilot_calls
from reports.inequality import pilot_inequality
from reports.pilot_disclosure import pilot_disclosure
from reports.rollup import latest_build
from reports.selectors import current_target, dna_rates, gap_of_quintiles
from reports.views import spc_icons
from targets.charts import spc_svg
from targets.forms import MonthField
from targets.models import DisparityTarget
from targets.presenters import target_card
from targets.progress import Disclosures, last_day_of, target_progress


def last_complete_month(today: date | None = None) -> date:
    today = today or timezone.localdate()
    return (today.replace(day=1) - timedelta(days=1)).replace(day=1)


def default_month() -> date:
    """The last complete month, or the month of the latest outcome if the extracts stop earlier
    (a board pack of a month with nothing in it helps nobody)."""
    latest = Appointment.objects.happened().aggregate(latest=Max("starts_at"))["latest"]
    complete = last_complete_month()
    if latest is None:
        return complete
    return min(complete, timezone.localtime(latest).date().replace(day=1))


class BoardPackMonthForm(forms.Form):
    month = MonthField(
        required=False, label="Month", help_text="Leave blank for the last complete month with outcomes."
    )

    def clean_month(self) -> date | None:
        month = self.cleaned_data.get("month")
        if month and month > timezone.localdate():
            raise forms.ValidationError("That month has not started yet: choose this month or an earlier one.")
        return month

    def chosen_month(self) -> date:
        chosen = self.cleaned_data.get("month") if self.is_bound and self.is_valid() else None
        return chosen or default_month()


def board_pack(request: HttpRequest, *, month: date) -> dict[str, Any]:
    """Everything the board pack shows for `month`, as the requester's audience may see it."""
    audience = audience_of(request.user)
    start, end = month, last_day_of(month)
    trust_target = current_target()
    target_gap = trust_target.gap_points if trust_target else None

    month_filters = {"date_from": start, "date_to": end}
    families = request_families(request)  # each period decided once, for the pack's every table and target
    month_cut = report_disclosure(audience, month_filters, families=families)
    quintile_rates = dna_rates("imd_quintile", **month_filters)

    history_filters = {"date_to": end}
    gap_rows, gap_chart = tables.gap_over_time_with_chart(
        history_filters, report_disclosure(audience, history_filters, families=families), target_points=target_gap
    )
    targets = DisparityTarget.objects.active().owned_first(request.user)
    disclosures = Disclosures(audience, families)
    audit_record(action=AuditAction.VIEW, request=request, target_type="board_pack", target_id=f"{month:%Y-%m}",
                 summary=f"Opened the board pack for {month:%B %Y}")  # fmt: skip
    return {
        "month": month,
        "generated_at": timezone.localtime(),
        "rollup": latest_build(),
        "suppressed_view": audience.suppressed,
        "quintiles": month_cut.rates(quintile_rates),
        "gap": month_cut.gap(gap_of_quintiles(quintile_rates, target_gap)),
        "trust_target": trust_target,
        "gap_over_time": gap_rows[-13:],
        "gap_months_charted": len(gap_rows),
        "gap_icons": spc_icons(gap_chart),
        "gap_warnings": gap_chart.warnings,
        "gap_svg": spc_svg(gap_chart),
        "targets": [
            target_card(target_progress(t, audience, up_to=month, disclosures=disclosures), request.user)
            for t in targets
        ],
        **_pilot_evidence(request),
    }


def _pilot_evidence(request: HttpRequest) -> dict[str, Any]:
    """The latest pilot's effect and whether it narrowed the gap, cut as the pilot's own page cuts them.

    Only the parts a board reads (the stratified effect, the arms by quintile, the change in the gap
    and the slope index); reach by group, the complier effect and spill-over stay on the pilot's page,
    whose queries take seconds on a real pilot (measured 7 to 18 s on the demo's)."""
    pilot = Pilot.objects.order_by("-starts_on", "-id").first()
    if pilot is None:
        return {"pilot": None, "evaluation": None, "findings": None}
    audience = audience_of(request.user)
    evaluation = evaluate_pilot(pilot)
    cut = pilot_disclosure(audience, evaluation.overall, evaluation.by_quintile)
    findings = {
        "statements": [NO_CALLS] if pilot_calls(pilot) == 0 else [],
        "inequality": pilot_inequality(pilot).as_dict(suppress=audience.suppressed),
    }
    return {"pilot": pilot, "evaluation": cut.evaluation(evaluation), "findings": cut.findings(findings)}
