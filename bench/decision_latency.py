"""Decision latency of one authorization check, side by side in one run.

Modes (each a fresh per-request FactStore, as in a real request):
  rules only     the pure rule on facts already in memory (no I/O at all)
  bare MGET      MGET of 7 keys on the same server, no decoding: through redis-py's
                 client, and on one held connection (the floor of the warm path)
  warm           Authorizer(actor).check(): one Redis MGET (user + boxer + link facts)
  cold           after `rotate()`: MGET, PostgreSQL reads, generation create, store
  no cache       CACHE_URL=dummycache-like: every fact from PostgreSQL
  guardian       django-guardian ObjectPermissionChecker(user).has_perm on an equivalent
                 object grant (user row already loaded: favours guardian)
and a page of 100 boxers (prefetch + 100 checks) warm and without cache.

Rounds interleave the modes so drift on a shared machine hits them alike. Prints medians,
p90, p99 (µs), queries and Redis round trips per decision, and ratios to `warm`.
Run: make bench-decisions   (or: .venv/bin/python -m bench.decision_latency)
"""

import argparse
import logging
import sys
import time

from bench.common import RedisServer, median, percentile, recreate_database, setup_django


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--scale", type=float, default=1.0, help="multiply iterations per round")
    args = parser.parse_args()

    redis = RedisServer()
    try:
        recreate_database()
        setup_django(redis.url)
        run(args.rounds, args.scale)
    finally:
        redis.stop()


def run(rounds: int, scale: float) -> None:
    logging.getLogger("boxerconnect.cache.stamped").setLevel(logging.WARNING)  # rotate() logs at INFO
    from django.core.management import call_command
    from django.db import connection
    from django.test.utils import CaptureQueriesContext, override_settings
    from guardian.core import ObjectPermissionChecker
    from guardian.shortcuts import assign_perm
    from prometheus_client import REGISTRY

    from accounts.models import User
    from boxerconnect.cache.stamped import rotate
    from boxers.models import Boxer, CoachLink
    from clubs.models import Club
    from permissions.actions import Action
    from permissions.checker import Authorizer
    from permissions.rules import decide_boxer
    from permissions.store import FactRef, FactStore

    call_command("migrate", verbosity=0)
    owner = User.objects.create_user("owner@bench.example", name="Owner", role="gym_owner")
    club = Club.objects.create(name="Bench Club", owner=owner, is_published=True)
    coach = User.objects.create_user("coach@bench.example", name="Coach", role="coach")
    boxers = []
    for i in range(101):
        user = User.objects.create_user(f"boxer{i}@bench.example", name=f"Boxer {i}")
        boxers.append(Boxer.objects.create(user=user, name=f"Boxer {i}", is_searchable=i % 2 == 0, club=club))
    target = boxers[1]  # hidden: only the link makes it visible and editable
    for boxer in boxers:
        CoachLink.objects.create(coach=coach, boxer=boxer, status="active", rights=["edit_profile"])
        assign_perm("boxers.change_boxer", coach, boxer)
    page = [b.pk for b in boxers[:100]]
    dummy = {
        alias: {"BACKEND": "django.core.cache.backends.dummy.DummyCache"} for alias in ("default", "guarded")
    }

    def trips() -> float:
        labels = {"alias": "guarded", "outcome": "ok"}
        return REGISTRY.get_sample_value("cache_round_trips_total", labels) or 0

    warm_store = FactStore()
    Authorizer(coach.pk, warm_store).check(Action.BOXER_UPDATE, target.pk)
    facts = warm_store.get_many(
        [FactRef.user(coach.pk), FactRef.boxer(target.pk), FactRef.link(coach.pk, target.pk)]
    )
    user_f, boxer_f, link_f = facts.values()
    guardian_user = User.objects.get(pk=coach.pk)

    from django.core.cache import caches

    backend = caches["guarded"]
    raw_keys = [backend.make_key(f"perm:bench:{i}") for i in range(7)]

    def redis_mget_only():
        backend.client.get_client(write=False).mget(raw_keys)

    held = backend.client.get_client(write=False).connection_pool.get_connection()

    def held_mget_only():
        held.send_command("MGET", *raw_keys)
        held.read_response()

    def rules_only():
        assert decide_boxer(user_f, Action.BOXER_UPDATE, boxer_f, link_f).allowed

    def warm():
        assert Authorizer(coach.pk).check(Action.BOXER_UPDATE, target.pk).allowed

    def guardian():
        assert ObjectPermissionChecker(guardian_user).has_perm("change_boxer", target)

    def page_of_100():
        authorizer = Authorizer(coach.pk)
        authorizer.prefetch(Action.BOXER_VIEW, page)
        assert sum(authorizer.check(Action.BOXER_VIEW, pk).visible for pk in page) == 100

    modes = {
        "rules only": (rules_only, None, 4000),
        "bare MGET, redis-py": (redis_mget_only, None, 800),
        "bare MGET, held conn": (held_mget_only, None, 800),
        "warm": (warm, None, 800),
        "cold (after rotate)": (warm, "rotate", 200),
        "no cache": (warm, "dummy", 300),
        "guardian": (guardian, None, 300),
        "page of 100, warm": (page_of_100, None, 60),
        "page of 100, no cache": (page_of_100, "dummy", 30),
    }
    samples: dict[str, list[float]] = {name: [] for name in modes}
    cost: dict[str, tuple[float, float]] = {}

    for round_no in range(rounds):
        for name, (fn, setup, count) in modes.items():
            context = override_settings(CACHES=dummy) if setup == "dummy" else None
            if context:
                context.enable()
            try:
                for _ in range(max(1, int(count * scale))):
                    if setup == "rotate":
                        rotate()
                    started = time.perf_counter_ns()
                    fn()
                    samples[name].append((time.perf_counter_ns() - started) / 1000)
                if round_no == 0:  # count I/O once per mode, outside the timed loop
                    if setup == "rotate":
                        rotate()
                    before = trips()
                    with CaptureQueriesContext(connection) as queries:
                        fn()
                    cost[name] = (len(queries), trips() - before)
            finally:
                if context:
                    context.disable()
            # warm the cache again after a dummy round
            Authorizer(coach.pk).prefetch(Action.BOXER_VIEW, page)

    base = median(samples["warm"])
    print(f"decision latency, {rounds} interleaved rounds (µs; ratio = p50 / warm p50)")
    print(f"{'mode':24} {'n':>6} {'p50':>9} {'p90':>9} {'p99':>9} {'SQL':>5} {'redis':>6} {'ratio':>7}")
    for name, values in samples.items():
        sql, redis_trips = cost[name]
        p50 = median(values)
        print(
            f"{name:24} {len(values):6d} {p50:9.1f} {percentile(values, 90):9.1f} "
            f"{percentile(values, 99):9.1f} {sql:5d} {redis_trips:6.0f} {p50 / base:7.2f}"
        )
    verdict = "met" if base <= 150 else "NOT met"
    floor = median(samples["bare MGET, held conn"])
    print(f"target warm p50 <= 150 µs: {verdict} ({base:.1f} µs)")
    print(f"warm p50 above the bare round trip: {base - floor:.1f} µs (Python: keys, decode, rules)")
    sys.stdout.flush()


if __name__ == "__main__":
    main()
