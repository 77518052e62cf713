"""The bump buffer (boxerconnect/cache/stamped.py): every bump of a transaction, fact or read
model, leaves in one round trip when it commits; nothing leaves for what rolled back."""

import uuid

import pytest
from django.core.cache import caches
from django.db import transaction

from boxerconnect.cache import keys as cache_keys
from boxerconnect.cache import stamped
from clubs import services as club_services
from permissions.store import FactRef
from tests.accounts.factories import GymOwnerFactory
from tests.boxers.factories import BoxerFactory
from tests.clubs.factories import ClubCoachFactory, ClubFactory
from tests.support.counting import Events

pytestmark = pytest.mark.django_db(transaction=True)


def generations(*keys):
    return [caches["guarded"].get(key) for key in keys]


def test_every_bump_of_a_transaction_leaves_in_one_round_trip_on_commit(private_redis, redis_commands):
    a, b = f"perm:g:user:{uuid.uuid4().hex}", cache_keys.profile_generation_key(uuid.uuid4())
    generations(a)  # the connection is open (and the server adopted) before counting

    with redis_commands, Events() as events, transaction.atomic():
        stamped.bump([a])
        with transaction.atomic():  # a savepoint that commits: joins the same buffer
            stamped.bump([b, cache_keys.DIRECTORY_GEN_KEY])

    assert all(generations(a, b, cache_keys.DIRECTORY_GEN_KEY))
    assert events.ok == 1
    assert redis_commands.count == 5  # MULTI, three SETs, EXEC: one pipeline


def test_nothing_leaves_before_the_commit(private_redis):
    key = f"perm:g:user:{uuid.uuid4().hex}"

    with transaction.atomic():
        stamped.bump([key])
        during = generations(key)

    assert during == [None]
    assert generations(key) != [None]


def test_a_rolled_back_transaction_sends_nothing(private_redis):
    key = f"perm:g:user:{uuid.uuid4().hex}"

    with Events() as events, pytest.raises(RuntimeError), transaction.atomic():
        stamped.bump([key])
        raise RuntimeError

    assert events.ok == 0
    assert generations(key) == [None]


def test_a_bump_after_a_rolled_back_savepoint_still_leaves_on_commit(private_redis):
    inner, outer = (f"perm:g:user:{uuid.uuid4().hex}" for _ in range(2))

    with Events() as events, transaction.atomic():
        with pytest.raises(RuntimeError), transaction.atomic():
            stamped.bump([inner])  # its callback dies with the savepoint
            raise RuntimeError
        stamped.bump([outer])

    assert generations(outer) != [None]
    assert events.ok == 1


def test_outside_a_transaction_a_bump_leaves_at_once(private_redis):
    key = f"perm:g:user:{uuid.uuid4().hex}"

    stamped.bump([key])

    assert generations(key) != [None]


def test_a_club_deletion_bumps_facts_and_read_models_in_one_round_trip(private_redis):
    owner = GymOwnerFactory()
    club = ClubFactory(owner=owner)
    member = BoxerFactory(club=club)
    coach = ClubCoachFactory(club=club).coach
    watched = [
        FactRef.club(club.pk).gen_key,
        FactRef.user(owner.pk).gen_key,
        FactRef.user(coach.pk).gen_key,
        FactRef.user(member.user_id).gen_key,
        FactRef.boxer(member.pk).gen_key,
        cache_keys.CLUBS_GEN_KEY,
        cache_keys.DIRECTORY_GEN_KEY,
    ]
    stamped.send_bumps(watched)
    before = generations(*watched)

    with Events() as events:
        club_services.club_delete(club=club)

    after = generations(*watched)
    assert events.ok == 1  # one write transaction, one round trip of bumps
    assert [old != new for old, new in zip(before, after, strict=True)] == [True] * len(watched)
