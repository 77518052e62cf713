"""The generation-stamped protocol every cached value (permission fact, read model) follows.

- A value is stored as `{"s": [nonce, gen, ...], "v": value}`: stamped with the namespace
  nonce and the generation(s) of what it was computed from, as seen at lookup time.
- A lookup reads the nonce, the generations and the entry in ONE round trip (`read`); the
  entry is valid only if its stamp equals the current values (`is_current`).
- A miss recomputes from PostgreSQL and stores under the generations seen at lookup
  (`store`), so a reader that raced a write can only store under a dead generation.
- Writes bump generations (`bump`): every bump of a transaction is collected in one buffer
  and sent in one round trip when the transaction commits, before the response is sent.
- The nonce is rotated (`rotate`, O(1)) after a flush or restart, by `permissions_cache
  rotate`, and whenever this process has reason to think Redis missed a write (cache
  trouble, announced by events.py): until then nothing in Redis is trusted, and a
  background thread retries the rotation until it goes through.
- TTLs (keys.py) bound memory only; correctness never depends on them.

Generic: it knows keys, not what they mean (permissions/store.py, boxers/readmodels.py).
"""

import contextlib
import json
import logging
import secrets
import threading
import time
from collections.abc import Callable, Iterable
from typing import Any, cast

import orjson
from django.conf import settings
from django.core.cache import caches
from django.db import transaction
from redis.sentinel import SentinelManagedConnection

from boxerconnect.cache import recording, sentinel
from boxerconnect.cache.guarded import CacheUnavailable, guarded, refused_by_server
from boxerconnect.cache.keys import FENCE_KEY, NONCE_KEY, entry_ttl, generation_ttl

logger = logging.getLogger(__name__)

_loads = orjson.loads


def token() -> str:
    """A fresh generation or nonce value."""
    return secrets.token_hex(8)


# --- Process state: the rotation owed after cache trouble ---------------------------------

_state_lock = threading.Lock()
_rotation_pending = False
# Counts undelivered bumps and other trouble: a rotation only clears the pending flag if no
# trouble happened while it was in flight (trouble after the new nonce needs another one).
_undelivered = 0
_resets: list[Callable[[], None]] = []


def rotation_pending() -> bool:
    return _rotation_pending


def _mark_rotation_pending() -> None:
    global _rotation_pending, _undelivered
    with _state_lock:
        _rotation_pending = True
        _undelivered += 1


def _clear_pending_if_unchanged(seen: int) -> None:
    global _rotation_pending
    with _state_lock:
        if _undelivered == seen:
            _rotation_pending = False


def rotate() -> str:
    """Invalidate every stamped entry at once (O(1): one SET of the nonce). Returns the nonce.

    Raises CacheUnavailable when the cache cannot be reached.
    """
    with _state_lock:
        seen = _undelivered
    nonce = token()
    guarded.set(NONCE_KEY, nonce, None)
    _clear_pending_if_unchanged(seen)
    logger.info("cache namespace rotated")
    return nonce


def on_cache_trouble(reason: str) -> None:
    """events.subscribe() callback: Redis may hold entries another process could not bump."""
    _mark_rotation_pending()
    _start_rotator()


def rotate_on_connection(connection: Any) -> None:
    """events.on_adopt() hook: rotate the nonce on a raw connection to a server instance not
    yet vetted, inside its handshake, before it serves any read. With Sentinel, the server is
    the primary: it drops a fence it may hold, and fences every other data node."""
    backend = caches["guarded"]
    if not hasattr(backend, "client"):
        return
    fence = backend.make_key(FENCE_KEY)
    connection.send_packed_command(
        connection.pack_commands([("SET", backend.make_key(NONCE_KEY), json.dumps(token())), ("DEL", fence)])
    )
    connection.read_response()
    connection.read_response()
    if isinstance(connection, SentinelManagedConnection):
        sentinel.fence_others(connection, fence)


def fenced() -> bool:
    """Does this deployment fence former primaries (Sentinel)? Then every lookup and every
    bump also reads FENCE_KEY, in the same round trip."""
    return bool(settings.REDIS_SENTINELS)


