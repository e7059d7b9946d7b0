from django.contrib import admin

from audit.admin_mixins import PatientDataAuditMixin
from patients.models import Patient


@admin.register(Patient)
class PatientAdmin(PatientDataAuditMixin, admin.ModelAdmin):
    list_display = ("hospital_number", "display_name", "date_of_birth", "sex", "imd_decile", "sms_opt_out")
    list_filter = ("sex", "imd_decile", "sms_opt_out", "interpreter_required", "preferred_language")
    search_fields = ("hospital_number", "nhs_number", "family_name", "postcode")
    readonly_fields = ("created_at", "updated_at")
