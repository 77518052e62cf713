"""End to end: gunicorn (2 workers) under wrk, Redis-backed cache (with and without the read
models) vs no cache, direct-ish and with PostgreSQL 2 ms away. Prints requests/s, p50, p99
and SQL statements per request.

Every configuration reaches PostgreSQL through bench/latency_proxy.py (0 ms or +1 ms each
way = +2 ms per round trip), which also counts the statements. Endpoints: the floor
(`/health/live`: the middleware only, no cache, no database, measured first and last in each
configuration), then every hot read: an authenticated boxer detail (a hidden profile the
caller sees through its coach link), the directory's first page (20) and a page of 100, the
anonymous clubs page (20 clubs) and club detail, a permission check, `auth/me`, `boxers/me`,
and the coach's sparring lists (requests, notifications, the boxer's availability). Throttles
are on (at a rate wrk never reaches), so their cost is measured too. Each hot endpoint's
throughput is printed as a fraction of the floor's, same server, same run.
`--configs redis --delays 2` measures the deployment's configuration only (the floor table).
`--threads 1` runs sync workers (the issue's method): with the deployment's gthread workers
wrk's 8 keep-alive connections stay wherever they were accepted, often all on one worker,
so a run measures one core or two by chance (docs/performance.md); a sync worker takes one
request per connection and the two share the load evenly.
Run: make bench (all three configurations), make bench-floor (the floor table only),
     or .venv/bin/python -m bench.e2e --duration 10
"""

import argparse
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request

from bench.common import (
    RedisServer,
    base_env,
    database_url,
    free_port,
    median,
    recreate_database,
    setup_django,
)
from bench.latency_proxy import LatencyProxy

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
GUNICORN = os.path.join(ROOT, ".venv/bin/gunicorn")


def seed() -> tuple[dict[str, str], str, str]:
    """Create the data; return (access tokens by caller, hidden boxer id, a published club's id)."""
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
    owner = User.objects.create_user("owner@bench.example", name="Owner", role="gym_owner")
    clubs = [
        Club.objects.create(
            name=f"Club {i:02d} ABC", region=f"Region {i % 4}", city="Cardiff", owner=owner, is_published=True
        )
        for i in range(30)
    ]
    for i in range(150):
        user = User.objects.create_user(f"boxer{i}@bench.example", name=f"Boxer {i:03d}")
        Boxer.objects.create(
            user=user, name=f"Boxer {i:03d}", city="Cardiff", weight_kg=60 + i % 40, club=clubs[i % 30]
        )
    # The coach manages the hidden boxer's sparring: a few requests both ways, slots and
    # notifications, for the sparring lists.
    from datetime import timedelta

    from django.utils import timezone

    from accounts.models import Notification
    from boxers.models import Availability, SparringRequest

    link = CoachLink.objects.get(coach=coach, boxer=hidden)
    link.rights = ["edit_profile", "manage_sparring"]
    link.save()
    hidden.gender, hidden.weight_kg, hidden.club = "male", 70, clubs[0]
    hidden.save()
    others = list(Boxer.objects.exclude(pk=hidden.pk).order_by("name")[:10])
    start = timezone.now() + timedelta(days=3)
    for i, other in enumerate(others):
        SparringRequest.objects.create(
            from_boxer=hidden if i % 2 else other,
            to_boxer=other if i % 2 else hidden,
            proposed_start=start + timedelta(days=i),
            proposed_end=start + timedelta(days=i, hours=1),
            created_by=coach,
            expires_at=start,
        )
        Availability.objects.create(
            boxer=hidden, starts_at=start + timedelta(days=i), ends_at=start + timedelta(days=i, hours=2)
        )
        Notification.objects.create(recipient=coach, kind="sparring_requested", data={"n": i})
    tokens = {"coach": access_token_for(coach), "boxer": access_token_for(others[0].user)}
    return tokens, str(hidden.pk), str(clubs[0].pk)


class Gunicorn:
    def __init__(self, env: dict[str, str], threads: int = 4) -> None:
        self.port = free_port()
        self.log = tempfile.NamedTemporaryFile(  # noqa: SIM115 - kept open for the server's life
            prefix="bench-gunicorn-", suffix=".log", delete=False
        )
        env = {
            **env,
            "GUNICORN_BIND": f"127.0.0.1:{self.port}",
            "GUNICORN_WORKERS": "2",
            "GUNICORN_THREADS": str(threads),
            "GUNICORN_ACCESS_LOG": "",
            "GUNICORN_LOG_LEVEL": "warning",
            "DJANGO_LOG_LEVEL": "WARNING",
        }
        env.pop("PROMETHEUS_MULTIPROC_DIR", None)
        self.proc = subprocess.Popen(
            [GUNICORN, "-c", "gunicorn.conf.py", "boxerconnect.wsgi:application"],
            cwd=ROOT,
            env=env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(f"{self.url}/health/live", timeout=2) as response:
                    if response.status == 200:
                        return
            except OSError:
                time.sleep(0.2)
        self.stop()
        raise SystemExit(f"gunicorn did not start; see {self.log.name}")

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()


UNITS = {"us": 1e-3, "ms": 1.0, "s": 1000.0, "m": 60000.0}


def _ms(text: str) -> float:
    value, unit = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text).groups()
    return float(value) * UNITS[unit]


