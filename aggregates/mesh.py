"""The one module that talks to MESH, through NHS England's mesh-client.

The client is built when first needed, from settings (never at import). Errors are classified
here: `MeshUnavailable` may pass (MESH unreachable, a time-out, a server error: try again later),
`MeshRefused` will not (MESH refused the message itself: an unknown recipient, bad credentials;
a person must act).
"""

from __future__ import annotations

import logging
from typing import Any

import requests
import urllib3
from django.conf import settings
from mesh_client import MeshClient, MeshError

TIMEOUT_SECONDS = 60
logger = logging.getLogger(__name__)


class MeshUnavailable(Exception):
    """MESH could not be reached or failed; the same send may succeed later."""


class MeshRefused(Exception):
    """MESH refused the message; sending it again as it is will not help."""


def is_configured() -> bool:
    return bool(settings.ATTEND_MESH_URL)


def _client() -> MeshClient:
    cert = settings.ATTEND_MESH_CLIENT_CERT
    return MeshClient(
        settings.ATTEND_MESH_URL,
        settings.ATTEND_MESH_MAILBOX_ID,
        settings.ATTEND_MESH_PASSWORD,
        shared_key=settings.ATTEND_MESH_SHARED_KEY.encode(),
        cert=(cert, settings.ATTEND_MESH_CLIENT_KEY) if cert else None,
        verify=settings.ATTEND_MESH_CA_BUNDLE or None,
        timeout=TIMEOUT_SECONDS,
        application_name="attend",
    )


def _classified(call):
    try:
        return call()
    except MeshError as exc:
        raise MeshRefused(f"MESH refused the message: {exc.args[0] if exc.args else exc}") from exc
    except requests.HTTPError as exc:
        code = exc.response.status_code if exc.response is not None else None
        if code is not None and 400 <= code < 500 and code not in (408, 425, 429):
            raise MeshRefused(f"MESH answered {code}: {exc}") from exc
        raise MeshUnavailable(f"MESH answered {code}: {exc}") from exc
    except (requests.RequestException, urllib3.exceptions.HTTPError, OSError) as exc:
        raise MeshUnavailable(f"MESH could not be reached: {exc}") from exc


def send(*, recipient: str, content: bytes, workflow_id: str, local_id: str, filename: str, subject: str) -> str:
    """Send one file; returns MESH's message id. One chunk: aggregate files are far below MESH's
    chunk size."""

    def call() -> str:
        with _client() as client:
            return client.send_message(
                recipient, content, workflow_id=workflow_id, local_id=local_id, filename=filename,
                subject=subject, content_type="application/json",
            )  # fmt: skip

    return _classified(call)


def find_by_local_id(local_id: str) -> str | None:
    """The message id of a message this mailbox sent with `local_id`, or None if MESH has none.

    Asked before a send is tried again, so that a send whose answer was lost (MESH accepted the
    message, the connection broke) is recorded instead of sent twice. MESH's tracking by local id
    is its older (v1) tracking call, which mesh-client does not wrap: it is made on the client's
    own authenticated session."""

    def call() -> str | None:
        with _client() as client:
            response = client._session.get(  # mesh-client's own session: its auth and TLS are set up
                f"{client.mailbox_url}/outbox/tracking/{requests.utils.quote(local_id)}", timeout=TIMEOUT_SECONDS
            )
            if response.status_code == 404:
                return None
            if 300 <= response.status_code < 500:
                # Not answerable (several messages with the id, or a MESH without the older call): send
                # again. A hub loads the very same file twice as once, so a duplicate changes nothing.
                logger.warning("MESH could not look up local id %s: %s", local_id, response.status_code)
                return None
            response.raise_for_status()
            body = response.json()
            return body.get("messageId") or body.get("message_id")

    return _classified(call)


def track(message_id: str) -> dict[str, Any]:
    """MESH's tracking of one sent message (its `status`: accepted, acknowledged, undeliverable…)."""

    def call() -> dict[str, Any]:
        with _client() as client:
            return dict(client.track_message(message_id))

    return _classified(call)


def inbox(*, workflow_id: str) -> list[str]:
    """The ids of the messages waiting in this mailbox's inbox for `workflow_id` (the hub's side)."""

    def call() -> list[str]:
        with _client() as client:
            return list(client.list_messages(workflow_filter=workflow_id))

    return _classified(call)


def download(message_id: str) -> tuple[str, bytes]:
    """(the sending mailbox, the content) of one inbox message; it stays there until acknowledged."""

    def call() -> tuple[str, bytes]:
        with _client() as client:
            message = client.retrieve_message(message_id)
            try:
                return str(message.sender or ""), message.read()
            finally:
                message.close()

    return _classified(call)


def acknowledge(message_id: str) -> None:
    """Take a message off the inbox once it has been dealt with."""

    def call() -> None:
        with _client() as client:
            client.acknowledge_message(message_id)

    return _classified(call)
