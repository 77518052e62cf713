"""Request ids (echoed, generated, logged) and the Prometheus /metrics endpoint."""

import logging
import re
import uuid

import pytest
from prometheus_client import REGISTRY

from tests.boxers.factories import BoxerFactory
from tests.support.metrics import METRICS_TOKEN, label_values, scrape, series

pytestmark = pytest.mark.django_db


# --- Request id ---------------------------------------------------------------------------


def test_incoming_request_id_is_echoed_and_logged(api, caplog):
    caplog.set_level(logging.INFO, logger="boxerconnect.requests")

    response = api.get("/health/live", HTTP_X_REQUEST_ID="lb-7f3a.42_x")

    assert response["X-Request-ID"] == "lb-7f3a.42_x"
    [record] = [r for r in caplog.records if r.name == "boxerconnect.requests"]
    assert record.request_id == "lb-7f3a.42_x"
    assert record.getMessage().startswith("GET /health/live 200 ")


def test_missing_request_id_is_generated(api):
    first = api.get("/health/live")
    second = api.get("/health/live")

    assert re.fullmatch(r"[0-9a-f]{32}", first["X-Request-ID"])
    assert first["X-Request-ID"] != second["X-Request-ID"]


@pytest.mark.parametrize("incoming", ["has spaces", "x" * 65, "semi;colon", "new\\nline"])
def test_unsafe_request_id_is_replaced(api, incoming):
    response = api.get("/health/live", HTTP_X_REQUEST_ID=incoming)

    assert re.fullmatch(r"[0-9a-f]{32}", response["X-Request-ID"])


def test_error_responses_carry_the_request_id_too(api):
    response = api.get("/api/v1/nope/", HTTP_X_REQUEST_ID="abc-123")

    assert response.status_code == 404
    assert response["X-Request-ID"] == "abc-123"


def test_log_lines_inside_a_request_carry_its_id(api, caplog):
    caplog.set_level(logging.INFO)

    api.get("/api/v1/nope/", HTTP_X_REQUEST_ID="trace-me")
    logging.getLogger("outside").info("after the request")

    from boxerconnect.request_context import RequestIdLogFilter

    log_filter = RequestIdLogFilter()
    outside = next(r for r in caplog.records if r.name == "outside")
    log_filter.filter(outside)
    assert outside.request_id == "-"


# --- /metrics -----------------------------------------------------------------------------


