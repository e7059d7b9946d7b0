"""Pages for directors: aggregate reports only, with disclosure control.

Each page and CSV decides its audience once (config.disclosure.audience_of) and cuts every
figure it shows through the one Disclosure for its filters or pilot (reports.disclosure): a
director sees no count under 5, nothing built on one, and nothing that gives one back by
subtraction; analysts and admins see every figure as it is.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from accounts.decorators import role_required
from audit.models import AuditAction
from audit.services import audit_record
from config.disclosure import audience_of
from pilots.models import Pilot
from reports import tables
from reports.disclosure import report_disclosure, request_families
from reports.evaluation import arm_comparisons, evaluate_pilot
from reports.forms import DisparityTargetForm, ReportFilterForm
from reports.pilot_disclosure import pilot_disclosure, pilot_findings_for
from reports.rollup import latest_build
from reports.selectors import current_target, dna_rates, gap_of_quintiles
from reports.services import disparity_target_set
from reports.spc import ASSURANCE_ICONS, VARIATION_ICONS, XmrChart
from safeguarding.models import SafeguardingEntry

REPORTS = "accounts.view_reports"


@dataclass(frozen=True)
class DashboardPanel:
    """A section an app above reports adds to the dashboard: a template and its context."""

    template: str
    context: dict[str, Any]


# Apps above reports (targets) register a function of the request that returns a panel (or None);
# the dashboard shows each after the gap, in the order registered. Reports never imports them.
_DASHBOARD_PANELS: list[Callable[[HttpRequest], DashboardPanel | None]] = []


def register_dashboard_panel(panel: Callable[[HttpRequest], DashboardPanel | None]) -> None:
    if panel not in _DASHBOARD_PANELS:
        _DASHBOARD_PANELS.append(panel)


def _dashboard_panels(request: HttpRequest) -> list[DashboardPanel]:
    return [shown for panel in _DASHBOARD_PANELS if (shown := panel(request)) is not None]


def _pct(value: float | None) -> float | None:
    return None if value is None else round(100 * value, 3)


def _quintile_chart(rows: tables.Rows) -> dict[str, Any]:
    return {
        "labels": [f"Quintile {row['imd_quintile']}" if row["imd_quintile"] else "Not known" for row in rows],
        "values": [_pct(row["dna_rate"]) for row in rows],
        "low": [_pct(row["ci_low"]) for row in rows],
        "high": [_pct(row["ci_high"]) for row in rows],
        "yLabel": "DNA rate (%)",
    }


def _spc_chart(chart: XmrChart, *, y_label: str) -> dict[str, Any]:
    """What dashboard.js draws: the points coloured by variation, the latest mean and limits, the target."""
    return {
        "labels": [point.label for point in chart.points],
        "values": [None if point.value is None else round(point.value, 3) for point in chart.points],
        "variation": [point.variation for point in chart.points],
        "mean": chart.mean,
        "upper": chart.upper_limit,
        "lower": chart.lower_limit,
        "target": chart.target,
        "yLabel": y_label,
    }


MDC_COLOURS = {"improvement": "#289de0", "concern": "#fab428", "common": "#7b7d7d"}
# The small run of points inside a variation icon: flat for common cause, stepping up or down for a signal.
ICON_LINES = {
    "common": [(10, 30), (17, 24), (24, 33), (31, 25), (38, 31), (46, 27)],
    "high": [(10, 38), (17, 36), (24, 37), (31, 26), (38, 22), (46, 20)],
    "low": [(10, 18), (17, 20), (24, 19), (31, 30), (38, 34), (46, 36)],
}


def spc_icons(chart: XmrChart) -> list[dict[str, Any]]:
    """Making Data Count's variation icon (from the latest point) and assurance icon (with a target)."""
    icons = []
    if chart.variation_icon:
        variation, _, side = chart.variation_icon.partition("_")
        shape = "common" if variation == "common" else side
        colour = MDC_COLOURS[variation]
        line = ICON_LINES[shape]
        icons.append({
            "kind": "variation", "name": chart.variation_icon, "colour": colour,
            "text": VARIATION_ICONS[chart.variation_icon],
            "line": " ".join(f"{x},{y}" for x, y in line),
            # The last three points carry the signal's colour; common cause is grey throughout.
            "dots": [{"x": x, "y": y, "colour": colour if shape == "common" or i >= 3 else MDC_COLOURS["common"]}
                     for i, (x, y) in enumerate(line)],
            "letter": {"high": "H", "low": "L"}.get(shape, ""),
            "letter_y": 24 if shape == "high" else 46,
        })  # fmt: skip
    if chart.assurance_icon:
        colour = {"pass": "improvement", "fail": "concern"}.get(chart.assurance_icon, "common")
        icons.append({
            "kind": "assurance", "name": f"assurance_{chart.assurance_icon}", "colour": MDC_COLOURS[colour],
            "text": ASSURANCE_ICONS[chart.assurance_icon],
            "letter": {"pass": "P", "fail": "F"}.get(chart.assurance_icon, "?"),
        })  # fmt: skip
    return icons


def _spc_panel(chart: XmrChart) -> dict[str, Any]:
    return {"icons": spc_icons(chart), "warnings": chart.warnings}


def _arms_chart(evaluation: dict[str, Any]) -> dict[str, Any]:
    rows = evaluation["by_imd_quintile"]
    return {
        "labels": [row["group"] for row in rows],
        "intervention": [_pct(row["intervention"]["dna_rate"]) for row in rows],
        "control": [_pct(row["control"]["dna_rate"]) for row in rows],
        "yLabel": "DNA rate (%)",
    }


