"""Where a reminder goes: the database outbox (the default), Twilio or GOV.UK Notify (NHS Notify).

One small module wraps each provider (after healthchecks' SMS transport): the client is
built lazily on first send, errors are classified as the patient having opted out, the
number being unusable, transient (try again later) or permanent, and the provider's
message id comes back for delivery receipts to find the reminder by. A provider outside
Attend's transaction can also be asked whether it already has a message (`find_sent`), so a
send whose worker died in flight is resolved rather than guessed at.
"""

from __future__ import annotations

import enum
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cached_property, lru_cache
from typing import Any, Protocol

import requests
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.urls import reverse

from reminders.config import notify_sms_template
from reminders.models import OutboxMessage
from reminders.segments import count_segments


@dataclass(frozen=True)
class OutgoingMessage:
    to: str
    body: str
    reminder_id: int | None = None
    language: str = ""  # the language of the text (a provider with a template per language picks by it)


@dataclass(frozen=True)
class SendResult:
    provider: str
    message_id: str
    status: str = ""  # the provider's own status, when it told us (a lookup does)


class ErrorKind(enum.Enum):
    OPTED_OUT = "opted_out"  # the recipient has unsubscribed at the provider: never retry
    NUMBER_UNUSABLE = "number_unusable"  # not a number SMS can reach: never retry
    TRANSIENT = "transient"  # rate limited, provider 5xx, network: retry with backoff
    PERMANENT = "permanent"  # anything else the provider refused


class SendError(Exception):
    """The provider did not take the message, or (`may_have_reached`) we cannot tell that it did
    not: a request that timed out or broke after it was sent may have been accepted, so the
    next attempt asks the provider first instead of sending again."""

    def __init__(self, kind: ErrorKind, code: str = "", detail: str = "", *, may_have_reached: bool = False) -> None:
        super().__init__(f"{kind.value} {code}: {detail}".strip())
        self.kind = kind
        self.code = code
        self.detail = detail
        self.may_have_reached = may_have_reached


class SmsBackend(Protocol):
    name: str
    # True when send() only writes to Attend's own database, in the caller's transaction:
    # then a send and its record commit together, and a crashed send can simply be redone.
    writes_in_transaction: bool

    def send(self, message: OutgoingMessage) -> SendResult: ...


class ProviderLookup(Protocol):
    """A provider outside our transaction that can say whether it already has a message."""

    def find_sent(self, message: OutgoingMessage, *, since: datetime) -> SendResult | None:
        """The provider's record of this message (same recipient and text, created no earlier
        than `since`), or None if it has none. Raises SendError if it cannot be asked."""
        ...


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
    lookup_limit = 20  # the most recent messages to one number: far more than one day's reminders
    clock_skew = timedelta(minutes=2)  # Twilio's clock against ours

    @cached_property
    def client(self):
        """Built on first send, never at import: settings are checked then, by name."""
        from twilio.http.http_client import TwilioHttpClient
        from twilio.rest import Client

        missing = [name for name in ("TWILIO_ACCOUNT_SID", "TWILIO_AUTH_TOKEN") if not getattr(settings, name)]
        if missing:
            raise ImproperlyConfigured(f"Missing required setting {missing[0]} for ATTEND_SMS_BACKEND=twilio.")
        client = Client(
            settings.TWILIO_ACCOUNT_SID,
            settings.TWILIO_AUTH_TOKEN,
            http_client=TwilioHttpClient(timeout=self.timeout_seconds),
        )
        if settings.TWILIO_API_BASE_URL:  # a test double on loopback (tests/support/fake_twilio.py)
            client.api.base_url = settings.TWILIO_API_BASE_URL
        return client

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
        except TwilioRestException as exc:  # Twilio answered: it did not take the message
            code = str(exc.code or "")
            raise SendError(classify_twilio_error(exc.status, code), code, str(exc.msg)[:300]) from exc
        except requests.ConnectTimeout as exc:  # never connected: nothing was sent
            raise SendError(ErrorKind.TRANSIENT, "network", str(exc)[:300]) from exc
        except (requests.RequestException, TwilioException) as exc:
            raise SendError(ErrorKind.TRANSIENT, "network", str(exc)[:300], may_have_reached=True) from exc
        return SendResult(self.name, created.sid)

    def find_sent(self, message: OutgoingMessage, *, since: datetime) -> SendResult | None:
        """Twilio's Messages list to this number, newest first, matched on the text and on being
        created after `since` (less the clock skew). Twilio's API takes no idempotency key, but
        a reminder's text names the patient and the appointment's date and time, and a number
        gets another reminder days later, not minutes."""
        from twilio.base.exceptions import TwilioException, TwilioRestException

        try:
            recent = self.client.messages.list(to=message.to, limit=self.lookup_limit)
        except TwilioRestException as exc:
            code = str(exc.code or "")
            kind = ErrorKind.TRANSIENT if exc.status in (None, 429) or exc.status >= 500 else ErrorKind.PERMANENT
            raise SendError(kind, code or "lookup", str(exc.msg)[:300], may_have_reached=True) from exc
        except (requests.RequestException, TwilioException) as exc:
            raise SendError(ErrorKind.TRANSIENT, "network", str(exc)[:300], may_have_reached=True) from exc
        earliest = since - self.clock_skew
        for found in recent:
            if found.body == message.body and (found.date_created is None or found.date_created >= earliest):
                return SendResult(self.name, found.sid, str(found.status or ""))
        return None


