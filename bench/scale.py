"""The hot reads as the data grows (issue 16): 10,000 / 100,000 (/ 1,000,000) boxers.

For each size: a fresh database, migrated, seeded with COPY (bench/population.py: realistic
weights, genders, experience, clubs, records and names; 10,000 clubs; one sparring request
per ten boxers, and a busy coach acting for 40 boxers with 400 requests between them), then
each query is asked `--samples` times through Django's test client in this process (JWT,
authorization, the view, serialisation; no network), and p50 / p99 in ms are printed:

  directory first page   GET /api/v1/boxers/                       read models off
  filtered search        ?gender&experience_level&min_weight&max_weight (varied)  off
  name search            ?search=<a surname> (varied)                              off
  page 500               ?page=500&page_size=10 (offset 4,990)                     off
  boxer detail, cold     GET /api/v1/boxers/{id}/, a boxer not read before
  boxer detail, warm     the same boxers again (read model and facts cached)
  suggestions            GET /api/v1/boxers/{id}/suggestions/ as the club's owner
  coach's requests       GET /api/v1/sparring-requests/ as the busy coach
  clubs directory        GET /api/v1/clubs/ (anonymous)

"read models off" measures what a page costs when it is not cached (after a write voided
it): with the read models on, a warm page is one Redis round trip whatever the size. Then:
Redis memory per 1,000 cached profiles and per 1,000 cached directory pages (of 20), and
the resident memory of each gunicorn worker (2 workers x 4 threads, after a few hundred
mixed requests). The last table prints each p50 against the smallest size's (target: ≤ 2
at 1,000,000 against 10,000, deep pages excepted) and the machine's load.

Run: make bench-scale            (10,000 and 100,000 boxers)
     make bench-scale FULL=1     (and 1,000,000: about 10 more minutes of seeding)
     .venv/bin/python -m bench.scale --sizes 10000,100000 --samples 100 --explain
The database is BENCH_DATABASE_NAME (default bench_scale), recreated for each size; with
`--database-per-size`, each size has its own (BENCH_DATABASE_NAME_<size>), so the sizes stay
seeded and a later `--reuse --database-per-size` times them side by side, in one sitting,
without reseeding (drop them afterwards: a million boxers is a few GB).
"""

import argparse
import logging
import os
import random
import signal
import subprocess
import tempfile
import time
import urllib.request
import uuid
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

os.environ.setdefault("BENCH_DATABASE_NAME", "bench_scale")
os.environ.setdefault("DB_STATEMENT_TIMEOUT_MS", "0")  # COPY of a million rows; page=last

from bench.common import (
    BENCH_DB,
    RedisServer,
    base_env,
    database_url,
    free_port,
    fresh_database,
    median,
    percentile,
    recreate_database,
    setup_django,
    start_gunicorn,
    wait_http,
)

QUERIES = [
    "directory first page",
    "filtered search",
    "name search",
    "page 500 (deep)",
    "boxer detail, cold",
    "boxer detail, warm",
    "suggestions",
    "coach's requests",
    "clubs directory",
]
BUSY_LINKS, BUSY_REQUESTS_EACH = 40, 10
BULK_TABLES = ("accounts_user", "boxers_boxer", "boxers_availability", "boxers_sparringrequest", "clubs_club")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10000,100000", help="boxer counts, comma-separated")
    parser.add_argument("--clubs", type=int, default=10_000)
    parser.add_argument("--samples", type=int, default=200, help="requests per query and size")
    parser.add_argument(
        "--explain", action="store_true", help="print the plans of the directory queries and of suggestions"
    )
    parser.add_argument(
        "--database-per-size",
        action="store_true",
        help="one database per size, BENCH_DATABASE_NAME_<size>, kept for a later --reuse of every size",
    )
    parser.add_argument(
        "--reuse",
        action="store_true",
        help="time the queries on the database a run left (one size, as seeded), without seeding "
        "nor the memory and RSS figures",
    )
    args = parser.parse_args()
    sizes = [int(size) for size in args.sizes.split(",")]

    redis = RedisServer()
    try:
        if not args.reuse and not args.database_per_size:
            recreate_database()
        setup_django(redis.url, settings_module="boxerconnect.settings")
        logging.disable(logging.WARNING)
        results = {}
        for size in sizes:
            if args.database_per_size:
                use_database(f"{BENCH_DB}_{size}")
            results[size] = run_size(size, args, redis)
            report(results)  # so far: a long run that is stopped still leaves its figures
    finally:
        redis.stop()


