from django.contrib import admin

from audit.admin_mixins import PatientDataAuditMixin
from config.admin import ReadOnlyAdmin
from safeguarding.models import SafeguardingEntry


@admin.register(SafeguardingEntry)
class SafeguardingEntryAdmin(PatientDataAuditMixin, ReadOnlyAdmin):
    """The safeguarding list, read-only: Attend fills it and reviews are marked on its own page
    (/safeguarding/), where they are audited; an admin can see what was listed and reviewed."""

    list_display = ("appointment", "patient", "listed_at", "reviewed_at", "reviewed_by")
    list_filter = (("reviewed_at", admin.EmptyFieldListFilter), "appointment__specialty")
    search_fields = ("appointment__pas_id", "patient__hospital_number")
    date_hierarchy = "listed_at"
    raw_id_fields = ("appointment", "patient", "reviewed_by")
