"""NHS Notify's letter API (GOV.UK Notify, through notifications-python-client): the template per
language and variant, the send with `reference` = the letter's id, the look-up by that reference
before any second attempt, and the status poll. The client is built on first use, never at import."""

from __future__ import annotations

import json
from functools import lru_cache
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from letters.models import LetterStatus, LetterVariant
from reminders.backends import NOTIFY_API, SendError, notify_error

TIMEOUT_SECONDS = 10
SETTING = "ATTEND_NOTIFY_LETTER_TEMPLATES"
# Notify's letter statuses (https://docs.notifications.service.gov.uk/python.html#status-letter).
# "accepted" (Notify has sent it to the printer) and "pending-virus-check" move nothing.
NOTIFY_LETTER_STATUS = {
    "received": LetterStatus.DELIVERED,  # the printer has posted it
    "cancelled": LetterStatus.FAILED,
    "validation-failed": LetterStatus.FAILED,
    "virus-scan-failed": LetterStatus.FAILED,
    "technical-failure": LetterStatus.FAILED,
    "permanent-failure": LetterStatus.FAILED,
}


class NoTemplate(Exception):
    """No Notify template for the letter's variant: it fails with this as the reason."""


def notify_letter_reference(letter_id: int) -> str:
    """The `reference` a letter is sent with: its id, Attend's idempotency key at Notify."""
    return f"attend-letter-{letter_id}"


@lru_cache(maxsize=4)
def _templates(raw: str) -> dict[str, str]:
    try:
        value = json.loads(raw) if raw.strip() else None
    except json.JSONDecodeError:
        value = None
    if not isinstance(value, dict) or not isinstance(value.get("en"), str):
        raise ImproperlyConfigured(
            f'Malformed setting {SETTING}: expected a JSON object with "en", e.g. {{"en": "<template id>", '
            '"en:large_print": "<template id>"}.'
        )
    return {str(key): str(template) for key, template in value.items()}


def validate_letter_settings() -> None:
    """At start-up, with the notify backend: the API key and the templates, each named when wrong."""
    if settings.ATTEND_LETTER_BACKEND != "notify":
        return
    if not settings.NOTIFY_API_KEY:
        raise ImproperlyConfigured("Missing required setting NOTIFY_API_KEY for ATTEND_LETTER_BACKEND=notify.")
    _templates(settings.ATTEND_NOTIFY_LETTER_TEMPLATES)


def notify_letter_template(language: str, variant: str) -> str:
    """The language's own template for the variant, else English's; a large-print or easy-read
    letter never falls back to standard print (NoTemplate)."""
    templates = _templates(settings.ATTEND_NOTIFY_LETTER_TEMPLATES)
    suffix = "" if variant == LetterVariant.STANDARD else f":{variant}"
    for key in (f"{language}{suffix}", f"en{suffix}"):
        if key in templates:
            return templates[key]
    raise NoTemplate(f'no Notify letter template for {variant} in {SETTING} (set "en{suffix}")')


@lru_cache(maxsize=2)
def _client(api_key: str, base_url: str):
    from notifications_python_client.notifications import NotificationsAPIClient

    if not api_key:
        raise ImproperlyConfigured("Missing required setting NOTIFY_API_KEY for ATTEND_LETTER_BACKEND=notify.")
    return NotificationsAPIClient(api_key, base_url=base_url or NOTIFY_API, timeout=TIMEOUT_SECONDS)


def client():
    return _client(settings.NOTIFY_API_KEY, settings.NOTIFY_API_BASE_URL)


def notify_send_letter(*, letter_id: int, template_id: str, personalisation: dict[str, str]) -> str:
    """Send one letter; Notify's id for it. Raises SendError (reminders.backends' classification)."""
    from notifications_python_client.errors import APIError

    try:
        created = client().send_letter_notification(
            template_id=template_id, personalisation=personalisation, reference=notify_letter_reference(letter_id)
        )
    except APIError as exc:
        raise notify_error(exc) from exc
    return str(created["id"])


def notify_find_letter(letter_id: int) -> dict[str, Any] | None:
    """Notify's letter with this letter's reference, if an earlier attempt reached Notify."""
    from notifications_python_client.errors import APIError

    reference = notify_letter_reference(letter_id)
    try:
        found = client().get_all_notifications(reference=reference, template_type="letter")
    except APIError as exc:
        raise notify_error(exc) from exc
    return next((n for n in found.get("notifications") or [] if n.get("reference") == reference), None)


def notify_letter_status(notification_id: str) -> str:
    """Notify's status for a letter it took ("accepted", "received", …). Raises SendError."""
    from notifications_python_client.errors import APIError

    try:
        return str(client().get_notification_by_id(notification_id).get("status") or "")
    except APIError as exc:
        raise notify_error(exc) from exc


__all__ = ["NoTemplate", "SendError", "notify_find_letter", "notify_letter_status", "notify_send_letter"]
