"""`manage.py permissions_cache stats|rotate|explain`."""

import json
import os
import subprocess
import sys
from io import StringIO

import pytest
from django.core.cache import caches
from django.core.management import CommandError, call_command

from boxerconnect.cache import keys as cache_keys
from boxers import readmodels
from permissions.actions import Action
from permissions.checker import Authorizer
from tests.accounts.factories import CoachFactory, UserFactory
from tests.boxers.factories import BoxerFactory, CoachLinkFactory
from tests.clubs.factories import ClubFactory, MembershipRequestFactory
from tests.support.counting import event_count, read_event_count

pytestmark = pytest.mark.django_db


def run(*args) -> str:
    out = StringIO()
    call_command("permissions_cache", *args, stdout=out)
    return out.getvalue()


@pytest.fixture
def linked():
    coach = CoachFactory()
    boxer = BoxerFactory(is_searchable=False)
    CoachLinkFactory(coach=coach, boxer=boxer, rights=["manage_fights"])
    return coach, boxer


def test_stats_counts_this_process_events_and_the_namespace_keys(linked, monkeypatch):
    monkeypatch.delenv("PROMETHEUS_MULTIPROC_DIR", raising=False)
    coach, boxer = linked
    before = {e: event_count(e) for e in ("hit", "miss", "bypass")}
    Authorizer(coach.pk).check(Action.BOXER_VIEW, boxer.pk)  # 3 misses, stored
    Authorizer(coach.pk).check(Action.BOXER_VIEW, boxer.pk)  # 3 hits
    reads_before = read_event_count("profile", "hit")
    for _ in range(2):  # a miss (stored), then a hit
        readmodels.profile(boxer.pk, lambda: {"id": 1})

    data = json.loads(run("stats", "--json"))

    assert data["source"] == "this process"
    assert data["events"]["hit"] == before["hit"] + 3
    assert data["events"]["miss"] == before["miss"] + 3
    assert data["read_models"]["profile"]["events"]["hit"] == reads_before + 1
    assert data["redis"]["keys"] == {
        "facts": 3,
        "generations": 3,
        "nonce": 1,
        "read_models": 1,
        "read_generations": 2,  # the boxer's profile and the club names
    }
    assert data["redis"]["server"]["keyspace_hits"] >= 0
    assert data["breaker"] == "closed"
    assert data["rotation_pending"] is False


def test_stats_sums_every_worker_from_the_multiprocess_directory(tmp_path):
    script = (
        "from boxerconnect import metrics\n"
        "metrics.PERMISSION_CACHE_EVENTS.labels('hit').inc(30)\n"
        "metrics.PERMISSION_CACHE_EVENTS.labels('miss').inc(10)\n"
        "metrics.BREAKER_STATE.labels('guarded').set(1)\n"
    )
    env = {**os.environ, "PROMETHEUS_MULTIPROC_DIR": str(tmp_path)}
    for _worker in range(2):
        subprocess.run([sys.executable, "-c", script], env=env, check=True)

    data = json.loads(run("stats", "--json", "--metrics-dir", str(tmp_path)))
    text = run("stats", "--metrics-dir", str(tmp_path))

    assert data["events"] == {"hit": 60, "miss": 20, "bypass": 0}
    assert data["hit_rate"] == 0.75
    assert data["breaker_reported"] == {"guarded": "open"}
    assert "hit rate 75.0%" in text


def test_stats_reports_an_unreachable_redis_instead_of_failing(private_redis):
    private_redis.stop()

    text = run("stats")

    assert "redis: unreachable" in text


def test_rotate_makes_every_cached_fact_a_miss(linked):
    coach, boxer = linked
    Authorizer(coach.pk).check(Action.BOXER_VIEW, boxer.pk)
    nonce = caches["guarded"].get(cache_keys.nonce_key())

    out = run("rotate")
    store = Authorizer(coach.pk)
    store.check(Action.BOXER_VIEW, boxer.pk)

    assert "rotated" in out
    assert caches["guarded"].get(cache_keys.nonce_key()) != nonce
    assert set(store.store.sources.values()) == {"db"}


def test_rotate_fails_loudly_when_redis_is_down(private_redis):
    private_redis.stop()

    with pytest.raises(CommandError, match="unreachable"):
        run("rotate")


def sources(explained: dict) -> dict:
    return {fact["fact"]: fact["source"] for fact in explained["facts"]}


def test_explain_shows_decision_reason_and_where_each_fact_came_from(linked):
    coach, boxer = linked

    cold = json.loads(run("explain", coach.email, "fight.manage", str(boxer.pk), "--json"))
    warm = json.loads(run("explain", str(coach.pk), "fight.manage", str(boxer.pk), "--json"))
    text = run("explain", coach.email.upper(), "boxer.update", str(boxer.pk))

    assert (cold["allowed"], cold["http_status"], cold["reason"]) == (True, 200, "coach with manage_fights")
    assert sources(cold) == {"user": "db", "boxer": "db", "link": "db"}
    assert sources(warm) == {"user": "cache", "boxer": "cache", "link": "cache"}
    link = next(f for f in warm["facts"] if f["fact"] == "link")
    assert link["value"]["rights"] == ["manage_fights"]
    assert text.startswith("DENIED (HTTP 403)")
    assert "link" in text and "from cache" in text


def test_explain_hidden_anonymous_global_and_loaded_objects(linked):
    coach, boxer = linked
    request = MembershipRequestFactory(club=ClubFactory())
    stranger = UserFactory()
    link = boxer.coach_links.get()

    hidden = json.loads(run("explain", stranger.email, "boxer.view", str(boxer.pk), "--json"))
    anonymous = json.loads(run("explain", "anonymous", "boxer.update", str(BoxerFactory().pk), "--json"))
    global_ = json.loads(run("explain", stranger.email, "user.manage", "--json"))
    on_link = json.loads(run("explain", coach.email, "coach_link.respond", str(link.pk), "--json"))
    requester = str(request.user_id)
    on_request = json.loads(run("explain", requester, "membership.cancel", str(request.pk), "--json"))

    assert (hidden["allowed"], hidden["visible"], hidden["http_status"]) == (False, False, 404)
    assert (anonymous["allowed"], anonymous["http_status"]) == (False, 401)
    assert (global_["allowed"], global_["http_status"]) == (False, 403)
    assert (on_link["allowed"], on_link["http_status"]) == (False, 403)
    assert on_request["allowed"] is True


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("nobody@example.com", "boxer.view", "00000000-0000-0000-0000-000000000000"), "no user"),
        (("anonymous", "boxer.fly", "00000000-0000-0000-0000-000000000000"), "unknown action"),
        (("anonymous", "boxer.view"), "give its id"),
        (("anonymous", "boxer.view", "not-a-uuid"), "not a UUID"),
        (("anonymous", "coach_link.view", "00000000-0000-0000-0000-000000000000"), "no coach link"),
    ],
)
def test_explain_rejects_bad_input_with_a_message(args, message):
    with pytest.raises(CommandError, match=message):
        run("explain", *args)
