"""Risk model registry in the admin: read a model's metrics and activate one."""

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest

from config.admin import DeleteUnreferencedOnlyMixin, ReadOnlyAdmin
from risk.models import RiskModel, RiskScore
from risk.predictor import ArtifactError
from risk.registry import activate_model


@admin.register(RiskModel)
class RiskModelAdmin(DeleteUnreferencedOnlyMixin, admin.ModelAdmin):
    """Registry rows are written by train_risk_model; here an admin reads and activates them.
    A model that has scored appointments stays: its scores say why patients were called."""

    list_display = ("version", "algorithm", "created_at", "trained_to", "holdout_auc", "is_active", "activated_at")
    readonly_fields = [f.name for f in RiskModel._meta.fields if f.name != "artifact"]
    exclude = ("artifact",)
    actions = ("activate",)

    @admin.display(description="Hold-out AUC")
    def holdout_auc(self, obj: RiskModel) -> str:
        auc = obj.metrics.get("model", {}).get("auc")
        return "—" if auc is None else f"{auc:.3f}"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    @admin.action(description="Activate the selected model (it will score tonight)", permissions=["change"])
    def activate(self, request: HttpRequest, queryset: QuerySet[RiskModel]) -> None:
        if queryset.count() != 1:
            self.message_user(request, "Select exactly one model to activate.", level=messages.ERROR)
            return
        model = queryset.get()
        try:
            activate_model(model=model, by=request.user)
        except ArtifactError as exc:
            self.message_user(request, f"Not activated; the active model is unchanged. {exc}", level=messages.ERROR)
        else:
            self.message_user(request, f"Risk model v{model.version} is now active.", level=messages.SUCCESS)


@admin.register(RiskScore)
class RiskScoreAdmin(ReadOnlyAdmin):
    list_display = ("appointment", "probability", "band", "model", "scored_at")
    list_filter = ("band", "model")
    raw_id_fields = ("appointment",)
    readonly_fields = ("appointment", "model", "probability", "band", "reasons", "scored_at")