@role_required(REPORTS)
def dashboard_start(request: HttpRequest) -> HttpResponse:
    form = ReportFilterForm(request.GET or None)
    filters = form.filters()
    audience = audience_of(request.user)
    # One decision for every table on the page and its CSVs (and the targets panel, for the same period).
    disclosure = report_disclosure(audience, filters, families=request_families(request))
    target = current_target()
    # The quintile rates feed both the quintile table and the overall gap: one query, not two.
    quintile_rates = dna_rates("imd_quintile", **filters)
    quintiles = disclosure.rates(quintile_rates)
    target_gap = target.gap_points if target else None
    sort = request.GET.get("sort", "gap")
    gap_over_time, gap_chart = tables.gap_over_time_with_chart(filters, disclosure, target_points=target_gap)
    rate_over_time, rate_chart = tables.dna_rate_over_time_with_chart(filters, disclosure)
    pilot = Pilot.objects.order_by("-starts_on", "-id").first()
    pilot_evaluation = None
    if pilot:  # the dashboard shows the arms only; the full evaluation is on the pilot's own page
        overall, by_quintile, stratified = arm_comparisons(pilot)
        cut = pilot_disclosure(audience, overall, by_quintile)
        pilot_evaluation = cut.arms(pilot, overall, by_quintile, stratified)
    query = urlencode({k: v for k, v in request.GET.items() if k != "sort"})
    context = {
        "form": form,
        "query": query,
        "suppressed_view": audience.suppressed,
        "rollup": latest_build(),
        "target": target,
        "target_form": DisparityTargetForm(initial={"gap_points": target.gap_points if target else None}),
        "quintiles": quintiles,
        "quintile_chart": _quintile_chart(quintiles),
        "gap": disclosure.gap(gap_of_quintiles(quintile_rates, target_gap)),
        "gap_over_time": gap_over_time,
        "gap_chart": _spc_chart(gap_chart, y_label="Gap (percentage points)"),
        "gap_spc": _spc_panel(gap_chart),
        "rate_over_time": rate_over_time,
        "rate_chart": _spc_chart(rate_chart, y_label="DNA rate (%)"),
        "rate_spc": _spc_panel(rate_chart),
        "specialties": tables.gap_by("specialty")(filters, disclosure, sort, target_points=target_gap),
        "sort": sort,
        "pilot": pilot,
        "pilot_evaluation": pilot_evaluation,
        "arms_chart": _arms_chart(pilot_evaluation) if pilot_evaluation else None,
        "panels": _dashboard_panels(request),
        # Escalation: children's DNAs the safeguarding lead has not reviewed in time (a count, no details).
        "safeguarding_overdue": SafeguardingEntry.objects.overdue().count(),
        "safeguarding_days": settings.ATTEND_SAFEGUARDING_ESCALATE_AFTER_DAYS,
    }
    return render(request, "reports/dashboard_start.html", context)


@role_required(REPORTS)
def pilot_evaluation(request: HttpRequest, pilot_id: int) -> HttpResponse:
    pilot = get_object_or_404(Pilot, pk=pilot_id)
    audience = audience_of(request.user)
    evaluation = evaluate_pilot(pilot)
    cut = pilot_disclosure(audience, evaluation.overall, evaluation.by_quintile)
    shown = cut.evaluation(evaluation)
    context = {
        "pilot": pilot,
        "evaluation": shown,
        "arms_chart": _arms_chart(shown),
        "suppressed_view": audience.suppressed,
        "findings": pilot_findings_for(audience, pilot, cut),
    }
    return render(request, "reports/pilot_evaluation.html", context)


@role_required(REPORTS)
def table_csv(request: HttpRequest, name: str) -> HttpResponse:
    table = tables.FILTERED_TABLES.get(name)
    if table is None:
        raise Http404("No such table.")
    filters = ReportFilterForm(request.GET or None).filters()
    rows = table.rows(filters, report_disclosure(audience_of(request.user), filters))
    return _csv_response(request, name, rows, table.columns)


@role_required(REPORTS)
def pilot_table_csv(request: HttpRequest, pilot_id: int, name: str) -> HttpResponse:
    table = tables.PILOT_TABLES.get(name)
    if table is None:
        raise Http404("No such table.")
    pilot = get_object_or_404(Pilot, pk=pilot_id)
    rows = table.rows(pilot, audience_of(request.user))
    return _csv_response(request, f"pilot-{pilot.pk}-{name}", rows, table.columns)


def _csv_response(request: HttpRequest, name: str, rows: tables.Rows, columns: tuple[str, ...]) -> HttpResponse:
    audit_record(action=AuditAction.EXPORT, request=request, target_type="report", target_id=name,
                 summary=f"Downloaded the {name} table as CSV")  # fmt: skip
    response = HttpResponse(tables.rows_to_csv(rows, columns), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="attend-{name}.csv"'
    return response


@require_POST
@role_required(REPORTS)
def set_target(request: HttpRequest) -> HttpResponse:
    form = DisparityTargetForm(request.POST)
    if form.is_valid():
        disparity_target_set(
            gap_points=form.cleaned_data["gap_points"], note=form.cleaned_data["note"], set_by=request.user
        )
        messages.success(request, f"Gap target set to {form.cleaned_data['gap_points']} percentage points.")
    else:
        messages.error(request, "The target must be a number of percentage points between −100 and 100.")
    return redirect("dashboard-start")
