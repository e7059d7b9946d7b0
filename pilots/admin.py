"""Pilots in the admin: scope, eligibility, randomisation and the analysis plan; allocations are read-only."""

from django.contrib import admin

from config.admin import DeleteUnreferencedOnlyMixin, ReadOnlyAdmin
from pilots.models import Allocation, AnalysisPlan, Pilot


@admin.register(Pilot)
class PilotAdmin(DeleteUnreferencedOnlyMixin, admin.ModelAdmin):
    list_display = ("name", "starts_on", "ends_on", "eligibility", "minimum_band", "ratio", "block_size")
    search_fields = ("name",)
    filter_horizontal = ("sites", "specialties", "clinics")
    fieldsets = (
        (None, {"fields": ("name", "description", "starts_on", "ends_on")}),
        ("Scope (leave empty for all)", {"fields": ("sites", "specialties", "clinics")}),
        ("Eligibility", {"fields": ("eligibility", "minimum_band")}),
        ("Randomisation", {"fields": ("intervention_weight", "control_weight", "block_size", "seed")}),
    )

    @admin.display(description="Ratio (intervention:control)")
    def ratio(self, pilot: Pilot) -> str:
        return f"{pilot.intervention_weight}:{pilot.control_weight}"

    def get_readonly_fields(self, request, obj=None):
        # Once anything is allocated, the randomisation cannot change under it.
        if obj is not None and obj.allocations.exists():
            return ("intervention_weight", "control_weight", "block_size", "seed")
        return ()


@admin.register(Allocation)
class AllocationAdmin(ReadOnlyAdmin):
    """Read-only: an allocation is recorded once and never changes."""

    list_display = ("appointment", "pilot", "arm", "stratum", "block_number", "position_in_block", "allocated_at")
    list_filter = ("pilot", "arm", "stratum")


@admin.register(AnalysisPlan)
class AnalysisPlanAdmin(admin.ModelAdmin):
    """A pilot's pre-registered analysis plan: fixed, like its randomisation, once anything is allocated."""

    list_display = ("pilot", "primary_outcome", "minimum_detectable_effect_points", "registered_at")
    readonly_fields = ("registered_at",)

    def get_readonly_fields(self, request, obj=None):
        if obj is not None and obj.pilot.allocations.exists():
            return [field.name for field in AnalysisPlan._meta.fields if field.name != "id"]
        return self.readonly_fields

    def has_delete_permission(self, request, obj=None):
        return (obj is None or not obj.pilot.allocations.exists()) and super().has_delete_permission(request, obj)
