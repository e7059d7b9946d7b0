"""docker-compose.yml: the production shape the README promises (no Docker daemon is needed)."""

import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def compose():
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def test_it_runs_postgres_redis_web_worker_and_beat_with_migrations_first(compose):
    services = compose["services"]
    assert {"postgres", "redis", "migrate", "web", "worker", "beat"} <= set(services)
    assert "gunicorn" in (ROOT / "Dockerfile").read_text()
    assert services["worker"]["command"][:4] == ["celery", "-A", "config", "worker"]
    assert services["beat"]["command"][:4] == ["celery", "-A", "config", "beat"]
    assert services["web"]["depends_on"]["migrate"]["condition"] == "service_completed_successfully"
    assert services["migrate"]["depends_on"]["postgres"]["condition"] == "service_healthy"


def test_every_long_running_service_has_a_health_check_and_data_lives_in_named_volumes(compose):
    services = compose["services"]
    for name in ("postgres", "redis", "web", "worker", "beat"):
        assert services[name]["healthcheck"]["test"], name
    assert "/healthz" in " ".join(services["web"]["healthcheck"]["test"])
    named = set(compose["volumes"])
    assert {"postgres-data", "redis-data"} <= named
    assert services["postgres"]["volumes"] == ["postgres-data:/var/lib/postgresql/data"]


needs_compose = pytest.mark.skipif(
    not shutil.which("docker-compose"), reason="needs docker-compose (Debian package docker-compose) to check the file"
)


def _compose_config(folder: Path, env: str) -> subprocess.CompletedProcess:
    """`docker-compose config` on a copy of the deployment files with `env` as the .env file."""
    for name in ("docker-compose.yml", "Dockerfile", ".env.example"):
        shutil.copy(ROOT / name, folder / name)
    (folder / ".env").write_text(env)
    return subprocess.run(["docker-compose", "config", "-q"], cwd=folder, capture_output=True, text=True, check=False)


@needs_compose
def test_compose_accepts_the_file_with_the_example_environment_filled_in(tmp_path):
    env = (ROOT / ".env.example").read_text().replace("POSTGRES_PASSWORD=\n", "POSTGRES_PASSWORD=example\n")
    result = _compose_config(tmp_path, env)
    assert result.returncode == 0, result.stderr


@needs_compose
def test_compose_refuses_to_start_without_a_database_password(tmp_path):
    result = _compose_config(tmp_path, (ROOT / ".env.example").read_text())
    assert result.returncode != 0 and "set POSTGRES_PASSWORD" in result.stderr
