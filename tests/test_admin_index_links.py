"""The admin's index leads to Attend's own pages, and each link opens for the admin."""

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db

PAGES = ("admin:appointments_importbatch_upload", "risk-models", "dashboard-start", "api-docs")


def test_the_admin_index_links_to_the_upload_model_cards_dashboard_and_api_docs(client_for, admin_user):
    client = client_for(admin_user)
    page = client.get(reverse("admin:index")).content.decode()
    for name in PAGES:
        url = reverse(name)
        assert f'href="{url}"' in page, name
        response = client.get(url)
        assert response.status_code == 200 or "login" not in response.get("Location", "login"), name
    assert reverse("admin:appointments_importbatch_changelist") in page  # the models are still listed


def test_a_director_in_the_admin_is_not_shown_the_upload_link(client_for, director):
    director.is_staff = True
    director.save(update_fields=["is_staff"])
    page = client_for(director).get(reverse("admin:index")).content.decode()
    assert reverse("admin:appointments_importbatch_upload") not in page
    assert reverse("dashboard-start") in page