def _leave_former_primary(what: str) -> None:
    """The server that answered holds a fence: a former primary, still writable for seconds
    after a manual failover, that another process has already replaced (sentinel.py,
    `fence_others`). Ask the sentinels now (the pools move to the new primary, the switch is
    announced) and rotate there before anything read or bumped on the old one counts: a bump
    sent there is lost, and a read there misses the bumps sent to the new one."""
    logger.warning("cache %s answered by a former primary: moving to the new one", what)
    _mark_rotation_pending()
    try:
        sentinel.primary_address(guarded.backend)
    except Exception as exc:  # no sentinel names a primary right now: the rotation stays owed
        logger.warning("no primary named after a fence: %s", type(exc).__name__)
        _start_rotator()
        return
    with contextlib.suppress(CacheUnavailable):
        rotate()
        # On the primary the sentinels name now the fence is stale: the sentinels failed back
        # to the fenced node before it was demoted (the rotation above covers what it lacks).
        guarded.call(lambda: guarded.backend.delete(FENCE_KEY))
    _start_rotator()


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
            _rotator = threading.Thread(target=_rotate_until_done, name="cache-rotator", daemon=True)
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
            guarded.backend.set(NONCE_KEY, token(), timeout=None)
        except Exception as exc:  # still unreachable: try again after the pause
            logger.debug("cache rotation retry failed: %s", type(exc).__name__)
            # Refused, not unreachable (OOM under noeviction): no nonce is a rotation too.
            if not (refused_by_server(exc) and _delete_instead([NONCE_KEY])):
                continue
        guarded.breaker.record_success()
        _clear_pending_if_unchanged(seen)
        logger.info("cache namespace rotated after cache trouble")


def on_reset(callback: Callable[[], None]) -> None:
    """Also run `callback` in `reset_process_state` (per-process memos built on this cache)."""
    if callback not in _resets:
        _resets.append(callback)


def reset_process_state() -> None:
    """Forget the pending rotation, the breaker state and the memos (tests, after a fork)."""
    global _rotation_pending
    with _state_lock:
        _rotation_pending = False
    for callback in _resets:
        callback()
    guarded.breaker.reset()


# --- Reading and storing --------------------------------------------------------------------


def read(
    keys: list[str], counters: list[tuple[str, int]] | None = None, counted: dict[str, Any] | None = None
) -> list[bytes | None] | None:
    """The raw JSON of `keys` in one round trip (None: missing), or None when the cache must
    not be used now: breaker open, the call failed, or a rotation is owed and cannot be done.

    By convention keys[0] is NONCE_KEY. Callers then read from PostgreSQL ("bypass").

    `counters` ((key, window) of throttle counters) ride in the same round trip: `counted`
    receives each key's (hits, seconds left), or None when the round trip could not be made
    (the throttle then fails open, as it does on its own). On a cache that cannot be read raw
    they are left out of `counted` (the throttle counts on its own).
    """
    counters = counters or []
    recorded = recording.current()
    if recorded is not None:
        handed = recorded.take_prefetched(keys, counters)
        if handed is not None:  # read a moment ago by the replay check (api/replay.py)
            if counted is not None:
                counted.update(handed[3])
            recorded.reads.append(handed)
            return handed[2]
        if recorded.cache_failed():
            # The replay check's read failed a moment ago: the rest of the request reads
            # PostgreSQL (a frozen server costs one timeout a request, not one a lookup).
            if counted is not None:
                counted.update(dict.fromkeys((key for key, _window in counters), None))
            recorded.reads.append((keys, counters, None, {}))
            return None
        # Hits the replay check counted already are not counted again (one hit a request).
        mine = recorded.take_counted(counters)
        raw = _read(keys, [counter for counter in counters if counter[0] not in mine], mine)
        if counted is not None:
            counted.update(mine)
        recorded.reads.append((keys, counters, raw, mine))
        return raw
    return _read(keys, counters, counted)


def _read(
    keys: list[str], counters: list[tuple[str, int]], counted: dict[str, Any] | None
) -> list[bytes | None] | None:
    def failed() -> None:
        if counted is not None:
            counted.update(dict.fromkeys((key for key, _window in counters), None))

    if _rotation_pending:
        try:
            rotate()
        except CacheUnavailable:
            failed()
            return None
    trouble_before = _undelivered
    fence = fenced()
    try:
        found = guarded.read_and_count([*keys, FENCE_KEY] if fence else keys, counters)
        if found is None:  # a cache that cannot be read raw: decoded values, same order
            values = guarded.get_many(keys)
            raw = [orjson.dumps(values[key]) if key in values else None for key in keys]
        else:
            raw, counts = found
            if counted is not None:
                counted.update(zip((key for key, _window in counters), counts, strict=True))
            if fence:
                *raw, fenced_by = raw
                if fenced_by is not None:
                    _leave_former_primary("read")
                    return None
    except CacheUnavailable:
        failed()
        return None
    if _undelivered != trouble_before:
        # The call itself hit trouble (say, a silent reconnect to a restarted server):
        # what it read predates the rotation this process now owes. Don't use it.
        with contextlib.suppress(CacheUnavailable):
            rotate()
        return None
    return raw


