"""The model's live page: realised performance by month, and who gets help against who needs it."""

from __future__ import annotations

from datetime import timedelta

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils import timezone

from accounts.decorators import role_required
from config.disclosure import AdditiveGroup, audience_of, is_small, withheld_cells_and_zeros
from monitoring.models import LiveCheck, Population
from monitoring.services import GROUPINGS, HelpShare, help_shares, live_warnings
from risk.models import RiskModel
from risk.presenters import headline_population
from risk.views import MODEL_CARD_PERMISSIONS

HELP_SINCE_DAYS = 365


def help_withheld(total: HelpShare, parts: list[HelpShare]) -> frozenset:
    """The groups a director may not see of one grouping: a share under 5 people, and the complements
    that keep it from coming back as the total's share minus the others'. The page shows each group's
    share of those selected and of the DNAs, and the total: both are counts a reader can total, so a
    zero is a value too (config.disclosure.withheld_cells_and_zeros)."""
    sizes = {part.group: part.appointments for part in parts} | {"All": total.appointments}
    measures = {part.group: (part.selected, part.dnas) for part in (*parts, total)}
    primary = [part.group for part in parts if is_small(part.selected) or is_small(part.dnas)]
    group = AdditiveGroup("All", tuple(part.group for part in parts))
    return withheld_cells_and_zeros(sizes, [group], primary, measures)


def _help_rows(model: RiskModel, *, suppressed: bool) -> list[dict]:
    tables = []
    for name, (total, parts) in help_shares(
        model=model, since=timezone.localdate() - timedelta(days=HELP_SINCE_DAYS)
    ).items():
        withheld = help_withheld(total, parts) if suppressed else frozenset()
        rows = [
            {"group": part.group, "withheld": part.group in withheld,
             "selected_share": part.share_of(total, "selected"), "dna_share": part.share_of(total, "dnas")}
            for part in parts
        ]  # fmt: skip
        tables.append({"title": dict(GROUPINGS)[name], "rows": rows, "total": total})
    return tables


@role_required(*MODEL_CARD_PERMISSIONS)
def risk_model_live(request: HttpRequest, pk: int) -> HttpResponse:
    model = get_object_or_404(RiskModel.objects.defer("artifact"), pk=pk)
    checks = list(LiveCheck.objects.filter(model=model).order_by("month", "population", "group"))
    months = sorted({check.month for check in checks})
    by_cell = {(c.month, c.population, c.group): c for c in checks}
    suppressed = audience_of(request.user).suppressed
    context = {
        "model": model,
        "held_out_auc": headline_population(model.metrics).get("auc"),
        "warnings": live_warnings(model),
        "overall": [
            (month, by_cell.get((month, Population.ALL, "all")), by_cell.get((month, Population.CONTROL, "all")))
            for month in months
        ],
        "quintiles": [
            (month, [by_cell.get((month, Population.ALL, f"imd_quintile:{q}")) for q in range(1, 6)])
            for month in months
        ],
        "help": _help_rows(model, suppressed=suppressed),
        "suppressed": suppressed,
    }  # fmt: skip
    return render(request, "monitoring/risk_model_live.html", context)