# GOV.UK Notify (https://docs.notifications.service.gov.uk/python.html), which NHS trusts use as NHS Notify.
NOTIFY_API = "https://api.notifications.service.gov.uk"
# Notify's delivery statuses that are failures; Notify has no error codes, so the status is the code.
NOTIFY_FAILURES = frozenset({"permanent-failure", "temporary-failure", "technical-failure"})
NOTIFY_UNUSABLE = frozenset({"permanent-failure"})  # "the phone number was wrong": Notify says remove it


def notify_reference(reminder_id: int) -> str:
    """The `reference` a reminder is sent with: its id, Attend's idempotency key at Notify."""
    return f"attend-reminder-{reminder_id}"


def classify_notify_error(status: int, errors: list[dict[str, Any]]) -> ErrorKind:
    """Notify's API errors: 429 (rate or daily limit) and 5xx pass; 400 and 403 do not. A 400 about
    the phone number ("phone_number Not a UK mobile number") means this number cannot be texted."""
    if status == 429 or status >= 500:
        return ErrorKind.TRANSIENT
    if status == 400 and any(str(error.get("message", "")).startswith("phone_number") for error in errors):
        return ErrorKind.NUMBER_UNUSABLE
    return ErrorKind.PERMANENT


def notify_error(exc: Exception) -> SendError:
    """A SendError for what the Notify client raised: an answer (Notify did not take the message),
    or no answer (it may have, unless the connection was never made)."""
    from notifications_python_client.errors import InvalidResponse

    response = getattr(exc, "response", None)
    if isinstance(exc, InvalidResponse) or response is None:
        cause = exc.__cause__ or exc
        reached = not isinstance(cause, requests.ConnectTimeout)
        return SendError(ErrorKind.TRANSIENT, "network", str(cause)[:300], may_have_reached=reached)
    try:
        errors = [e for e in response.json().get("errors", []) if isinstance(e, dict)]
    except (ValueError, AttributeError):
        errors = []
    detail = "; ".join(f"{e.get('error', '')}: {e.get('message', '')}" for e in errors) or response.reason or ""
    status = response.status_code
    return SendError(classify_notify_error(status, errors), str(status), str(detail)[:300])


def _notify_created_at(notification: dict[str, Any]) -> datetime | None:
    try:
        return datetime.fromisoformat(str(notification["created_at"]))
    except (KeyError, ValueError):
        return None


