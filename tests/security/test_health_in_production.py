"""/healthz answers over plain HTTP in production (no HTTPS redirect) when the Host is
allowed, and says 503 when the database or broker is down; beat has its own heartbeat."""

import json
import os
import time

from config.beat_scheduler import check
from tests.test_settings import GOOD, _manage

# Both services refuse at once on these ports, so the check does not wait for a timeout.
DOWN = {"DATABASE_URL": "postgres://attend:secret@127.0.0.1:1/attend", "REDIS_URL": "redis://127.0.0.1:1/0"}

PROBE = (
    "import json; from django.test import Client; c = Client(HTTP_HOST='attend.example.nhs.uk'); "
    "h = c.get('/healthz'); p = c.get('/login/'); "
    "print(json.dumps([h.status_code, h.get('Location'), p.status_code, p.get('Location')]))"
)


def test_healthz_is_not_redirected_to_https_and_reports_the_services_being_down():
    result = _manage(["shell", "-c", PROBE], {**GOOD, **DOWN})
    assert result.returncode == 0, result.stderr
    health_status, health_location, page_status, page_location = json.loads(result.stdout.strip().splitlines()[-1])
    assert health_status == 503
    assert health_location is None
    assert page_status == 301
    assert page_location.startswith("https://")


def test_the_beat_heartbeat_check_fails_when_beat_has_not_ticked(tmp_path, monkeypatch):
    monkeypatch.setenv("ATTEND_BEAT_HEARTBEAT_FILE", str(tmp_path / "heartbeat"))
    assert check(180) == 1


def test_the_beat_heartbeat_check_passes_after_a_tick_and_fails_once_stale(tmp_path, monkeypatch):
    from config.beat_scheduler import HeartbeatScheduler
    from config.celery import app

    heartbeat = tmp_path / "heartbeat"
    monkeypatch.setenv("ATTEND_BEAT_HEARTBEAT_FILE", str(heartbeat))
    scheduler = HeartbeatScheduler(app=app, schedule_filename=str(tmp_path / "schedule"))
    try:
        scheduler.tick()
    finally:
        scheduler.close()
    assert check(180) == 0

    stale = time.time() - 600
    os.utime(heartbeat, (stale, stale))
    assert check(180) == 1
