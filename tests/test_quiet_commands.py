"""Commands say what they did, not how the process started: the broker warning belongs to the
web app's start (where an upload's import would run inside the request), and django-axes'
start-up banner to nowhere. Each check starts a real process, as an operator would."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _run(*args: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k != "REDIS_URL"} | {
        "DJANGO_SETTINGS_MODULE": "config.settings.local"
    }
    return subprocess.run([sys.executable, *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)


def test_a_management_command_prints_neither_the_broker_warning_nor_the_axes_banner():
    result = _run("manage.py", "check")
    assert result.returncode == 0, result.stderr
    assert "No broker configured" not in result.stderr + result.stdout
    assert "AXES: BEGIN" not in result.stderr + result.stdout


def test_the_web_app_says_once_at_start_that_tasks_run_in_process_without_a_broker():
    result = _run("-c", "import config.wsgi")
    assert result.returncode == 0, result.stderr
    assert result.stderr.count("No broker configured (REDIS_URL is not set)") == 1
    assert "AXES: BEGIN" not in result.stderr
