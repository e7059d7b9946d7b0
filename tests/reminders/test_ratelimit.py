import os
import time
import uuid

import pytest

from reminders import ratelimit
from reminders.ratelimit import LocalRateLimiter, RedisRateLimiter


def test_the_in_process_limiter_holds_sends_to_the_rate():
    limiter = LocalRateLimiter(rate=20)
    started = time.monotonic()
    for _ in range(30):  # 20 at once, then 10 more at 20 a second
        limiter.acquire()
    assert time.monotonic() - started >= 0.45


@pytest.mark.redis
def test_two_workers_limiters_share_one_rate_through_redis(monkeypatch):
    monkeypatch.setattr(ratelimit, "KEY_PREFIX", f"attend-test:rate:{uuid.uuid4().hex}")
    first = RedisRateLimiter(5, os.environ["REDIS_URL"])
    second = RedisRateLimiter(5, os.environ["REDIS_URL"])
    time.sleep(1 - time.time() % 1)  # start at the top of a second
    started = time.monotonic()
    for _ in range(5):
        first.acquire()
        second.acquire()
    # Ten sends at five a second across both: at least into the next second's window.
    assert time.monotonic() - started >= 0.9


@pytest.mark.redis
def test_a_batch_takes_its_share_of_the_shared_rate_across_windows(monkeypatch):
    monkeypatch.setattr(ratelimit, "KEY_PREFIX", f"attend-test:rate:{uuid.uuid4().hex}")
    first = RedisRateLimiter(5, os.environ["REDIS_URL"])
    second = RedisRateLimiter(5, os.environ["REDIS_URL"])
    time.sleep(1 - time.time() % 1)
    started = time.monotonic()
    first.acquire(4)
    second.acquire(4)  # one fits this second, three wait for the next
    assert time.monotonic() - started >= 0.9
