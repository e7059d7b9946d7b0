"""Call lists in the admin: call tasks and each team's capacity."""

from django.contrib import admin

from calls.models import CallTask, TeamCapacity


@admin.register(CallTask)
class CallTaskAdmin(admin.ModelAdmin):
    list_display = ("patient", "team", "list_date", "status", "priority", "claimed_by", "attempts_made")
    list_filter = ("status", "team", "list_date", "reason")
    raw_id_fields = ("patient", "appointment", "appointments", "claimed_by")


@admin.register(TeamCapacity)
class TeamCapacityAdmin(admin.ModelAdmin):
    list_display = ("team", "day", "handlers_on_shift", "set_by")
    list_filter = ("team",)
