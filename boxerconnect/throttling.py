"""Rate limits per docs/api.md, with rates like `5/15min` and rates read at call time.

Counters live in the guarded cache: when Redis is down the breaker opens and requests
are not throttled (never a 5xx). Login limiting, which must hold without Redis, is
database-backed in `accounts` instead.
"""

from typing import TYPE_CHECKING

from rest_framework import throttling
from rest_framework.settings import api_settings

from boxerconnect.cache.guarded import CacheUnavailable, guarded
from boxerconnect.rates import parse_rate

if TYPE_CHECKING:  # the mixin is used with DRF's throttles (its attributes come from them)
    _ThrottleBase = throttling.SimpleRateThrottle
else:
    _ThrottleBase = object


class RateMixin(_ThrottleBase):
    """Counts hits in a window opened by the first hit: one cache round trip a check.

    Keys are DRF's `throttle_<scope>_<ident>` (boxerconnect/cache/keys.py, `throttle_key`).

    DRF's stock throttles keep a list of every request time in the cache and read and write
    it whole on every request (1,200 floats at the default user rate); a counter costs O(1).
    """

    num_requests: int
    duration: int

    def get_rate(self):
        # Read at call time (DRF binds THROTTLE_RATES at import: encode/django-rest-framework#6030).
        return api_settings.DEFAULT_THROTTLE_RATES.get(self.scope)

    def parse_rate(self, rate):
        if rate is None:
            return (None, None)
        return parse_rate(rate)

    def allow_request(self, request, view) -> bool:
        self._wait = None
        if self.rate is None:
            return True
        self.key = self.get_cache_key(request, view)
        if self.key is None:
            return True
        try:
            hits, remaining = guarded.count_hit(self.key, self.duration)
        except CacheUnavailable:
            return True  # fail open without Redis; login limiting is database-backed
        if hits <= self.num_requests:
            return True
        self._wait = remaining
        return False

    def wait(self):
        return self._wait


class AnonRateThrottle(RateMixin, throttling.AnonRateThrottle):
    """Anonymous requests per client IP."""


class UserRateThrottle(RateMixin, throttling.UserRateThrottle):
    """Authenticated requests per user."""


class ScopedRateThrottle(RateMixin, throttling.ScopedRateThrottle):
    """Per-view scope (`throttle_scope = "register"`), keyed by user or client IP."""

    def allow_request(self, request, view) -> bool:
        # DRF's ScopedRateThrottle picks the scope here; then our counter decides.
        self.scope = getattr(view, self.scope_attr, None)
        if not self.scope:
            return True
        self.rate = self.get_rate()
        self.num_requests, self.duration = self.parse_rate(self.rate)
        return super().allow_request(request, view)
