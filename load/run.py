"""`make load`: a realistic traffic mix against gunicorn on 127.0.0.1, bounded in time.

A benchmark, not a test. Builds a throwaway database (LOAD_DATABASE_NAME, default bc_load),
seeds a directory (load/seed.py), starts a private redis-server and gunicorn serving
`load.wsgi:application` (the app plus an X-DB-Queries header), then runs LOAD_CLIENTS
client threads for LOAD_SECONDS with this mix:

    30%  public search      GET /api/v1/boxers/?city=..&experience_level=..  (and /clubs/)
    28%  profile reads      GET /api/v1/boxers/{id}/ and {id}/fights/, anonymous or not
    10%  own-profile reads  GET /api/v1/boxers/me/, GET /api/v1/auth/me/
    14%  profile updates    PATCH /api/v1/boxers/{id}/ by the owner or a linked coach
    12%  fight writes       POST /api/v1/boxers/{id}/fights/ by a linked coach, some DELETEs
     6%  logins             POST /api/v1/auth/login/ (Argon2: the most expensive request)

It writes load/results/latest.json and load/results/latest.md: requests/s, p50/p95/p99 per
kind, error count (no answer, 5xx, or a status the scenario did not expect), SQL queries per
request (from X-DB-Queries), PostgreSQL transactions, and the permission cache hit rate from
/metrics. Throttle rates are raised so the single client IP is not throttled.
LOAD_MIX overrides weights, e.g. LOAD_MIX=login=0 to measure without Argon2 logins.
"""

import json
import os
import random
import shutil
import sys
import tempfile
import threading
import time
from collections import defaultdict
from datetime import UTC, datetime
from pathlib import Path

import psycopg
import requests

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from bench.common import RedisServer, fresh_database, free_port, migrate_and_seed, start_gunicorn, wait_http  # noqa: I001

RESULTS = REPO / "load" / "results"
MIX = [
    ("search", 30),
    ("profile_read", 28),
    ("own_read", 10),
    ("profile_update", 14),
    ("fight_write", 12),
    ("login", 6),
]


def mix() -> list[tuple[str, int]]:
    """MIX, or LOAD_MIX="search=30,login=0,..." overriding some weights."""
    weights = dict(MIX)
    for pair in filter(None, os.environ.get("LOAD_MIX", "").split(",")):
        kind, _, weight = pair.partition("=")
        if kind.strip() not in weights:
            raise SystemExit(f"LOAD_MIX: unknown kind {kind!r}; kinds: {', '.join(weights)}")
        weights[kind.strip()] = int(weight)
    return [(kind, weight) for kind, weight in weights.items() if weight > 0]


def percentile(values: list[float], pct: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(pct / 100 * (len(ordered) - 1))))
    return ordered[index]


