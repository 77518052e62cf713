"""Warm GET responses sent again, byte for byte, when the request's one round trip reads
exactly what produced them.

A replayable view's GET answer is a function of the request (its path, query, the headers
in `KEY_META`, the caller's credentials, the day) and of what its one round trip read from
Redis: the facts that authenticate and authorize it and the read models that make its body
(raw bytes, nonce and generations included, permissions/store.py and stamped.py). The view
computes it once the usual way, through DRF, under a recording (cache/recording.py); when
that computation used nothing else (exactly one round trip, no SQL, nothing stored, every
throttle counted in that trip, a 200 rendered as JSON), this process remembers the keys it
read, their bytes and the response.

The next identical request reads the same keys in its one round trip (counting its
throttles there, as always). Same bytes → the view would compute the same response: it is
sent as remembered, after its throttles' hits are checked against the limits the view
checked them against. Anything else read → the view computes it again, handed that read so
the request still makes one round trip. So a replay is as fresh as the read models: a write
bumps a generation (or revokes a token: the user fact), the bytes differ on the very next
request on every instance. What the bytes do not show is bounded: the day is in the key
(age groups, who acts for a minor), a read model that goes stale at an instant (a pending
request's expiry, stamped.read_through's `until`) ends the replay at that instant, and
credentials are replayed only while this process's authentication has them verified and
valid (`verified_credentials`). Redis unreachable: no replay (the view reads PostgreSQL).

What a replay skips is DRF's dispatch and the view's work (negotiation, authentication and
permission objects, the decision, the body, the renderer): on this machine a quarter to a
half of a warm request's CPU (docs/performance.md). Views opt in with `replayable = True`
(boxerconnect/api/views.py); `RESPONSE_REPLAY=false` turns it off (as does
`READ_MODEL_CACHE=false`), and at most
`RESPONSE_REPLAY_MAX_BYTES` of responses and read bytes are kept per process (all of them
are dropped when full, like the fact memo).
"""

import threading
import time
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.signals import setting_changed
from django.db import connections
from django.http import HttpResponse
from django.utils import timezone
from rest_framework.response import Response

from boxerconnect import metrics
from boxerconnect.cache import recording, stamped

# The request headers (WSGI environ) a response may depend on: negotiation (Accept), absolute
# links (host, scheme, proxies' headers), the anonymous throttle's client identity, the
# caller's credentials. Two requests that differ in any of them never share a response.
KEY_META = (
    "QUERY_STRING",
    "HTTP_ACCEPT",
    "HTTP_ACCEPT_LANGUAGE",
    "HTTP_AUTHORIZATION",
    "HTTP_HOST",
    "SERVER_NAME",
    "SERVER_PORT",
    "SCRIPT_NAME",
    "wsgi.url_scheme",
    "HTTP_X_FORWARDED_PROTO",
    "HTTP_X_FORWARDED_HOST",
    "HTTP_X_FORWARDED_PORT",
    "HTTP_X_FORWARDED_FOR",
    "REMOTE_ADDR",
)

_EVENTS = {event: metrics.RESPONSE_REPLAYS.labels(event) for event in metrics.REPLAY_EVENTS}


class Entry:
    """A remembered response and the read that produced it."""

    __slots__ = ("content", "counters", "counts", "headers", "keys", "limits", "raw", "size", "until", "user")

    def __init__(
        self,
        key: tuple[Any, ...],
        read: recording.Read,
        recorded: recording.Recording,
        response: Any,
        user: Any,
    ) -> None:
        self.keys, self.counters, raw, _counted = read
        self.raw = raw
        self.limits = recorded.limits
        self.counts = recorded.counts
        self.until = recorded.until
        self.content: bytes = response.content
        self.headers = dict(response.items())
        self.user = user
        # The request key (query string, headers: up to about 8 KiB each) and the headers are
        # held too: a flood of large distinct requests must stay within the budget.
        self.size = (
            len(self.content)
            + sum(len(value or b"") for value in raw or ())
            + sum(len(part) for part in key if isinstance(part, str | bytes))
            + sum(len(name) + len(value) for name, value in self.headers.items())
            + sum(len(name) for name in self.keys)
            + 200 * len(self.keys)
        )

    def allowed(self, counted: dict[str, Any]) -> bool:
        """Does every throttle allow this request's hit (counted in the round trip just made)?"""
        for key, _window in self.counters:
            found = counted.get(key)
            if found is None or found[0] > self.limits[key]:
                return False
        return True


_entries: dict[tuple[Any, ...], Entry] = {}
_size = 0
_lock = threading.Lock()


def reset() -> None:
    """Forget every remembered response (stamped.reset_process_state, settings changes)."""
    global _size
    with _lock:
        _entries.clear()
        _size = 0