class NotifyBackend:
    """GOV.UK Notify sends a text from a template of its own, filled in with personalisation.

    Attend sends its rendered reminder (the trust's MessageTemplate, in the patient's language) as
    the one personalisation field `body`, into a Notify template whose whole content is
    `((body))`: the wording, languages, reply options and segment counts stay in Attend's admin,
    the text recorded on the reminder is the text sent, and Twilio and Notify send the same words.
    The Notify template is chosen by the text's language (ATTEND_NOTIFY_SMS_TEMPLATES, English for
    any language without its own). Each message carries `reference` = the reminder's id, so after
    a crash the message in flight is found at Notify by it (`find_sent`), not sent twice.
    Delivery receipts come by Notify's callback (reminders.webhooks.notify_status), which is set
    in Notify's dashboard, not per message.
    """

    name = "notify"
    writes_in_transaction = False
    timeout_seconds = 10
    clock_skew = timedelta(minutes=2)  # Notify's clock against ours

    @cached_property
    def client(self):
        """Built on first send, never at import: the API key is checked then, by name. The client
        is not thread-safe; Attend sends from Celery worker processes, one backend per process."""
        from notifications_python_client.notifications import NotificationsAPIClient

        if not settings.NOTIFY_API_KEY:
            raise ImproperlyConfigured("Missing required setting NOTIFY_API_KEY for ATTEND_SMS_BACKEND=notify.")
        return NotificationsAPIClient(
            settings.NOTIFY_API_KEY, base_url=settings.NOTIFY_API_BASE_URL or NOTIFY_API, timeout=self.timeout_seconds
        )

    def send(self, message: OutgoingMessage) -> SendResult:
        from notifications_python_client.errors import APIError

        options: dict[str, str] = {}
        if message.reminder_id is not None:
            options["reference"] = notify_reference(message.reminder_id)
        if settings.NOTIFY_SMS_SENDER_ID:
            options["sms_sender_id"] = settings.NOTIFY_SMS_SENDER_ID
        template_id = notify_sms_template(message.language)
        try:
            created = self.client.send_sms_notification(
                phone_number=message.to, template_id=template_id, personalisation={"body": message.body}, **options
            )
        except APIError as exc:
            raise notify_error(exc) from exc
        return SendResult(self.name, str(created["id"]))

    def find_sent(self, message: OutgoingMessage, *, since: datetime) -> SendResult | None:
        """Notify's text with this reminder's reference, created after `since` (less the clock
        skew: a reference from an older database that reused the id is not ours)."""
        from notifications_python_client.errors import APIError

        if message.reminder_id is None:
            raise SendError(ErrorKind.PERMANENT, "lookup", "no reminder id to look up by", may_have_reached=True)
        reference = notify_reference(message.reminder_id)
        try:
            found = self.client.get_all_notifications(reference=reference, template_type="sms")
        except APIError as exc:
            error = notify_error(exc)
            kind = ErrorKind.TRANSIENT if error.kind is ErrorKind.TRANSIENT else ErrorKind.PERMANENT
            raise SendError(kind, error.code, error.detail, may_have_reached=True) from exc
        earliest = since - self.clock_skew
        for notification in found.get("notifications") or []:
            created_at = _notify_created_at(notification)
            if notification.get("reference") == reference and (created_at is None or created_at >= earliest):
                return SendResult(self.name, str(notification["id"]), str(notification.get("status") or ""))
        return None


BACKENDS = {"database": DatabaseBackend, "twilio": TwilioBackend, "notify": NotifyBackend}


@lru_cache(maxsize=4)
def _backend(name: str) -> SmsBackend:
    try:
        return BACKENDS[name]()
    except KeyError:
        raise ImproperlyConfigured(
            f"Malformed setting ATTEND_SMS_BACKEND: {name!r} is not one of {', '.join(BACKENDS)}."
        ) from None


def get_backend() -> SmsBackend:
    """The configured backend, one per process (so the provider's client and its pool are reused)."""
    return _backend(settings.ATTEND_SMS_BACKEND)
