"""A real Celery worker process for integration tests.

The worker runs `celery -A config worker` against REDIS_URL and the *test* database,
on a queue of its own so that messages left by an earlier run are never consumed.
The test process stops running tasks in-process for the duration, so `.delay()` and
`.delay_on_commit()` go through the broker exactly as in production.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from django.db import connection

from config.celery import app

ROOT = Path(__file__).resolve().parents[2]


def _test_database_url() -> str:
    """The URL of the database pytest-django created for this run (test_…), for the worker."""
    db = connection.settings_dict
    credentials = db["USER"] + (f":{db['PASSWORD']}" if db["PASSWORD"] else "")
    return f"postgres://{credentials}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


class WorkerProcess:
    def __init__(self, queue: str, include: tuple[str, ...], concurrency: int) -> None:
        self.queue = queue
        self.include = include
        self.concurrency = concurrency
        self.process: subprocess.Popen[bytes] | None = None
        self.log_path = ROOT / f".pytest_cache/worker-{queue}.log"

    def start(self) -> None:
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "config.settings.test",
            "DATABASE_URL": _test_database_url(),
            "ATTEND_CELERY_WORKER": "1",
        }
        args = [sys.executable, "-m", "celery", "-A", "config", "worker", "-Q", self.queue,
                "--concurrency", str(self.concurrency), "--pool", "prefork", "--loglevel", "INFO",
                "--without-gossip", "--without-mingle", "--without-heartbeat"]  # fmt: skip
        for module in self.include:
            args += ["--include", module]
        self.log_path.parent.mkdir(exist_ok=True)
        log = self.log_path.open("wb")
        # A session of its own, so that kill() can take down the pool's children too.
        self.process = subprocess.Popen(
            args, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
        self._wait_until_ready()

    def _wait_until_ready(self, timeout: float = 60.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process is not None and self.process.poll() is not None:
                raise RuntimeError(f"Celery worker exited at start:\n{self.log_path.read_text()[-4000:]}")
            if "ready." in self.log_path.read_text(errors="replace"):
                return
            time.sleep(0.2)
        raise RuntimeError(f"Celery worker not ready after {timeout}s:\n{self.log_path.read_text()[-4000:]}")

    def kill(self) -> None:
        """SIGKILL the whole worker (main process and pool children), as a crash would."""
        if self.process is None:
            return
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)
        self.process = None

    def stop(self) -> None:
        if self.process is None:
            return
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.kill()
        self.process = None


@contextmanager
def celery_worker(*, include: tuple[str, ...] = (), concurrency: int = 2) -> Iterator[WorkerProcess]:
    """Run a real worker and route this process's tasks to it through the broker."""
    queue = f"test-{uuid.uuid4().hex[:12]}"
    previous = (app.conf.task_always_eager, app.conf.task_default_queue)
    app.conf.task_always_eager = False
    app.conf.task_default_queue = queue
    worker = WorkerProcess(queue, include, concurrency)
    try:
        worker.start()
        yield worker
    finally:
        worker.stop()
        app.conf.task_always_eager, app.conf.task_default_queue = previous


def wait_for(condition: Callable[[], bool], *, timeout: float = 30.0, interval: float = 0.2) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(interval)
    return condition()