def _setting_changed(setting: str, **_kwargs: Any) -> None:
    # Any setting may change an answer (rates, page sizes, hosts...). Not READ_MODEL_CACHE:
    # nothing is replayed or remembered while it is off (`enabled`), and what was remembered
    # before holds again when it is back on (the tests compare the two that way).
    if setting != "READ_MODEL_CACHE":
        reset()


stamped.on_reset(reset)
setting_changed.connect(_setting_changed, dispatch_uid="response-replay-reset")


def enabled() -> bool:
    """On with the read models (READ_MODEL_CACHE), unless RESPONSE_REPLAY=false."""
    return bool(settings.RESPONSE_REPLAY and settings.READ_MODEL_CACHE)


def _remember(key: tuple[Any, ...], entry: Entry) -> bool:
    """Keep `entry` under `key` (False: larger than the whole budget)."""
    global _size
    budget = settings.RESPONSE_REPLAY_MAX_BYTES
    if entry.size > budget:
        return False
    with _lock:
        old = _entries.pop(key, None)
        if old is not None:
            _size -= old.size
        if _size + entry.size > budget:
            _entries.clear()
            _size = 0
        _entries[key] = entry
        _size += entry.size
    return True


def _credentials_verified(view_class: Any, request: Any) -> bool:
    """Does every authentication class of the view vouch for the request's credentials (none
    it reads, or ones this process has verified and that are valid now)?"""
    for authentication in view_class.authentication_classes:
        verified = getattr(authentication, "verified_credentials", None)
        if verified is None or not verified(request):
            return False
    return True


def request_key(view_class: Any, request: Any) -> tuple[Any, ...] | None:
    """What identifies the request's response (None: not replayable now)."""
    if request.method != "GET" or not _credentials_verified(view_class, request):
        return None
    meta = request.META
    return (view_class, request.path_info, timezone.localdate(), *[meta.get(name) for name in KEY_META])


def _watch_sql(recorded: recording.Recording) -> Callable[[], None]:
    """Count the statements run from now on in `recorded`; returns the function that stops."""

    def counted(execute: Any, sql: Any, params: Any, many: Any, context: Any) -> Any:
        recorded.sql += 1
        return execute(sql, params, many, context)

    watched = [connection.execute_wrappers for connection in connections.all()]
    for wrappers in watched:
        wrappers.append(counted)

    def stop() -> None:
        for wrappers in watched:
            wrappers.remove(counted)

    return stop


def _replayable(recorded: recording.Recording, response: Any) -> recording.Read | None:
    """The one read the response was computed from, if nothing else went into it."""
    if len(recorded.reads) != 1 or recorded.sql:
        return None
    read = recorded.reads[0]
    if read[2] is None or recorded.trips != (0 if recorded.handed else 1):
        return None
    if any(key not in recorded.limits for key, _window in read[1]):
        return None  # a throttle that did not check its hit against this read's count
    if (
        type(response) is not Response
        or response.status_code != 200
        or response.cookies
        or getattr(getattr(response, "accepted_renderer", None), "format", None) != "json"
    ):
        return None
    return read


def replaying(view_class: Any, view: Callable[..., Any]) -> Callable[..., Any]:
    """`view` (DRF's view function of `view_class`), replaying its warm GET responses."""

    def replay_view(request: Any, *args: Any, **kwargs: Any) -> Any:
        if not enabled():
            return view(request, *args, **kwargs)
        key = request_key(view_class, request)
        if key is None:
            return view(request, *args, **kwargs)
        entry = _entries.get(key)
        prefetched: recording.Read | None = None
        if entry is not None and (entry.until is None or time.time() < entry.until):
            counted: dict[str, Any] = {}
            raw = stamped.read(entry.keys, entry.counters, counted)
            if raw is not None and raw == entry.raw and entry.allowed(counted):
                _EVENTS["replayed"].inc()
                for child, amount in entry.counts:
                    child.inc(amount)
                request.user = entry.user
                return HttpResponse(entry.content, headers=entry.headers)
            _EVENTS["changed"].inc()
            # Handed to the view's own read of these keys: still one round trip, one hit.
            prefetched = (entry.keys, entry.counters, raw, counted)
        recorded = recording.Recording(prefetched)
        token = recording.start(recorded)
        stop_watching = _watch_sql(recorded)
        try:
            response = view(request, *args, **kwargs)
        finally:
            stop_watching()
            recording.stop(token)
        read = _replayable(recorded, response)
        if read is not None:
            response.render()
            if _remember(key, Entry(key, read, recorded, response, request.user)):
                _EVENTS["recorded"].inc()
        return response

    replay_view.__dict__.update(view.__dict__)  # cls, initkwargs, csrf_exempt
    replay_view.__name__ = getattr(view, "__name__", "view")
    replay_view.__doc__ = view.__doc__
    replay_view.__module__ = view.__module__
    return replay_view
