"""The circuit breaker on its own, with a hand-driven clock (no sockets, no sleeping)."""

import threading

import pytest

from boxerconnect.cache.breaker import CLOSED, HALF_OPEN, OPEN, CircuitBreaker
from boxerconnect.cache.guarded import CacheUnavailable, GuardedCache


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock():
    return Clock()


@pytest.fixture
def breaker(clock, settings):
    settings.PERMISSION_CACHE_BREAKER_THRESHOLD = 3
    settings.PERMISSION_CACHE_BREAKER_COOLDOWN = 5.0
    return CircuitBreaker("test", clock=clock)


def test_it_opens_after_threshold_consecutive_failures_only(breaker):
    breaker.record_failure()
    breaker.record_failure()
    breaker.record_success()  # the streak is broken
    breaker.record_failure()
    breaker.record_failure()
    still_closed = breaker.state
    breaker.record_failure()

    assert still_closed == CLOSED
    assert breaker.state == OPEN
    assert not breaker.allow()


def test_after_the_cooldown_exactly_one_caller_probes(breaker, clock):
    for _ in range(3):
        breaker.record_failure()
    clock.now += 4.9
    early = breaker.allow()
    clock.now += 0.2

    allowed = [breaker.allow() for _ in range(5)]

    assert not early
    assert allowed == [True, False, False, False, False]
    assert breaker.state == HALF_OPEN


def test_concurrent_callers_elect_a_single_prober(breaker, clock):
    for _ in range(3):
        breaker.record_failure()
    clock.now += 6
    start = threading.Barrier(16)
    results = []

    def call():
        start.wait()
        results.append(breaker.allow())

    threads = [threading.Thread(target=call) for _ in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(results) == [False] * 15 + [True]


def test_a_successful_probe_closes_and_a_failed_one_reopens_for_a_full_cooldown(breaker, clock):
    for _ in range(3):
        breaker.record_failure()
    clock.now += 6
    assert breaker.allow()
    breaker.record_failure()  # the probe failed
    reopened = breaker.state
    clock.now += 4
    during_second_cooldown = breaker.allow()
    clock.now += 2
    assert breaker.allow()
    breaker.record_success()

    assert reopened == OPEN
    assert not during_second_cooldown
    assert breaker.state == CLOSED
    assert breaker.allow() and breaker.allow()


def test_the_guarded_cache_turns_any_backend_error_into_cache_unavailable(settings):
    settings.PERMISSION_CACHE_BREAKER_THRESHOLD = 2
    cache = GuardedCache("guarded")

    def broken():
        raise ConnectionRefusedError("no server")

    outcomes = []
    for _ in range(2):
        with pytest.raises(CacheUnavailable):
            cache.call(broken)
        outcomes.append(cache.breaker.state)
    ran = []
    with pytest.raises(CacheUnavailable, match="breaker is open"):
        cache.call(lambda: ran.append(1))

    assert outcomes == [CLOSED, OPEN]
    assert ran == []  # open: the operation is not even attempted
