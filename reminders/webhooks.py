"""Provider webhooks: delivery receipts and inbound texts, from Twilio.

Only requests whose X-Twilio-Signature verifies are accepted (403 otherwise). The
signature covers the URL Twilio called, so behind a TLS-terminating proxy the URL is
rebuilt from ATTEND_PUBLIC_BASE_URL (or, if that is unset, X-Forwarded-Proto); the
request Django sees is plain http to an internal host. Unknown message ids answer 200,
so the provider stops retrying a receipt for a message that is not ours. A signed request
whose MessageSid is not of Twilio's shape is refused with 400 and the reason before anything
is looked up or stored (a signature proves who sent it, not that it is well formed).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import wraps

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest, HttpResponseForbidden
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST
from twilio.request_validator import RequestValidator

from reminders.inbound import inbound_record
from reminders.receipts import delivery_receipt_record

EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response></Response>'
# Twilio's message SIDs: SM (SMS) or MM (MMS), then 32 hex digits.
MESSAGE_SID = re.compile(r"(SM|MM)[0-9a-fA-F]{32}")


def public_url(request: HttpRequest) -> str:
    """The URL the provider called, as it signed it: ATTEND_PUBLIC_BASE_URL if set, otherwise
    this request's own (behind a TLS proxy, its scheme comes from SECURE_PROXY_SSL_HEADER)."""
    base = settings.ATTEND_PUBLIC_BASE_URL.rstrip("/")
    if base:
        return f"{base}{request.get_full_path()}"
    return request.build_absolute_uri()


def signature_verifies(request: HttpRequest) -> bool:
    signature = request.META.get("HTTP_X_TWILIO_SIGNATURE", "")
    if not signature or not settings.TWILIO_AUTH_TOKEN:
        return False
    return RequestValidator(settings.TWILIO_AUTH_TOKEN).validate(public_url(request), request.POST, signature)


def twilio_webhook(view: Callable[[HttpRequest], HttpResponse]) -> Callable[[HttpRequest], HttpResponse]:
    """A view Twilio calls: POST only, no CSRF token (Twilio has none), 403 unless signed, and
    400 unless it names a message by a well-formed SID."""

    @csrf_exempt
    @require_POST
    @wraps(view)
    def guarded(request: HttpRequest) -> HttpResponse:
        if not signature_verifies(request):
            return HttpResponseForbidden("Signature does not verify.")
        if not MESSAGE_SID.fullmatch(request.POST.get("MessageSid", "")):
            return HttpResponseBadRequest(
                "MessageSid is missing or is not a Twilio message SID (SM or MM and 32 hex digits).",
                content_type="text/plain",
            )
        return view(request)

    return guarded


@twilio_webhook
def twilio_status(request: HttpRequest) -> HttpResponse:
    delivery_receipt_record(
        provider_message_id=request.POST.get("MessageSid", ""),
        provider_status=request.POST.get("MessageStatus", ""),
        error_code=request.POST.get("ErrorCode", ""),
    )
    return HttpResponse(status=200)


@twilio_webhook
def twilio_inbound(request: HttpRequest) -> HttpResponse:
    inbound_record(
        provider_message_id=request.POST.get("MessageSid", ""),
        from_number=request.POST.get("From", ""),
        to_number=request.POST.get("To", ""),
        body=request.POST.get("Body", ""),
    )
    return HttpResponse(EMPTY_TWIML, content_type="text/xml")
