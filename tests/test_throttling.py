"""Throttle counts: a sliding window, counted atomically, so parallel requests cannot slip past the rate."""

import secrets
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.cache import caches
from rest_framework.test import APIRequestFactory

from claims.api.throttling import AnonThrottle, SlidingWindowThrottle
from tests.deployment import require_or_skip

REDIS_URL = "redis://127.0.0.1:6379/0"


class Clock:
    def __init__(self, now: float):
        self.now = now

    def __call__(self):
        return self.now


@pytest.fixture
def clock(monkeypatch):
    clock = Clock(6_000_000.0)  # the start of a minute
    monkeypatch.setattr(SlidingWindowThrottle, "timer", clock)
    return clock


@pytest.fixture
def rate(settings):
    settings.FACTCHECK_THROTTLE_RATES = {**settings.FACTCHECK_THROTTLE_RATES, "anon": "4/min"}


def attempt(address="192.0.2.1"):
    """One anonymous request from `address`: (allowed, seconds to wait when refused)."""
    throttle = AnonThrottle()
    request = APIRequestFactory().get("/api/claims/", REMOTE_ADDR=address)
    request.user = AnonymousUser()
    allowed = throttle.allow_request(request, view=None)
    return allowed, None if allowed else throttle.wait()


def test_the_rate_holds_over_a_sliding_window(clock, rate):
    assert [attempt()[0] for _ in range(5)] == [True] * 4 + [False]
    # Half-way through the next minute, half of the last minute's four still count: two more fit.
    clock.now += 90
    assert [attempt()[0] for _ in range(3)] == [True, True, False]
    # Two minutes later the slate is clean.
    clock.now += 120
    assert [attempt()[0] for _ in range(5)] == [True] * 4 + [False]


def test_retry_after_says_when_the_next_request_fits(clock, rate):
    for _ in range(4):
        attempt()
    clock.now += 30
    allowed, wait = attempt()
    assert not allowed
    # The minute's 4 requests weigh 3 at 15 s into the next minute: one more fits then (30 + 15 = 45 s).
    assert wait == 45
    clock.now += wait - 1
    assert attempt()[0] is False
    clock.now += 1
    assert attempt()[0] is True


def test_a_full_minute_makes_the_client_wait_past_its_end(clock, rate):
    clock.now += 3
    for _ in range(4):
        attempt()
    allowed, wait = attempt()
    # 57 s to the minute's end, then 15 s until its 4 requests weigh 3: not the 60 s a cap would say.
    assert (allowed, wait) == (False, 72)
    clock.now += wait - 1
    assert attempt()[0] is False
    clock.now += 1
    assert attempt()[0] is True


def test_refused_requests_are_not_counted(clock, rate):
    for _ in range(20):
        attempt()
    clock.now += 60 + 15  # 4 counted requests weigh 3 now
    assert attempt()[0] is True


@pytest.fixture
def redis_cache(settings):
    redis = pytest.importorskip("redis")
    try:
        redis.Redis.from_url(REDIS_URL).ping()
    except redis.RedisError as exc:
        require_or_skip(f"needs Redis at {REDIS_URL}: {exc}")
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": f"factcheck-test-{secrets.token_hex(4)}",
        }
    }
    yield caches["default"]
    caches["default"].clear()


def test_parallel_requests_through_a_shared_redis_get_exactly_the_rate(redis_cache, settings):
    settings.FACTCHECK_THROTTLE_RATES = {**settings.FACTCHECK_THROTTLE_RATES, "anon": "10/min"}

    def one(_):
        # Each thread has its own connection to Redis, as each app server has.
        return attempt("198.51.100.7")[0]

    with ThreadPoolExecutor(max_workers=25) as pool:
        allowed = list(pool.map(one, range(100)))
    assert allowed.count(True) == 10
