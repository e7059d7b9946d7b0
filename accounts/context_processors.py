from django.conf import settings
from django.http import HttpRequest
from django.urls import NoReverseMatch, reverse

from accounts.roles import role_for

# The pages in the header, each shown to whoever holds its permission (in this order). URL
# names only: the apps that own the pages sit above this one and are never imported here.
NAVIGATION = (
    ("Today's calls", "calls-start", "accounts.work_call_list"),
    ("Find a patient", "patient-search", "accounts.work_call_list"),
    ("Team", "team-start", "accounts.lead_team"),
    ("Booking requests", "booking-requests", "accounts.lead_team"),
    ("Text replies", "sms-replies", "accounts.lead_team"),
    ("Safeguarding list", "safeguarding-list", "accounts.review_safeguarding"),
    ("Dashboard", "dashboard-start", "accounts.view_reports"),
    ("Targets", "targets-list", "accounts.view_reports"),
    ("Board pack", "board-pack", "accounts.view_reports"),
    ("Risk models", "risk-models", "accounts.view_reports"),
    ("Collaborative", "hub-trusts", "accounts.view_reports"),
    ("Admin", "admin:index", "accounts.administer_attend"),
    ("API docs", "api-docs", "accounts.administer_attend"),
)
# Pages that exist only where a setting turns them on: the link is shown only then.
ONLY_WHEN = {"hub-trusts": "ATTEND_HUB_ENABLED"}


def roles(request: HttpRequest) -> dict[str, object]:
    """The signed-in person's role and the pages their permissions reach, for the page header."""
    user = getattr(request, "user", None)
    role = role_for(user) if user is not None else None
    return {"current_role": role.group if role else None, "navigation": navigation_for(user, request.path)}


def navigation_for(user, current_path: str = "") -> list[dict[str, object]]:
    if user is None or not user.is_authenticated:
        return []
    links = []
    for label, url_name, permission in NAVIGATION:
        if not user.has_perm(permission) or not getattr(settings, ONLY_WHEN.get(url_name, ""), True):
            continue
        try:
            url = reverse(url_name)
        except NoReverseMatch:  # an app not installed here
            continue
        links.append({"label": label, "url": url, "current": bool(current_path) and current_path.startswith(url)})
    return links
