from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html

from appointments.models import Appointment, Clinic, ClosureDay, ImportBatch, Site, Specialty
from audit.admin_mixins import PatientDataAuditMixin
from config.admin import DeleteUnreferencedOnlyMixin, ReadOnlyAdmin


@admin.register(Site)
class SiteAdmin(DeleteUnreferencedOnlyMixin, admin.ModelAdmin):
    list_display = ("ods_code", "name")
    search_fields = ("ods_code", "name")


@admin.register(Specialty)
class SpecialtyAdmin(DeleteUnreferencedOnlyMixin, admin.ModelAdmin):
    list_display = ("treatment_function_code", "name")
    search_fields = ("treatment_function_code", "name")


@admin.register(Clinic)
class ClinicAdmin(DeleteUnreferencedOnlyMixin, admin.ModelAdmin):
    list_display = ("code", "name", "site", "specialty")
    list_filter = ("site", "specialty")
    search_fields = ("code", "name")


@admin.register(ClosureDay)
class ClosureDayAdmin(admin.ModelAdmin):
    """Days the trust or a site is closed beyond the bank holidays (which need no entry):
    no reminder is sent on them and, trust-wide, no call list is built."""

    list_display = ("day", "site", "reason")
    list_filter = ("site",)
    date_hierarchy = "day"
    search_fields = ("reason",)


@admin.register(Appointment)
class AppointmentAdmin(PatientDataAuditMixin, admin.ModelAdmin):
    list_display = ("pas_id", "patient", "clinic", "starts_at", "appointment_type", "outcome")
    list_filter = ("attendance_code", "appointment_type", "medium", "site", "specialty")
    list_select_related = ("patient", "clinic")
    search_fields = ("pas_id", "patient__hospital_number")
    raw_id_fields = ("patient",)
    date_hierarchy = "starts_at"

    @admin.display(description="outcome", ordering="attendance_code")
    def outcome(self, appointment: Appointment) -> str:
        """A child's DNA reads "Was not brought" (Appointment.outcome_label)."""
        return appointment.outcome_label


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