def sample(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


def test_metrics_is_prometheus_text_with_request_counts(api, settings):
    settings.METRICS_TOKEN = METRICS_TOKEN
    before = sample("http_requests_total", method="GET", view="health-live", status="200")
    api.get("/health/live")
    api.get("/health/live")

    response = api.get("/metrics", HTTP_AUTHORIZATION=f"Bearer {METRICS_TOKEN}")

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain; version=0.0.4")
    text = response.content.decode()
    assert "# TYPE http_requests_total counter" in text
    assert "# TYPE http_request_duration_seconds histogram" in text
    assert sample("http_requests_total", method="GET", view="health-live", status="200") == before + 2


def test_metrics_label_requests_by_route_not_raw_path(api):
    api.get(f"/api/v1/permissions/check/?resource_id={uuid.uuid4()}")
    api.get(f"/no/such/{uuid.uuid4()}")

    text = scrape()

    assert 'view="permission-check"' in text
    assert 'view="unmatched"' in text
    assert "/no/such/" not in text


def test_metrics_report_permission_cache_events_and_breaker_state(client_for):
    boxer = BoxerFactory(is_searchable=False)
    client = client_for(boxer.user)
    params = {"action": "boxer.update", "resource_type": "boxer", "resource_id": str(boxer.pk)}
    misses, hits = (
        sample("permission_cache_events_total", event="miss"),
        sample("permission_cache_events_total", event="hit"),
    )

    client.get("/api/v1/permissions/check/", params)  # cold: facts read from PostgreSQL
    client.get("/api/v1/permissions/check/", params)  # warm: from Redis
    text = scrape()

    assert sample("permission_cache_events_total", event="miss") > misses
    assert sample("permission_cache_events_total", event="hit") > hits
    assert 'permission_cache_events_total{event="bypass"}' in text
    assert "# TYPE cache_breaker_state gauge" in text
    assert re.search(r'^cache_breaker_state\{alias="[^"]+"\} 0\.0$', text, re.MULTILINE)


def test_metrics_token_is_required_when_configured(api, settings):
    settings.METRICS_TOKEN = "s3cret-metrics-token"

    missing = api.get("/metrics")
    wrong = api.get("/metrics", HTTP_AUTHORIZATION="Bearer nope")
    right = api.get("/metrics", HTTP_AUTHORIZATION="Bearer s3cret-metrics-token")

    assert missing.status_code == 401
    assert missing.json()["code"] == "not_authenticated"
    assert missing["WWW-Authenticate"].startswith("Bearer")
    assert wrong.status_code == 401
    assert right.status_code == 200
    assert b"http_requests_total" in right.content


def test_metrics_without_a_token_are_closed_when_debug_is_off(api, settings):
    settings.METRICS_TOKEN = ""

    response = api.get("/metrics")

    assert response.status_code == 403
    assert response.json()["code"] == "metrics_not_public"
    assert b"http_requests_total" not in response.content


@pytest.mark.parametrize("opened_by", ["METRICS_PUBLIC", "DEBUG"])
def test_metrics_without_a_token_are_open_when_public_or_in_debug_mode(api, settings, opened_by):
    settings.METRICS_TOKEN = ""
    setattr(settings, opened_by, True)

    response = api.get("/metrics")

    assert response.status_code == 200
    assert b"http_requests_total" in response.content


def test_a_token_wins_over_metrics_public(api, settings):
    settings.METRICS_TOKEN = METRICS_TOKEN
    settings.METRICS_PUBLIC = True

    assert api.get("/metrics").status_code == 401
    assert api.get("/metrics", HTTP_AUTHORIZATION=f"Bearer {METRICS_TOKEN}").status_code == 200


MADE_UP_METHODS = [f"X{n:03d}FLOOD" for n in range(200)]
ALLOWED_METHOD_LABELS = {"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "other"}


@pytest.mark.parametrize("target", ["/metrics", "/api/v1/clubs/", "/no/such/0b7e4f1c-2d3a-4e5f-8a9b-0c1d2e3f4a5b"])
def test_attack_a_method_flood_adds_no_metric_series(api, target):
    api.generic("PATCH", target)  # a real method's series may be new: it is a fixed set
    before = scrape()

    statuses = {api.generic(method, target).status_code for method in MADE_UP_METHODS}
    after = scrape()

    assert max(statuses) < 500
    assert label_values(after, "http_requests_total", "method") <= ALLOWED_METHOD_LABELS
    assert label_values(after, "http_request_duration_seconds_bucket", "method") <= ALLOWED_METHOD_LABELS
    assert not any(method in after for method in MADE_UP_METHODS)
    # 200 methods became one "other" series per (view, status), and its latency histogram.
    assert series(after, "http_requests_total{") - series(before, "http_requests_total{") <= 1
    assert len(after) - len(before) < 4_000  # bytes: was 1.5 KB per made-up method


def test_metrics_can_be_switched_off(api, settings):
    settings.METRICS_ENABLED = False

    response = api.get("/metrics")

    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_metrics_speak_openmetrics_when_the_scraper_asks(api, settings):
    settings.METRICS_TOKEN = METRICS_TOKEN
    response = api.get(
        "/metrics",
        HTTP_ACCEPT="application/openmetrics-text; version=1.0.0",
        HTTP_AUTHORIZATION=f"Bearer {METRICS_TOKEN}",
    )

    assert response["Content-Type"].startswith("application/openmetrics-text")
    assert response.content.decode().rstrip().endswith("# EOF")
