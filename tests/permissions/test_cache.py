"""The generation-stamped fact cache on a real redis-server: round trips, SQL, staleness."""

import uuid

import pytest
from django.core.cache import caches
from hypothesis import given
from hypothesis import strategies as st

from boxerconnect.cache import keys as cache_keys
from boxerconnect.cache.guarded import guarded
from boxerconnect.cache.stamped import rotate
from boxerconnect.settings import _redis_cache
from boxers.models import Boxer, CoachLink
from permissions.actions import Action
from permissions.checker import Authorizer
from permissions.facts import load_boxer_facts
from permissions.invalidation import invalidate
from permissions.store import FactRef, FactStore
from tests.accounts.factories import CoachFactory
from tests.boxers.factories import BoxerFactory, CoachLinkFactory
from tests.support.counting import Events

pytestmark = [pytest.mark.django_db, pytest.mark.fault]


@pytest.fixture
def coach_and_hidden_boxer():
    coach = CoachFactory()
    boxer = BoxerFactory(is_searchable=False)
    CoachLinkFactory(coach=coach, boxer=boxer, rights=["edit_profile"])
    return coach, boxer


def redis_key(key: str) -> str:
    return caches["guarded"].make_key(key)


def test_a_warm_detail_decision_is_one_mget_and_no_sql(
    private_redis, redis_commands, coach_and_hidden_boxer, django_assert_num_queries
):
    coach, boxer = coach_and_hidden_boxer
    assert Authorizer(coach.pk).check(Action.BOXER_UPDATE, boxer.pk).allowed  # cold: fills

    with redis_commands, Events() as events, django_assert_num_queries(0):
        decision = Authorizer(coach.pk).check(Action.BOXER_UPDATE, boxer.pk)

    assert decision.allowed
    assert redis_commands.count == 1
    assert (events.ok, events.hit, events.miss, events.bypass) == (1, 3, 0, 0)


@pytest.mark.parametrize("size", [1, 10, 100])
def test_a_page_of_boxers_costs_one_round_trip_warm_and_one_query_per_family_cold(
    private_redis, redis_commands, size, django_assert_num_queries
):
    coach = CoachFactory()
    boxers = BoxerFactory.create_batch(size, is_searchable=False)
    for boxer in boxers[::2]:
        CoachLinkFactory(coach=coach, boxer=boxer)
    ids = [b.pk for b in boxers]
    rotate()  # the namespace nonce exists (its creation on first use would be one more trip)

    # Cold: user (row + owned clubs), boxers and links, each one batched query.
    with Events() as cold, django_assert_num_queries(4):
        Authorizer(coach.pk).prefetch(Action.BOXER_VIEW, ids)
    # Warm: one MGET, no SQL, and the per-object checks then cost nothing more.
    authorizer = Authorizer(coach.pk)
    with redis_commands, Events() as warm, django_assert_num_queries(0):
        authorizer.prefetch(Action.BOXER_VIEW, ids)
        visible = [authorizer.check(Action.BOXER_VIEW, pk).visible for pk in ids]

    assert cold.miss == 1 + 2 * size
    assert cold.ok == 3  # lookup, create generations, store: whatever the size
    assert redis_commands.count == 1
    assert (warm.ok, warm.hit, warm.miss) == (1, 1 + 2 * size, 0)
    assert visible == [i % 2 == 0 for i in range(size)]


def test_first_call_reads_the_database_repeat_reads_nothing_and_a_committed_write_is_seen_at_once(
    private_redis, django_assert_num_queries, django_capture_on_commit_callbacks
):
    boxer = BoxerFactory()
    with django_assert_num_queries(1):
        first = Authorizer(None).check(Action.BOXER_VIEW, boxer.pk)
    with django_assert_num_queries(0):
        repeat = Authorizer(None).check(Action.BOXER_VIEW, boxer.pk)

    with django_capture_on_commit_callbacks(execute=True):
        Boxer.objects.filter(pk=boxer.pk).update(is_searchable=False)
        invalidate(boxers=[boxer.pk])
    with django_assert_num_queries(1):
        after = Authorizer(None).check(Action.BOXER_VIEW, boxer.pk)

    assert first.allowed and repeat.allowed
    assert not after.visible


