"""What a patient's numbered reply asks of the teams, handed to the app that does it.

A reply "2" (please call me) or "3" (cancel or rebook) is a request for people: the call
list and the booking team's list live in `calls`, above this app. `calls` registers a
handler for each action in its AppConfig.ready(); reminders records the reply and calls
the handler, and never imports `calls`.

A handler takes the patient and the appointment the reply answers (or None) and returns
a short outcome for the team lead's view of replies. It raises `RequestNotActioned` with
the reason when it cannot act (no upcoming appointment, no team): the reply then goes to a
team lead to read.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from reminders.models import InboundAction

ReplyHandler = Callable[..., str]
_HANDLERS: dict[str, ReplyHandler] = {}


class RequestNotActioned(Exception):
    """The reply asked for something that could not be put on a list (the message says why)."""


def on_patient_request(action: InboundAction, handler: ReplyHandler) -> None:
    """Register the handler for a numbered reply (one per action; registering again replaces it)."""
    _HANDLERS[action] = handler


def patient_request_act(action: InboundAction, *, patient: Any, appointment: Any) -> str:
    """Hand a patient's request to its handler; returns the outcome, or raises RequestNotActioned."""
    handler = _HANDLERS.get(action)
    if handler is None:
        raise RequestNotActioned("nothing in Attend takes this request (the calls app is not installed)")
    return handler(patient=patient, appointment=appointment)
