"""Facts for one request: FactRef names a fact, FactStore reads facts through the cache.

A lookup reads the nonce and, for each fact, its generation and its entry in ONE round trip
(boxerconnect/cache/stamped.py: raw bytes on the hot path); an entry is a hit only if its
stamp equals [current nonce, current generation]. Misses are read from PostgreSQL (one query
per family, at most one read per fact at a time in this process: single flight) and stored
stamped with the generation seen at lookup time, so a reader that raced a write can only
store under a dead generation: later a miss, never a stale allow.
"""

import threading
from collections.abc import Iterable
from functools import lru_cache
from typing import Any, cast
from uuid import UUID

import orjson

from boxerconnect import metrics
from boxerconnect.cache import recording, stamped
from boxerconnect.cache.keys import NONCE_KEY, fact_generation_key, fact_key
from permissions.facts import FAMILIES

_HITS = metrics.PERMISSION_CACHE_EVENTS.labels("hit")
_MISSES = metrics.PERMISSION_CACHE_EVENTS.labels("miss")


@lru_cache(maxsize=65536)
def _canonical(value: UUID | str) -> str:
    return str(UUID(str(value)))


class FactRef:
    """Names one fact: its family and subject ids (normalised to canonical UUID strings).

    Immutable and interned: `FactRef.of` returns one shared instance per fact, its keys and
    hash computed once (every request names the same few facts again and again).
    """

    __slots__ = ("_hash", "fact_key", "family", "gen_key", "ids")

    family: str
    ids: tuple[str, ...]
    fact_key: str
    gen_key: str
    _hash: int

    def __init__(self, family: str, ids: tuple[str, ...]) -> None:
        if family not in FAMILIES:
            raise KeyError(f"unknown fact family {family!r}")
        for name, value in (
            ("family", family),
            ("ids", ids),
            ("fact_key", fact_key(FAMILIES[family].key, ids)),
            ("gen_key", fact_generation_key(FAMILIES[family].key, ids)),
            ("_hash", hash((family, ids))),
        ):
            object.__setattr__(self, name, value)

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError("FactRef is immutable")

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, FactRef):
            return NotImplemented
        return self is other or (self.family == other.family and self.ids == other.ids)

    def __hash__(self) -> int:
        return self._hash

    def __repr__(self) -> str:
        return f"FactRef({self.family!r}, {self.ids!r})"

    def __reduce__(self) -> tuple[Any, tuple[str, tuple[str, ...]]]:
        return _interned, (self.family, self.ids)

    @classmethod
    def of(cls, family: str, *ids: UUID | str) -> "FactRef":
        return _interned(family, tuple(_canonical(i) for i in ids))

    @classmethod
    def user(cls, user_id: UUID | str) -> "FactRef":
        return cls.of("user", user_id)

    @classmethod
    def boxer(cls, boxer_id: UUID | str) -> "FactRef":
        return cls.of("boxer", boxer_id)

    @classmethod
    def club(cls, club_id: UUID | str) -> "FactRef":
        return cls.of("club", club_id)

    @classmethod
    def link(cls, coach_id: UUID | str, boxer_id: UUID | str) -> "FactRef":
        return cls.of("link", coach_id, boxer_id)

    def decode(self, data: dict[str, Any] | None) -> Any:
        return None if data is None else FAMILIES[self.family].fact.from_json(data)


@lru_cache(maxsize=65536)
def _interned(family: str, ids: tuple[str, ...]) -> FactRef:
    return FactRef(family, ids)


def load_facts(refs: Iterable[FactRef]) -> dict[FactRef, Any]:
    """Read facts from PostgreSQL: one batched query per family (two for users)."""
    by_family: dict[str, list[FactRef]] = {}
    for ref in dict.fromkeys(refs):
        by_family.setdefault(ref.family, []).append(ref)
    result: dict[FactRef, Any] = {}
    for family, members in by_family.items():
        found = FAMILIES[family].load_many([ref.ids for ref in members])
        result.update({ref: found[ref.ids] for ref in members})
    return result


