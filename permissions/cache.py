"""Generation-stamped permission facts: every cache key, the lookup and the invalidation.

Keys (all built here, nowhere else; ids are UUIDs rendered as 32 hex digits, so every
family's keys are fixed-shape and no two distinct facts share a key):

  perm:nonce                  random token folded into every stamp. Rotated (O(1)) by
                              `rotate()`, `permissions_cache rotate`, and by a process that
                              could not deliver a generation bump. Absent after a flush.
  perm:g:<family>:<ids>       generation of one subject: a random token replaced on every
                              committed write that changes the subject's fact.
  perm:f:<family>:<ids>       {"s": [nonce, generation], "v": fact JSON or null}. TTL
                              PERMISSION_CACHE_TTL bounds memory only.

Families and the writes that bump their generation (callers use `invalidate`):
  user   (user_id)            role, is_active, token_version; the user's boxer profile
                              created/deleted/moved club; club coach added/removed; club
                              ownership given or taken.
  boxer  (boxer_id)           is_searchable, is_active (soft delete), club, owner's is_active.
  club   (club_id)            owner, is_published, accepting_members, deletion.
  link   (coach_id, boxer_id) coach link created, accepted, rights changed, removed.

Read models (permissions/readcache.py; the same protocol, the same nonce):
  read:g:profile:<boxer>      one boxer's representation: bumped on a committed save or delete
                              of the boxer row and on its record recomputation.
  read:g:clubs                club names shown in profiles: any club saved or deleted.
  read:g:directory            every directory page: any boxer or club saved or deleted, a
                              record recomputation, a user's is_active changing.
  read:f:profile:<boxer>      {"s": [nonce, profile gen, clubs gen], "v": the body}.
  read:f:directory:<sha256>   {"s": [nonce, directory gen], "v": one page}, by the SHA-256
                              of the page's absolute URI.

A lookup fetches the nonce, each fact and its generation in ONE get_many (Redis MGET; raw
bytes on the hot path, see `FactStore._lookup`). An entry is a hit only if its stamp equals
[current nonce, current generation]. A miss reads
PostgreSQL and stores the fact stamped with the generation seen at lookup time, so a reader
that raced a write can only store under a dead generation: later a miss, never a stale
allow. Bumps run in `transaction.on_commit`, before the response is sent.
"""

import contextlib
import hashlib
import json
import logging
import secrets
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import lru_cache
from typing import Any
from uuid import UUID

import orjson
from django.conf import settings
from django.core.cache import caches
from django.db import transaction

from boxerconnect import cache_events, metrics
from boxerconnect.breaker import CacheUnavailable, guarded
from permissions import facts as F

logger = logging.getLogger(__name__)

NONCE_KEY = "perm:nonce"
_HITS = metrics.PERMISSION_CACHE_EVENTS.labels("hit")
_MISSES = metrics.PERMISSION_CACHE_EVENTS.labels("miss")


@lru_cache(maxsize=65536)
def _hex(value: UUID | str) -> str:
    # Parsing as a UUID makes every spelling of an id one key (and rejects non-ids).
    return UUID(str(value)).hex


@lru_cache(maxsize=65536)
def _canonical(value: UUID | str) -> str:
    return str(UUID(str(value)))


def nonce_key() -> str:
    """The namespace nonce. Invalidated by `rotate()`."""
    return NONCE_KEY


def user_fact_key(user_id: UUID | str) -> str:
    """UserFact of one user. Invalidated by `invalidate(users=[user_id])`."""
    return f"perm:f:user:{_hex(user_id)}"


def user_gen_key(user_id: UUID | str) -> str:
    return f"perm:g:user:{_hex(user_id)}"


def boxer_fact_key(boxer_id: UUID | str) -> str:
    """BoxerFact of one profile. Invalidated by `invalidate(boxers=[boxer_id])`."""
    return f"perm:f:boxer:{_hex(boxer_id)}"


def boxer_gen_key(boxer_id: UUID | str) -> str:
    return f"perm:g:boxer:{_hex(boxer_id)}"


