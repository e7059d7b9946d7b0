"""Where a reminder goes: the database outbox (the default) or Twilio.

One small module wraps each provider (after healthchecks' SMS transport): the client is
built lazily on first send, errors are classified as the patient having opted out, the
number being unusable, transient (try again later) or permanent, and the provider's
message id comes back for delivery receipts to find the reminder by.
"""

from __future__ import annotations

import enum
import uuid
from dataclasses import dataclass
from functools import cached_property, lru_cache
from typing import Protocol

import requests
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.urls import reverse

from reminders.models import OutboxMessage
from reminders.segments import count_segments


@dataclass(frozen=True)
class OutgoingMessage:
    to: str
    body: str
    reminder_id: int | None = None


@dataclass(frozen=True)
class SendResult:
    provider: str
    message_id: str


class ErrorKind(enum.Enum):
    OPTED_OUT = "opted_out"  # the recipient has unsubscribed at the provider: never retry
    NUMBER_UNUSABLE = "number_unusable"  # not a number SMS can reach: never retry
    TRANSIENT = "transient"  # rate limited, provider 5xx, network: retry with backoff
    PERMANENT = "permanent"  # anything else the provider refused


class SendError(Exception):
    def __init__(self, kind: ErrorKind, code: str = "", detail: str = "") -> None:
        super().__init__(f"{kind.value} {code}: {detail}".strip())
        self.kind = kind
        self.code = code
        self.detail = detail


class SmsBackend(Protocol):
    name: str
    # True when send() only writes to Attend's own database, in the caller's transaction:
    # then a send and its record commit together, and a crashed send can simply be redone.
    writes_in_transaction: bool

    def send(self, message: OutgoingMessage) -> SendResult: ...


class DatabaseBackend:
    """Records every message it would have sent in OutboxMessage (readable in the admin)."""

    name = "database"
    writes_in_transaction = True

    def prepare(self, message: OutgoingMessage) -> OutboxMessage:
        """The outbox row for a message, unsaved, so a sweep can write a batch in one INSERT."""
        count = count_segments(message.body)
        return OutboxMessage(
            reminder_id=message.reminder_id,
            to_number=message.to,
            body=message.body,
            encoding=count.encoding,
            segments=count.segments,
            provider_message_id=f"DB{uuid.uuid4().hex}",
        )

    def send(self, message: OutgoingMessage) -> SendResult:
        outbox = self.prepare(message)
        outbox.save()
        return SendResult(self.name, outbox.provider_message_id)


# Twilio error codes (https://www.twilio.com/docs/api/errors).
TWILIO_OPTED_OUT = {"21610"}  # "Attempt to send to unsubscribed recipient"
TWILIO_UNUSABLE = {"21211", "21614", "21635"}  # invalid 'To', not a mobile, not SMS-capable


def classify_twilio_error(status: int | None, code: str) -> ErrorKind:
    if code in TWILIO_OPTED_OUT:
        return ErrorKind.OPTED_OUT
    if code in TWILIO_UNUSABLE:
        return ErrorKind.NUMBER_UNUSABLE
    if status is None or status == 429 or status >= 500:
        return ErrorKind.TRANSIENT
    return ErrorKind.PERMANENT


def status_callback_url() -> str:
    base = settings.ATTEND_PUBLIC_BASE_URL.rstrip("/")
    return f"{base}{reverse('sms-webhook-status')}" if base else ""


class TwilioBackend:
    name = "twilio"
    writes_in_transaction = False
    timeout_seconds = 10

    @cached_property
    def client(self):
        """Built on first send, never at import: settings are checked then, by name."""
        from twilio.http.http_client import TwilioHttpClient
        from twilio.rest import Client

        missing = [name for name in ("TWILIO_ACCOUNT_SID", "TWILIO_AUTH_TOKEN") if not getattr(settings, name)]
        if missing:
            raise ImproperlyConfigured(f"Missing required setting {missing[0]} for ATTEND_SMS_BACKEND=twilio.")
        return Client(
            settings.TWILIO_ACCOUNT_SID,
            settings.TWILIO_AUTH_TOKEN,
            http_client=TwilioHttpClient(timeout=self.timeout_seconds),
        )

    def _sender(self) -> dict[str, str]:
        if settings.TWILIO_MESSAGING_SERVICE_SID:
            return {"messaging_service_sid": settings.TWILIO_MESSAGING_SERVICE_SID}
        if settings.TWILIO_FROM_NUMBER:
            return {"from_": settings.TWILIO_FROM_NUMBER}
        raise ImproperlyConfigured(
            "Missing required setting TWILIO_MESSAGING_SERVICE_SID (or TWILIO_FROM_NUMBER) "
            "for ATTEND_SMS_BACKEND=twilio."
        )

    def send(self, message: OutgoingMessage) -> SendResult:
        from twilio.base.exceptions import TwilioException, TwilioRestException

        options = self._sender()
        callback = status_callback_url()
        if callback:
            options["status_callback"] = callback
        try:
            created = self.client.messages.create(to=message.to, body=message.body, **options)
        except TwilioRestException as exc:
            code = str(exc.code or "")
            raise SendError(classify_twilio_error(exc.status, code), code, str(exc.msg)[:300]) from exc
        except (requests.RequestException, TwilioException) as exc:
            raise SendError(ErrorKind.TRANSIENT, "network", str(exc)[:300]) from exc
        return SendResult(self.name, created.sid)


BACKENDS = {"database": DatabaseBackend, "twilio": TwilioBackend}


@lru_cache(maxsize=4)
def _backend(name: str) -> SmsBackend:
    try:
        return BACKENDS[name]()
    except KeyError:
        raise ImproperlyConfigured(
            f"Malformed setting ATTEND_SMS_BACKEND: {name!r} is not one of {', '.join(BACKENDS)}."
        ) from None


def get_backend() -> SmsBackend:
    """The configured backend, one per process (so Twilio's client and its pool are reused)."""
    return _backend(settings.ATTEND_SMS_BACKEND)
