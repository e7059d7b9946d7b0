from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import GroupAdmin, UserAdmin
from django.contrib.auth.models import Group
from django.shortcuts import get_object_or_404
from django_otp.plugins.otp_totp.admin import TOTPDeviceAdmin  # importing it registers django-otp's admin
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import StaffProfile, Team
from config.admin import DeleteUnreferencedOnlyMixin


@admin.register(Team)
class TeamAdmin(DeleteUnreferencedOnlyMixin, admin.ModelAdmin):
    list_display = ("name", "calls_per_handler", "site_code", "specialty_codes", "languages", "is_default")


@admin.register(StaffProfile)
class StaffProfileAdmin(admin.ModelAdmin):
    list_display = ("user", "team", "languages")
    list_filter = ("team",)


# Staff logins and role groups are reference data too: a handler's calls and attempts, and
# the audit trail, refer to their login.
admin.site.unregister(get_user_model())
admin.site.unregister(Group)


@admin.register(get_user_model())
class StaffUserAdmin(DeleteUnreferencedOnlyMixin, UserAdmin):
    instead_of_deleting = "Untick “Active” instead: they can no longer log in, and what they did stays theirs."


@admin.register(Group)
class RoleGroupAdmin(DeleteUnreferencedOnlyMixin, GroupAdmin):
    instead_of_deleting = "Take the role away from its members first."


# Authenticator apps (TOTP) for the password logins that need one (accounts/sign_in.py).
# django-otp's own admin answers a missing device's QR-code or settings page with a server error.
admin.site.unregister(TOTPDevice)


@admin.register(TOTPDevice)
class AuthenticatorAppAdmin(TOTPDeviceAdmin):
    def config_view(self, request, pk):
        get_object_or_404(TOTPDevice, pk=pk)
        return super().config_view(request, pk)

    def qrcode_view(self, request, pk):
        get_object_or_404(TOTPDevice, pk=pk)
        return super().qrcode_view(request, pk)
