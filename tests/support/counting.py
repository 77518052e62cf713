"""Counting what caching claims rest on: Redis commands a server executed, and the
permission-cache and read-model counters (hits, misses, bypasses, round trips)."""

from prometheus_client import Counter

from boxerconnect.metrics import (
    CACHE_ROUND_TRIPS,
    PERMISSION_CACHE_EVENTS,
    READ_CACHE_EVENTS,
    RESPONSE_REPLAYS,
)


class CommandCounter:
    """Counts commands a redis-server executed, over one long-lived connection.

    Each reading itself is one command (INFO), measured once and subtracted.
    """

    def __init__(self, server) -> None:
        self.client = server.client()
        self._read()
        first = self._read()
        self.overhead = self._read() - first

    def _read(self) -> int:
        return int(self.client.info("stats")["total_commands_processed"])

    def __enter__(self) -> "CommandCounter":
        self.start = self._read()
        self.count = None
        return self

    def __exit__(self, *exc) -> None:
        self.count = self._read() - self.start - self.overhead


def _value(counter: Counter, name: str, labels: dict[str, str]) -> float:
    """One sample of one counter, read from that counter alone.

    Not `REGISTRY.get_sample_value`: that collects every metric of the process to find one
    sample, and the HTTP metrics gain series with every view, method and status a test
    exercises, so late in a run each reading cost milliseconds and a test that counts around
    every request took twenty times as long as it did alone."""
    for family in counter.collect():
        for sample in family.samples:
            if sample.name == name and sample.labels == labels:
                return sample.value
    return 0.0


def event_count(event: str) -> float:
    return _value(PERMISSION_CACHE_EVENTS, "permission_cache_events_total", {"event": event})


def round_trips(outcome: str, alias: str = "guarded") -> float:
    return _value(CACHE_ROUND_TRIPS, "cache_round_trips_total", {"alias": alias, "outcome": outcome})


class Events:
    """Deltas of the permission cache counters between `with` entry and exit."""

    def __enter__(self) -> "Events":
        self._start = {e: event_count(e) for e in ("hit", "miss", "bypass")}
        self._trips = {o: round_trips(o) for o in ("ok", "error", "bypassed")}
        return self

    def __exit__(self, *exc) -> None:
        self.hit, self.miss, self.bypass = (event_count(e) - self._start[e] for e in self._start)
        self.ok, self.error, self.bypassed = (round_trips(o) - self._trips[o] for o in self._trips)


def read_event_count(model: str, event: str) -> float:
    return _value(READ_CACHE_EVENTS, "read_cache_events_total", {"model": model, "event": event})


class read_events:  # lower case: used like a function, `with read_events("profile") as reads`
    """Deltas of one read model's hit/miss/bypass counters between `with` entry and exit."""

    def __init__(self, model: str) -> None:
        self.model = model

    def __enter__(self) -> "read_events":
        self._start = {e: read_event_count(self.model, e) for e in ("hit", "miss", "bypass")}
        return self

    def __exit__(self, *exc) -> None:
        self.hit, self.miss, self.bypass = (
            read_event_count(self.model, e) - self._start[e] for e in ("hit", "miss", "bypass")
        )


class replay_events:  # lower case: used like a function, `with replay_events() as replays`
    """Deltas of response_replay_events_total (boxerconnect/api/replay.py) between `with`
    entry and exit: replayed, changed, recorded."""

    @staticmethod
    def _read() -> dict[str, float]:
        return {
            event: _value(RESPONSE_REPLAYS, "response_replay_events_total", {"event": event})
            for event in ("replayed", "changed", "recorded")
        }

    def __enter__(self) -> "replay_events":
        self._start = self._read()
        return self

    def __exit__(self, *exc) -> None:
        end = self._read()
        self.replayed, self.changed, self.recorded = (end[e] - self._start[e] for e in end)
