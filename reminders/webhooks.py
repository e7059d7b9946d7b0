"""Provider webhooks: delivery receipts and inbound texts from Twilio, delivery receipts from Notify.

Only requests whose X-Twilio-Signature verifies are accepted (403 otherwise). The
signature covers the URL Twilio called, so behind a TLS-terminating proxy the URL is
rebuilt from ATTEND_PUBLIC_BASE_URL (or, if that is unset, X-Forwarded-Proto); the
request Django sees is plain http to an internal host. Unknown message ids answer 200,
so the provider stops retrying a receipt for a message that is not ours. A signed request
whose MessageSid is not of Twilio's shape is refused with 400 and the reason before anything
is looked up or stored (a signature proves who sent it, not that it is well formed).

GOV.UK Notify signs nothing: its callback carries the bearer token the trust set on it in
Notify's dashboard (NOTIFY_CALLBACK_BEARER_TOKEN), compared in constant time. No token is
refused with 401, a wrong one (or none configured here) with 403; the JSON must name a
notification by Notify's id (a UUID), else 400. Notify posts letters' delivery receipts (and,
pointed at the same URL, returned-letter callbacks) here too: an app that sends through Notify
registers a handler (`on_notify_callback`; letters does) that takes the callbacks that are its own.
"""

from __future__ import annotations

import hmac
import json
import logging
import re
import uuid
from collections.abc import Callable
from functools import wraps

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest, HttpResponseForbidden
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST
from twilio.request_validator import RequestValidator

from reminders.inbound import inbound_record
from reminders.receipts import delivery_receipt_record

logger = logging.getLogger(__name__)
# Handlers other apps register for Notify callbacks that are theirs (a letter's receipt, a
# returned letter): each gets the parsed JSON and returns True when it took the callback.
NOTIFY_CALLBACK_HANDLERS: list[Callable[[dict], bool]] = []
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


def notify_bearer_refusal(request: HttpRequest) -> HttpResponse | None:
    """Why a Notify callback is refused (401 without a bearer token, 403 with the wrong one or
    when Attend has none set), or None when its token is the one configured."""
    scheme, _, token = request.META.get("HTTP_AUTHORIZATION", "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        refused = HttpResponse("A bearer token is required.", status=401, content_type="text/plain")
        refused["WWW-Authenticate"] = "Bearer"
        return refused
    expected = settings.NOTIFY_CALLBACK_BEARER_TOKEN
    if not expected:
        logger.warning("A Notify callback was refused: NOTIFY_CALLBACK_BEARER_TOKEN is not set")
        return HttpResponseForbidden("Bearer token does not match.")
    if not hmac.compare_digest(token.strip().encode(), expected.encode()):
        return HttpResponseForbidden("Bearer token does not match.")
    return None


def on_notify_callback(handler: Callable[[dict], bool]) -> None:
    """Register `handler` for Notify callbacks about another app's notifications (once per handler)."""
    if handler not in NOTIFY_CALLBACK_HANDLERS:
        NOTIFY_CALLBACK_HANDLERS.append(handler)


def _taken_by_a_handler(request: HttpRequest) -> bool:
    try:
        body = json.loads(request.body)
    except (ValueError, TypeError):
        return False
    return isinstance(body, dict) and any(handler(body) for handler in NOTIFY_CALLBACK_HANDLERS)


def _notify_receipt(request: HttpRequest) -> dict | None:
    """The callback's JSON if it names a notification by a well-formed Notify id and a status."""
    try:
        receipt = json.loads(request.body)
        uuid.UUID(str(receipt["id"]))
    except (ValueError, TypeError, KeyError):
        return None
    return receipt if isinstance(receipt.get("status"), str) else None


@csrf_exempt
@require_POST
def notify_status(request: HttpRequest) -> HttpResponse:
    """Notify's delivery receipt callback. A receipt for an id Attend has not recorded answers 200
    (kept a while in case the id is recorded later), so Notify stops retrying it."""
    refusal = notify_bearer_refusal(request)
    if refusal is not None:
        return refusal
    if _taken_by_a_handler(request):
        return HttpResponse(status=200)
    receipt = _notify_receipt(request)
    if receipt is None:
        return HttpResponseBadRequest(
            "Expected Notify's JSON callback with an id (a notification id) and a status.", content_type="text/plain"
        )
    delivery_receipt_record(provider_message_id=str(receipt["id"]), provider_status=receipt["status"])
    return HttpResponse(status=200)