# --- Single flight: at most one database read per fact at a time in this process --------------


class _Flight:
    def __init__(self) -> None:
        self.done = threading.Event()
        self.value: Any = None
        self.ok = False


_flights: dict[tuple[FactRef, str, str | None], _Flight] = {}
_flights_lock = threading.Lock()


def _single_flight(misses: list[tuple[FactRef, str | None]], nonce: str | None) -> dict[FactRef, Any]:
    """Read missed facts, at most one read per fact at a time in this process.

    Facts nobody is reading yet are read by this caller in one batch (one query per family);
    facts another thread is already reading are shared with it. The flight key includes the
    stamp seen at lookup, so a caller only shares a read that began under the generation it
    saw (never one that started before a bump it has seen). Leaders finish their own reads
    before waiting on others', so two threads leading each other's facts cannot deadlock.

    Without a nonce the stamp proves nothing (a cache that keeps nothing, e.g. the dummy
    backend, never shows a bump): then nobody shares, or a check that starts after a
    revoke could join a read that began before it.
    """
    if not nonce:
        return load_facts([ref for ref, _gen in misses])
    keys = {ref: (ref, nonce, gen) for ref, gen in misses}
    led: dict[FactRef, _Flight] = {}
    joined: dict[FactRef, _Flight] = {}
    with _flights_lock:
        for ref, key in keys.items():
            flight = _flights.get(key)
            if flight is None:
                led[ref] = _flights[key] = _Flight()
            else:
                joined[ref] = flight
    result: dict[FactRef, Any] = {}
    try:
        if led:
            result.update(load_facts(list(led)))
            for ref, flight in led.items():
                flight.value = result[ref]
                flight.ok = True
    finally:
        with _flights_lock:
            for ref in led:
                _flights.pop(keys[ref], None)
        for flight in led.values():
            flight.done.set()
    retry = []
    for ref, flight in joined.items():
        if flight.done.wait(timeout=5) and flight.ok:
            result[ref] = flight.value
        else:
            retry.append(ref)
    if retry:
        result.update(load_facts(retry))
    return result


_loads = orjson.loads
# Facts this process decoded from a valid entry, by the exact bytes of (nonce, generation,
# entry) they were decoded from: the same bytes again are the same valid fact, so a warm
# lookup skips parsing and rebuilding it. Facts are immutable; bounded by a periodic clear.
_validated: dict[FactRef, tuple[tuple[bytes | None, ...], Any]] = {}
_VALIDATED_MAX = 10_000  # about 10 MB at most: the hot facts are a few users and resources


def reset() -> None:
    """Forget in-flight reads and decoded facts (stamped.reset_process_state calls it)."""
    with _flights_lock:
        _flights.clear()
    _validated.clear()