@pytest.mark.parametrize("kind", ["locmem", "compressed redis"])
def test_a_cache_that_cannot_be_read_raw_serves_the_same_hits_and_sees_writes(
    private_redis, settings, kind, coach_and_hidden_boxer, django_capture_on_commit_callbacks
):
    # Raw reads need plain-JSON django-redis; every other cache goes through its get_many.
    if kind == "locmem":
        other = {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "raw-test"}
    else:
        other = _redis_cache(private_redis.url, ignore_exceptions=False)
        other["OPTIONS"]["COMPRESSOR"] = "django_redis.compressors.zlib.ZlibCompressor"
    settings.CACHES = {**settings.CACHES, "guarded": other}
    coach, boxer = coach_and_hidden_boxer
    Authorizer(coach.pk).check(Action.BOXER_UPDATE, boxer.pk)

    with Events() as warm:
        before = Authorizer(coach.pk).check(Action.BOXER_UPDATE, boxer.pk)
    with django_capture_on_commit_callbacks(execute=True):
        CoachLink.objects.filter(coach=coach, boxer=boxer).update(rights=[])
        invalidate(links=[(coach.pk, boxer.pk)])
    after = Authorizer(coach.pk).check(Action.BOXER_UPDATE, boxer.pk)

    assert guarded.get_many_raw([cache_keys.nonce_key()]) is None  # (the other path indeed)
    assert (warm.ok, warm.hit, warm.miss) == (1, 3, 0)
    assert before.allowed and not after.allowed


def test_a_write_is_not_seen_until_its_transaction_commits(private_redis, django_capture_on_commit_callbacks):
    boxer = BoxerFactory()
    Authorizer(None).check(Action.BOXER_VIEW, boxer.pk)

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        Boxer.objects.filter(pk=boxer.pk).update(is_searchable=False)
        invalidate(boxers=[boxer.pk])
        before_commit = Authorizer(None).check(Action.BOXER_VIEW, boxer.pk)
    for callback in callbacks:
        callback()
    after_commit = Authorizer(None).check(Action.BOXER_VIEW, boxer.pk)

    assert len(callbacks) == 1
    assert before_commit.allowed  # the cached fact still rules until the bump
    assert not after_commit.visible


def forged_boxer_entry(boxer, stamp):
    """A cached BoxerFact claiming the hidden profile is public, under `stamp`."""
    fact = load_boxer_facts([(str(boxer.pk),)])[(str(boxer.pk),)]
    return {"s": stamp, "v": {**fact.to_json(), "is_searchable": True}}


def test_an_entry_with_a_stale_stamp_is_a_miss_and_a_current_one_a_hit(private_redis):
    boxer = BoxerFactory(is_searchable=False)
    Authorizer(None).check(Action.BOXER_VIEW, boxer.pk)  # creates nonce and generation
    guarded = caches["guarded"]
    nonce = guarded.get(cache_keys.nonce_key())
    gen = guarded.get(FactRef.boxer(boxer.pk).gen_key)

    stale = []
    for stamp in ([nonce, "0" * 16], ["0" * 16, gen], [gen, nonce], [nonce], "junk"):
        guarded.set(FactRef.boxer(boxer.pk).fact_key, forged_boxer_entry(boxer, stamp))
        stale.append(Authorizer(None).check(Action.BOXER_VIEW, boxer.pk).visible)
    guarded.set(FactRef.boxer(boxer.pk).fact_key, forged_boxer_entry(boxer, [nonce, gen]))
    current = Authorizer(None).check(Action.BOXER_VIEW, boxer.pk)

    assert stale == [False] * 5
    assert current.visible  # proves the forged value is read when its stamp matches


def test_a_fact_decoded_before_is_reused_only_for_the_very_same_bytes(
    private_redis, django_assert_num_queries
):
    boxer = BoxerFactory(is_searchable=False)
    Authorizer(None).check(Action.BOXER_VIEW, boxer.pk)
    backend = caches["guarded"]
    nonce = backend.get(cache_keys.nonce_key())
    gen = backend.get(FactRef.boxer(boxer.pk).gen_key)
    hidden = [Authorizer(None).check(Action.BOXER_VIEW, boxer.pk).visible for _ in range(2)]  # memoised

    backend.set(FactRef.boxer(boxer.pk).fact_key, forged_boxer_entry(boxer, [nonce, gen]))
    with django_assert_num_queries(0):
        forged = Authorizer(None).check(Action.BOXER_VIEW, boxer.pk)

    assert hidden == [False, False]
    assert forged.visible  # same stamp, other bytes: decoded again, not served from the memo


