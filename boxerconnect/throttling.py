"""Rate limits per API.md, with rates like `5/15min` and rates read at call time.

Histories live in the guarded cache: when Redis is down the breaker opens and requests
are not throttled (never a 5xx). Login limiting, which must hold without Redis, is
database-backed in `accounts` instead.
"""

import contextlib

from rest_framework import throttling
from rest_framework.settings import api_settings

from boxerconnect.breaker import CacheUnavailable, guarded
from boxerconnect.rates import parse_rate


class _GuardedCacheAdapter:
    """The two cache calls DRF throttles make, through the breaker, failing open."""

    def get(self, key, default=None):
        try:
            value = guarded.call(lambda: guarded.backend.get(key))
        except CacheUnavailable:
            return default
        return default if value is None else value

    def set(self, key, value, timeout=None):
        with contextlib.suppress(CacheUnavailable):
            guarded.set(key, value, timeout)


class RateMixin:
    cache = _GuardedCacheAdapter()

    def get_rate(self):
        # Read at call time (DRF binds THROTTLE_RATES at import: encode/django-rest-framework#6030).
        return api_settings.DEFAULT_THROTTLE_RATES.get(self.scope)

    def parse_rate(self, rate):
        if rate is None:
            return (None, None)
        return parse_rate(rate)


class AnonRateThrottle(RateMixin, throttling.AnonRateThrottle):
    """Anonymous requests per client IP."""


class UserRateThrottle(RateMixin, throttling.UserRateThrottle):
    """Authenticated requests per user."""


class ScopedRateThrottle(RateMixin, throttling.ScopedRateThrottle):
    """Per-view scope (`throttle_scope = "register"`), keyed by user or client IP."""