class FactStore:
    """Facts for one request (or command): a memo in front of the shared cache.

    `get_many(refs)` costs at most one cache round trip for the lookup, plus, only for
    misses, the database reads and one round trip to store them (more only when a
    generation or the nonce had to be created). Facts already in the memo cost nothing.
    `sources` records where each fact came from (memo/cache/db), for `explain`.
    """

    def __init__(self) -> None:
        self._memo: dict[FactRef, Any] = {}
        self.sources: dict[FactRef, str] = {}
        self._riders: list[str] = []
        # Raw values of keys read along with facts (`read_along`), the nonce included.
        self.raw: dict[str, bytes | None] = {}
        self._counters: list[tuple[str, int]] = []
        # Throttle counters counted along (`count_along`): key → (hits, seconds left), or
        # None when the round trip failed.
        self.counted: dict[str, Any] = {}

    def read_along(self, keys: Iterable[str]) -> None:
        """Read `keys` (raw) in the same round trip as the next lookup of facts, into `raw`.

        Read models use it: their keys ride with the facts that authenticate and authorize
        the request (checker.prime), so a warm request is one round trip.
        """
        self._riders += [key for key in keys if key not in self.raw]

    def count_along(self, counters: Iterable[tuple[str, int]]) -> None:
        """Count one hit in each (throttle key, window) in the round trip of the next lookup,
        into `counted` (boxerconnect/throttling.py takes them): a throttled request pays no
        round trip of its own for its rate limits."""
        self._counters += list(counters)

    def take_raw(self, keys: list[str]) -> list[bytes | None] | None:
        """The raw values of `keys` if they were read along (the last key is used once: a
        later lookup of it in this request asks Redis), else None.

        None too when there was no nonce at the read: the facts' miss has just created one,
        which a lookup must see to store anything.
        """
        raw = self.raw
        if keys[-1] not in raw or raw.get(NONCE_KEY) is None or any(k not in raw for k in keys):
            return None
        values = [raw[k] for k in keys]
        del raw[keys[-1]]
        return values

    def get(self, ref: FactRef) -> Any:
        return self.get_many([ref])[ref]

    def get_many(self, refs: Iterable[FactRef]) -> dict[FactRef, Any]:
        refs = list(refs)
        wanted = [ref for ref in dict.fromkeys(refs) if ref not in self._memo]
        if wanted or self._riders or self._counters:
            self._memo.update(self._lookup(wanted))
        return {ref: self._memo[ref] for ref in refs}

    def _lookup(self, refs: list[FactRef]) -> dict[FactRef, Any]:
        keys = [NONCE_KEY]
        for ref in refs:
            keys += [ref.gen_key, ref.fact_key]
        riders = self._riders
        if riders:
            self._riders = []
            keys += riders
        counters, self._counters = self._counters, []
        raw = stamped.read(keys, counters, self.counted)
        if raw is None:
            return self._from_db(refs, "bypass")
        if riders:
            self.raw[NONCE_KEY] = raw[0]
            self.raw.update(zip(riders, raw[len(keys) - len(riders) :], strict=True))

        raw_nonce = raw[0]
        nonce = None if raw_nonce is None else _loads(raw_nonce)
        result: dict[FactRef, Any] = {}
        misses: list[tuple[FactRef, str | None]] = []
        for i, ref in enumerate(refs):
            raw_gen, raw_entry = raw[2 * i + 1], raw[2 * i + 2]
            stamp = (raw_nonce, raw_gen, raw_entry)
            seen = _validated.get(ref)
            if seen is not None and seen[0] == stamp:  # byte for byte what was checked before
                result[ref] = seen[1]
                self.sources[ref] = "cache"
                continue
            gen = None if raw_gen is None else _loads(raw_gen)
            entry = None if raw_entry is None else _loads(raw_entry)
            if stamped.is_current(nonce, (gen,), entry):
                result[ref] = fact = ref.decode(cast(dict[str, Any], entry)["v"])
                self.sources[ref] = "cache"
                if len(_validated) >= _VALIDATED_MAX:
                    _validated.clear()
                _validated[ref] = (stamp, fact)
            else:
                misses.append((ref, gen))
        if len(misses) < len(refs):
            _HITS.inc(len(refs) - len(misses))
            recorded = recording.current()
            if recorded is not None:  # moved again when the response is replayed (api/replay.py)
                recorded.count(_HITS, len(refs) - len(misses))
        if misses:
            result.update(self._fill(misses, nonce))
        return result

    def _from_db(self, refs: list[FactRef], event: str) -> dict[FactRef, Any]:
        metrics.PERMISSION_CACHE_EVENTS.labels(event).inc(len(refs))
        for ref in refs:
            self.sources[ref] = "db"
        return load_facts(refs)

    def _fill(self, misses: list[tuple[FactRef, str | None]], nonce: str | None) -> dict[FactRef, Any]:
        loaded = _single_flight(misses, nonce)
        for ref, _gen in misses:
            self.sources[ref] = "db"
        _MISSES.inc(len(misses))
        stamped.store(
            nonce,
            [
                ((ref.gen_key,), (gen,), ref.fact_key, None if loaded[ref] is None else loaded[ref].to_json())
                for ref, gen in misses
            ],
        )
        return loaded
