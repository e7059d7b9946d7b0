from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html

from appointments.models import Appointment, Clinic, ImportBatch, RiskModel, RiskScore, Site, Specialty
from appointments.risk.predictor import ArtifactError
from appointments.risk.registry import activate_model
from audit.admin_mixins import PatientDataAuditMixin
from config.admin import ReadOnlyAdmin


@admin.register(Site)
class SiteAdmin(admin.ModelAdmin):
    list_display = ("ods_code", "name")
    search_fields = ("ods_code", "name")


@admin.register(Specialty)
class SpecialtyAdmin(admin.ModelAdmin):
    list_display = ("treatment_function_code", "name")
    search_fields = ("treatment_function_code", "name")


@admin.register(Clinic)
class ClinicAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "site", "specialty")
    list_filter = ("site", "specialty")
    search_fields = ("code", "name")


@admin.register(Appointment)
class AppointmentAdmin(PatientDataAuditMixin, admin.ModelAdmin):
    list_display = ("pas_id", "patient", "clinic", "starts_at", "appointment_type", "attendance_code")
    list_filter = ("attendance_code", "appointment_type", "medium", "site", "specialty")
    search_fields = ("pas_id", "patient__hospital_number")
    raw_id_fields = ("patient",)
    date_hierarchy = "starts_at"


@admin.register(ImportBatch)
class ImportBatchAdmin(ReadOnlyAdmin):
    """Import runs, read-only: what each file did, and a link to its error report."""

    list_display = (
        "created_at", "file_name", "status", "rows_read", "rows_created", "rows_updated", "rows_rejected",
        "unmatched_postcodes", "duration_seconds", "error_report",
    )  # fmt: skip
    list_filter = ("status", "format")
    search_fields = ("file_name", "file_sha256")
    date_hierarchy = "created_at"
    readonly_fields = ("error_report",)

    @admin.display(description="error report")
    def error_report(self, batch: ImportBatch) -> str:
        if not batch.rows_rejected and not batch.row_errors.exists():
            return "—"
        return format_html('<a href="{}">Download problems (CSV)</a>', reverse("api-import-errors", args=[batch.pk]))


@admin.register(RiskModel)
class RiskModelAdmin(admin.ModelAdmin):
    """Registry rows are written by train_risk_model; here an admin reads and activates them."""

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
