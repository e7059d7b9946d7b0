"""Start pages for call handlers, team leads and directors.

Each role's page grows with its issue (call lists, team management, the dashboard);
what they share is that each is guarded by the permission of its role.
"""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from accounts.decorators import role_required


@role_required("accounts.work_call_list")
def calls_start(request: HttpRequest) -> HttpResponse:
    return render(request, "outreach/calls_start.html")


@role_required("accounts.lead_team")
def team_start(request: HttpRequest) -> HttpResponse:
    return render(request, "outreach/team_start.html")


@role_required("accounts.view_reports")
def dashboard_start(request: HttpRequest) -> HttpResponse:
    return render(request, "outreach/dashboard_start.html")
