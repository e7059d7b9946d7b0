"""The hub's MESH inbox, polled by beat: each member trust's aggregate file loaded, then acknowledged."""

from __future__ import annotations

import logging

from celery import shared_task
from django.conf import settings

from aggregates import mesh
from hub.services import MeshMessage, mesh_messages_load

logger = logging.getLogger(__name__)


def mesh_inbox_poll() -> dict[str, int]:
    """Download every aggregate file waiting in the hub's MESH inbox and load it (refused files are
    recorded with their reason); acknowledge each once loaded or refused. A message whose load
    failed part-way is left in the inbox for the next poll, and MESH being unreachable ends this
    one. Returns counts of what happened."""
    counts = {"loaded": 0, "refused": 0, "left_for_next_time": 0}
    if not (settings.ATTEND_HUB_ENABLED and mesh.is_configured()):
        return counts
    try:
        waiting = mesh.inbox(workflow_id=settings.ATTEND_MESH_WORKFLOW_ID)
    except mesh.MeshUnavailable as exc:
        logger.warning("The MESH inbox could not be read: %s", exc)
        return counts
    for message_id in waiting:
        try:
            sender, content = mesh.download(message_id)
            [result] = mesh_messages_load([MeshMessage(message_id, sender, content)])
            mesh.acknowledge(message_id)
        except (mesh.MeshUnavailable, mesh.MeshRefused) as exc:
            logger.warning("MESH message %s left in the inbox: %s", message_id, exc)
            counts["left_for_next_time"] += 1
            continue
        counts["loaded" if result.loaded else "refused"] += 1
    return counts


@shared_task(name="hub.poll_mesh_inbox")
def poll_mesh_inbox_task() -> dict[str, int]:
    return mesh_inbox_poll()