# --- Seeding ----------------------------------------------------------------------------------


def use_database(name: str) -> None:
    """Point Django's connection (and the gunicorn of `worker_rss`) at database `name`."""
    from django.db import connections

    connections.close_all()
    connections["default"].settings_dict["NAME"] = name


def seed_requests(boxers: list[uuid.UUID], clubs: list[uuid.UUID], n: int, rng: random.Random) -> None:
    """`n` sparring requests between random boxers (COPY): mostly answered or expired, a
    pending one at most per pair (the partial unique constraint)."""
    from django.utils import timezone

    from bench.population import copy
    from boxers.models import SparringRequest

    now = timezone.now()
    pairs: set[tuple[uuid.UUID, uuid.UUID]] = set()

    def rows():
        for _ in range(n):
            a, b = rng.sample(boxers, 2)
            status = rng.choices(
                ["pending", "accepted", "declined", "cancelled", "expired"], [3, 3, 2, 1, 1]
            )[0]
            if status == "pending":
                pair = (min(a, b), max(a, b))
                if pair in pairs:
                    status = "declined"
                pairs.add(pair)
            start = now + timedelta(days=rng.randint(-30, 30), hours=rng.choice([9, 17, 18]))
            created = now - timedelta(days=rng.randint(0, 60), seconds=rng.randint(0, 86400))
            yield {
                "id": uuid.UUID(int=rng.getrandbits(128), version=4),
                "from_boxer_id": a,
                "to_boxer_id": b,
                "status": status,
                "proposed_start": start,
                "proposed_end": start + timedelta(hours=1),
                "venue_club_id": rng.choice(clubs) if rng.random() < 0.5 else None,
                "expires_at": start,
                "created_at": created,
                "updated_at": created,
            }

    copy(SparringRequest, rows())


def busy_coach(population: Any, rng: random.Random) -> Any:
    """A coach with active links (every right) to 40 boxers of the biggest club, and 10
    requests sent or received by each of them."""
    from django.utils import timezone

    from accounts.models import Role, User
    from boxers.models import Boxer, CoachLink, CoachLinkStatus, CoachRight, SparringRequest

    coach = User.objects.create(email="busy.coach@bench.example", name="Busy Coach", role=Role.COACH)
    members = list(
        Boxer.objects.filter(club_id=population.clubs[0], is_active=True).values_list("pk", flat=True)[
            :BUSY_LINKS
        ]
    )
    CoachLink.objects.bulk_create(
        CoachLink(coach=coach, boxer_id=pk, status=CoachLinkStatus.ACTIVE, rights=list(CoachRight.values))
        for pk in members
    )
    now = timezone.now()
    requests = []
    for pk in members:
        for n in range(BUSY_REQUESTS_EACH):
            other = rng.choice(population.boxers)
            if other == pk:
                continue
            start = now + timedelta(days=rng.randint(1, 30), hours=18)
            ours, theirs = (pk, other) if n % 2 else (other, pk)
            requests.append(
                SparringRequest(
                    from_boxer_id=ours,
                    to_boxer_id=theirs,
                    status="accepted" if n % 3 else "declined",
                    proposed_start=start,
                    proposed_end=start + timedelta(hours=1),
                    expires_at=start,
                )
            )
    SparringRequest.objects.bulk_create(requests)
    return coach


