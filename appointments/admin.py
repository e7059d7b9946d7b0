from django import forms
from django.conf import settings
from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, StreamingHttpResponse
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html

from appointments.importing.api import ImportUploadInput
from appointments.importing.layouts import LAYOUTS
from appointments.importing.models import FINAL_IMPORT_STATUSES
from appointments.importing.report import error_report_response
from appointments.importing.services import start_import
from appointments.models import Appointment, Clinic, ClosureDay, ImportBatch, Site, Specialty
from audit.admin_mixins import PatientDataAuditMixin
from audit.models import AuditAction
from audit.services import audit_record
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


# Seconds between refreshes of an import's progress page while it waits or runs.
PROGRESS_REFRESH_SECONDS = 3


# How the upload page names each layout; "attend" is the first choice's (blank) value.
LAYOUT_LABELS = {"cds-outpatient": "CDS outpatient (SUS/HES extract)"}


class ImportUploadForm(forms.Form):
    """The upload page's form. The import API's own check (ImportUploadInput) decides what is
    refused, so the page and the API refuse the same files with the same reasons."""

    file = forms.FileField(
        label="Extract file",
        required=False,
        help_text="CSV (.csv) or FHIR Bundle (.json)",
        widget=forms.FileInput(attrs={"accept": ".csv,.json,text/csv,application/json"}),
    )
    layout = forms.CharField(
        label="Columns",
        required=False,
        help_text="Which columns the file has. A file in the trust's own headers needs a mapping file.",
        widget=forms.RadioSelect,
    )
    mapping = forms.FileField(
        label="Mapping file (optional)",
        required=False,
        help_text="Names which of the file's headers hold Attend's columns.",
        widget=forms.FileInput,
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["layout"].widget.choices = [
            ("", "Attend's columns, or the mapping file below"),
            *((layout, LAYOUT_LABELS.get(layout, layout)) for layout in sorted(LAYOUTS) if layout != "attend"),
        ]
        self.upload: dict = {}
        self.fields["file"].label_class = self.fields["mapping"].label_class = "nhsuk-label--s"

    def clean(self) -> dict:
        data = {name: upload for name, upload in self.files.items() if name in ("file", "mapping")}
        if self.cleaned_data.get("layout"):
            data["layout"] = self.cleaned_data["layout"]
        upload = ImportUploadInput(data=data)
        if upload.is_valid():
            self.upload = upload.validated_data
        for field, errors in upload.errors.items():
            self.add_error(field if field in self.fields else None, [str(error) for error in errors])
        return self.cleaned_data


@admin.register(ImportBatch)
class ImportBatchAdmin(ReadOnlyAdmin):
    """Import runs, read-only: what each file did, and a link to its error report. Beside them,
    the upload page (an extract with a file picker, then its progress and error report), for
    people who administer Attend; it goes through the same service and task as the import API."""

    change_list_template = "admin/appointments/importbatch/change_list.html"
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
        return format_html(
            '<a href="{}">Download problems (CSV)</a>',
            reverse("admin:appointments_importbatch_errors", args=[batch.pk]),
        )

    def get_urls(self):
        wrap = self.admin_site.admin_view
        return [
            path("upload/", wrap(self.upload_view), name="appointments_importbatch_upload"),
            path("<int:pk>/progress/", wrap(self.progress_view), name="appointments_importbatch_progress"),
            path("<int:pk>/errors.csv", wrap(self.errors_view), name="appointments_importbatch_errors"),
            *super().get_urls(),
        ]

    @staticmethod
    def _require_administer(request: HttpRequest) -> None:
        if not request.user.has_perm("accounts.administer_attend"):
            raise PermissionDenied("Only people who administer Attend may import extracts.")

    def upload_view(self, request: HttpRequest) -> HttpResponse:
        """GET: the form. POST: checked as the API checks it (size, layout or mapping, not both);
        a good upload is stored, queued and audited, and the page moves to its progress."""
        self._require_administer(request)
        form = ImportUploadForm(request.POST, request.FILES) if request.method == "POST" else ImportUploadForm()
        if form.is_bound and form.is_valid():
            batch = start_import(
                upload=form.upload["file"],
                uploaded_by=request.user,
                mapping_file=form.upload.get("mapping"),
                layout=form.upload.get("layout", ""),
            )
            audit_record(
                action=AuditAction.CREATE, target=batch, request=request, summary=f"Uploaded {batch.file_name}"
            )
            return HttpResponseRedirect(reverse("admin:appointments_importbatch_progress", args=[batch.pk]))
        context = {
            **self.admin_site.each_context(request),
            "title": "Upload an extract",
            "form": form,
            "limit_mb": settings.ATTEND_IMPORT_MAX_UPLOAD_BYTES // 2**20,
        }
        status = 400 if form.is_bound and form.errors else 200
        return TemplateResponse(request, "appointments/import_upload.html", context, status=status)

    def progress_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        """The batch's status and counts; the page refreshes itself until the import has finished."""
        self._require_administer(request)
        batch = get_object_or_404(ImportBatch, pk=pk)
        finished = batch.status in FINAL_IMPORT_STATUSES
        context = {
            **self.admin_site.each_context(request),
            "title": f"Import of {batch.file_name}",
            "batch": batch,
            "finished": finished,
            "refresh_seconds": None if finished else PROGRESS_REFRESH_SECONDS,
            "has_problems": bool(batch.rows_rejected) or batch.row_errors.exists() or bool(batch.rules_applied),
        }
        return TemplateResponse(request, "appointments/import_progress.html", context)

    def errors_view(self, request: HttpRequest, pk: int) -> StreamingHttpResponse:
        """The error report (report.error_report_lines): it quotes the trust's rows, so the
        download is recorded as an export of the problems it holds."""
        self._require_administer(request)
        batch = get_object_or_404(ImportBatch, pk=pk)
        return error_report_response(request, batch)
