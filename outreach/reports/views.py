"""Pages for directors: aggregate reports only."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from accounts.decorators import role_required


@role_required("accounts.view_reports")
def dashboard_start(request: HttpRequest) -> HttpResponse:
    return render(request, "outreach/dashboard_start.html")
