"""One send rate for all workers together (ATTEND_SMS_RATE_PER_SECOND).

With Redis, every worker counts its sends in the same one-second window key (INCR, then
EXPIRE): a send beyond the rate waits for the next second. Without Redis (the demo, unit
tests) a token bucket in this process does the same for the one process there is.
"""

from __future__ import annotations

import logging
import threading
import time
from functools import lru_cache

from django.conf import settings

logger = logging.getLogger(__name__)

KEY_PREFIX = "attend:sms:rate"


class LocalRateLimiter:
    """A token bucket for one process: up to `rate` sends in any second, no burst beyond it."""

    def __init__(self, rate: int) -> None:
        self.rate = rate
        self._tokens = float(rate)
        self._updated = time.monotonic()
        self._lock = threading.Lock()

    def acquire(self, count: int = 1) -> None:
        for _ in range(count):
            self._acquire_one()

    def _acquire_one(self) -> None:
        while True:
            with self._lock:
                now = time.monotonic()
                self._tokens = min(self.rate, self._tokens + (now - self._updated) * self.rate)
                self._updated = now
                if self._tokens >= 1:
                    self._tokens -= 1
                    return
                wait = (1 - self._tokens) / self.rate
            time.sleep(wait)


class RedisRateLimiter:
    """A fixed one-second window shared by every worker through Redis."""

    def __init__(self, rate: int, url: str) -> None:
        import redis

        self.rate = rate
        self.client = redis.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2)
        self._fallback = LocalRateLimiter(rate)

    def acquire(self, count: int = 1) -> None:
        """Wait until `count` sends fit in the shared rate (taken across windows if need be)."""
        import redis

        remaining = count
        while remaining > 0:
            window = int(time.time())
            key = f"{KEY_PREFIX}:{window}"
            asked = min(remaining, self.rate)
            try:
                pipe = self.client.pipeline()
                pipe.incrby(key, asked)
                pipe.expire(key, 5)
                total = pipe.execute()[0]
                over = min(max(total - self.rate, 0), asked)
                if over:
                    self.client.decrby(key, over)  # hand back what this window could not give
            except redis.RedisError:
                logger.warning("Redis unreachable for the SMS send rate; limiting in this process only")
                self._fallback.acquire(remaining)
                return
            remaining -= asked - over
            if remaining > 0:
                time.sleep(max(window + 1 - time.time(), 0.001))


@lru_cache(maxsize=4)
def _limiter(rate: int, url: str | None) -> LocalRateLimiter | RedisRateLimiter:
    return RedisRateLimiter(rate, url) if url else LocalRateLimiter(rate)


def send_rate_limiter() -> LocalRateLimiter | RedisRateLimiter:
    return _limiter(settings.ATTEND_SMS_RATE_PER_SECOND, settings.REDIS_URL)
