"""The model's live page: realised performance by month, and who gets help against who needs it."""

from __future__ import annotations

from datetime import timedelta

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils import timezone

from accounts.decorators import role_required
from config.disclosure import AdditiveGroup, audience_of, is_small, withheld_cells
from monitoring.models import LiveCheck, Population
from monitoring.services import GROUPINGS, help_shares, live_warnings
from risk.models import RiskModel
from risk.presenters import headline_population
from risk.views import MODEL_CARD_PERMISSIONS

HELP_SINCE_DAYS = 365


def _help_rows(model: RiskModel, *, suppressed: bool) -> list[dict]:
    tables = []
    for name, (total, parts) in help_shares(
        model=model, since=timezone.localdate() - timedelta(days=HELP_SINCE_DAYS)
    ).items():
        withheld: frozenset = frozenset()
        if suppressed:
            sizes = {part.group: part.appointments for part in parts} | {"All": total.appointments}
            primary = [part.group for part in parts if is_small(part.selected) or is_small(part.dnas)]
            withheld = withheld_cells(sizes, [AdditiveGroup("All", tuple(sizes.keys() - {"All"}))], primary)
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
