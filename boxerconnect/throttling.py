"""Rate limits per docs/api.md, with rates like `5/15min` and rates read at call time.

Counters live in the guarded cache: when Redis is down the breaker opens and requests
are not throttled (never a 5xx). Login limiting, which must hold without Redis, is
database-backed in `accounts` instead.
"""

from typing import TYPE_CHECKING

from rest_framework import throttling
from rest_framework.settings import api_settings

from boxerconnect.cache import recording
from boxerconnect.cache.guarded import CacheUnavailable, guarded
from boxerconnect.rates import parse_rate

if TYPE_CHECKING:  # the mixin is used with DRF's throttles (its attributes come from them)
    _ThrottleBase = throttling.SimpleRateThrottle
else:
    _ThrottleBase = object


def client_ip(request) -> str:
    """The client address: REMOTE_ADDR, or the address REST_FRAMEWORK["NUM_PROXIES"] trusted
    proxies put in X-Forwarded-For (see docs/operations.md#hardening). Works on a DRF or a
    plain Django request (the admin's login form)."""
    return throttling.BaseThrottle().get_ident(request) or ""


class RateMixin(_ThrottleBase):
    """Counts hits in a window opened by the first hit: one cache round trip a check, or none
    of its own when the request's one round trip counted it (`planned_counters`).

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

    def planned_key(self, request, view, actor_id) -> str | None:
        """The key `allow_request` will count for this request, worked out before
        authentication has set `request.user` (`actor_id`: the token's user, None:
        anonymous); None when this throttle will not count it."""
        if self.rate is None:
            return None
        ident = self.get_ident(request) if actor_id is None else str(actor_id)
        return self.cache_format % {"scope": self.scope, "ident": ident}

    def allow_request(self, request, view) -> bool:
        self._wait = None
        if self.rate is None:
            return True
        self.key = self.get_cache_key(request, view)
        if self.key is None:
            return True
        counted = getattr(getattr(request, "_request", request), "_bc_counted", None)
        if counted is not None and self.key in counted:
            found = counted.pop(self.key)  # counted in the request's one round trip
            if found is None:
                return True  # that round trip failed: fail open, as below
            hits, remaining = found
            recorded = recording.current()
            if recorded is not None:  # a replay of the response checks its hit against it
                recorded.limits[self.key] = self.num_requests
        else:
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

    def planned_key(self, request, view, actor_id) -> str | None:
        return None if actor_id is not None else super().planned_key(request, view, actor_id)


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

    def planned_key(self, request, view, actor_id) -> str | None:
        self.scope = getattr(view, self.scope_attr, None)
        if not self.scope:
            return None
        self.rate = self.get_rate()
        self.num_requests, self.duration = self.parse_rate(self.rate)
        return super().planned_key(request, view, actor_id)


_DRF_KEYS = frozenset(
    {
        throttling.AnonRateThrottle.get_cache_key,
        throttling.UserRateThrottle.get_cache_key,
        throttling.ScopedRateThrottle.get_cache_key,
    }
)


def planned_counters(request, view, actor_id) -> list[tuple[str, int]]:
    """(key, window) of every counter the view's throttles will count for this request, for
    `permissions.checker.prime` to count in the request's one round trip (`FactStore.
    count_along`); `allow_request` then takes the result instead of a round trip of its own.
    Throttles of other classes are left to count themselves."""
    planned: dict[str, int] = {}
    for throttle in view.get_throttles():
        # Only throttles keyed as DRF keys them (`planned_key` mirrors that): a subclass with
        # a key of its own (say, per target email) counts on its own.
        if isinstance(throttle, RateMixin) and type(throttle).get_cache_key in _DRF_KEYS:
            key = throttle.planned_key(request, view, actor_id)
            if key is not None and key not in planned:  # a key shared by two throttles: the
                planned[key] = throttle.duration  # second counts on its own, as without this
    return list(planned.items())
