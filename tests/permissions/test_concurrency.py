"""Races on committed data: a reader delayed between its read and its store, and a cold
stampede of threads on one fact (single-flight)."""

import threading

import pytest
from django.db import connection, connections, transaction
from django.test.utils import CaptureQueriesContext

from boxerconnect.cache import stamped
from boxers.models import Boxer, CoachLink
from permissions import store as fact_store
from permissions.actions import Action
from permissions.checker import Authorizer
from permissions.invalidation import invalidate
from permissions.store import FactRef
from tests.accounts.factories import CoachFactory
from tests.boxers.factories import BoxerFactory, CoachLinkFactory

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.fault]


class PausedReads:
    """Instruments `load_facts` (the real one runs) so a reader stops after its DB read."""

    def __init__(self, monkeypatch) -> None:
        self.read_done = threading.Event()
        self.proceed = threading.Event()
        real = fact_store.load_facts

        def paused(refs):
            result = real(refs)
            self.read_done.set()
            assert self.proceed.wait(10)
            return result

        monkeypatch.setattr(fact_store, "load_facts", paused)


def in_thread(fn):
    box = {}

    def run():
        try:
            box["value"] = fn()
        except BaseException as exc:  # surfaced by the caller
            box["error"] = exc
        finally:
            connections.close_all()

    thread = threading.Thread(target=run)
    thread.start()
    return thread, box


def revoke_link(coach, boxer):
    with transaction.atomic():
        CoachLink.objects.filter(coach=coach, boxer=boxer).delete()
        invalidate(links=[(coach.pk, boxer.pk)])


@pytest.mark.parametrize("warm_generation", [True, False], ids=["generation exists", "first read ever"])
def test_a_reader_delayed_past_a_revoke_stores_only_under_a_dead_generation(
    private_redis, monkeypatch, warm_generation
):
    coach = CoachFactory()
    boxer = BoxerFactory(is_searchable=False)
    CoachLinkFactory(coach=coach, boxer=boxer)
    if warm_generation:
        assert Authorizer(coach.pk).check(Action.BOXER_VIEW, boxer.pk).allowed
        stamped.send_bumps([FactRef.link(coach.pk, boxer.pk).gen_key])  # its entry is now stale
    pauses = PausedReads(monkeypatch)

    # The reader looks up, reads the active link from PostgreSQL and stalls; the revoke
    # commits and bumps; then the reader stores what it read.
    thread, box = in_thread(lambda: Authorizer(coach.pk).check(Action.BOXER_VIEW, boxer.pk))
    assert pauses.read_done.wait(10)
    revoke_link(coach, boxer)
    pauses.proceed.set()
    thread.join(10)
    monkeypatch.undo()
    later = [Authorizer(coach.pk).check(Action.BOXER_VIEW, boxer.pk) for _ in range(5)]

    assert "error" not in box
    assert box["value"].allowed  # started before the revoke: may still see the old answer
    assert [d.visible for d in later] == [False] * 5  # 0 stale allows after it


def test_a_cold_stampede_on_one_fact_reads_it_once(private_redis, monkeypatch):
    boxer = BoxerFactory()
    stamped.rotate()  # steady state: the namespace nonce exists (without one nobody shares)
    threads = 8
    waiting = threading.Semaphore(0)

    class CountedEvent(threading.Event):
        def wait(self, timeout=None):
            waiting.release()  # one follower joined the leader's flight
            return super().wait(timeout)

    class Flight(fact_store._Flight):
        def __init__(self):
            super().__init__()
            self.done = CountedEvent()

    monkeypatch.setattr(fact_store, "_Flight", Flight)
    pauses = PausedReads(monkeypatch)
    start = threading.Barrier(threads)
    counts = []

    def check():
        start.wait()
        with CaptureQueriesContext(connection) as queries:
            decision = Authorizer(None).check(Action.BOXER_VIEW, boxer.pk)
        counts.append(len(queries))
        return decision

    started = [in_thread(check) for _ in range(threads)]
    assert pauses.read_done.wait(10)  # the leader has read and is held
    for _ in range(threads - 1):
        assert waiting.acquire(timeout=10)  # every other thread waits on its flight
    pauses.proceed.set()
    for thread, _box in started:
        thread.join(10)

    assert all(box["value"].allowed for _t, box in started)
    assert sorted(counts) == [0] * (threads - 1) + [1]


def test_without_a_cache_that_keeps_stamps_reads_are_never_shared(monkeypatch, settings):
    settings.CACHES = {
        alias: {"BACKEND": "django.core.cache.backends.dummy.DummyCache"} for alias in ("default", "guarded")
    }
    boxer = BoxerFactory()
    pauses = PausedReads(monkeypatch)

    # The first reader is held after its read; a check starting after a revoke must not
    # join it (the dummy cache never shows the bump, so the stamp cannot tell them apart).
    first, first_box = in_thread(lambda: Authorizer(None).check(Action.BOXER_VIEW, boxer.pk))
    assert pauses.read_done.wait(10)
    Boxer.objects.filter(pk=boxer.pk).update(is_searchable=False)
    pauses.proceed.set()
    second = Authorizer(None).check(Action.BOXER_VIEW, boxer.pk)
    first.join(10)

    assert first_box["value"].allowed
    assert not second.visible
