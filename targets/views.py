"""Pages for setting and following disparity targets, the dashboard's targets panel, and the board pack.

Every figure leaves through the same disclosure control as the dashboard (each target's progress is
cut by report_disclosure for its filters, in targets.progress); the audience is decided once per
request (config.disclosure.audience_of).
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from accounts.decorators import role_required
from config.disclosure import audience_of
from reports.disclosure import request_families
from reports.views import DashboardPanel
from targets.boardpack import BoardPackMonthForm, board_pack
from targets.forms import NewTargetForm, TrajectoryForm
from targets.models import DisparityTarget
from targets.presenters import target_card
from targets.progress import Disclosures, target_progress
from targets.services import (
    VIEW_REPORTS,
    may_change,
    may_name_any_owner,
    target_create,
    target_retire,
    target_update,
)


def _cards(request: HttpRequest) -> list[dict]:
    audience = audience_of(request.user)
    disclosures = Disclosures(audience, request_families(request))
    targets = DisparityTarget.objects.active().owned_first(request.user)
    return [target_card(target_progress(t, audience, disclosures=disclosures), request.user) for t in targets]


def dashboard_targets_panel(request: HttpRequest) -> DashboardPanel:
    """The dashboard's targets: the viewer's own first."""
    return DashboardPanel("targets/_dashboard_panel.html", {"cards": _cards(request)})


@role_required(VIEW_REPORTS)
def targets_list(request: HttpRequest) -> HttpResponse:
    return render(request, "targets/targets_list.html", {"cards": _cards(request)})


@role_required(VIEW_REPORTS)
def target_detail(request: HttpRequest, target_id: int) -> HttpResponse:
    target = get_object_or_404(DisparityTarget.objects.select_related("owner"), pk=target_id)
    disclosures = Disclosures(audience_of(request.user), request_families(request))
    card = target_card(target_progress(target, audience_of(request.user), disclosures=disclosures), request.user)
    context = {"card": card, "may_change": may_change(request.user, target) and target.retired_at is None}
    return render(request, "targets/target_detail.html", context)


@role_required(VIEW_REPORTS)
def target_new(request: HttpRequest) -> HttpResponse:
    admin = may_name_any_owner(request.user)
    form = NewTargetForm(request.POST or None, may_name_owner=admin, initial={"owner": request.user.pk})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            target = target_create(
                scope=data["scope"], subject=form.subject, owner=data.get("owner") or request.user,
                baseline_month=data["baseline_month"], baseline_gap_points=data["baseline_gap_points"],
                target_month=data["target_month"], target_gap_points=data["target_gap_points"],
                note=data["note"], set_by=request.user,
            )  # fmt: skip
        except ValidationError as exc:
            _form_errors(form, exc)
        else:
            messages.success(request, f"Target set for {target.name}.")
            return redirect("target-detail", target_id=target.pk)
    status = 400 if form.is_bound and form.errors else 200
    return render(request, "targets/target_form.html", {"form": form, "target": None}, status=status)


@role_required(VIEW_REPORTS)
def target_edit(request: HttpRequest, target_id: int) -> HttpResponse:
    target = get_object_or_404(DisparityTarget.objects.active(), pk=target_id)
    if not may_change(request.user, target):
        raise PermissionDenied
    initial = {name: getattr(target, name) for name in ("baseline_month", "baseline_gap_points", "target_month",
                                                         "target_gap_points", "note")}  # fmt: skip
    initial["owner"] = target.owner_id
    admin = may_name_any_owner(request.user)
    form = TrajectoryForm(request.POST or None, may_name_owner=admin, initial=initial)
    if request.method == "POST" and form.is_valid():
        values = {name: value for name, value in form.cleaned_data.items() if name in form.fields}
        try:
            target_update(target=target, changed_by=request.user, **values)
        except ValidationError as exc:
            _form_errors(form, exc)
        else:
            messages.success(request, f"Target for {target.name} changed.")
            return redirect("target-detail", target_id=target.pk)
    status = 400 if form.is_bound and form.errors else 200
    return render(request, "targets/target_form.html", {"form": form, "target": target}, status=status)


@require_POST
@role_required(VIEW_REPORTS)
def target_retire_view(request: HttpRequest, target_id: int) -> HttpResponse:
    target = get_object_or_404(DisparityTarget, pk=target_id)
    target_retire(target=target, retired_by=request.user)  # PermissionDenied (403) unless owner or admin
    messages.success(request, f"Target for {target.name} retired.")
    return redirect("targets-list")


def _form_errors(form: TrajectoryForm, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for field, errors in exc.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)


@role_required(VIEW_REPORTS)
def board_pack_view(request: HttpRequest) -> HttpResponse:
    form = BoardPackMonthForm(request.GET or None)
    if request.GET and not form.is_valid():
        return render(request, "targets/board_pack.html", {"form": form, "pack": None}, status=400)
    pack = board_pack(request, month=form.chosen_month())
    return render(request, "targets/board_pack.html", {"form": form, "pack": pack})
