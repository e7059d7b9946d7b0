"""Aggregate files over MESH, against NHS England's MESH sandbox on loopback (tests/support/mesh_sandbox.py).

The trust is the sandbox's mailbox X26ABC1 and the hub X26ABC2; the hub's side of each test is a
plain mesh-client logged in as X26ABC2, as the hub's poller is.
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.utils import timezone

from aggregates import delivery, mesh
from aggregates.models import MeshSend, MeshSendStatus
from aggregates.services import export_aggregates
from aggregates.tasks import export_aggregates_nightly, sweep_mesh_sends
from audit.models import AuditAction, AuditEvent
from tests.aggregates.conftest import book
from tests.support.factories import ClinicFactory, PatientFactory
from tests.support.mesh_sandbox import HUB_MAILBOX, TRUST_MAILBOX, mesh_sandbox  # noqa: F401 - the fixture

pytestmark = pytest.mark.django_db


@pytest.fixture
def sandbox(mesh_sandbox, settings, trust):  # noqa: F811 - the fixture imported above
    """Empty mailboxes, and this trust's MESH settings pointing at the sandbox."""
    mesh_sandbox.reset()
    for name, value in mesh_sandbox.settings().items():
        setattr(settings, name, value)
    return mesh_sandbox


@pytest.fixture
def exported(trust):
    clinic = ClinicFactory()
    for decile in (1, 4, 9):
        book(PatientFactory(imd_decile=decile), clinic, date(2025, 1, 14), dnas=8, attended=40, cancelled=6)
    return export_aggregates(date_from=date(2025, 1, 1), date_to=date(2025, 1, 31))


def hub_inbox(sandbox) -> list:
    """What the hub would download: every message in its inbox."""
    with sandbox.client(HUB_MAILBOX) as client:
        return [client.retrieve_message(message_id) for message_id in client.list_messages()]


def test_a_file_sent_over_mesh_arrives_once_in_the_hubs_inbox_exactly_as_written(sandbox, exported):
    sent = delivery.send(delivery.queue_send(exported).pk)
    assert sent.status == MeshSendStatus.SENT
    [message] = hub_inbox(sandbox)
    assert message.id() == sent.message_id
    assert message.read() == bytes(exported.content)
    assert message.workflow_id == "ATTEND_AGGREGATES"
    assert message.local_id == sent.local_id
    assert message.sender == TRUST_MAILBOX
    assert message.filename == exported.file_name
    event = AuditEvent.objects.for_target(sent).get()
    assert event.action == AuditAction.EXPORT
    assert sent.message_id in event.summary


def test_a_send_that_failed_is_tried_again_by_the_sweep_and_arrives_once(sandbox, exported, settings):
    settings.ATTEND_MESH_URL = "http://127.0.0.1:9"  # nothing listens there: MESH unreachable
    failed = delivery.send(delivery.queue_send(exported).pk)
    assert failed.status == MeshSendStatus.FAILED
    assert "could not be reached" in failed.last_error
    assert hub_inbox(sandbox) == []

    settings.ATTEND_MESH_URL = sandbox.url
    sweep_mesh_sends()
    sweep_mesh_sends()
    sent = MeshSend.objects.get()
    assert (sent.status, sent.attempts, sent.last_error) == (MeshSendStatus.SENT, 2, "")
    assert [message.id() for message in hub_inbox(sandbox)] == [sent.message_id]


def test_a_send_whose_answer_was_lost_is_found_by_its_local_id_instead_of_being_sent_twice(
    sandbox, exported, monkeypatch
):
    real_send = mesh.send

    def accepted_then_cut_off(**kwargs):
        real_send(**kwargs)
        raise mesh.MeshUnavailable("MESH could not be reached: connection reset")

    monkeypatch.setattr(mesh, "send", accepted_then_cut_off)
    lost = delivery.send(delivery.queue_send(exported).pk)
    assert lost.status == MeshSendStatus.FAILED
    [arrived] = hub_inbox(sandbox)

    monkeypatch.setattr(mesh, "send", real_send)
    again = delivery.send(lost.pk)
    assert (again.status, again.message_id) == (MeshSendStatus.SENT, arrived.id())
    assert len(hub_inbox(sandbox)) == 1
    assert "found in MESH from an earlier try" in AuditEvent.objects.for_target(again).get().summary


