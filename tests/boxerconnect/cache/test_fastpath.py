"""The hot read path: one MGET on a connection each thread keeps (boxerconnect/cache/fastpath.py).

It bypasses django-redis's client for speed, so these tests hold it to the same results:
what django-redis wrote reads back identically, replies never cross threads, processes or
commands, and a connection that failed mid-command is never reused.
"""

import os
import threading

import pytest
from django.core.cache import caches

from boxerconnect.cache.guarded import CacheUnavailable, guarded
from boxerconnect.settings import _redis_cache
from tests.support.counting import Events

pytestmark = [pytest.mark.fault]

VALUES = {
    "perm:t:int": 42,
    "perm:t:negative": -7,
    "perm:t:digits": "12345",  # a string of digits stays a string
    "perm:t:text": "nonce-ünïcode",
    "perm:t:dict": {"s": ["a", "b"], "v": {"rights": ["edit_profile"], "ok": True, "n": None}},
    "perm:t:list": [1, "two", False],
    "perm:t:bool": True,
    "perm:t:float": 1.5,
    "perm:t:none": None,
}


def test_it_reads_back_exactly_what_django_redis_wrote(private_redis, redis_commands):
    backend = caches["guarded"]
    backend.set_many(VALUES, timeout=60)
    keys = [*VALUES, "perm:t:missing"]

    with redis_commands:
        fast = guarded.get_many(keys)

    assert redis_commands.count == 1
    assert fast == backend.get_many(keys) == VALUES  # missing keys are left out, as Django does
    assert [type(fast[k]) for k in VALUES] == [type(v) for v in VALUES.values()]


def test_a_compressed_cache_reads_through_django_redis_instead(private_redis, settings):
    compressed = _redis_cache(private_redis.url, ignore_exceptions=False)
    compressed["OPTIONS"]["COMPRESSOR"] = "django_redis.compressors.zlib.ZlibCompressor"
    settings.CACHES = {**settings.CACHES, "guarded": compressed}
    caches["guarded"].set_many({"perm:t:big": "x" * 5000, "perm:t:int": 3}, timeout=60)

    assert guarded.get_many(["perm:t:big", "perm:t:int"]) == {"perm:t:big": "x" * 5000, "perm:t:int": 3}


def test_threads_each_get_their_own_replies(private_redis, settings):
    # 16 threads each keep a connection: a budget for them (the default is sized for
    # GUNICORN_THREADS, see test_redis_budget.py).
    settings.CACHES["guarded"]["OPTIONS"]["CONNECTION_POOL_KWARGS"]["max_connections"] = 40
    caches["guarded"].set_many({f"perm:t:{i}": i for i in range(16)}, timeout=60)
    admin = private_redis.client()
    while_all_held = []
    all_connected = threading.Barrier(16, action=lambda: while_all_held.append(admin.info("clients")))
    wrong: list[tuple[int, dict]] = []

    def reader(i: int) -> None:
        for n in range(200):
            got = guarded.get_many([f"perm:t:{i}", f"perm:t:{(i + 1) % 16}"])
            if got != {f"perm:t:{i}": i, f"perm:t:{(i + 1) % 16}": (i + 1) % 16}:
                wrong.append((i, got))
            if n == 0:
                all_connected.wait(timeout=30)

    threads = [threading.Thread(target=reader, args=(i,)) for i in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert wrong == []
    # While all 16 threads were mid-loop, each held a connection of its own (+1: `admin`).
    assert while_all_held[0]["connected_clients"] >= 17


def test_short_lived_threads_hand_their_connection_back_to_the_pool(private_redis):
    caches["guarded"].set("perm:t:x", "x", timeout=60)
    stats = private_redis.client()
    before = stats.info("stats")["total_connections_received"]
    results = []

    for _ in range(30):  # one after another, like runserver's thread per request
        thread = threading.Thread(target=lambda: results.append(guarded.get_many(["perm:t:x"])))
        thread.start()
        thread.join()

    assert results == [{"perm:t:x": "x"}] * 30
    # The first thread connects; each later one reuses that pooled connection (+1: `stats`).
    assert stats.info("stats")["total_connections_received"] - before <= 3


def test_a_connection_that_timed_out_is_dropped_so_its_late_reply_is_never_read(private_redis, settings):
    caches["guarded"].set_many({"perm:t:first": "first", "perm:t:second": "second"}, timeout=60)
    guarded.get_many(["perm:t:first"])  # the thread's connection is established
    held = guarded._local.held.connection

    private_redis.freeze()
    with pytest.raises(CacheUnavailable):
        guarded.get_many(["perm:t:first"])  # times out; the server answers once thawed
    private_redis.thaw()
    second = guarded.get_many(["perm:t:second"])

    assert second == {"perm:t:second": "second"}  # not the late reply to the first MGET
    assert guarded._local.held.connection is held  # same object, reconnected (and vetted again)
    assert private_redis.client().info("stats")["total_connections_received"] >= 3


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork()")
def test_a_forked_child_opens_its_own_connection_and_leaves_the_parents_alone(private_redis, redis_commands):
    caches["guarded"].set_many({"perm:t:a": "a", "perm:t:b": "b"}, timeout=60)
    assert guarded.get_many(["perm:t:a"]) == {"perm:t:a": "a"}  # the parent's connection is held
    parent_connection = guarded._local.held.connection
    read_end, write_end = os.pipe()

    pid = os.fork()
    if pid == 0:  # the child (as a gunicorn worker forked from a preloaded master)
        try:
            got = guarded.get_many(["perm:t:b"])
            mine = guarded._local.held.connection
            ok = got == {"perm:t:b": "b"} and mine is not parent_connection and mine.pid == os.getpid()
            os.write(write_end, b"ok" if ok else repr((got, mine.pid)).encode())
        finally:
            os._exit(0)
    os.close(write_end)
    _, status = os.waitpid(pid, 0)
    child_said = os.read(read_end, 1000)
    os.close(read_end)

    with redis_commands:
        after = guarded.get_many(["perm:t:a", "perm:t:b"])

    assert (status, child_said) == (0, b"ok")
    assert after == {"perm:t:a": "a", "perm:t:b": "b"}
    assert guarded._local.held.connection is parent_connection
    assert redis_commands.count == 1


def test_a_connection_killed_while_idle_is_replaced_within_the_same_call(private_redis):
    caches["guarded"].set("perm:t:x", "x", timeout=60)
    guarded.get_many(["perm:t:x"])
    admin = private_redis.client()
    admin.client_kill_filter(_type="normal", skipme=True)  # the held connection dies idle

    with Events() as events:
        got = guarded.get_many(["perm:t:x"])

    assert got == {"perm:t:x": "x"}
    assert (events.ok, events.error) == (1, 0)  # no fallback to the database for this one


def test_a_stopped_server_fails_the_call_once_and_is_used_again_when_back(private_redis):
    guarded.get_many(["perm:t:x"])
    private_redis.stop()

    with Events() as events, pytest.raises(CacheUnavailable):
        guarded.get_many(["perm:t:x"])
    private_redis.start()
    caches["guarded"].set("perm:t:x", "back", timeout=60)
    back = guarded.get_many(["perm:t:x"])

    assert (events.ok, events.error) == (0, 1)
    assert back == {"perm:t:x": "back"}