class Scenario:
    """One virtual client's next request, chosen by the mix."""

    def __init__(self, base: str, actors: dict, rng: random.Random) -> None:
        self.base, self.actors, self.rng = base, actors, rng
        self.kinds = [kind for kind, weight in mix() for _ in range(weight)]
        self.my_fights: list[tuple[str, str, str]] = []  # (boxer_id, fight_id, token)

    def bearer(self, token: str) -> dict:
        return {"Authorization": f"Bearer {token}"}

    def next(self, session: requests.Session) -> tuple[str, requests.Response, set[int]]:
        kind = self.rng.choice(self.kinds)
        return (kind, *getattr(self, kind)(session))

    def search(self, s):
        if self.rng.random() < 0.25:
            params = {"city": self.rng.choice(self.actors["cities"])}
            return s.get(f"{self.base}/api/v1/clubs/", params=params, timeout=30), {200}
        params = {"city": self.rng.choice(self.actors["cities"]), "ordering": "name"}
        if self.rng.random() < 0.5:
            params["experience_level"] = self.rng.choice(self.actors["levels"])
        if self.rng.random() < 0.3:
            params.update(min_weight=60, max_weight=90)
        return s.get(f"{self.base}/api/v1/boxers/", params=params, timeout=30), {200}

    def profile_read(self, s):
        boxer_id = self.rng.choice(self.actors["public_boxer_ids"])
        headers = (
            self.bearer(self.rng.choice(self.actors["boxers"])["token"]) if self.rng.random() < 0.5 else {}
        )
        suffix = "fights/" if self.rng.random() < 0.4 else ""
        return s.get(f"{self.base}/api/v1/boxers/{boxer_id}/{suffix}", headers=headers, timeout=30), {200}

    def own_read(self, s):
        boxer = self.rng.choice(self.actors["boxers"])
        path = "/api/v1/boxers/me/" if self.rng.random() < 0.5 else "/api/v1/auth/me/"
        return s.get(self.base + path, headers=self.bearer(boxer["token"]), timeout=30), {200}

    def _writer(self) -> tuple[str, str]:
        if self.rng.random() < 0.6:
            boxer = self.rng.choice(self.actors["boxers"])
            return boxer["id"], boxer["token"]
        coach = self.rng.choice(self.actors["coaches"])
        return self.rng.choice(coach["boxer_ids"]), coach["token"]

    def profile_update(self, s):
        boxer_id, token = self._writer()
        body = {
            "bio": f"Training camp week {self.rng.randint(1, 52)}.",
            "weight_kg": self.rng.randint(55, 95),
        }
        url = f"{self.base}/api/v1/boxers/{boxer_id}/"
        return s.patch(url, json=body, headers=self.bearer(token), timeout=30), {200}

    def fight_write(self, s):
        if self.my_fights and self.rng.random() < 0.3:
            boxer_id, fight_id, token = self.my_fights.pop()
            url = f"{self.base}/api/v1/boxers/{boxer_id}/fights/{fight_id}/"
            return s.delete(url, headers=self.bearer(token), timeout=30), {204}
        coach = self.rng.choice(self.actors["coaches"])  # fight.manage: never the boxer itself
        boxer_id, token = self.rng.choice(coach["boxer_ids"]), coach["token"]
        body = {
            "opponent_name": f"Opponent {self.rng.randint(1, 999)}",
            "date": f"2025-{self.rng.randint(1, 12):02d}-{self.rng.randint(1, 28):02d}",
            "result": self.rng.choice(["win", "loss", "draw"]),
            "method": self.rng.choice(["decision", "ko", "tko"]),
        }
        response = s.post(
            f"{self.base}/api/v1/boxers/{boxer_id}/fights/", json=body, headers=self.bearer(token), timeout=30
        )
        if response.status_code == 201:
            self.my_fights.append((boxer_id, response.json()["id"], token))
        return response, {201}

    def login(self, s):
        body = {"email": self.rng.choice(self.actors["login_emails"]), "password": self.actors["password"]}
        return s.post(f"{self.base}/api/v1/auth/login/", json=body, timeout=30), {200}


def run_load(base: str, actors: dict, clients: int, seconds: float, max_requests: int) -> tuple[list, float]:
    samples: list[tuple[str, float, int, int, bool]] = []  # kind, seconds, status, queries, expected
    unexpected: dict[str, str] = {}  # "kind status" -> first body seen
    lock = threading.Lock()
    deadline = time.monotonic() + seconds
    counter = {"n": 0}

    def client(n: int) -> None:
        scenario = Scenario(base, actors, random.Random(1000 + n))
        session = requests.Session()
        while time.monotonic() < deadline:
            with lock:
                if counter["n"] >= max_requests:
                    return
                counter["n"] += 1
            started = time.perf_counter()
            try:
                kind, response, expected = scenario.next(session)
                status = response.status_code
                queries = int(response.headers.get("X-DB-Queries", "-1"))
            except requests.RequestException:
                kind, status, queries, expected = "error", 0, -1, set()
            elapsed = time.perf_counter() - started
            with lock:
                samples.append((kind, elapsed, status, queries, status in expected))
                if status and status not in expected:
                    unexpected.setdefault(f"{kind} {response.request.method} {status}", response.text[:300])

    started = time.monotonic()
    threads = [threading.Thread(target=client, args=(n,), daemon=True) for n in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=seconds + 60)
    return samples, time.monotonic() - started, unexpected


