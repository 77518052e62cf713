"""Sparring suggestions for one boxer among many (issue 15: ≤ 20 ms p50 among 100,000).

Seeds a realistic population (bench/population.py: 100,000 boxers in 1,000 clubs by default)
and asks for the suggestions of sampled boxers — complete profiles in clubs with coordinates
— as their club's owner would (the owner acts for its members), two ways:
  service   suggestions(): the one SQL statement plus the reasons, in process
  api       GET /api/v1/boxers/{id}/suggestions/ through Django's test client (JWT, warm
            authorization, the query, serialization; no network)
each with the suggestion indexes (the covering partial index on the searchable boxers'
gender and weight, the clubs' latitude/longitude, the deactivated users, the slots' start)
and without them (dropped and recreated between rounds, in the same run), so what the
indexes buy is measured side by side. The tables are vacuumed after seeding, as autovacuum
keeps them in production (the index-only scan needs the visibility map).
Prints p50/p90/p99 (ms), the ratio to the indexed service figure, the candidates the SQL
filters leave per boxer, and with --explain the plan of one query.

Run: make bench-suggestions   (or: .venv/bin/python -m bench.suggestions [--boxers N])
"""

import argparse
import logging
import os
import random
import time
from pathlib import Path

from bench.common import RedisServer, median, percentile, recreate_database, setup_django

INDEXES = [
    ("boxers", "Boxer", "boxers_sparring_gender_weight"),
    ("clubs", "Club", "clubs_lat_lng"),
    ("accounts", "User", "accounts_user_inactive"),
    ("boxers", "Availability", "boxers_availability_starts"),
]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--boxers", type=int, default=100_000)
    parser.add_argument("--clubs", type=int, default=1_000)
    parser.add_argument("--sample", type=int, default=200, help="boxers asked for, each round")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--explain", action="store_true", help="print the plan of one query")
    args = parser.parse_args()

    redis = RedisServer()
    try:
        recreate_database()
        setup_django(redis.url, settings_module="boxerconnect.settings")
        run(args)
    finally:
        redis.stop()


def run(args: argparse.Namespace) -> None:
    logging.disable(logging.WARNING)
    from django.apps import apps
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from accounts.models import User
    from accounts.tokens import access_token_for
    from bench.population import seed
    from boxers.models import Boxer
    from boxers.sparring.suggestions import Criteria, candidates, suggestions
    from permissions.facts import load_user_facts

    call_command("migrate", verbosity=0)
    started = time.perf_counter()
    seed(args.boxers, args.clubs)
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    print(f"seeded {args.boxers:,} boxers in {args.clubs:,} clubs in {time.perf_counter() - started:.1f} s")

    eligible = list(
        Boxer.objects.filter(
            is_active=True,
            club__latitude__isnull=False,
            weight_kg__isnull=False,
            club__owner__isnull=False,
        )
        .exclude(gender="")
        .values_list("pk", "club__owner_id")
        .order_by("pk")
    )
    sample = random.Random(11).sample(eligible, min(args.sample, len(eligible)))
    owners = {owner for _, owner in sample}
    tokens = {owner: access_token_for(User.objects.get(pk=owner)) for owner in owners}
    actors = {owner: load_user_facts([(str(owner),)])[(str(owner),)] for owner in owners}
    boxers = {pk: Boxer.objects.select_related("club").get(pk=pk) for pk, _ in sample}
    client = Client(HTTP_HOST="localhost")

    def service(pk, owner) -> None:
        suggestions(boxer=boxers[pk], criteria=Criteria(), actor=actors[owner])

    def api(pk, owner) -> None:
        response = client.get(
            f"/api/v1/boxers/{pk}/suggestions/", HTTP_AUTHORIZATION=f"Bearer {tokens[owner]}"
        )
        assert response.status_code == 200, response.content[:300]

    indexes = []
    for app, model_name, name in INDEXES:
        model = apps.get_model(app, model_name)
        found = [index for index in model._meta.indexes if index.name == name]
        assert found, f"{model_name} has no index {name}"
        indexes.append((model, found[0]))

    def set_indexes(present: bool) -> None:
        with connection.schema_editor() as editor:
            for model, index in indexes:
                (editor.add_index if present else editor.remove_index)(model, index)
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE boxers_boxer; ANALYZE clubs_club; ANALYZE accounts_user")

    for pk, owner in sample[:20]:  # warm the authorization facts and the connection
        api(pk, owner)

    def backend_cpu_ms() -> float:
        """CPU time of this connection's PostgreSQL backend (it runs on this machine)."""
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_backend_pid()")
            pid = cursor.fetchone()[0]
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) * 1000 / os.sysconf("SC_CLK_TCK")

    results: dict[str, list[float]] = {}
    cpu: dict[str, list[float]] = {}  # [python ms, postgres ms, calls]
    present = True
    for _round in range(args.rounds):
        for state in ("indexed", "no index"):
            want = state == "indexed"
            if want != present:
                set_indexes(want)
                present = want
            for name, call in (("service", service), ("api", api)):
                times = results.setdefault(f"{name}, {state}", [])
                spent = cpu.setdefault(f"{name}, {state}", [0.0, 0.0, 0])
                python_before, postgres_before = time.process_time(), backend_cpu_ms()
                for pk, owner in sample:
                    begun = time.perf_counter()
                    call(pk, owner)
                    times.append((time.perf_counter() - begun) * 1000)
                spent[0] += (time.process_time() - python_before) * 1000
                spent[1] += backend_cpu_ms() - postgres_before
                spent[2] += len(sample)
    if not present:
        set_indexes(True)

    with CaptureQueriesContext(connection) as queries:
        pk, owner = sample[0]
        service(pk, owner)
    counts = [candidates(boxers[pk], Criteria()).count() for pk, _ in sample[:50]]

    base = median(results["service, indexed"])
    print(f"\nsuggestions among {args.boxers:,} boxers, {len(sample)} boxers x {args.rounds} rounds")
    print("(CPU: milliseconds of CPU per call, this process and its PostgreSQL backend: what a")
    print(" call costs whatever else the machine runs; the wall-clock figures include waiting)")
    print(f"{'mode':<22}{'p50 ms':>9}{'p90 ms':>9}{'p99 ms':>9}{'x p50':>8}{'CPU py':>9}{'CPU pg':>9}")
    for name, times in results.items():
        python_ms, postgres_ms, calls = cpu[name]
        print(
            f"{name:<22}{median(times):>9.2f}{percentile(times, 90):>9.2f}"
            f"{percentile(times, 99):>9.2f}{median(times) / base:>8.2f}"
            f"{python_ms / calls:>9.2f}{postgres_ms / calls:>9.2f}"
        )
    print(f"load average during the run: {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
    print(f"\nSQL statements per suggestion list (service): {len(queries)}")
    print(f"candidates passing the filters (50 boxers): median {median(counts):.0f}, max {max(counts)}")
    print(f"target: service p50 <= 20 ms -> {'met' if base <= 20 else 'NOT met'} ({base:.2f} ms)")
    if args.explain:
        pk, owner = sample[0]
        ranked = candidates(boxers[pk], Criteria()).order_by("-score", "distance_km", "id")
        sql, params = ranked.values_list("pk", "score")[:20].query.sql_with_params()
        with connection.cursor() as cursor:
            cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS) {sql}", params)
            print("\n" + "\n".join(row[0] for row in cursor.fetchall()))


if __name__ == "__main__":
    main()
