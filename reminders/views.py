"""The team lead's page of patients' replies that need a person to read them."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from accounts.decorators import role_required
from reminders.selectors import replies_for_team_lead


@role_required("accounts.lead_team")
def replies(request: HttpRequest) -> HttpResponse:
    include_read = request.GET.get("all") == "1"
    return render(
        request,
        "reminders/sms_replies.html",
        {"replies": replies_for_team_lead(request.user, include_read=include_read)[:200], "include_read": include_read},
    )


@role_required("accounts.lead_team")
@require_POST
def reply_mark_read(request: HttpRequest, reply_id: int) -> HttpResponse:
    updated = replies_for_team_lead(request.user).filter(pk=reply_id).update(read_at=timezone.now())
    if updated:
        messages.success(request, "Marked as read.")
    return redirect("sms-replies")
