"""Reads about staff that other apps use to scope what a person sees."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import QuerySet

from accounts.models import StaffProfile, Team
from accounts.roles import CALL_HANDLER


def team_of(user: Any) -> Team | None:
    """The team a member of staff belongs to, or None (signed out, no profile or no team)."""
    if user is None or not user.is_authenticated:
        return None
    profile = StaffProfile.objects.filter(user_id=user.pk).select_related("team").first()
    return profile.team if profile else None


WORK_CALL_LIST = "accounts.work_call_list"
PERMISSIONS_BACKEND = "django.contrib.auth.backends.ModelBackend"


def staff_who_can_take_calls(team: Team) -> QuerySet:
    """The team's active staff who may be given a call: exactly those for whom
    `user.has_perm("accounts.work_call_list")` holds (by role, by their own permission, or
    superuser), so a lead is never offered someone the reassignment would refuse."""
    return (
        get_user_model()
        .objects.with_perm(WORK_CALL_LIST, backend=PERMISSIONS_BACKEND)
        .filter(staff_profile__team=team)
        .order_by("first_name", "last_name", "username")
    )


def call_handlers_in(team: Team) -> QuerySet:
    """The team's active members in the call handler role (not its lead, directors or admins)."""
    return StaffProfile.objects.filter(
        team=team, user__is_active=True, user__groups__name=CALL_HANDLER.group
    ).distinct()
