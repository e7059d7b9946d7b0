"""The collaborative's pages, for its directors and the ICB (accounts.view_reports, as the trust's own
dashboard), and the analyst's upload page (accounts.administer_attend). Only aggregates are here:
each figure is built from member trusts' published cells (hub.selectors), what a trust suppressed
is said, not estimated."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from accounts.decorators import role_required
from hub import presenters
from hub.forms import AggregateUploadForm, PeriodForm, PilotChoiceForm, SpecialtyChoiceForm
from hub.models import MemberTrust, ReceivedFile
from hub.selectors import gaps_over_time, pilot_effects, pilots_held, specialties_held, trust_figures
from hub.services import aggregate_file_load

REPORTS = "accounts.view_reports"
ADMINISTER = "accounts.administer_attend"


def hub_page(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """A page that exists only where this Attend is a hub (ATTEND_HUB_ENABLED): elsewhere, not found."""

    @wraps(view)
    def page(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not settings.ATTEND_HUB_ENABLED:
            raise Http404("This Attend is not a collaborative hub.")
        return view(request, *args, **kwargs)

    return page


def _base(request: HttpRequest) -> tuple[PeriodForm, dict]:
    form = PeriodForm(request.GET or None)
    return form, {"form": form, "members": MemberTrust.objects.count(), "query": request.GET.urlencode()}


@role_required(REPORTS)
@hub_page
def hub_trusts(request: HttpRequest) -> HttpResponse:
    form, context = _base(request)
    figures = trust_figures(form.period())
    context["rows"] = [presenters.trust_row(f) for f in figures]
    return render(request, "hub/trusts.html", context)


@role_required(REPORTS)
@hub_page
def hub_funnels(request: HttpRequest) -> HttpResponse:
    form, context = _base(request)
    period = form.period()
    specialties = specialties_held(period)
    specialty = request.GET.get("specialty") or None
    if specialty not in specialties:
        specialty = None
    figures = trust_figures(period, specialty=specialty)
    context.update(
        {
            "specialties": specialties,
            "specialty": specialty,
            "specialty_form": SpecialtyChoiceForm(specialties=specialties, chosen=specialty),
            "rate": presenters.rate_funnel_panel(figures),
            "gap": presenters.gap_funnel_panel(figures),
        }
    )
    return render(request, "hub/funnels.html", context)


@role_required(REPORTS)
@hub_page
def hub_gap_over_time(request: HttpRequest) -> HttpResponse:
    form, context = _base(request)
    context["cards"] = [presenters.gap_over_time_card(s, n) for n, s in enumerate(gaps_over_time(form.period()))]
    return render(request, "hub/gap_over_time.html", context)


@role_required(REPORTS)
@hub_page
def hub_pilots(request: HttpRequest) -> HttpResponse:
    form, context = _base(request)
    period = form.period()
    pilots = pilots_held(period)
    pilot = request.GET.get("pilot") or (pilots[0] if pilots else None)
    if pilot not in pilots:
        pilot = pilots[0] if pilots else None
    context.update(
        {
            "pilots": pilots,
            "pilot": pilot,
            "pilot_form": PilotChoiceForm(pilots=pilots, chosen=pilot),
            "across": presenters.pilot_across_trusts(pilot_effects(pilot, period)) if pilot else None,
        }
    )
    return render(request, "hub/pilots.html", context)


@role_required(ADMINISTER)
@hub_page
def hub_files(request: HttpRequest) -> HttpResponse:
    form = AggregateUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        result = aggregate_file_load(
            content=upload.read(), sender=f"upload by {request.user.get_username()}: {upload.name}", user=request.user
        )
        (messages.success if result.loaded else messages.error)(request, result.message)
        return redirect("hub-files")
    context = {
        "form": form,
        "files": ReceivedFile.objects.select_related("trust")[:100],
        "members": MemberTrust.objects.all(),
    }
    return render(request, "hub/files.html", context)