def metric_sum(text: str, name: str, **labels: str) -> float:
    total = 0.0
    for line in text.splitlines():
        if not line.startswith(name + "{") and not line.startswith(name + " "):
            continue
        if all(f'{k}="{v}"' in line for k, v in labels.items()):
            total += float(line.rsplit(" ", 1)[1])
    return total


def pg_transactions(dsn: str) -> int:
    with psycopg.connect(dsn, autocommit=True) as conn:
        row = conn.execute(
            "SELECT xact_commit + xact_rollback FROM pg_stat_database WHERE datname = current_database()"
        ).fetchone()
    return int(row[0])


def summarise(samples, wall: float, cache: dict, transactions: int) -> dict:
    by_kind: dict[str, list] = defaultdict(list)
    for sample in samples:
        by_kind[sample[0]].append(sample)

    def stats(rows) -> dict:
        latencies = [r[1] * 1000 for r in rows]
        queries = [r[3] for r in rows if r[3] >= 0]
        return {
            "requests": len(rows),
            "p50_ms": round(percentile(latencies, 50), 1),
            "p95_ms": round(percentile(latencies, 95), 1),
            "p99_ms": round(percentile(latencies, 99), 1),
            "errors_5xx_or_no_answer": sum(1 for r in rows if r[2] == 0 or r[2] >= 500),
            "unexpected_status": sum(1 for r in rows if not r[4]),
            "sql_per_request": round(sum(queries) / len(queries), 2) if queries else None,
        }

    lookups = cache["hit"] + cache["miss"] + cache["bypass"]
    return {
        "total": {
            **stats(samples),
            "requests_per_second": round(len(samples) / wall, 1),
            "seconds": round(wall, 1),
        },
        "by_kind": {kind: stats(rows) for kind, rows in sorted(by_kind.items())},
        "permission_cache": {**cache, "hit_rate": round(cache["hit"] / lookups, 4) if lookups else None},
        "postgres_transactions_per_request": round(transactions / len(samples), 2) if samples else None,
    }