def is_current(nonce: str | None, generations: Iterable[str | None], entry: Any) -> bool:
    """Is `entry` (decoded) stamped with exactly this nonce and these generations?"""
    gens = list(generations)
    return bool(nonce) and all(gens) and isinstance(entry, dict) and entry.get("s") == [nonce, *gens]


StoreItem = tuple[tuple[str, ...], tuple[str | None, ...], str, Any]


def store(nonce: str | None, items: list[StoreItem]) -> None:
    """Store values read from PostgreSQL after a miss: items are (generation keys, the
    generations seen at lookup (None: missing), entry key, JSON value); each entry is stamped
    [nonce, *generations].

    Missing generations are created (SET NX) in one round trip. A create that fails means a
    bump (or another reader) got there first and the read may predate it: nothing is stored
    for that entry. At most three round trips (nonce, generations, entries); cache trouble
    stores nothing.

    A value of None means "absent" (a subject that does not exist). It is stored only under
    generations that exist already (a deletion bumps, and so creates, them): a read of
    something that never existed creates no key at all, so requests for random ids cannot
    fill the cache. Generations are created by writes, and by reads of what exists.
    """
    items = [item for item in items if item[3] is not None or all(item[1])]
    if not items:
        return
    try:
        if not nonce:
            fresh = token()  # after a flush or restart: a new namespace (never expires)
            if not guarded.add(NONCE_KEY, fresh, None):
                return  # someone else created it meanwhile: store next time
            nonce = fresh
        created = {
            gen_key: token()
            for gen_keys, gens, _key, _value in items
            for gen_key, gen in zip(gen_keys, gens, strict=True)
            if not gen
        }
        added = guarded.add_many(created, generation_ttl()) if created else set()
        entries = {}
        for gen_keys, gens, key, value in items:
            stamp = [
                gen or (created[gen_key] if gen_key in added else None)
                for gen_key, gen in zip(gen_keys, gens, strict=True)
            ]
            if all(stamp):
                entries[key] = {"s": [nonce, *stamp], "v": value}
        if entries:
            guarded.set_many(entries, entry_ttl())
    except CacheUnavailable:
        pass


def read_through(
    key: str,
    generation_keys: tuple[str, ...],
    compute: Callable[[], Any],
    raw: list[bytes | None] | None = None,
    cacheable: Callable[[Any], bool] | None = None,
    until: Callable[[Any], float | None] | None = None,
) -> tuple[Any, str]:
    """The value under `key` if its stamp is current (and not past `until`), else
    `compute()` (stored): returns (value, "hit" | "miss" | "bypass").

    `until` is for values that go stale with time and no write (a page whose pending
    request expires at a known instant): `until(value)` is that instant (epoch seconds;
    None: never), from which a current entry is a miss. A hit tells the request's
    recording (recording.py) when it goes stale.

    `raw` is what an earlier round trip already read for [NONCE_KEY, *generation_keys, key]
    (the read-along of a request, see permissions/store.py); without it the lookup is one
    round trip of its own. `compute` returns JSON-compatible data; an exception from it
    propagates and nothing is stored, nor is a value `cacheable` refuses (an answer anyone
    can make up, such as an empty page, would only fill the cache).
    """
    if raw is None:
        raw = read([NONCE_KEY, *generation_keys, key])
    if raw is None:
        return compute(), "bypass"
    nonce, *gens, entry = (None if value is None else _loads(value) for value in raw)
    if is_current(nonce, gens, entry):
        value = cast(dict[str, Any], entry)["v"]
        stale_at = None if until is None else until(value)
        if stale_at is None or time.time() < stale_at:
            recorded = recording.current()
            if recorded is not None:
                recorded.expires(stale_at)
            return value, "hit"
    value = compute()
    if cacheable is None or cacheable(value):
        store(nonce, [(generation_keys, tuple(gens), key, value)])
    return value, "miss"


# --- Bumping: one buffer per transaction, one round trip on commit ---------------------------


