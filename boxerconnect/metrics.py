"""Prometheus metrics of the service: HTTP traffic, permission cache, read models, breaker state,
Redis (round-trip latency, each process's pool, and the server's own figures read with INFO at
most every REDIS_INFO_INTERVAL seconds), and the job queue (read from PostgreSQL at scrape
time: workers have no endpoint of their own). Alert rules: deploy/prometheus/alerts.yml.

With several gunicorn workers set PROMETHEUS_MULTIPROC_DIR (gunicorn.conf.py does) so
`/metrics` aggregates every worker; without it each process reports its own figures.
"""

import os

from prometheus_client import (
    REGISTRY,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    values,
)
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from prometheus_client.exposition import choose_encoder
from prometheus_client.registry import Collector

from boxerconnect.prometheus_files import LockedMultiProcessCollector

# Whether this process writes to PROMETHEUS_MULTIPROC_DIR (decided by prometheus_client when
# first imported: gunicorn workers do; manage.py commands never do, see manage.py).
MULTIPROCESS = values.ValueClass is not values.MutexValue

EVENTS = ("hit", "miss", "bypass")  # outcomes of a permission-cache or read-model lookup
READ_MODELS = (
    "profile",
    "directory",
    "club",
    "clubs",
    "regions",
    "account",
    # boxers/sparring/readmodels.py, accounts/notification_readmodels.py
    "sparring",
    "availability",
    "notifications",
)  # the `model` label of read_cache_events_total

HTTP_REQUESTS = Counter(
    "http_requests_total",
    "HTTP requests by method, view and status code.",
    ["method", "view", "status"],
)
HTTP_LATENCY = Histogram(
    "http_request_duration_seconds",
    "HTTP request latency by method and view.",
    ["method", "view"],
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)
PERMISSION_CACHE_EVENTS = Counter(
    "permission_cache_events_total",
    "Permission fact lookups by outcome: hit, miss (read from PostgreSQL and stored), "
    "bypass (cache skipped: breaker open or cache error).",
    ["event"],
)
READ_CACHE_EVENTS = Counter(
    "read_cache_events_total",
    "Read-model lookups (boxers/readmodels.py, clubs/readmodels.py) by model and outcome: hit, "
    "miss (computed from PostgreSQL and stored), bypass (cache skipped: breaker open or cache error).",
    ["model", "event"],
)
REPLAY_EVENTS = ("replayed", "changed", "recorded")
RESPONSE_REPLAYS = Counter(
    "response_replay_events_total",
    "Warm GET responses (boxerconnect/api/replay.py) by event: replayed (the round trip read "
    "what produced the remembered response: sent again), changed (it read something else: "
    "computed again), recorded (a response remembered).",
    ["event"],
)
CACHE_ROUND_TRIPS = Counter(
    "cache_round_trips_total",
    "Round trips to a guarded cache alias (one get_many/set_many is one).",
    ["alias", "outcome"],
)
REDIS_ROUND_TRIP = Histogram(
    "redis_round_trip_seconds",
    "Round trips of the guarded cache client to Redis, failed ones included, by path: fast "
    "(the hot MGET on a connection each thread keeps, cache/fastpath.py) or client "
    "(redis-py's client: writes, pipelines, pings).",
    ["path"],
    buckets=(0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1),
)
REDIS_POOL_CONNECTIONS = Gauge(
    "redis_pool_connections",
    "Connections this process's Redis pool has opened (one series per process: pid label).",
    multiprocess_mode="liveall",
)
REDIS_POOL_MAX = Gauge(
    "redis_pool_max_connections",
    "This process's Redis pool limit (REDIS_MAX_CONNECTIONS).",
    multiprocess_mode="liveall",
)
REDIS_POOL_EXHAUSTED = Counter(
    "redis_pool_exhausted",
    "Cache calls that found no free connection in their process's pool within "
    "REDIS_POOL_TIMEOUT (served without the cache).",
)
BREAKER_STATE = Gauge(
    "cache_breaker_state",
    "Circuit breaker state per cache alias: 0 closed, 1 open, 2 half-open.",
    ["alias"],
    multiprocess_mode="livemax",
)

# Every outcome is exported from the start (as 0), so a dashboard's rate() has a series
# before the first miss or bypass happens.
for _path in ("fast", "client"):
    REDIS_ROUND_TRIP.labels(_path)
for _event in REPLAY_EVENTS:
    RESPONSE_REPLAYS.labels(_event)
for _event in EVENTS:
    PERMISSION_CACHE_EVENTS.labels(_event)
    for _model in READ_MODELS:
        READ_CACHE_EVENTS.labels(_model, _event)


BREAKER_STATES = {0: "closed", 1: "open", 2: "half_open"}


def _registry(metrics_dir: str | None):
    """Every worker's metrics (the multiprocess files in `metrics_dir`), or this process's."""
    if not metrics_dir:
        return REGISTRY
    registry = CollectorRegistry()
    LockedMultiProcessCollector(registry, path=metrics_dir)
    return registry


def _rate(counts: dict[str, float]) -> float | None:
    total = sum(counts.values())
    return round(counts["hit"] / total, 4) if total else None