def run_wrk(url: str, token: str | None, duration: int, connections: int) -> dict:
    """wrk against `url`, with `token` as a bearer token (None: anonymous)."""
    auth = ["-H", f"Authorization: Bearer {token}"] if token else []
    out = subprocess.run(
        ["wrk", "-t2", f"-c{connections}", f"-d{duration}s", "--latency", *auth, url],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return {
        "rps": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)),
        # Anchored: the "Thread Stats" table also has cells ending in "50%" (e.g. "65.50%").
        "p50": _ms(re.search(r"^\s+50%\s+(\S+)", out, re.M).group(1)),
        "p99": _ms(re.search(r"^\s+99%\s+(\S+)", out, re.M).group(1)),
        "requests": int(re.search(r"(\d+) requests in", out).group(1)),
        "non_2xx": int(bad.group(1)) if bad else 0,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=int, default=8, help="seconds per measurement")
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--repeats", type=int, default=2, help="alternate configurations this often")
    parser.add_argument(
        "--configs",
        default=",".join(CACHE_CONFIGS),
        help="comma-separated subset of: " + ", ".join(CACHE_CONFIGS),
    )
    parser.add_argument(
        "--delays", default="0,2", help="PostgreSQL round-trip delays to run, in ms (0 and/or 2)"
    )
    parser.add_argument("--endpoints", help="comma-separated names to measure (the floor always)")
    parser.add_argument("--pairs", type=int, default=0, help="also N back-to-back floor/endpoint pairs each")
    parser.add_argument(
        "--threads",
        type=int,
        default=4,
        help="threads per gunicorn worker (4: the deployment's gthread workers; 1: sync workers)",
    )
    args = parser.parse_args()
    configs_asked = [name for name in CACHE_CONFIGS if name in args.configs.split(",")]
    delays = [float(ms) / 2000 for ms in args.delays.split(",")]  # each way
    if not configs_asked or not delays or any(d not in (0.0, 0.001) for d in delays):
        raise SystemExit("--configs and --delays: see --help")
    if shutil.which("wrk") is None:
        subprocess.run(["apt-get", "install", "-y", "-qq", "wrk"], check=False)
        if shutil.which("wrk") is None:
            raise SystemExit("wrk is required: apt-get install -y wrk")

    redis = RedisServer()
    recreate_database()
    setup_django(redis.url, settings_module="boxerconnect.settings")
    tokens, hidden_id, club_id = seed()
    from django.db import connections

    connections.close_all()
    proxy = LatencyProxy(("127.0.0.1", int(os.environ.get("PGPORT", "5432")))).start()
    check = f"action=boxer.update&resource_type=boxer&resource_id={hidden_id}"
    # name: (path, caller: "coach", "boxer" or None for anonymous)
    endpoints = {
        FLOOR: ("/health/live", None),
        "boxer detail": (f"/api/v1/boxers/{hidden_id}/", "coach"),
        "directory page": ("/api/v1/boxers/", "coach"),
        "list of 100": ("/api/v1/boxers/?page_size=100", "coach"),
        "clubs page": ("/api/v1/clubs/", None),
        "club detail": (f"/api/v1/clubs/{club_id}/", None),
        "check": (f"/api/v1/permissions/check/?{check}", "coach"),
        "auth me": ("/api/v1/auth/me/", "coach"),
        "boxers me": ("/api/v1/boxers/me/", "boxer"),
        "sparring list": ("/api/v1/sparring-requests/", "coach"),
        "notifications": ("/api/v1/notifications/", "coach"),
        "availability": (f"/api/v1/boxers/{hidden_id}/availability/", "coach"),
    }
    if args.endpoints:
        asked = {FLOOR, *args.endpoints.split(",")}
        endpoints = {name: spec for name, spec in endpoints.items() if name in asked}
    configs = [(cache, delay) for delay in delays for cache in configs_asked]
    results: dict[tuple, list[dict]] = {}
    pairs: dict[tuple, list[float]] = {}
    try:
        for _ in range(args.repeats):
            for cache, delay in configs:
                proxy.delay = delay
                env = base_env(
                    DATABASE_URL=database_url(port=proxy.port),
                    # On, at a rate wrk never reaches: what a throttle check costs is measured.
                    DJANGO_THROTTLE_RATES="anon=100000000/min,user=100000000/min",
                )
                if cache == "no cache":
                    env["CACHE_URL"] = "dummycache://"
                else:
                    env["REDIS_URL"] = redis.url
                    env["READ_MODEL_CACHE"] = "true" if cache == "redis" else "false"
                server = Gunicorn(env, args.threads)
                try:
                    # The floor first and again last: each endpoint's fraction is of the mean
                    # of the two (the machine's speed drifts over a configuration's run).
                    for name, (path, caller) in [*endpoints.items(), (FLOOR, endpoints[FLOOR])]:
                        bearer = tokens[caller] if caller else None
                        run_wrk(server.url + path, bearer, 2, args.connections)  # warm-up
                        proxy.reset()
                        result = run_wrk(server.url + path, bearer, args.duration, args.connections)
                        result["sql"] = proxy.statements / max(1, result["requests"])
                        results.setdefault((name, cache, delay), []).append(result)
                    # --pairs N: the floor and each endpoint back to back, N times, short runs:
                    # each pair's ratio sees the same machine state (long runs drift by ±20
                    # points between two endpoints on this shared 2-core machine).
                    for name, (path, caller) in endpoints.items():
                        if name == FLOOR:
                            continue
                        bearer = tokens[caller] if caller else None
                        for _ in range(args.pairs):
                            floor = run_wrk(server.url + endpoints[FLOOR][0], None, 3, args.connections)
                            hot = run_wrk(server.url + path, bearer, 3, args.connections)
                            pairs.setdefault((name, cache, delay), []).append(hot["rps"] / floor["rps"])
                finally:
                    server.stop()
    finally:
        redis.stop()
    report(results, endpoints, args, configs_asked, delays)
    if pairs:
        print(f"paired runs (--pairs {args.pairs}: /health/live then the endpoint, 3 s each, back to back)")
        for (name, cache, delay), ratios in pairs.items():
            ratios = sorted(ratios)
            print(
                f"  {cache:10} {'+2 ms' if delay else '+0 ms':>6} {name:16} median {median(ratios):4.0%} "
                f"(min {ratios[0]:4.0%}, max {ratios[-1]:4.0%})"
            )


