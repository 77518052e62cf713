"""A per-process circuit breaker for the cache.

When the cache server refuses, hangs or vanishes, callers should not pay the socket timeout
on every request: after `threshold` consecutive failures the breaker opens and calls are
bypassed for `cooldown` seconds; then exactly one caller probes, and its outcome closes or
reopens the breaker. The guarded client (guarded.py) routes every cache call through it.
"""

import logging
import threading
import time
from collections.abc import Callable

from django.conf import settings

from boxerconnect import metrics

logger = logging.getLogger(__name__)

CLOSED, OPEN, HALF_OPEN = "closed", "open", "half_open"
_STATE_VALUE = {CLOSED: 0, OPEN: 1, HALF_OPEN: 2}


class CircuitBreaker:
    """Consecutive-failure breaker with a single half-open probe; thread-safe."""

    def __init__(self, name: str, clock: Callable[[], float] = time.monotonic) -> None:
        self.name = name
        self._clock = clock
        self._lock = threading.Lock()
        self.state = CLOSED
        self.failures = 0
        self.opened_until = 0.0
        self._probing = False
        self.reset()

    def reset(self) -> None:
        with self._lock:
            self.state = CLOSED
            self.failures = 0
            self.opened_until = 0.0
            self._probing = False
        metrics.BREAKER_STATE.labels(self.name).set(0)

    @property
    def threshold(self) -> int:
        value: int = settings.PERMISSION_CACHE_BREAKER_THRESHOLD
        return value

    @property
    def cooldown(self) -> float:
        value: float = settings.PERMISSION_CACHE_BREAKER_COOLDOWN
        return value

    def allow(self) -> bool:
        """May a call go to the cache now? In half-open state only the single prober may."""
        if self.state == CLOSED:  # the common case needs no lock
            return True
        with self._lock:
            if self.state == CLOSED:
                return True
            if self.state == OPEN and self._clock() >= self.opened_until and not self._probing:
                self._set(HALF_OPEN)
                self._probing = True
                return True
            return False

    def record_success(self) -> None:
        if self.state == CLOSED and not self.failures and not self._probing:
            return  # nothing to reset (the common case needs no lock)
        with self._lock:
            self.failures = 0
            self._probing = False
            if self.state != CLOSED:
                logger.warning("cache breaker %s closed: cache reachable again", self.name)
                self._set(CLOSED)

    def release_probe(self) -> None:
        """The call `allow()` let through never reached the cache (this process had no free
        connection): nothing was learned, so the next call may probe instead."""
        if not self._probing:
            return
        with self._lock:
            if self.state == HALF_OPEN and self._probing:
                self._probing = False
                self._set(OPEN)  # its cooldown is over: the next allow() probes

    def record_failure(self) -> None:
        with self._lock:
            self.failures += 1
            self._probing = False
            if self.state == HALF_OPEN or self.failures >= self.threshold:
                if self.state != OPEN:
                    logger.warning(
                        "cache breaker %s opened after %d failure(s); bypassing for %.1fs",
                        self.name,
                        self.failures,
                        self.cooldown,
                    )
                self.opened_until = self._clock() + self.cooldown
                self._set(OPEN)

    def _set(self, state: str) -> None:
        self.state = state
        metrics.BREAKER_STATE.labels(self.name).set(_STATE_VALUE[state])
