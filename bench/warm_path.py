"""Where a warm authenticated boxer detail spends its time, in process (no network, no server).

Calls the WSGI application in a loop, exactly as gunicorn's worker would, with a bearer token,
for a boxer detail and each path of PATHS whose facts and read models are warm (0 SQL, one
Redis round trip to a local redis-server). Prints CPU microseconds per request (this
process's CPU time: what the worker itself spends, robust to a loaded machine's scheduling;
the Redis round trip's wait is not in it) and, with --profile, cProfile's top functions by
CPU time (own and cumulative).

--compare REV times the same loop on git revision REV too (exported with `git archive` into
a temporary directory), alternating the two trees in one run, so each change is measured
before/after side by side.

Run: make bench-warm [PROFILE=1] [REV=main], or .venv/bin/python -m bench.warm_path --profile
     .venv/bin/python -m bench.warm_path --compare main
"""

import argparse
import cProfile
import io
import json
import os
import pstats
import shutil
import subprocess
import sys
import tempfile
import time

from bench.common import REPO, RedisServer, base_env, database_url, median, recreate_database

PATHS = {
    "boxer detail": "/api/v1/boxers/{hidden}/",
    "clubs page": "/api/v1/clubs/",
    "club detail": "/api/v1/clubs/{club}/",
    "clubs page, anonymous": "/api/v1/clubs/",
    "club detail, anonymous": "/api/v1/clubs/{club}/",
    "directory page": "/api/v1/boxers/",
    "list of 100": "/api/v1/boxers/?page_size=100",
    "check": "/api/v1/permissions/check/?action=boxer.update&resource_type=boxer&resource_id={hidden}",
    "own account": "/api/v1/auth/me/",
    "own profile": "/api/v1/boxers/me/",
    "health live": "/health/live",
    # boxers/sparring/readmodels.py, accounts/notification_readmodels.py
    "sparring list": "/api/v1/sparring-requests/",
    "notifications": "/api/v1/notifications/",
    "availability": "/api/v1/boxers/{hidden}/availability/",
}
# Paths read as another user than the coach (the coach has no profile of its own).
# ("anonymous": no token, as most visitors of the clubs directory.)
TOKENS = {
    "own profile": "owner_token",
    "clubs page, anonymous": "anonymous",
    "club detail, anonymous": "anonymous",
}


def seed() -> dict[str, str]:
    from django.core.management import call_command

    from accounts.models import User
    from accounts.tokens import access_token_for
    from boxers.models import Boxer, CoachLink
    from clubs.models import Club

    call_command("migrate", verbosity=0)
    coach = User.objects.create_user("coach@bench.example", name="Coach", role="coach")
    hidden_user = User.objects.create_user("hidden@bench.example", name="Hidden")
    hidden = Boxer.objects.create(user=hidden_user, name="Hidden Boxer", is_searchable=False)
    CoachLink.objects.create(coach=coach, boxer=hidden, status="active", rights=["edit_profile"])
    clubs = [Club.objects.create(name=f"Club {i:02d}", region="South", is_published=True) for i in range(20)]
    for i in range(150):
        user = User.objects.create_user(f"boxer{i}@bench.example", name=f"Boxer {i:03d}")
        Boxer.objects.create(
            user=user, name=f"Boxer {i:03d}", city="Cardiff", weight_kg=60 + i % 40, club=clubs[i % 20]
        )
    seed_sparring(coach, hidden)
    return {
        "token": access_token_for(coach),
        "owner_token": access_token_for(hidden_user),
        "hidden": str(hidden.pk),
        "club": str(clubs[0].pk),
    }


def seed_sparring(coach, hidden) -> None:
    """A busy coach: manage_sparring over 20 boxers with 60 requests between them and others,
    40 notifications, and 10 slots of the hidden boxer in the next 30 days."""
    from datetime import timedelta

    from django.utils import timezone

    from accounts.models import Notification, User
    from boxers.models import Availability, Boxer, CoachLink, SparringRequest

    now = timezone.now()
    CoachLink.objects.filter(coach=coach, boxer=hidden).update(rights=["edit_profile", "manage_sparring"])
    boxers = list(Boxer.objects.exclude(pk=hidden.pk).order_by("name")[:40])
    for boxer in boxers[:20]:
        CoachLink.objects.create(coach=coach, boxer=boxer, status="active", rights=["manage_sparring"])
    for i in range(60):
        start = now + timedelta(days=2 + i % 20, hours=i % 7)
        SparringRequest.objects.create(
            from_boxer=boxers[i % 20],
            to_boxer=boxers[20 + (i * 7) % 20],
            proposed_start=start,
            proposed_end=start + timedelta(hours=1),
            expires_at=now + timedelta(days=7),
            created_by=coach,
            status=("pending", "accepted", "declined")[i % 3],
        )
    actor = User.objects.get(email="boxer0@bench.example")
    Notification.objects.bulk_create(
        [
            Notification(recipient=coach, kind="sparring_requested", actor=actor, data={"n": i})
            for i in range(40)
        ]
    )
    for i in range(10):
        start = now + timedelta(days=1 + i * 2)
        Availability.objects.create(boxer=hidden, starts_at=start, ends_at=start + timedelta(hours=2))