def test_an_absent_fact_is_cached_once_a_write_made_its_generation(
    private_redis, django_assert_num_queries, django_capture_on_commit_callbacks
):
    """A deleted profile (its deletion bumped, and so created, its generation) is cached as
    absent: a hit, not a miss, and distinguishable from one."""
    boxer = BoxerFactory()
    with django_capture_on_commit_callbacks(execute=True):
        Boxer.objects.filter(pk=boxer.pk).first().delete()
    with django_assert_num_queries(1):
        cold = Authorizer(None).check(Action.BOXER_VIEW, boxer.pk)

    with Events() as events, django_assert_num_queries(0):
        warm = Authorizer(None).check(Action.BOXER_VIEW, boxer.pk)

    entry = caches["guarded"].get(FactRef.boxer(boxer.pk).fact_key)
    assert not cold.visible and not warm.visible
    assert entry["v"] is None and len(entry["s"]) == 2
    assert (events.hit, events.miss) == (1, 0)


def test_reading_what_never_existed_creates_no_key(private_redis, django_assert_num_queries):
    """Generations are created by writes (and reads of what exists), never by a read of an id
    nobody wrote: a flood of random ids leaves nothing behind. Each such read is a miss."""
    coach = CoachFactory()
    Authorizer(coach.pk).check(Action.BOXER_VIEW, BoxerFactory().pk)  # the coach's own fact, stored
    server = private_redis.client()
    keys_before = server.dbsize()
    missing = [uuid.uuid4() for _ in range(20)]

    for boxer_id in missing:
        with Events() as events, django_assert_num_queries(2):  # the boxer and the (coach, boxer) link
            decision = Authorizer(coach.pk).check(Action.BOXER_UPDATE, boxer_id)
        assert not decision.visible
        assert (events.hit, events.miss) == (1, 2)  # the coach's fact is a hit; nothing else stored

    assert server.dbsize() == keys_before
    for boxer_id in missing:
        for ref in (FactRef.boxer(boxer_id), FactRef.link(coach.pk, boxer_id)):
            assert caches["guarded"].get(ref.gen_key) is None
            assert caches["guarded"].get(ref.fact_key) is None


def test_flushall_cannot_revive_entries_restored_from_before_it(private_redis, django_assert_num_queries):
    coach = CoachFactory()
    boxer = BoxerFactory(is_searchable=False)
    link = CoachLinkFactory(coach=coach, boxer=boxer)
    assert Authorizer(coach.pk).check(Action.BOXER_VIEW, boxer.pk).allowed
    raw = private_redis.client()
    keys = [
        redis_key(k)
        for k in (
            FactRef.link(coach.pk, boxer.pk).fact_key,
            FactRef.link(coach.pk, boxer.pk).gen_key,
            FactRef.user(coach.pk).fact_key,
            FactRef.user(coach.pk).gen_key,
            FactRef.boxer(boxer.pk).fact_key,
            FactRef.boxer(boxer.pk).gen_key,
        )
    ]
    dumps = {key: raw.dump(key) for key in keys}

    # The link goes away while its bump is lost with the flushed data; an old snapshot of
    # every fact and generation (but not the namespace nonce) comes back.
    link.delete()
    raw.flushall()
    for key, data in dumps.items():
        raw.restore(key, 0, data)
    decision = Authorizer(coach.pk).check(Action.BOXER_VIEW, boxer.pk)

    assert all(raw.exists(key) for key in keys)
    assert not decision.visible


def test_a_restarted_redis_serves_fresh_facts_and_is_used_again(private_redis, django_assert_num_queries):
    boxer = BoxerFactory()
    Authorizer(None).check(Action.BOXER_VIEW, boxer.pk)
    Boxer.objects.filter(pk=boxer.pk).update(is_searchable=False)  # no bump: the restart loses it anyway

    private_redis.stop()
    private_redis.start()
    after_restart = [Authorizer(None).check(Action.BOXER_VIEW, boxer.pk).visible for _ in range(3)]
    with django_assert_num_queries(0):
        warm = Authorizer(None).check(Action.BOXER_VIEW, boxer.pk)

    assert after_restart == [False, False, False]
    assert not warm.visible


