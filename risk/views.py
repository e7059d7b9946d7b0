"""The model card pages, for admins and directors; activation for admins."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from accounts.decorators import role_required
from config.disclosure import audience_of
from risk.models import RiskModel
from risk.predictor import ArtifactError
from risk.presenters import RiskModelPresenter
from risk.registry import activate_model

MODEL_CARD_PERMISSIONS = ("accounts.administer_attend", "accounts.view_reports")


@role_required(*MODEL_CARD_PERMISSIONS)
def risk_model_list(request: HttpRequest) -> HttpResponse:
    models = [RiskModelPresenter(m) for m in RiskModel.objects.defer("artifact")]
    return render(request, "risk/risk_model_list.html", {"models": models})


@role_required(*MODEL_CARD_PERMISSIONS)
def risk_model_card(request: HttpRequest, pk: int) -> HttpResponse:
    model = get_object_or_404(RiskModel.objects.defer("artifact"), pk=pk)
    return render(
        request,
        "risk/risk_model_card.html",
        {
            "card": RiskModelPresenter(model, audience=audience_of(request.user)),
            "can_activate": request.user.has_perm("accounts.administer_attend"),
        },
    )


@require_POST
@role_required("accounts.administer_attend")
def risk_model_activate(request: HttpRequest, pk: int) -> HttpResponse:
    model = get_object_or_404(RiskModel, pk=pk)
    try:
        activate_model(model=model, by=request.user)
    except ArtifactError as exc:
        messages.error(request, f"Not activated; the active model is unchanged. {exc}")
    else:
        messages.success(request, f"Risk model v{model.version} is now active and will score tonight.")
    return redirect("risk-model-card", pk=pk)