def club_fact_key(club_id: UUID | str) -> str:
    """ClubFact of one club. Invalidated by `invalidate(clubs=[club_id])`."""
    return f"perm:f:club:{_hex(club_id)}"


def club_gen_key(club_id: UUID | str) -> str:
    return f"perm:g:club:{_hex(club_id)}"


def link_fact_key(coach_id: UUID | str, boxer_id: UUID | str) -> str:
    """LinkFact of one (coach, boxer) pair. Invalidated by `invalidate(links=[(c, b)])`."""
    return f"perm:f:link:{_hex(coach_id)}:{_hex(boxer_id)}"


def link_gen_key(coach_id: UUID | str, boxer_id: UUID | str) -> str:
    return f"perm:g:link:{_hex(coach_id)}:{_hex(boxer_id)}"


# Read models (permissions/readcache.py): whole representations under the same nonce.


def profile_key(boxer_id: UUID | str) -> str:
    """The body of GET /api/v1/boxers/{id}/, stamped [nonce, profile gen, clubs gen]."""
    return f"read:f:profile:{_hex(boxer_id)}"


def profile_gen_key(boxer_id: UUID | str) -> str:
    """Bumped by every committed save/delete of the boxer row and its record recomputation."""
    return f"read:g:profile:{_hex(boxer_id)}"


# Bumped by every committed save/delete of any club and by import_clubs' updates.
CLUBS_GEN_KEY = "read:g:clubs"
# Bumped by every committed save/delete of any boxer or club, a record recomputation, and a
# user's is_active changing.
DIRECTORY_GEN_KEY = "read:g:directory"


def directory_page_key(uri: str) -> str:
    """One page of GET /api/v1/boxers/, by the SHA-256 of its absolute URI."""
    return f"read:f:directory:{hashlib.sha256(uri.encode()).hexdigest()}"


