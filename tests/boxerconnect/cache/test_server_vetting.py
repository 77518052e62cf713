"""A Redis server instance is vetted on first contact: a restart from a snapshot (or a failover
to a replica that missed writes) cannot serve facts cached before it, to any process."""

import pytest
from django.core.cache import caches

from boxerconnect.cache import keys as cache_keys
from boxerconnect.cache import stamped
from boxerconnect.cache.keys import adopted_key
from boxers.services import coach_link_remove
from permissions.actions import Action
from permissions.checker import Authorizer
from tests.boxers.factories import BoxerFactory, CoachLinkFactory

pytestmark = [pytest.mark.django_db, pytest.mark.fault]


def nonce(redis) -> bytes | None:
    return redis.get(caches["guarded"].make_key(cache_keys.NONCE_KEY))


def test_a_revoke_lost_while_redis_was_down_is_not_served_from_its_snapshot(
    private_redis, django_capture_on_commit_callbacks
):
    link = CoachLinkFactory(boxer=BoxerFactory(is_searchable=False), rights=["edit_profile"])
    coach, boxer = link.coach, link.boxer
    assert Authorizer(coach.pk).check(Action.BOXER_UPDATE, boxer.pk).allowed  # grant now cached
    redis = private_redis.client()
    redis.save()
    before = nonce(redis)
    private_redis.stop()
    with django_capture_on_commit_callbacks(execute=True):
        coach_link_remove(link=link)  # committed; its generation bump cannot be delivered
    # Forget that this process saw the outage: it now stands for any other process, which
    # never learned that a bump was lost.
    stamped.reset_process_state()

    private_redis.start()  # restored from the snapshot: the old grant, under a live stamp
    decision = Authorizer(coach.pk).check(Action.BOXER_UPDATE, boxer.pk)

    assert not decision.allowed
    assert not decision.visible  # the hidden profile is no longer the coach's to see
    assert nonce(redis) != before
    assert redis.get(adopted_key(caches["guarded"].key_prefix)).decode() == redis.info("server")["run_id"]


def test_connections_to_an_adopted_server_do_not_rotate_the_namespace(private_redis):
    link = CoachLinkFactory(rights=["edit_profile"])
    Authorizer(link.coach.pk).check(Action.BOXER_UPDATE, link.boxer.pk)
    redis = private_redis.client()
    before = nonce(redis)
    redis.client_kill_filter(_type="normal", skipme=True)  # every app connection drops

    Authorizer(link.coach.pk).check(Action.BOXER_UPDATE, link.boxer.pk)
    Authorizer(link.coach.pk).check(Action.BOXER_UPDATE, link.boxer.pk)

    # A reconnect to the same server instance is announced (one rotation), not re-vetted
    # on every new connection: the namespace then stays put.
    after_reconnect = nonce(redis)
    Authorizer(link.coach.pk).check(Action.BOXER_UPDATE, link.boxer.pk)
    assert nonce(redis) == after_reconnect
    assert redis.get(adopted_key(caches["guarded"].key_prefix)).decode() == redis.info("server")["run_id"]
    assert before is not None
