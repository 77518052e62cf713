"""Prometheus metrics of the service: HTTP traffic, permission cache and breaker state.

With several gunicorn workers set PROMETHEUS_MULTIPROC_DIR (gunicorn.conf.py does) so
`/metrics` aggregates every worker; without it each process reports its own figures.
"""

from prometheus_client import (
    REGISTRY,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    multiprocess,
    values,
)
from prometheus_client.exposition import choose_encoder

# Whether this process writes to PROMETHEUS_MULTIPROC_DIR (decided by prometheus_client when
# first imported: gunicorn workers do; manage.py commands never do, see manage.py).
MULTIPROCESS = values.ValueClass is not values.MutexValue

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
    "Read-model lookups (permissions/readcache.py) by model and outcome: hit, miss (computed "
    "from PostgreSQL and stored), bypass (cache skipped: breaker open or cache error).",
    ["model", "event"],
)
CACHE_ROUND_TRIPS = Counter(
    "cache_round_trips_total",
    "Round trips to a guarded cache alias (one get_many/set_many is one).",
    ["alias", "outcome"],
)
BREAKER_STATE = Gauge(
    "cache_breaker_state",
    "Circuit breaker state per cache alias: 0 closed, 1 open, 2 half-open.",
    ["alias"],
    multiprocess_mode="livemax",
)

# Every outcome is exported from the start (as 0), so a dashboard's rate() has a series
# before the first miss or bypass happens.
for _event in ("hit", "miss", "bypass"):
    PERMISSION_CACHE_EVENTS.labels(_event)


def render(accept: str | None = None) -> tuple[bytes, str]:
    """Return the exposition text and its content type, negotiated from the scraper's
    Accept header (Prometheus text 0.0.4 by default, OpenMetrics when asked for)."""
    if MULTIPROCESS:
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
    else:
        registry = REGISTRY
    encoder, content_type = choose_encoder(accept)
    return encoder(registry), content_type