class FactRef:
    """Names one fact: its family and subject ids (normalised to canonical UUID strings).

    Immutable and interned: the constructors return one shared instance per fact, its keys
    and hash computed once (every request names the same few facts again and again).
    """

    __slots__ = ("_hash", "fact_key", "family", "gen_key", "ids")

    family: str
    ids: tuple[str, ...]
    fact_key: str
    gen_key: str

    def __init__(self, family: str, ids: tuple[str, ...]) -> None:
        spec = _FAMILIES[family]
        for name, value in (
            ("family", family),
            ("ids", ids),
            ("fact_key", spec.fact_key(*ids)),
            ("gen_key", spec.gen_key(*ids)),
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

    def __reduce__(self):
        return _interned, (self.family, self.ids)

    @classmethod
    def user(cls, user_id: UUID | str) -> "FactRef":
        return _interned("user", (_canonical(user_id),))

    @classmethod
    def boxer(cls, boxer_id: UUID | str) -> "FactRef":
        return _interned("boxer", (_canonical(boxer_id),))

    @classmethod
    def club(cls, club_id: UUID | str) -> "FactRef":
        return _interned("club", (_canonical(club_id),))

    @classmethod
    def link(cls, coach_id: UUID | str, boxer_id: UUID | str) -> "FactRef":
        return _interned("link", (_canonical(coach_id), _canonical(boxer_id)))

    def load(self) -> Any:
        return _FAMILIES[self.family].load(*self.ids)

    def decode(self, data: dict | None) -> Any:
        return None if data is None else _FAMILIES[self.family].fact_cls.from_json(data)


@lru_cache(maxsize=65536)
def _interned(family: str, ids: tuple[str, ...]) -> FactRef:
    return FactRef(family, ids)


@dataclass(frozen=True)
class _Family:
    fact_key: Callable[..., str]
    gen_key: Callable[..., str]
    load: Callable[..., Any]
    load_many: Callable[[list[tuple[str, ...]]], dict[tuple[str, ...], Any]]
    fact_cls: type


def _by_single_id(load_many: Callable[[list], dict]) -> Callable[[list[tuple[str, ...]]], dict]:
    def load(ids: list[tuple[str, ...]]) -> dict[tuple[str, ...], Any]:
        found = load_many([i[0] for i in ids])
        return {i: found[i[0]] for i in ids}

    return load


def _links_many(ids: list[tuple[str, ...]]) -> dict[tuple[str, ...], Any]:
    found = F.load_link_facts([(c, b) for c, b in ids])
    return {i: found[(i[0], i[1])] for i in ids}


_FAMILIES: dict[str, _Family] = {
    "user": _Family(
        user_fact_key, user_gen_key, F.load_user_fact, _by_single_id(F.load_user_facts), F.UserFact
    ),
    "boxer": _Family(
        boxer_fact_key, boxer_gen_key, F.load_boxer_fact, _by_single_id(F.load_boxer_facts), F.BoxerFact
    ),
    "club": _Family(
        club_fact_key, club_gen_key, F.load_club_fact, _by_single_id(F.load_club_facts), F.ClubFact
    ),
    "link": _Family(link_fact_key, link_gen_key, F.load_link_fact, _links_many, F.LinkFact),
}


def load_facts(refs: Iterable[FactRef]) -> dict[FactRef, Any]:
    """Read facts from PostgreSQL: one batched query per family (two for users)."""
    by_family: dict[str, list[FactRef]] = {}
    for ref in dict.fromkeys(refs):
        by_family.setdefault(ref.family, []).append(ref)
    result: dict[FactRef, Any] = {}
    for family, members in by_family.items():
        found = _FAMILIES[family].load_many([ref.ids for ref in members])
        result.update({ref: found[ref.ids] for ref in members})
    return result


def ttl() -> int:
    return settings.PERMISSION_CACHE_TTL


def _gen_ttl() -> int:
    # Generations outlive the facts stamped with them; an evicted generation is a miss.
    return max(ttl() * 12, 86400)


def _token() -> str:
    return secrets.token_hex(8)


# --- Process state: pending rotation after cache trouble ----------------------------------
# Trouble = an undelivered bump, any failed cache call, or a Redis reconnect
# (boxerconnect/cache_events.py): until the nonce is rotated, nothing in Redis is trusted.

_state_lock = threading.Lock()
_rotation_pending = False
# Counts undelivered bumps: a rotation only clears the pending flag if no bump failed while
# it was in flight (a failure after the new nonce was written needs another rotation).
_undelivered = 0


def rotation_pending() -> bool:
    return _rotation_pending


def _mark_rotation_pending() -> None:
    global _rotation_pending, _undelivered
    with _state_lock:
        _rotation_pending = True
        _undelivered += 1


def rotate() -> str:
    """Invalidate every cached fact at once (O(1): one SET of the nonce). Returns the nonce.

    Raises CacheUnavailable when the cache cannot be reached.
    """
    with _state_lock:
        seen = _undelivered
    nonce = _token()
    guarded.set(NONCE_KEY, nonce, None)
    _clear_pending_if_unchanged(seen)
    logger.info("permission cache namespace rotated")
    return nonce


def _on_cache_trouble(reason: str) -> None:
    """A failed call or a reconnect: Redis may hold facts another process could not bump."""
    _mark_rotation_pending()
    _start_rotator()


cache_events.subscribe(_on_cache_trouble)


def _rotate_on_connection(connection) -> None:
    """Rotate the nonce on a raw connection to a server instance not yet vetted.

    Runs inside the connection's handshake (boxerconnect/cache_events.py), before the
    connection serves any read: nothing the server held before can be trusted after it.
    """
    backend = caches["guarded"]
    if not hasattr(backend, "client"):
        return
    key = backend.make_key(NONCE_KEY)
    connection.send_command("SET", key, json.dumps(_token()))
    connection.read_response()


cache_events.on_adopt(_rotate_on_connection)

ROTATION_RETRY_SECONDS = 0.2
_rotator: threading.Thread | None = None


def _start_rotator() -> None:
    """Make sure a background thread retries the rotation until it goes through.

    Other processes cannot know this one missed a bump: the sooner the nonce rotates once
    Redis answers again, the shorter their stale window, whether or not this process gets
    another request. The retry ignores the breaker's cooldown (it is its own probe).
    """
    global _rotator
    with _state_lock:
        if _rotator is None:
            _rotator = threading.Thread(target=_rotate_until_done, name="perm-rotator", daemon=True)
            _rotator.start()


def _rotate_until_done() -> None:
    global _rotator
    while True:
        time.sleep(ROTATION_RETRY_SECONDS)
        with _state_lock:
            if not _rotation_pending:
                _rotator = None
                return
            seen = _undelivered
        try:
            guarded.backend.set(NONCE_KEY, _token(), timeout=None)
        except Exception as exc:  # still unreachable: try again after the pause
            logger.debug("permission cache rotation retry failed: %s", type(exc).__name__)
            continue
        guarded.breaker.record_success()
        _clear_pending_if_unchanged(seen)
        logger.info("permission cache namespace rotated after cache trouble")


def _clear_pending_if_unchanged(seen: int) -> None:
    global _rotation_pending
    with _state_lock:
        if _undelivered == seen:
            _rotation_pending = False


def reset_process_state() -> None:
    """Forget pending rotation and breaker state (tests, and after a fork)."""
    global _rotation_pending
    with _state_lock:
        _rotation_pending = False
    with _flights_lock:
        _flights.clear()
    _validated.clear()
    guarded.breaker.reset()


# --- Invalidation -------------------------------------------------------------------------


def _gen_keys(
    users: Iterable[UUID | str | None],
    boxers: Iterable[UUID | str | None],
    clubs: Iterable[UUID | str | None],
    links: Iterable[tuple[UUID | str, UUID | str]],
) -> list[str]:
    keys = [user_gen_key(u) for u in users if u is not None]
    keys += [boxer_gen_key(b) for b in boxers if b is not None]
    keys += [club_gen_key(c) for c in clubs if c is not None]
    keys += [link_gen_key(c, b) for c, b in links]
    return sorted(set(keys))


def bump_now(keys: list[str]) -> None:
    """Give each generation key a fresh token in one round trip; remember a failure."""
    if not keys:
        return
    try:
        guarded.set_many({key: _token() for key in keys}, _gen_ttl())
    except CacheUnavailable:
        # Another process may still trust the old generations: rotate the whole namespace
        # before this process trusts the cache again (see FactStore.lookup).
        _on_cache_trouble("bump not delivered")
        logger.warning("permission cache bump not delivered (%d keys); rotation pending", len(keys))


def invalidate(
    *,
    users: Iterable[UUID | str | None] = (),
    boxers: Iterable[UUID | str | None] = (),
    clubs: Iterable[UUID | str | None] = (),
    links: Iterable[tuple[UUID | str, UUID | str]] = (),
) -> None:
    """Bump the generations of the named facts when the current transaction commits.

    Call it from every service that changes a fact (see the family table above). Outside a
    transaction the bump happens at once. One cache round trip, whatever the count.
    """
    keys = _gen_keys(users, boxers, clubs, links)
    if keys:
        transaction.on_commit(lambda: bump_now(keys))


# --- Lookup -------------------------------------------------------------------------------


class _Flight:
    def __init__(self) -> None:
        self.done = threading.Event()
        self.value: Any = None
        self.ok = False


_flights: dict[tuple, _Flight] = {}
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


def _encoded(found: dict, key: str) -> bytes | None:
    return orjson.dumps(found[key]) if key in found else None


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

    def read_along(self, keys: Iterable[str]) -> None:
        """Read `keys` (raw) in the same round trip as the next lookup of facts, into `raw`.

        The read models use it: a view's representation keys ride with the facts that
        authenticate and authorize the request, so a warm request is one round trip.
        """
        self._riders += [key for key in keys if key not in self.raw]

    def get(self, ref: FactRef) -> Any:
        return self.get_many([ref])[ref]

    def get_many(self, refs: Iterable[FactRef]) -> dict[FactRef, Any]:
        wanted = [ref for ref in dict.fromkeys(refs) if ref not in self._memo]
        if wanted:
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
        raw = read_stamped(keys)
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
            stamped = (raw_nonce, raw_gen, raw_entry)
            seen = _validated.get(ref)
            if seen is not None and seen[0] == stamped:  # byte for byte what was checked before
                result[ref] = seen[1]
                self.sources[ref] = "cache"
                continue
            gen = None if raw_gen is None else _loads(raw_gen)
            entry = None if raw_entry is None else _loads(raw_entry)
            if nonce and gen and isinstance(entry, dict) and entry.get("s") == [nonce, gen]:
                result[ref] = fact = ref.decode(entry["v"])
                self.sources[ref] = "cache"
                if len(_validated) >= _VALIDATED_MAX:
                    _validated.clear()
                _validated[ref] = (stamped, fact)
            else:
                misses.append((ref, gen))
        if len(misses) < len(refs):
            _HITS.inc(len(refs) - len(misses))
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
        store_stamped(
            nonce,
            [
                ((ref.gen_key,), (gen,), ref.fact_key, None if loaded[ref] is None else loaded[ref].to_json())
                for ref, gen in misses
            ],
        )
        return loaded


# --- Stamped entries: the protocol facts and read models (permissions/readcache.py) share --


def read_stamped(keys: list[str]) -> list[bytes | None] | None:
    """The raw JSON of `keys` in one round trip (None: missing), or None when the cache must
    not be used now: breaker open, the call failed, or a rotation is owed and cannot be done.

    By convention keys[0] is NONCE_KEY and the rest are (generation, entry) keys. Callers
    then read from PostgreSQL ("bypass").
    """
    if _rotation_pending:
        try:
            rotate()
        except CacheUnavailable:
            return None
    trouble_before = _undelivered
    try:
        raw = guarded.get_many_raw(keys)
        if raw is None:  # a cache that cannot be read raw: decoded values, same order
            found = guarded.get_many(keys)
            raw = [_encoded(found, key) for key in keys]
    except CacheUnavailable:
        return None
    if _undelivered != trouble_before:
        # The call itself hit trouble (say, a silent reconnect to a restarted server):
        # what it read predates the rotation this process now owes. Don't use it.
        with contextlib.suppress(CacheUnavailable):
            rotate()
        return None
    return raw


def store_stamped(
    nonce: str | None, items: list[tuple[tuple[str, ...], tuple[str | None, ...], str, Any]]
) -> None:
    """Store values read from PostgreSQL after a miss: items are (generation keys, the
    generations seen at lookup (None: missing), entry key, JSON value); each entry is stamped
    [nonce, *generations].

    Missing generations are created (SET NX) in one round trip. A create that fails means a
    bump (or another reader) got there first and the read may predate it: nothing is stored
    for that entry. At most three round trips (nonce, generations, entries); cache trouble
    stores nothing.
    """
    try:
        if not nonce:
            fresh = _token()  # after a flush or restart: a new namespace (never expires)
            if not guarded.add(NONCE_KEY, fresh, None):
                return  # someone else created it meanwhile: store next time
            nonce = fresh
        created = {
            gen_key: _token()
            for gen_keys, gens, _key, _value in items
            for gen_key, gen in zip(gen_keys, gens, strict=True)
            if not gen
        }
        added = guarded.add_many(created, _gen_ttl()) if created else set()
        entries = {}
        for gen_keys, gens, key, value in items:
            stamp = [
                gen or (created[gen_key] if gen_key in added else None)
                for gen_key, gen in zip(gen_keys, gens, strict=True)
            ]
            if all(stamp):
                entries[key] = {"s": [nonce, *stamp], "v": value}
        if entries:
            guarded.set_many(entries, ttl())
    except CacheUnavailable:
        pass
