"""What one request did with the cache, for boxerconnect/api/replay.py: its round trips, the
one stamped read (keys, throttle counters, raw values), the hit counters it moved and the
earliest instant anything it read goes stale with no write.

A recording is active only while a replayable view computes a response (a context variable:
one per thread under gunicorn's gthread workers); everywhere else `current()` is None and
the hooks in guarded.py, stamped.py and the read models do nothing.

It also carries a read made just before (`prefetched`): the replay check reads exactly the
keys and counters the view read last time; when the view then asks for the same ones,
`stamped.read` hands that read over instead of making a second round trip (and counting the
throttles twice).
"""

from contextvars import ContextVar, Token
from typing import Any

# (keys, counters, raw values or None, counted: throttle key → (hits, seconds left) or None)
Read = tuple[list[str], list[tuple[str, int]], list[bytes | None] | None, dict[str, Any]]


class Recording:
    __slots__ = ("counts", "failed", "handed", "limits", "prefetched", "reads", "sql", "trips", "until")

    def __init__(self, prefetched: Read | None = None) -> None:
        self.trips = 0  # guarded cache calls (each one round trip, or none when bypassed)
        self.reads: list[Read] = []  # stamped reads, handed-over prefetch included
        self.prefetched = prefetched
        # The read made just before could not be made: nothing in this request uses the cache.
        self.failed = prefetched is not None and prefetched[2] is None
        self.handed = False  # the view's read was the prefetched one (no round trip of its own)
        self.counts: list[tuple[Any, float]] = []  # (metric child, amount) to move again
        self.limits: dict[str, int] = {}  # throttle key → the limit its hit was checked against
        self.until: float | None = None  # epoch seconds: the earliest instant a read value expires
        self.sql = 0

    def count(self, child: Any, amount: float = 1) -> None:
        self.counts.append((child, amount))

    def expires(self, instant: float | None) -> None:
        if instant is not None and (self.until is None or instant < self.until):
            self.until = instant

    def take_prefetched(self, keys: list[str], counters: list[tuple[str, int]]) -> Read | None:
        """The prefetched read if it read exactly `keys` and `counters` (once), else None."""
        found = self.prefetched
        if found is None or found[0] != keys or found[1] != counters:
            return None
        self.prefetched = None
        self.handed = True
        return found

    def cache_failed(self) -> bool:
        """Did the read made just before fail (then nothing in this request uses the cache)?"""
        return self.failed

    def take_counted(self, counters: list[tuple[str, int]]) -> dict[str, Any]:
        """What the prefetched read counted for any of `counters`, when the view reads other
        keys than it (say, this process's guess of the caller's profile changed meanwhile):
        those hits were counted by the replay check and must not be counted again. The
        prefetch is used up."""
        found = self.prefetched
        if found is None:
            return {}
        self.prefetched = None
        counted = found[3]
        return {key: counted[key] for key, _window in counters if key in counted}


_current: ContextVar[Recording | None] = ContextVar("cache_recording", default=None)


def current() -> Recording | None:
    return _current.get()


def start(recording: Recording) -> Token[Recording | None]:
    return _current.set(recording)


def stop(token: Token[Recording | None]) -> None:
    _current.reset(token)
