from django.contrib import admin

from accounts.models import StaffProfile, Team


@admin.register(Team)
class TeamAdmin(admin.ModelAdmin):
    list_display = ("name", "calls_per_handler")


@admin.register(StaffProfile)
class StaffProfileAdmin(admin.ModelAdmin):
    list_display = ("user", "team")
    list_filter = ("team",)