def cache_counters(metrics_dir: str | None) -> dict:
    """Permission-cache and read-model events, round trips and reported breaker states, summed
    over every worker's files in `metrics_dir` (or this process's counters without one)."""
    events = dict.fromkeys(EVENTS, 0.0)
    reads = {model: dict.fromkeys(EVENTS, 0.0) for model in READ_MODELS}
    trips: dict[str, float] = {}
    breaker: dict[str, str] = {}
    for family in _registry(metrics_dir).collect():
        for sample in family.samples:
            labels = sample.labels
            if sample.name == "permission_cache_events_total" and labels.get("event") in events:
                events[labels["event"]] += sample.value
            elif sample.name == "read_cache_events_total" and labels.get("model") in reads:
                if labels.get("event") in events:
                    reads[labels["model"]][labels["event"]] += sample.value
            elif sample.name == "cache_round_trips_total" and labels.get("alias") == "guarded":
                trips[labels["outcome"]] = trips.get(labels["outcome"], 0.0) + sample.value
            elif sample.name == "cache_breaker_state":
                breaker[labels["alias"]] = BREAKER_STATES.get(int(sample.value), str(sample.value))
    return {
        "source": f"multiprocess files in {metrics_dir}" if metrics_dir else "this process",
        "events": {k: int(v) for k, v in events.items()},
        "hit_rate": _rate(events),
        "read_models": {
            model: {"events": {k: int(v) for k, v in counts.items()}, "hit_rate": _rate(counts)}
            for model, counts in reads.items()
        },
        "round_trips": {k: int(v) for k, v in sorted(trips.items())},
        "breaker_reported": breaker,
    }


def live_cache_counters() -> dict:
    """`cache_counters` as /metrics sees them: all gunicorn workers when multiprocess."""
    return cache_counters(os.environ.get("PROMETHEUS_MULTIPROC_DIR") if MULTIPROCESS else None)


class JobsCollector(Collector):
    """The job queue as of this scrape: three small queries, bounded by HEALTH_PROBE_TIMEOUT
    (nothing is exported for the queue when the database does not answer in time)."""

    def collect(self):
        from boxerconnect.health import jobs_stats_bounded
        from boxerconnect.jobs.selectors import STATES

        stats = jobs_stats_bounded()
        if stats is None:
            return
        queued = GaugeMetricFamily(
            "jobs_queued",
            "Jobs by queue and state: due (waiting for a worker), scheduled (waiting for a retry "
            "or a later start), running, failed (attempts used up, waiting for an admin).",
            labels=["queue", "state"],
        )
        queues = {queue for queue, _ in stats.by_queue} | {"default", "mail"}
        for queue in sorted(queues):
            for state in STATES:
                queued.add_metric([queue, state], stats.by_queue.get((queue, state), 0))
        yield queued
        yield GaugeMetricFamily(
            "jobs_oldest_queued_seconds",
            "How long the oldest due job has waited for a worker (0 when none is waiting).",
            value=stats.oldest_queued_seconds,
        )
        processed = CounterMetricFamily(
            "jobs_processed",
            "Job attempts since the deployment began, by task and outcome: succeeded, retried "
            "(failed, will run again), failed (failed for good), lost (its worker died). The "
            "same figures on every app host: aggregate with max(), not sum().",
            labels=["task", "outcome"],
        )
        for (task, outcome), value in sorted(stats.processed.items()):
            processed.add_metric([task, outcome], value)
        yield processed
        yield GaugeMetricFamily(
            "jobs_workers", "Workers that sent a heartbeat within JOBS_WORKER_TIMEOUT.", value=stats.workers
        )


class RedisServerCollector(Collector):
    """The Redis server's figures (cache/serverinfo.py: one INFO at most every
    REDIS_INFO_INTERVAL seconds per process) and `redis_up`; nothing without Redis, and only
    `redis_up` when INFO is denied. The same server figures on every app host: aggregate
    with max(), not sum()."""

    def collect(self):
        from boxerconnect.cache.serverinfo import FIELDS, snapshot

        taken = snapshot()
        if taken is None:
            return
        yield GaugeMetricFamily(
            "redis_up",
            "1 when Redis answered this process's last INFO (or refused it with an error "
            "reply), 0 when it did not answer or the cache breaker is open.",
            value=1 if taken.up else 0,
        )
        for field, (name, kind, text) in FIELDS.items():
            if field not in taken.figures:
                continue
            family = CounterMetricFamily if kind == "counter" else GaugeMetricFamily
            yield family(name, text, value=taken.figures[field])


class _Collectors(Collector):
    """Yields every metric of the registries given (for a one-off registry per scrape)."""

    def __init__(self, *registries) -> None:
        self.registries = registries

    def collect(self):
        for registry in self.registries:
            yield from registry.collect()


def render(accept: str | None = None) -> tuple[bytes, str]:
    """Return the exposition text and its content type, negotiated from the scraper's
    Accept header (Prometheus text 0.0.4 by default, OpenMetrics when asked for)."""
    registry = CollectorRegistry()
    if MULTIPROCESS:
        LockedMultiProcessCollector(registry)
    else:
        registry.register(_Collectors(REGISTRY))
    registry.register(JobsCollector())
    registry.register(RedisServerCollector())
    encoder, content_type = choose_encoder(accept or "")
    return encoder(registry), content_type