def test_rotate_is_one_command_and_invalidates_every_fact(
    private_redis, redis_commands, coach_and_hidden_boxer, django_assert_num_queries
):
    coach, boxer = coach_and_hidden_boxer
    Authorizer(coach.pk).check(Action.BOXER_VIEW, boxer.pk)

    with redis_commands:
        rotate()
    with Events() as events:
        Authorizer(coach.pk).check(Action.BOXER_VIEW, boxer.pk)

    assert redis_commands.count == 1
    assert (events.hit, events.miss) == (0, 3)


def test_invalidate_is_one_round_trip_on_commit_whatever_the_count(
    private_redis, redis_commands, django_capture_on_commit_callbacks
):
    ids = [uuid.uuid4() for _ in range(50)]

    with redis_commands, Events() as events, django_capture_on_commit_callbacks(execute=True):
        invalidate(users=ids, boxers=ids, clubs=ids, links=[(i, i) for i in ids])

    assert events.ok == 1
    assert redis_commands.count >= 200  # MULTI, 200 SETs, EXEC: one pipeline


def test_a_memoised_fact_costs_nothing_within_one_request(private_redis, redis_commands):
    boxer = BoxerFactory()
    store = FactStore()
    authorizer = Authorizer(None, store)
    authorizer.check(Action.BOXER_VIEW, boxer.pk)

    with redis_commands:
        for action in (Action.BOXER_VIEW, Action.BOXER_UPDATE, Action.FIGHT_MANAGE):
            authorizer.check(action, boxer.pk)

    assert redis_commands.count == 0
    assert store.sources == {FactRef.boxer(boxer.pk): "db"}


# --- Key injectivity --------------------------------------------------------------------

refs = st.one_of(
    st.builds(FactRef.user, st.uuids()),
    st.builds(FactRef.boxer, st.uuids()),
    st.builds(FactRef.club, st.uuids()),
    st.builds(FactRef.link, st.uuids(), st.uuids()),
)


@given(st.lists(refs, min_size=2, max_size=40))
def test_distinct_facts_never_share_a_key(facts):
    distinct = set(facts)

    keys = {ref.fact_key for ref in distinct} | {ref.gen_key for ref in distinct} | {cache_keys.nonce_key()}

    assert len(keys) == 2 * len(distinct) + 1


@given(
    st.lists(refs, min_size=1, max_size=20),
    st.sets(st.uuids(), max_size=20),
    st.sets(st.tuples(st.text(), st.dates().map(str), st.text()), max_size=20),
)
def test_read_model_keys_never_share_a_key_with_each_other_or_a_fact(facts, boxers, pages):
    keys = [cache_keys.profile_key(b) for b in boxers] + [
        cache_keys.profile_generation_key(b) for b in boxers
    ]
    keys += [cache_keys.directory_page_key(*page) for page in pages]
    keys += [cache_keys.DIRECTORY_GEN_KEY, cache_keys.CLUBS_GEN_KEY]
    # The own accounts of the same ids (a user id is never a boxer id, but keys must not rely on it)
    keys += [cache_keys.account_key(b) for b in boxers]
    keys += [cache_keys.account_generation_key(b) for b in boxers]
    keys += [ref.fact_key for ref in set(facts)] + [ref.gen_key for ref in set(facts)]
    keys.append(cache_keys.nonce_key())

    assert len(set(keys)) == len(keys)


@given(st.uuids(), st.uuids())
def test_every_spelling_of_an_id_names_the_same_fact(a, b):
    spellings = [a, str(a), str(a).upper(), a.hex]

    assert len({FactRef.link(s, b).fact_key for s in spellings}) == 1
    assert len({FactRef.user(s).gen_key for s in spellings}) == 1
    assert FactRef.link(a, b).fact_key != FactRef.link(b, a).fact_key or a == b
    assert len({cache_keys.profile_key(s) for s in spellings}) == 1
    assert len({cache_keys.profile_generation_key(s) for s in spellings}) == 1
    assert len({cache_keys.account_key(s) for s in spellings}) == 1
    assert len({cache_keys.account_generation_key(s) for s in spellings}) == 1
