"""The four staff roles, as Django groups with permissions.

A role is a group; what a role may do is the set of permissions below. Views and API
endpoints check permissions (never group names), so a trust can grant a person two
roles, or adjust a role, without touching code.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.contrib.auth.models import Group, Permission


@dataclass(frozen=True)
class Role:
    group: str
    permissions: tuple[str, ...]
    start_url_name: str
    staff: bool = False


CALL_HANDLER = Role(
    group="Call handler",
    permissions=("accounts.work_call_list", "accounts.view_patient_data"),
    start_url_name="calls-start",
)
TEAM_LEAD = Role(
    group="Team lead",
    permissions=("accounts.work_call_list", "accounts.lead_team", "accounts.view_patient_data"),
    start_url_name="team-start",
)
DIRECTOR = Role(group="Director", permissions=("accounts.view_reports",), start_url_name="dashboard-start")
ADMIN = Role(
    group="Admin",
    permissions=("accounts.administer_attend", "accounts.view_reports", "accounts.view_patient_data"),
    start_url_name="admin:index",
    staff=True,
)

# Order matters: a person with several roles starts on the first one's page.
ROLES: tuple[Role, ...] = (ADMIN, TEAM_LEAD, CALL_HANDLER, DIRECTOR)


def _permission(dotted: str) -> Permission:
    app_label, codename = dotted.split(".")
    return Permission.objects.get(content_type__app_label=app_label, codename=codename)


def sync_roles() -> None:
    """Create the role groups and give each exactly the permissions listed above."""
    for role in ROLES:
        group, _ = Group.objects.get_or_create(name=role.group)
        group.permissions.set([_permission(p) for p in role.permissions])
    admin = Group.objects.get(name=ADMIN.group)
    # The admin role also manages the domain data through the admin site.
    domain = Permission.objects.filter(
        content_type__app_label__in=[
            "patients",
            "appointments",
            "risk",
            "pilots",
            "reminders",
            "calls",
            "reports",
            "accounts",
            "auth",
            "authtoken",
        ]
    )
    admin.permissions.add(*domain)
    # Admins read the audit trail (nobody may change it) and can see and clear login lockouts.
    audit_and_lockouts = Permission.objects.filter(content_type__app_label="audit", codename__startswith="view_") | (
        Permission.objects.filter(content_type__app_label="axes", codename__regex=r"^(view|delete)_")
    )
    admin.permissions.add(*audit_and_lockouts)


def sync_roles_after_migrate(**kwargs: Any) -> None:
    # post_migrate for this app can fire before later apps' permissions exist; create
    # them all first (idempotent, as Django's own handler is).
    from django.apps import apps
    from django.contrib.auth.management import create_permissions

    for app_config in apps.get_app_configs():
        create_permissions(app_config, verbosity=0, using=kwargs.get("using", "default"))
    sync_roles()


def role_for(user: Any) -> Role | None:
    """The role whose start page a user lands on, or None for a user with no role."""
    if not user.is_authenticated:
        return None
    if user.is_superuser:
        return ADMIN
    names = set(user.groups.values_list("name", flat=True))
    return next((role for role in ROLES if role.group in names), None)