def send_bumps(keys: Iterable[str]) -> None:
    """Give each generation key a fresh token now, in one round trip; remember a failure."""
    keys = sorted(set(keys))
    if not keys:
        return
    try:
        if fenced():
            if guarded.set_many_then_get({key: token() for key in keys}, generation_ttl(), FENCE_KEY):
                # Lost with the former primary: the rotation on the new one, before the
                # response, stands for it.
                _leave_former_primary("bump")
        else:
            guarded.set_many({key: token() for key in keys}, generation_ttl())
    except CacheUnavailable:
        # Another process may still trust the old generations: rotate the whole namespace
        # before this process trusts the cache again (see `read`).
        on_cache_trouble("bump not delivered")
        if guarded.last_failure_refused and _delete_instead(keys):
            # Other processes still read this server: the deletion reached them at once.
            logger.warning("cache bump delivered as a deletion (%d keys): Redis refused the write", len(keys))
        else:
            logger.warning("cache bump not delivered (%d keys); rotation pending", len(keys))


def _delete_instead(keys: list[str]) -> bool:
    """Deliver a bump (or a rotation) that the server refused to write, as a deletion.

    A Redis out of memory under `noeviction` refuses every write but goes on serving reads
    and deletions: other processes would keep reading the old generations. A deleted
    generation (or nonce) is a miss for every process, and while memory is short it cannot
    be created again (SET NX is refused too); once it is, it gets a fresh token. Only tried
    when the server has just answered, so it never waits on a dead one.
    """
    try:
        guarded.delete_many_now(keys)
    except Exception as exc:
        logger.warning("cache deletion failed too: %s", type(exc).__name__)
        return False
    return True


class _BumpBuffer:
    """The generation keys a transaction bumps; sent once, by the first of its callbacks.

    `resolvers` name keys that can only be worked out once the transaction has committed
    (`bump_resolved`): they are called then, before the keys leave."""

    def __init__(self) -> None:
        self.keys: set[str] = set()
        self.resolvers: list[Callable[[], Iterable[str]]] = []

    def __call__(self) -> None:
        keys, self.keys = self.keys, set()
        resolvers, self.resolvers = self.resolvers, []
        send_bumps(keys | _resolve(resolvers))


def _resolve(resolvers: list[Callable[[], Iterable[str]]]) -> set[str]:
    """The keys `resolvers` name. One that fails (the database went away after the commit)
    leaves keys unknown: the namespace is rotated instead, before the response is sent."""
    keys: set[str] = set()
    for resolve in resolvers:
        try:
            keys.update(resolve())
        except Exception as exc:
            logger.warning("cache bump keys not resolved (%s): rotating the namespace", type(exc).__name__)
            try:
                rotate()
            except CacheUnavailable:
                on_cache_trouble("bump keys not resolved")
            return keys
    return keys


def _transaction_marker(connection: Any) -> str | None:
    """The savepoint id that opened the application's outermost atomic block, "" when that
    block is the database transaction itself, None when it cannot be told.

    A test case wraps each test in atomic blocks of its own (`_from_testcase`) whose commit
    never comes; the application's transaction is then the first block inside them.
    """
    for depth, block in enumerate(connection.atomic_blocks):
        if not getattr(block, "_from_testcase", False):
            return "" if depth == 0 else connection.savepoint_ids[depth - 1]
    return None


def bump(keys: Iterable[str]) -> None:
    """Bump `keys` when the current transaction commits (at once outside a transaction).

    Every bump of one transaction joins one buffer, sent in one round trip by its on-commit
    callback. Keys only join the buffer of a callback that is still registered: a callback
    is removed only by the rollback of a savepoint that was open when it was registered,
    and a key joining later is written inside that savepoint too, so nothing that commits is
    ever left unbumped (a rolled-back write's bump may still go out: an extra bump only
    costs a miss).
    """
    keys = set(keys)
    if not keys:
        return
    buffer = _buffer()
    if buffer is None:
        send_bumps(keys)
    else:
        buffer.keys |= keys


def bump_resolved(resolve: Callable[[], Iterable[str]]) -> None:
    """Bump the keys `resolve()` returns once the current transaction has committed (at once
    outside a transaction), in the same round trip as its other bumps.

    For keys that depend on rows other transactions may change concurrently (who acts for a
    boxer): read after the commit, they include every relation committed before it, so a
    reader that saw one of them is bumped. Called before the response is sent."""
    buffer = _buffer()
    if buffer is None:
        send_bumps(_resolve([resolve]))
    else:
        buffer.resolvers.append(resolve)


def _buffer() -> "_BumpBuffer | None":
    """The current transaction's bump buffer (registered on first use), None outside one."""
    connection = transaction.get_connection()
    if not connection.in_atomic_block:
        return None
    marker = _transaction_marker(connection)
    if marker is not None:
        for savepoints, callback, *_ in connection.run_on_commit:
            if isinstance(callback, _BumpBuffer) and (marker == "" or marker in savepoints):
                return callback
    buffer = _BumpBuffer()
    transaction.on_commit(buffer)
    return buffer
