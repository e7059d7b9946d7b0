"""Celery beat's scheduler, plus a heartbeat file so docker-compose can tell it is alive.

Beat has no `inspect ping` like a worker. This scheduler touches ATTEND_BEAT_HEARTBEAT_FILE
on every tick (beat ticks at least every CELERY_BEAT_MAX_LOOP_INTERVAL seconds), and

    python -m config.beat_scheduler --check [--max-age SECONDS]

exits non-zero when the file is missing or stale: the compose healthcheck for beat.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

from celery.beat import PersistentScheduler

DEFAULT_HEARTBEAT_FILE = "/tmp/attend-beat-heartbeat"  # noqa: S108 - per-container, holds no data


def heartbeat_file() -> Path:
    return Path(os.environ.get("ATTEND_BEAT_HEARTBEAT_FILE", DEFAULT_HEARTBEAT_FILE))


class HeartbeatScheduler(PersistentScheduler):
    def tick(self, *args, **kwargs) -> float:
        interval = super().tick(*args, **kwargs)
        path = heartbeat_file()
        path.touch(exist_ok=True)  # creates it, or sets its modification time to now
        return interval


def check(max_age: float) -> int:
    """0 if beat has ticked within `max_age` seconds, else 1 (with the reason on stderr)."""
    path = heartbeat_file()
    try:
        age = time.time() - path.stat().st_mtime
    except FileNotFoundError:
        print(f"beat unhealthy: no heartbeat at {path}", file=sys.stderr)
        return 1
    if age > max_age:
        print(f"beat unhealthy: last tick {age:.0f}s ago", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description="Is Celery beat ticking?")
    parser.add_argument("--check", action="store_true", required=True)
    parser.add_argument("--max-age", type=float, default=180.0)
    sys.exit(check(parser.parse_args().max_age))
