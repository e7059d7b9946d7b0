"""Pages for call handlers and team leads."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from accounts.decorators import role_required


@role_required("accounts.work_call_list")
def calls_start(request: HttpRequest) -> HttpResponse:
    return render(request, "outreach/calls_start.html")


@role_required("accounts.lead_team")
def team_start(request: HttpRequest) -> HttpResponse:
    return render(request, "outreach/team_start.html")