FLOOR = "health live"

# "redis": everything the deployment caches (permission facts and read models);
# "authz only": permission facts only (READ_MODEL_CACHE=false); "no cache": dummy cache.
CACHE_CONFIGS = ("redis", "authz only", "no cache")


def report(results, endpoints, args, configs_asked, delays) -> None:
    load = ", ".join(f"{value:.1f}" for value in os.getloadavg())
    workers = "sync workers" if args.threads == 1 else f"workers x {args.threads} threads"
    print(
        f"end to end: gunicorn 2 {workers}, "
        f"wrk -t2 -c{args.connections} -d{args.duration}s, "
        f"{args.repeats} repeat(s), medians; load average at the end {load} ({os.cpu_count()} CPUs)"
    )
    columns = ("req/s", "p50 ms", "p99 ms", "SQL/req", "non-2xx")
    print(f"{'endpoint':14} {'DB RTT':>7} {'cache':>10} " + " ".join(f"{c:>8}" for c in columns))
    rows = {}
    for (name, cache, delay), runs in results.items():
        row = {k: median([r[k] for r in runs]) for k in ("rps", "p50", "p99", "sql", "non_2xx")}
        rows[(name, cache, delay)] = row
        print(
            f"{name:14} {'+2 ms' if delay else '+0 ms':>7} {cache:>10} {row['rps']:8.1f} {row['p50']:8.2f} "
            f"{row['p99']:8.2f} {row['sql']:8.2f} {row['non_2xx']:8.0f}"
        )
    print(f"throughput as a fraction of the floor ({FLOOR}, same configuration, same run)")
    for cache in configs_asked:
        for delay in delays:
            floor = rows[(FLOOR, cache, delay)]["rps"]
            cells = [
                f"{name} {rows[(name, cache, delay)]['rps'] / floor:4.0%}"
                for name in endpoints
                if name != FLOOR
            ]
            print(
                f"  {cache:10} {'+2 ms' if delay else '+0 ms':>6}: floor {floor:7.1f} req/s; "
                + ", ".join(cells)
            )
    if "no cache" not in configs_asked:
        sys.stdout.flush()
        return
    print("ratios against no cache: throughput, p50, SQL per request (no cache / cached)")
    for cache in [c for c in configs_asked if c != "no cache"]:
        for name in endpoints:
            if name == FLOOR:
                continue
            for delay in delays:
                fast, slow = rows[(name, cache, delay)], rows[(name, "no cache", delay)]
                sql = f"x{slow['sql'] / fast['sql']:.1f} fewer" if fast["sql"] >= 0.005 else "none left"
                rtt = "+2 ms" if delay else "+0 ms"
                print(
                    f"  {cache:10} {name:14} {rtt:>6}: throughput x{fast['rps'] / slow['rps']:.2f}, "
                    f"p50 x{slow['p50'] / fast['p50']:.2f} lower, "
                    f"SQL {slow['sql']:.2f} -> {fast['sql']:.2f} ({sql})"
                )
    sys.stdout.flush()


if __name__ == "__main__":
    main()
