"""The hub's MESH inbox, against NHS England's MESH sandbox on loopback: three member trusts' files
reach the hub, two over MESH (the poller loads and acknowledges them) and one by upload, and the
side-by-side page shows all three."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from accounts.roles import ADMIN, DIRECTOR
from hub.models import ReceivedFile
from hub.services import member_trust_add
from hub.tasks import mesh_inbox_poll
from tests.hub.files import aggregate_file, as_bytes
from tests.support.factories import make_user
from tests.support.mesh_sandbox import HUB_MAILBOX, OTHER_MAILBOX, TRUST_MAILBOX, mesh_sandbox  # noqa: F401

pytestmark = pytest.mark.django_db
WORKFLOW = "ATTEND_AGGREGATES"


@pytest.fixture
def hub(mesh_sandbox, settings):  # noqa: F811 - the fixture imported above
    """A hub logged in to the sandbox as its own mailbox, with three member trusts."""
    mesh_sandbox.reset()
    for name, value in mesh_sandbox.settings(mailbox=HUB_MAILBOX, recipient=TRUST_MAILBOX).items():
        setattr(settings, name, value)
    settings.ATTEND_HUB_ENABLED = True
    settings.ATTEND_MESH_WORKFLOW_ID = WORKFLOW
    member_trust_add(ods_code="RAA", name="Alpha Hospitals NHS Trust", mesh_mailbox=TRUST_MAILBOX)
    member_trust_add(ods_code="RBB", name="Beta Hospitals NHS Trust", mesh_mailbox=OTHER_MAILBOX)
    member_trust_add(ods_code="RCC", name="Gamma Hospitals NHS Trust")
    return mesh_sandbox


def _send(sandbox, mailbox: str, document: dict) -> None:
    with sandbox.client(mailbox) as client:
        client.send_message(HUB_MAILBOX, as_bytes(document), workflow_id=WORKFLOW, filename="aggregates.json")


def _inbox(sandbox) -> list[str]:
    with sandbox.client(HUB_MAILBOX) as client:
        return list(client.list_messages())


def test_three_trusts_reach_the_hub_over_mesh_and_by_upload_and_are_shown_side_by_side(hub, client):
    _send(hub, TRUST_MAILBOX, aggregate_file(ods_code="RAA", name="Alpha Hospitals NHS Trust"))
    _send(hub, OTHER_MAILBOX, aggregate_file(ods_code="RBB", name="Beta Hospitals NHS Trust"))
    assert mesh_inbox_poll() == {"loaded": 2, "refused": 0, "left_for_next_time": 0}
    assert _inbox(hub) == []  # both acknowledged
    client.force_login(make_user(ADMIN, username="hub-admin"))
    upload = SimpleUploadedFile(
        "rcc.json", as_bytes(aggregate_file(ods_code="RCC", name="Gamma Hospitals NHS Trust")), "application/json"
    )
    client.post(reverse("hub-files"), {"file": upload})
    assert set(ReceivedFile.objects.values_list("trust__ods_code", flat=True)) == {"RAA", "RBB", "RCC"}
    client.force_login(make_user(DIRECTOR, username="icb-director"))
    page = client.get(reverse("hub-trusts")).content.decode()
    for name in ("Alpha Hospitals NHS Trust", "Beta Hospitals NHS Trust", "Gamma Hospitals NHS Trust"):
        assert name in page


def test_a_file_from_a_mailbox_that_is_not_the_trusts_is_refused_and_acknowledged(hub):
    _send(hub, OTHER_MAILBOX, aggregate_file(ods_code="RAA", name="Alpha Hospitals NHS Trust"))  # RAA's is ABC1
    assert mesh_inbox_poll() == {"loaded": 0, "refused": 1, "left_for_next_time": 0}
    received = ReceivedFile.objects.get()
    assert received.status != "accepted" and "mailbox" in received.reason.lower()
    assert _inbox(hub) == []  # sending it again as it is would not change it


def test_nothing_is_polled_when_this_attend_is_not_a_hub(hub, settings):
    _send(hub, TRUST_MAILBOX, aggregate_file())
    settings.ATTEND_HUB_ENABLED = False
    assert mesh_inbox_poll() == {"loaded": 0, "refused": 0, "left_for_next_time": 0}
    assert len(_inbox(hub)) == 1