def markdown(report: dict) -> str:
    t, cache = report["total"], report["permission_cache"]
    lines = [
        f"# Load run {report['when']}",
        "",
        f"{report['config']['clients']} client threads for {t['seconds']} s against gunicorn "
        f"({report['config']['workers']} workers x {report['config']['threads']} threads) on 127.0.0.1, "
        "client and server on the same 2-core machine. Mix (weights): "
        + ", ".join(f"{kind} {weight}" for kind, weight in report["config"]["mix"].items())
        + ".",
        "",
        f"- requests: {t['requests']} ({t['requests_per_second']} req/s)",
        f"- latency: p50 {t['p50_ms']} ms, p95 {t['p95_ms']} ms, p99 {t['p99_ms']} ms",
        f"- errors (5xx or no answer): {t['errors_5xx_or_no_answer']}; "
        f"unexpected statuses: {t['unexpected_status']}",
        f"- SQL queries per request: {t['sql_per_request']}; PostgreSQL transactions per request: "
        f"{report['postgres_transactions_per_request']}",
        f"- permission cache: {cache['hit']:.0f} hits, {cache['miss']:.0f} misses, "
        f"{cache['bypass']:.0f} bypasses (hit rate {cache['hit_rate']})",
        *(
            f"- read model {model}: {m['hit']:.0f} hits, {m['miss']:.0f} misses, "
            f"{m['bypass']:.0f} bypasses (hit rate {m['hit_rate']})"
            for model, m in report.get("read_models", {}).items()
        ),
        "",
        "| kind | requests | p50 ms | p95 ms | p99 ms | 5xx | unexpected | SQL/request |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for kind, s in report["by_kind"].items():
        lines.append(
            f"| {kind} | {s['requests']} | {s['p50_ms']} | {s['p95_ms']} | {s['p99_ms']} | "
            f"{s['errors_5xx_or_no_answer']} | {s['unexpected_status']} | {s['sql_per_request']} |"
        )
    return "\n".join(lines) + "\n"


def main() -> int:
    seconds = float(os.environ.get("LOAD_SECONDS", "60"))
    clients = int(os.environ.get("LOAD_CLIENTS", "8"))
    max_requests = int(os.environ.get("LOAD_MAX_REQUESTS", "100000"))
    workers, threads = os.environ.get("LOAD_WORKERS", "2"), os.environ.get("LOAD_THREADS", "4")
    workdir = Path(tempfile.mkdtemp(prefix="bc-load-"))
    RESULTS.mkdir(parents=True, exist_ok=True)

    dsn = fresh_database(os.environ.get("LOAD_DATABASE_NAME", "bc_load"))
    env = {k: v for k, v in os.environ.items() if k not in {"CACHE_URL", "PROMETHEUS_MULTIPROC_DIR"}}
    redis, app_port = RedisServer(), free_port()
    env.update(
        DATABASE_URL=dsn,
        REDIS_URL=redis.url,
        DJANGO_READ_ENV_FILE="false",  # load this configuration, not a developer's .env
        DJANGO_SECRET_KEY="load-only-secret-key-not-for-production-use-0123456789abcdef",
        DJANGO_DEBUG="false",
        DJANGO_SECURE_SSL_REDIRECT="false",
        DJANGO_ALLOWED_HOSTS="127.0.0.1,localhost",
        DJANGO_MANIFEST_STATIC="false",
        JWT_ACCESS_MINUTES="120",
        DJANGO_THROTTLE_RATES="anon=1000000/min,user=1000000/min",
        REQUEST_LOG_LEVEL="WARNING",
        GUNICORN_ACCESS_LOG="",
        GUNICORN_BIND=f"127.0.0.1:{app_port}",
        GUNICORN_WORKERS=workers,
        GUNICORN_THREADS=threads,
        GUNICORN_MAX_REQUESTS="0",
        PROMETHEUS_MULTIPROC_DIR=str(workdir / "prometheus"),
        PYTHONUNBUFFERED="1",
    )
    (workdir / "prometheus").mkdir()
    print("==> migrating and seeding the load database", flush=True)
    actors = migrate_and_seed(env, "load/seed.py")
    server_log = open(workdir / "server.log", "wb")  # noqa: SIM115
    server = start_gunicorn("load.wsgi:application", env, server_log)
    base = f"http://127.0.0.1:{app_port}"
    try:
        wait_http(f"{base}/health/live", server, "gunicorn")
        print(f"==> warming up, then {clients} clients for {seconds:.0f}s", flush=True)
        run_load(base, actors, clients, min(10.0, seconds / 6), 2000)  # warm-up, not reported
        before = requests.get(f"{base}/metrics", timeout=10).text
        tx_before = pg_transactions(dsn)
        samples, wall, unexpected = run_load(base, actors, clients, seconds, max_requests)
        tx_after = pg_transactions(dsn)
        after = requests.get(f"{base}/metrics", timeout=10).text
    finally:
        server.terminate()
        server.wait(timeout=30)
        server_log.close()
        redis.stop()
        (RESULTS / "server.log.tmp").write_bytes((workdir / "server.log").read_bytes()[-200_000:])
        shutil.rmtree(workdir, ignore_errors=True)

    cache = {
        event: metric_sum(after, "permission_cache_events_total", event=event)
        - metric_sum(before, "permission_cache_events_total", event=event)
        for event in ("hit", "miss", "bypass")
    }
    reads = {
        model: {
            event: metric_sum(after, "read_cache_events_total", model=model, event=event)
            - metric_sum(before, "read_cache_events_total", model=model, event=event)
            for event in ("hit", "miss", "bypass")
        }
        for model in ("profile", "directory")
    }
    report = summarise(samples, wall, cache, tx_after - tx_before)
    report["read_models"] = {
        model: {
            **counts,
            "hit_rate": round(counts["hit"] / sum(counts.values()), 4) if any(counts.values()) else None,
        }
        for model, counts in reads.items()
    }
    report["unexpected_examples"] = unexpected
    report["when"] = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    report["config"] = {
        "clients": clients,
        "seconds": seconds,
        "workers": int(workers),
        "threads": int(threads),
        "mix": dict(mix()),
    }
    (RESULTS / "latest.json").write_text(json.dumps(report, indent=2) + "\n")
    (RESULTS / "latest.md").write_text(markdown(report))
    print(markdown(report), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
