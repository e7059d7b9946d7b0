import pytest


@pytest.mark.django_db
def test_healthz_reports_the_database_and_broker_without_a_login(client, settings):
    settings.CELERY_BROKER_URL = None
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {
        "status": "ok",
        "database": "ok",
        "broker": "not configured (tasks run in-process)",
        "sms_delivery_uncertain": 0,
    }


@pytest.mark.django_db
def test_healthz_is_unhealthy_when_the_broker_is_unreachable(client, settings):
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:1/0"
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["broker"] == "unreachable"