def test_the_hubs_acknowledgement_is_recorded(sandbox, exported):
    sent = delivery.send(delivery.queue_send(exported).pk)
    assert delivery.track(sent.pk).status == MeshSendStatus.SENT  # not downloaded yet
    with sandbox.client(HUB_MAILBOX) as hub:
        hub.retrieve_message(sent.message_id).read()
        hub.acknowledge_message(sent.message_id)
    sweep_mesh_sends()
    acknowledged = MeshSend.objects.get()
    assert acknowledged.status == MeshSendStatus.ACKNOWLEDGED
    assert acknowledged.mesh_status == "acknowledged"
    assert acknowledged.acknowledged_at is not None


def test_a_message_mesh_refuses_is_not_tried_again_until_a_person_queues_it(sandbox, exported, admin_user):
    refused = delivery.send(delivery.queue_send(exported, recipient="X26NOSUCH").pk)
    assert refused.status == MeshSendStatus.REJECTED
    assert "MESH refused the message" in refused.last_error
    sweep_mesh_sends()
    assert MeshSend.objects.get().attempts == 1

    MeshSend.objects.filter(pk=refused.pk).update(recipient=HUB_MAILBOX)  # the address corrected
    assert delivery.requeue(refused.pk, actor=admin_user)
    sweep_mesh_sends()
    assert MeshSend.objects.get().status == MeshSendStatus.SENT
    assert len(hub_inbox(sandbox)) == 1


def test_a_wrong_mailbox_password_is_refused_and_nothing_arrives(sandbox, exported, settings):
    settings.ATTEND_MESH_PASSWORD = "not-the-password"
    refused = delivery.send(delivery.queue_send(exported).pk)
    assert refused.status == MeshSendStatus.REJECTED, refused.last_error
    assert refused.message_id == ""
    assert hub_inbox(sandbox) == []


def test_a_send_claimed_by_another_worker_is_left_to_it(sandbox, exported):
    queued = delivery.queue_send(exported)
    MeshSend.objects.filter(pk=queued.pk).update(status=MeshSendStatus.SENDING)
    assert delivery.send(queued.pk).status == MeshSendStatus.SENDING
    assert hub_inbox(sandbox) == []


def test_the_nightly_export_sends_once_however_often_it_runs(sandbox, exported, settings):
    settings.ATTEND_AGGREGATES_MONTHS = 1
    first = export_aggregates_nightly(today="2025-02-03")
    second = export_aggregates_nightly(today="2025-02-04")
    sweep_mesh_sends()
    assert first == second
    assert MeshSend.objects.count() == 1
    assert len(hub_inbox(sandbox)) == 1


def test_the_hub_loads_what_arrives_over_mesh(sandbox, exported):
    """The contract between the two ends: a trust's file, sent over MESH, is accepted by the hub's loader."""
    from hub.services import MeshMessage, member_trust_add, mesh_messages_load

    member_trust_add(ods_code="RXX", name="Exampleshire Hospitals NHS Foundation Trust", mesh_mailbox=TRUST_MAILBOX)
    delivery.send(delivery.queue_send(exported).pk)
    [message] = hub_inbox(sandbox)
    [result] = mesh_messages_load([MeshMessage(message.id(), message.sender, message.read())])
    assert result.loaded, result.message


def test_a_send_whose_worker_died_mid_send_is_recorded_from_mesh_not_sent_again(sandbox, exported):
    queued = delivery.queue_send(exported)
    with sandbox.client(TRUST_MAILBOX) as trust_mailbox:  # the dead worker's send, which MESH accepted
        message_id = trust_mailbox.send_message(
            HUB_MAILBOX, bytes(exported.content), local_id=queued.local_id, workflow_id=queued.workflow_id
        )
    an_hour_ago = timezone.now() - timedelta(hours=1)
    MeshSend.objects.filter(pk=queued.pk).update(status=MeshSendStatus.SENDING, attempts=1, claimed_at=an_hour_ago)

    assert sweep_mesh_sends()["released"] == 1
    recorded = MeshSend.objects.get()
    assert (recorded.status, recorded.message_id) == (MeshSendStatus.SENT, message_id)
    assert len(hub_inbox(sandbox)) == 1
