"""The staff roles, as Django groups with permissions.

A role is a group; what a role may do is the set of permissions below, and nothing else:
sync_roles (run after every migrate) gives each group exactly these. Views and API
endpoints check permissions (never group names), so a trust can grant a person two
roles, or one more permission on their own login, without touching code.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.contrib.auth.models import Group, Permission

MODEL_ACTIONS = ("add", "change", "delete", "view")


@dataclass(frozen=True)
class ModelAccess:
    """Django's model permissions on every model of one app, for the admin site: e.g.
    ModelAccess("audit", ("view",)) is view_auditevent. These are never Attend's role
    permissions (work_call_list, lead_team, …), which only `Role.permissions` grants."""

    app_label: str
    actions: tuple[str, ...] = MODEL_ACTIONS


@dataclass(frozen=True)
class Role:
    group: str
    permissions: tuple[str, ...]
    start_url_name: str
    staff: bool = False
    model_access: tuple[ModelAccess, ...] = ()


CALL_HANDLER = Role(
    group="Call handler",
    permissions=("accounts.work_call_list", "accounts.view_patient_data"),
    start_url_name="calls-start",
)
TEAM_LEAD = Role(
    group="Team lead",
    # A team lead also prints the day's letters for the post room (letters app, without NHS Notify).
    permissions=(
        "accounts.work_call_list",
        "accounts.lead_team",
        "accounts.view_patient_data",
        "letters.print_letters",
    ),
    start_url_name="team-start",
)
# The trust's named safeguarding contact(s): the children not brought to appointments in the
# safeguarding specialties (the safeguarding app), and only that.
SAFEGUARDING_LEAD = Role(
    group="Safeguarding lead",
    permissions=("accounts.review_safeguarding", "accounts.view_patient_data"),
    start_url_name="safeguarding-list",
)
DIRECTOR = Role(group="Director", permissions=("accounts.view_reports",), start_url_name="dashboard-start")
ADMIN = Role(
    group="Admin",
    permissions=("accounts.administer_attend", "accounts.view_reports", "accounts.view_patient_data"),
    start_url_name="admin:index",
    staff=True,
    # The admin manages the domain data, staff, teams and API tokens through the admin
    # site; reads the audit trail (nobody may change it); sees and clears login lockouts;
    # adds and removes the authenticator apps password logins need.
    # An admin who also works calls or leads a team is given that role as well.
    model_access=(
        ModelAccess("patients"),
        ModelAccess("appointments"),
        ModelAccess("risk"),
        ModelAccess("pilots"),
        ModelAccess("reminders"),
        # Letters and the channel plan, read-only (Attend writes them; a returned letter is recorded there).
        ModelAccess("letters", ("view",)),
        ModelAccess("calls"),
        ModelAccess("safeguarding", ("view",)),
        ModelAccess("reports"),
        ModelAccess("targets"),
        # The collaborative hub's member trusts (and its received files, read-only in the admin).
        ModelAccess("hub"),
        ModelAccess("aggregates", ("view",)),
        ModelAccess("accounts"),
        ModelAccess("auth"),
        ModelAccess("authtoken"),
        ModelAccess("audit", ("view",)),
        ModelAccess("axes", ("view", "delete")),
        # Authenticator apps (TOTP) for the password logins that need one.
        ModelAccess("otp_totp"),
    ),
)

# Order matters: a person with several roles starts on the first one's page.
ROLES: tuple[Role, ...] = (ADMIN, TEAM_LEAD, CALL_HANDLER, SAFEGUARDING_LEAD, DIRECTOR)


def permissions_of(role: Role) -> frozenset[str]:
    """Every permission ("app_label.codename") the role's group holds: its own list, then
    the model permissions its `model_access` names, for the models installed now."""
    from django.apps import apps

    held = set(role.permissions)
    for access in role.model_access:
        for model in apps.get_app_config(access.app_label).get_models():
            opts = model._meta
            held.update(
                f"{access.app_label}.{action}_{opts.model_name}"
                for action in access.actions
                if action in opts.default_permissions
            )
    return frozenset(held)


def sync_roles() -> None:
    """Create the role groups and give each exactly `permissions_of(role)`: a permission
    added to a group by hand is taken away again."""
    by_name = {
        f"{app_label}.{codename}": pk
        for pk, app_label, codename in Permission.objects.values_list("pk", "content_type__app_label", "codename")
    }
    for role in ROLES:
        wanted = permissions_of(role)
        missing = sorted(wanted - by_name.keys())
        if missing:
            raise LookupError(f"Role {role.group!r} names permissions that do not exist: {', '.join(missing)}")
        group, _ = Group.objects.get_or_create(name=role.group)
        group.permissions.set([by_name[name] for name in wanted])


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