def time_loop(seeded: dict[str, str], requests: int, profile: bool) -> dict[str, float]:
    """Microseconds per request of each path (after a warm-up), in this process."""
    from django.core.handlers.wsgi import WSGIHandler
    from django.test.client import RequestFactory

    application = WSGIHandler()
    factory = RequestFactory()

    def start_response(status, headers, exc_info=None):
        assert status.startswith("200"), status

    def call(path: str, token: str) -> None:
        path_info, _, query = path.partition("?")
        environ = factory._base_environ(
            PATH_INFO=path_info,
            QUERY_STRING=query,
            REQUEST_METHOD="GET",
            SERVER_NAME="127.0.0.1",
            HTTP_HOST="127.0.0.1",
            **({"HTTP_AUTHORIZATION": f"Bearer {token}"} if token else {}),
        )
        response = application(environ, start_response)
        b"".join(response)
        response.close()

    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    results = {}
    sql: dict[str, int] = {}
    for name, template in PATHS.items():
        path, token = template.format(**seeded), seeded.get(TOKENS.get(name, "token"))
        for _ in range(200):
            call(path, token)  # warm: facts and read models stored, code paths loaded
        samples = []
        for _ in range(5):
            start = time.process_time()
            for _ in range(requests // 5):
                call(path, token)
            samples.append((time.process_time() - start) / (requests // 5) * 1e6)
        results[name] = median(samples)
        with CaptureQueriesContext(connection) as queries:
            call(path, token)
        sql[name] = len(queries)
    if profile:
        name = os.environ.get("BENCH_PROFILE_PATH", "boxer detail")
        path, token = PATHS[name].format(**seeded), seeded.get(TOKENS.get(name, "token"))
        profiler = cProfile.Profile(time.process_time)
        profiler.enable()
        for _ in range(requests):
            call(path, token)
        profiler.disable()
        for order in ("tottime", "cumulative"):
            out = io.StringIO()
            pstats.Stats(profiler, stream=out).strip_dirs().sort_stats(order).print_stats(35)
            print(f"--- {path}, {requests} warm requests, by {order} ---")
            print(out.getvalue())
    return {"us": results, "sql": sql}


def child(args) -> None:
    """One tree's measurement (run in that tree's directory): prints JSON."""
    import django

    django.setup()
    seeded = json.loads(os.environ["BENCH_SEEDED"]) if "BENCH_SEEDED" in os.environ else seed()
    print(json.dumps({"seeded": seeded, **time_loop(seeded, args.requests, args.profile)}))


def run_tree(tree: str, env: dict[str, str], args, seeded: dict | None) -> dict:
    child_env = {**env, "PYTHONPATH": tree}
    if seeded is not None:
        child_env["BENCH_SEEDED"] = json.dumps(seeded)
    # This file, run as a script inside `tree` (its packages first on the path): the same loop
    # for any revision, even one without this file.
    command = [sys.executable, os.path.abspath(__file__), "--child", "--requests", str(args.requests)]
    if args.profile:
        command.append("--profile")
    out = subprocess.run(
        command,
        cwd=tree,
        env=child_env,
        check=True,
        stdout=subprocess.PIPE,
        stderr=None if os.environ.get("BENCH_DEBUG") else subprocess.DEVNULL,
        text=True,
    ).stdout
    *profile, last = out.strip().splitlines()
    if profile:
        print("\n".join(profile))
    result: dict = json.loads(last)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--profile", action="store_true")
    parser.add_argument("--compare", metavar="REV", help="also time git revision REV, alternating")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args)
        return
    redis = RedisServer()
    recreate_database()
    env = base_env(
        DATABASE_URL=database_url(),
        DJANGO_SETTINGS_MODULE="boxerconnect.settings",
        REDIS_URL=redis.url,
        DJANGO_LOG_LEVEL="WARNING",
        # Throttles on (at a rate this loop never reaches): their cost is part of the path.
        DJANGO_THROTTLE_RATES="anon=100000000/min,user=100000000/min",
    )
    env.pop("PROMETHEUS_MULTIPROC_DIR", None)
    trees = {"this tree": str(REPO)}
    exported = None
    if args.compare:
        exported = tempfile.mkdtemp(prefix="bench-warm-")
        archive = subprocess.run(["git", "archive", args.compare], cwd=REPO, check=True, capture_output=True)
        subprocess.run(["tar", "-x", "-C", exported], input=archive.stdout, check=True)
        trees = {args.compare: exported, **trees}
    try:
        seeded = run_tree(str(REPO), env, argparse.Namespace(requests=10, profile=False), None)["seeded"]
        runs: dict[str, list[dict]] = {name: [] for name in trees}
        sql: dict[str, dict] = {}
        for _ in range(args.repeats):
            for name, tree in trees.items():
                result = run_tree(tree, env, args, seeded)
                runs[name].append(result["us"])
                sql[name] = result["sql"]
                args.profile = False  # once is enough
    finally:
        redis.stop()
        if exported:
            shutil.rmtree(exported, ignore_errors=True)
    load = ", ".join(f"{value:.1f}" for value in os.getloadavg())
    print(f"in process, warm, CPU µs per request (median of {args.repeats} runs x 5 samples; load {load})")
    print(f"{'path':14} " + " ".join(f"{name[:12]:>12} {'SQL':>4}" for name in trees))
    for path in PATHS:
        figures = [median([run[path] for run in runs[name]]) for name in trees]
        line = f"{path:14} " + " ".join(
            f"{value:12.1f} {sql[name][path]:>4}" for value, name in zip(figures, trees, strict=True)
        )
        if len(figures) == 2:
            line += f"   x{figures[0] / figures[1]:.2f} faster"
        print(line)


if __name__ == "__main__":
    main()
