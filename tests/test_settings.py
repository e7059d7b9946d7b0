"""Production settings refuse to start with a missing or malformed setting, naming it."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

ROOT = Path(__file__).resolve().parents[1]
GOOD = {
    "DJANGO_SECRET_KEY": "k3J9-vQz7_Lm2pXw8RtY4nBc6HdF1sAe5GuKo0iZyTqWj7NbVxMrCl2PfEh9DsUa",
    "DJANGO_ALLOWED_HOSTS": "attend.example.nhs.uk",
    "DATABASE_URL": "postgres://attend:secret@db:5432/attend",
    "REDIS_URL": "redis://redis:6379/0",
}
STRIP = ("DJANGO_SECRET_KEY", "DJANGO_ALLOWED_HOSTS", "DATABASE_URL", "REDIS_URL", "SESSION_COOKIE_AGE")


def _manage(args, env_overrides):
    env = {k: v for k, v in os.environ.items() if k not in STRIP}
    env.update(env_overrides)
    return subprocess.run(
        [sys.executable, "manage.py", *args, "--settings=config.settings.production"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip


@pytest.mark.parametrize("missing", ["DJANGO_SECRET_KEY", "DJANGO_ALLOWED_HOSTS", "DATABASE_URL", "REDIS_URL"])
def test_production_refuses_to_start_without_a_required_setting_and_names_it(missing):
    result = _manage(["check"], {k: v for k, v in GOOD.items() if k != missing})
    assert result.returncode != 0
    assert f"Missing required setting {missing}" in result.stderr


@pytest.mark.parametrize(
    ("name", "value"),
    [("DATABASE_URL", "mysql://x@y/z"), ("REDIS_URL", "http://redis"), ("SESSION_COOKIE_AGE", "eight hours"),
     ("DJANGO_ALLOWED_HOSTS", "*"), ("DJANGO_SECRET_KEY", "short")],
)  # fmt: skip
def test_production_refuses_a_malformed_setting_and_names_it(name, value):
    result = _manage(["check"], {**GOOD, name: value})
    assert result.returncode != 0
    assert f"Malformed setting {name}" in result.stderr


def test_a_malformed_database_url_is_reported_without_echoing_its_password():
    result = _manage(["check"], {**GOOD, "DATABASE_URL": "mysql://attend:hunter2@db/attend"})
    assert "hunter2" not in result.stderr


def test_deploy_checks_pass_with_the_required_environment():
    result = _manage(["check", "--deploy", "--fail-level", "WARNING"], GOOD)
    assert result.returncode == 0, result.stderr


def test_a_setting_outside_its_choices_is_named_at_start(monkeypatch):
    from config.env import env_choice

    monkeypatch.setenv("ATTEND_SMS_BACKEND", "carrier-pigeon")
    with pytest.raises(ImproperlyConfigured, match="Malformed setting ATTEND_SMS_BACKEND"):
        env_choice("ATTEND_SMS_BACKEND", "database", choices=("database", "twilio"))
    monkeypatch.delenv("ATTEND_SMS_BACKEND")
    assert env_choice("ATTEND_SMS_BACKEND", "database", choices=("database", "twilio")) == "database"