def seed_size(size: int, clubs: int) -> tuple[Any, Any, float]:
    from django.core.management import call_command
    from django.db import connection, connections

    from bench.population import seed

    connections.close_all()
    fresh_database(connection.settings_dict["NAME"])
    call_command("migrate", verbosity=0)
    started = time.perf_counter()
    # A bulk load: the secondary indexes are dropped before COPY and built after it (one
    # sort each instead of a million inserts), then the tables are vacuumed and analysed as
    # autovacuum keeps production's.
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = 'public' AND tablename = ANY(%s)"
            " AND indexname NOT IN (SELECT conname FROM pg_constraint)",
            [list(BULK_TABLES)],
        )
        indexes = cursor.fetchall()
        # Statistics targets set on index columns (boxers 0005: the trigram index's
        # expression) go with the index: set again on the rebuilt one, before ANALYZE.
        cursor.execute(
            "SELECT c.relname, a.attnum, a.attstattarget FROM pg_attribute a JOIN pg_class c ON"
            " c.oid = a.attrelid WHERE c.relname = ANY(%s) AND a.attstattarget > 0",
            [[name for name, _ in indexes]],
        )
        targets = cursor.fetchall()
        for name, _definition in indexes:
            cursor.execute(f'DROP INDEX "{name}"')
    population = seed(size, clubs)
    rng = random.Random(size)
    seed_requests(population.boxers, population.clubs, size // 10, rng)
    coach = busy_coach(population, rng)
    with connection.cursor() as cursor:
        for _name, definition in indexes:
            cursor.execute(definition)
        for name, column, target in targets:
            cursor.execute(f'ALTER INDEX "{name}" ALTER COLUMN {int(column)} SET STATISTICS {int(target)}')
        cursor.execute("VACUUM ANALYZE")
    return population, coach, time.perf_counter() - started


# --- Measuring --------------------------------------------------------------------------------


def timed(samples: Any, call: Callable[[Any], None]) -> tuple[list[float], float]:
    """Wall-clock ms of each call, and the mean CPU ms per call of this process and of its
    PostgreSQL backend (on this machine): what a call costs whatever else the machine runs,
    where the wall clock also counts waiting for a CPU."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        backend = cursor.fetchone()[0]

    def backend_cpu_ms() -> float:
        fields = Path(f"/proc/{backend}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) * 1000 / os.sysconf("SC_CLK_TCK")

    times = []
    cpu_before, pg_before = time.process_time(), backend_cpu_ms()
    for sample in samples:
        begun = time.perf_counter()
        call(sample)
        times.append((time.perf_counter() - begun) * 1000)
    cpu = (time.process_time() - cpu_before) * 1000 + backend_cpu_ms() - pg_before
    return times, cpu / max(len(times), 1)


def used_memory(redis_url: str) -> int:
    import redis

    return int(redis.Redis.from_url(redis_url).info("memory")["used_memory"])


def worker_rss(redis: RedisServer, size: int) -> list[float]:
    """MB resident of each gunicorn worker after a few hundred mixed requests."""
    from django.db import connection

    port = free_port()
    env = base_env(
        DATABASE_URL=database_url().replace(f"/{BENCH_DB}?", f"/{connection.settings_dict['NAME']}?"),
        REDIS_URL=redis.url,
        GUNICORN_BIND=f"127.0.0.1:{port}",
        GUNICORN_WORKERS="2",
        GUNICORN_THREADS="4",
        GUNICORN_ACCESS_LOG="",
        GUNICORN_MAX_REQUESTS="0",
        REQUEST_LOG_LEVEL="WARNING",
        DJANGO_MANIFEST_STATIC="false",
        DJANGO_SETTINGS_MODULE="boxerconnect.settings",
        PROMETHEUS_MULTIPROC_DIR=tempfile.mkdtemp(prefix="bench-scale-prom-"),
    )
    with tempfile.TemporaryFile() as log:
        server = start_gunicorn("boxerconnect.wsgi:application", env, log)
        try:
            base = f"http://127.0.0.1:{port}"
            wait_http(f"{base}/health/live", server, "gunicorn")
            from boxers.models import Boxer

            ids = list(
                Boxer.objects.filter(is_active=True, is_searchable=True).values_list("pk", flat=True)[:200]
            )
            paths = (
                [f"/api/v1/boxers/{pk}/" for pk in ids]
                + [f"/api/v1/boxers/?page={n}" for n in range(1, 101)]
                + ["/api/v1/clubs/"] * 20
            )
            for path in paths:
                with urllib.request.urlopen(base + path, timeout=30) as response:
                    response.read()
            children = subprocess.run(
                ["pgrep", "-P", str(server.pid)], capture_output=True, text=True, check=False
            ).stdout.split()
            rss = []
            for pid in children:
                for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                    if line.startswith("VmRSS:"):
                        rss.append(int(line.split()[1]) / 1024)
            return rss
        finally:
            server.send_signal(signal.SIGTERM)
            server.wait(timeout=30)


def run_size(size: int, args: argparse.Namespace, redis: RedisServer) -> dict[str, Any]:
    from django.core.cache import caches
    from django.db import connection
    from django.test import Client, override_settings

    from accounts.models import User
    from accounts.tokens import access_token_for
    from bench.population import SURNAMES
    from boxers.models import Boxer

    if args.reuse:
        coach, seconds = User.objects.get(email="busy.coach@bench.example"), 0.0
    else:
        coach, seconds = seed_size(size, args.clubs)[1:]
    print(f"\n== {size:,} boxers, {args.clubs:,} clubs: seeded in {seconds:.0f} s", flush=True)
    caches["default"].clear()
    rng = random.Random(41)
    n = args.samples
    client = Client(HTTP_HOST="localhost")
    viewer = User.objects.filter(role="boxer", is_active=True).order_by("pk").first()
    bearer = {"HTTP_AUTHORIZATION": f"Bearer {access_token_for(viewer)}"}
    coach_bearer = {"HTTP_AUTHORIZATION": f"Bearer {access_token_for(coach)}"}

    def get(path: str, expect: int | None = 200, **headers: str) -> Any:
        response = client.get(path, **headers)
        assert expect is None or response.status_code == expect, (
            path,
            response.status_code,
            response.content[:300],
        )
        return response

    listed = list(
        Boxer.objects.filter(is_active=True, is_searchable=True, user__is_active=True, club__isnull=False)
        .exclude(gender="")
        .exclude(weight_kg=None)
        .values_list("pk", "club__owner_id")
        .order_by("pk")
    )
    detail_ids = [pk for pk, _ in rng.sample(listed, min(n, len(listed)))]
    suggest = rng.sample(listed, min(n, len(listed)))
    owner_tokens = {
        owner: access_token_for(User.objects.get(pk=owner)) for owner in {owner for _, owner in suggest}
    }
    filters = [
        "?gender={}&experience_level={}&min_weight={}&max_weight={}".format(
            rng.choice(["male", "female"]),
            rng.choice(["beginner", "amateur", "intermediate", "advanced"]),
            low,
            low + rng.choice([5, 10]),
        )
        for low in (rng.randint(50, 85) for _ in range(n))
    ]
    names = [f"?search={rng.choice(SURNAMES)}" for _ in range(n)]

    get("/api/v1/boxers/me/", None, **bearer)  # warms the viewer's own facts and the connection
    times: dict[str, list[float]] = {}
    cpu: dict[str, float] = {}

    def measure(query: str, samples: Any, call: Callable[[Any], Any]) -> None:
        times[query], cpu[query] = timed(samples, call)

    with override_settings(READ_MODEL_CACHE=False):
        get("/api/v1/boxers/")
        measure("directory first page", range(n), lambda _: get("/api/v1/boxers/"))
        measure("filtered search", filters, lambda q: get(f"/api/v1/boxers/{q}"))
        measure("name search", names, lambda q: get(f"/api/v1/boxers/{q}"))
        measure("page 500 (deep)", range(n), lambda _: get("/api/v1/boxers/?page=500&page_size=10"))
    measure("boxer detail, cold", detail_ids, lambda pk: get(f"/api/v1/boxers/{pk}/", **bearer))
    measure("boxer detail, warm", detail_ids, lambda pk: get(f"/api/v1/boxers/{pk}/", **bearer))
    measure(
        "suggestions",
        suggest,
        lambda s: get(
            f"/api/v1/boxers/{s[0]}/suggestions/", HTTP_AUTHORIZATION=f"Bearer {owner_tokens[s[1]]}"
        ),
    )
    requests_seen = len(get("/api/v1/sparring-requests/?page_size=100", **coach_bearer).json()["results"])
    measure("coach's requests", range(n), lambda _: get("/api/v1/sparring-requests/", **coach_bearer))
    measure("clubs directory", range(n), lambda _: get("/api/v1/clubs/"))

    if args.explain:
        explain_directory(connection)
        explain_suggestions(connection, [pk for pk, _ in suggest[:3]])
    if args.reuse:
        return {
            "times": times,
            "cpu": cpu,
            "profile_kb": 0,
            "page_kb": 0,
            "rss": [],
            "seeded_s": 0,
            "requests_seen": requests_seen,
            "load": os.getloadavg()[0],
        }
    # Redis memory: 1,000 more profiles (anonymous reads of listed boxers), 1,000 pages of 20.
    caches["default"].clear()
    get("/api/v1/boxers/")  # the nonce and the directory generations exist
    before = used_memory(redis.url)
    for pk, _ in listed[:1000]:
        get(f"/api/v1/boxers/{pk}/")
    after_profiles = used_memory(redis.url)
    orderings = ["name", "-name", "created_at", "-created_at", "weight_kg", "-weight_kg"]
    pages = [f"?ordering={o}&page={p}" for p in range(1, 168) for o in orderings][:1000]
    for query in pages:
        get(f"/api/v1/boxers/{query}")
    after_pages = used_memory(redis.url)
    rss = worker_rss(redis, size)
    return {
        "times": times,
        "cpu": cpu,
        "profile_kb": (after_profiles - before) / 1024,
        "page_kb": (after_pages - after_profiles) / 1024,
        "rss": rss,
        "seeded_s": seconds,
        "requests_seen": requests_seen,
        "load": os.getloadavg()[0],
    }


def explain_directory(connection: Any) -> None:
    from django.http import QueryDict

    from boxerconnect.api.pagination import BoundedCountPaginator
    from boxers.filters import BoxerFilter
    from boxers.selectors import boxer_search_queryset

    queries = ["", "gender=female&experience_level=amateur&min_weight=55&max_weight=65"]
    for query in [*queries, "search=wheeler", "search=smith"]:
        qs = BoxerFilter(data=QueryDict(query), queryset=boxer_search_queryset()).qs
        capped = qs.select_related(None).order_by().values("pk")[: BoundedCountPaginator.exact_limit + 1]
        page = BoundedCountPaginator(qs, 20)._slice(0, 21)  # the page as the API reads it
        for what, plan_of in (("page", page), ("count", capped)):
            text = plan_of.explain(analyze=True) if what == "page" else _explain_count(connection, capped)
            print(f"\n-- {what} of ?{query}\n{text}")


def explain_suggestions(connection: Any, boxer_ids: list[Any]) -> None:
    """The plans of each statement of the suggestions for these boxers (as their club's owner
    would ask: the slots of every boxer count)."""
    from django.test.utils import CaptureQueriesContext

    from boxers.models import Boxer
    from boxers.sparring.suggestions import Criteria, suggestions

    for pk in boxer_ids:
        boxer = Boxer.objects.select_related("club").get(pk=pk)
        with CaptureQueriesContext(connection) as captured:
            suggestions(boxer=boxer, criteria=Criteria(), actor=None)
        for query in captured.captured_queries:
            with connection.cursor() as cursor:
                cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + query["sql"])
                text = "\n".join(row[0] for row in cursor.fetchall())
            where = boxer.club.city if boxer.club else "no club"
            print(f"\n-- suggestions for a {boxer.gender} boxer of {boxer.weight_kg} kg ({where})\n{text}")


def _explain_count(connection: Any, capped: Any) -> str:
    sql, params = capped.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN ANALYZE SELECT COUNT(*) FROM ({sql}) counted", params)  # noqa: S608 (Django's SQL)
        return "\n".join(row[0] for row in cursor.fetchall())


# --- Report -----------------------------------------------------------------------------------


def report(results: dict[int, dict[str, Any]]) -> None:
    sizes = sorted(results)
    base, top = sizes[0], sizes[-1]
    print(f"\n== p50 / p99 in ms, in process ({os.cpu_count()} CPUs)")
    print(
        f"{'query':<22}"
        + "".join(f"{f'{s:,} p50':>14}{'p99':>9}" for s in sizes)
        + f"{f'p50 {top:,}/{base:,}':>22}"
    )
    for query in QUERIES:
        cells = "".join(
            f"{median(results[s]['times'][query]):>14.2f}{percentile(results[s]['times'][query], 99):>9.2f}"
            for s in sizes
        )
        ratio = median(results[top]["times"][query]) / median(results[base]["times"][query])
        print(f"{query:<22}{cells}{ratio:>22.2f}")
    print("\n== CPU ms per call, mean (this process + its PostgreSQL backend)")
    print(f"{'query':<22}" + "".join(f"{f'{s:,}':>14}" for s in sizes) + f"{f'{top:,}/{base:,}':>22}")
    for query in QUERIES:
        cells = "".join(f"{results[s]['cpu'][query]:>14.2f}" for s in sizes)
        print(
            f"{query:<22}{cells}{results[top]['cpu'][query] / max(results[base]['cpu'][query], 0.01):>22.2f}"
        )
    for s in sizes:
        r = results[s]
        rss = ", ".join(f"{mb:.0f}" for mb in r["rss"])
        print(
            f"{s:>10,} boxers: seeded in {r['seeded_s']:.0f} s; Redis {r['profile_kb']:.0f} KB per 1,000 "
            f"profiles, {r['page_kb']:.0f} KB per 1,000 pages of 20; worker RSS {rss} MB; "
            f"the coach sees {r['requests_seen']} requests (page of 100); load average {r['load']:.1f}"
        )
    worst = max(
        median(results[top]["times"][q]) / median(results[base]["times"][q])
        for q in QUERIES
        if "deep" not in q
    )
    verdict = "met" if worst <= 2 else "NOT met"
    print(
        f"target: p50 {top:,}/{base:,} <= 2 for every query but deep pages -> {verdict} (worst {worst:.2f})"
    )


if __name__ == "__main__":
    main()
