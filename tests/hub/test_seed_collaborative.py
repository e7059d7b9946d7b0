"""The demo's collaborative: three synthetic trusts' aggregate files, valid, loaded, and seen by a director."""

import pytest
from django.core.management import call_command
from django.urls import reverse

from accounts.roles import DIRECTOR
from demo.collaborative import collaborative_files
from hub.models import FileStatus, ReceivedFile
from hub.validation import validate
from tests.support.factories import make_user

pytestmark = pytest.mark.django_db


def test_the_synthetic_files_pass_every_check_the_hub_makes_and_are_the_same_for_the_same_seed():
    from datetime import date

    files = collaborative_files(end_month=date(2025, 6, 1))
    for document in files:
        validate(document)
    assert files == collaborative_files(end_month=date(2025, 6, 1))
    assert sum(1 for f in files for t in f["tables"] if "pilot" in t["by"]) == 2


def test_the_demo_trusts_differ_in_deprivation_mix_and_gap_and_the_director_sees_them(client, settings):
    settings.ATTEND_HUB_ENABLED = True
    call_command("seed_collaborative", "--today", "2025-07-15")
    call_command("seed_collaborative", "--today", "2025-08-15")  # again, a month later: no overlap refused
    assert ReceivedFile.objects.filter(status=FileStatus.ACCEPTED).count() == 3
    client.force_login(make_user(DIRECTOR))
    rows = client.get(reverse("hub-trusts")).context["rows"]
    shares = [row["q1_appointments"] / row["appointments"] for row in rows]
    assert shares[0] > 0.3 > shares[1] > 0.15 > shares[2]
    assert all(row["gap_points"] > 0 for row in rows)
    pilots = client.get(reverse("hub-pilots")).context["across"]
    assert len(pilots.rows) == 2 and pilots.pooled is not None and pilots.pooled.estimate < 0
    assert client.get(reverse("hub-funnels")).status_code == 200
    assert client.get(reverse("hub-gap-over-time")).status_code == 200
