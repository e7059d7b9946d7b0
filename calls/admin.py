"""Call lists in the admin: call tasks, each team's capacity, and patients who asked not to be called."""

from django.contrib import admin

from calls.models import CallTask, DoNotCall, TeamCapacity


@admin.register(CallTask)
class CallTaskAdmin(admin.ModelAdmin):
    list_display = ("patient", "team", "list_date", "status", "priority", "claimed_by", "attempts_made")
    list_filter = ("status", "team", "list_date", "reason")
    raw_id_fields = ("patient", "appointment", "appointments", "claimed_by")


@admin.register(TeamCapacity)
class TeamCapacityAdmin(admin.ModelAdmin):
    list_display = ("team", "day", "handlers_on_shift", "set_by")
    list_filter = ("team",)


@admin.register(DoNotCall)
class DoNotCallAdmin(admin.ModelAdmin):
    list_display = ("patient", "recorded_at", "source", "recorded_by", "lifted_at")
    list_filter = ("source", ("lifted_at", admin.EmptyFieldListFilter))
    raw_id_fields = ("patient", "attempt", "recorded_by", "lifted_by")
