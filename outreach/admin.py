"""Outreach admin: pilots, allocations and call lists here; each other area registers its models in
its own admin module, imported below."""

from django.contrib import admin

from config.admin import ReadOnlyAdmin
from outreach.models import Allocation, CallTask, Pilot, TeamCapacity
from outreach.sms import admin as sms_admin  # noqa: F401  (SMS templates, outbox, replies)


@admin.register(Pilot)
class PilotAdmin(admin.ModelAdmin):
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


@admin.register(CallTask)
class CallTaskAdmin(admin.ModelAdmin):
    list_display = ("patient", "team", "list_date", "status", "priority", "claimed_by", "attempts_made")
    list_filter = ("status", "team", "list_date", "reason")
    raw_id_fields = ("patient", "appointment", "appointments", "claimed_by")


@admin.register(TeamCapacity)
class TeamCapacityAdmin(admin.ModelAdmin):
    list_display = ("team", "day", "handlers_on_shift", "set_by")
    list_filter = ("team",)
