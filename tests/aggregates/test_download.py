"""The plain download, for trusts that send files to their hub some other way than MESH."""

from __future__ import annotations

import json
from datetime import date

import pytest
from django.urls import reverse

from aggregates.models import AggregateFile
from aggregates.services import export_aggregates
from audit.models import AuditAction, AuditEvent
from tests.aggregates.conftest import book
from tests.support.factories import ClinicFactory, PatientFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def exported(trust):
    clinic = ClinicFactory()
    for decile in (2, 7):
        book(PatientFactory(imd_decile=decile), clinic, date(2025, 1, 14), dnas=8, attended=40, cancelled=6)
    return export_aggregates(date_from=date(2025, 1, 1), date_to=date(2025, 1, 31))


def test_an_admin_downloads_the_file_as_it_was_written_and_the_download_is_audited(client, admin_user, exported):
    client.force_login(admin_user)
    response = client.get(reverse("api-aggregate-file", args=[exported.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response["Content-Disposition"] == f'attachment; filename="{exported.file_name}"'
    assert response.content == bytes(exported.content)
    downloads = AuditEvent.objects.for_target(exported).filter(summary__contains="downloaded")
    assert downloads.get().actor == admin_user
    assert downloads.get().action == AuditAction.EXPORT


def test_a_director_may_not_download_or_make_an_export(client, director, exported):
    client.force_login(director)
    assert client.get(reverse("api-aggregate-file", args=[exported.pk])).status_code == 403
    assert (
        client.post(reverse("api-aggregates"), {"date_from": "2025-01-01", "date_to": "2025-01-31"}).status_code == 403
    )


def test_an_admin_makes_an_export_and_lists_it_with_its_sends(client, admin_user, exported):
    client.force_login(admin_user)
    made = client.post(reverse("api-aggregates"), {"date_from": "2025-01-01", "date_to": "2025-01-31"})
    assert made.status_code == 201
    body = made.json()
    assert body["sha256"] == AggregateFile.objects.get(pk=body["id"]).sha256
    assert body["created_by"] == admin_user.get_username()
    listed = client.get(reverse("api-aggregates")).json()
    assert [row["id"] for row in listed] == [body["id"], exported.pk]
    assert listed[0]["mesh_sends"] == []


def test_a_part_month_is_refused_with_the_reason(client, admin_user, trust):
    client.force_login(admin_user)
    response = client.post(reverse("api-aggregates"), {"date_from": "2025-01-05", "date_to": "2025-01-31"})
    assert response.status_code == 400
    assert "first day of a month" in json.dumps(response.json())
    assert not AggregateFile.objects.exists()


def test_the_admin_lists_exports_with_a_download_link(client, admin_user, exported):
    client.force_login(admin_user)
    page = client.get(reverse("admin:aggregates_aggregatefile_changelist"))
    assert page.status_code == 200
    assert reverse("api-aggregate-file", args=[exported.pk]) in page.content.decode()
