from django.contrib import admin

from appointments.models import Appointment, Clinic, Site, Specialty
from audit.admin_mixins import PatientDataAuditMixin


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
