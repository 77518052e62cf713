"""deploy/prometheus/alerts.yml: the guide's alerts, on metric names a real /metrics scrape
has (structural, always), checked and unit-tested by promtool when it is installed (Debian's
`prometheus` package; .ci/run installs it)."""

import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml
from prometheus_client.parser import text_string_to_metric_families

from boxerconnect.cache import serverinfo
from tests.boxers.factories import BoxerFactory
from tests.support.metrics import scrape

REPO = Path(__file__).resolve().parents[2]
RULES = REPO / "deploy/prometheus/alerts.yml"
RULE_TESTS = REPO / "deploy/prometheus/alerts.test.yml"
PROMTOOL = shutil.which("promtool")

# PromQL words that are not metric names (functions are recognised by their parenthesis).
KEYWORDS = {
    "and",
    "or",
    "unless",
    "on",
    "ignoring",
    "group_left",
    "group_right",
    "bool",
    "offset",
    "inf",
    "nan",
}


def alerts() -> dict[str, str]:
    document = yaml.safe_load(RULES.read_text())
    return {rule["alert"]: rule["expr"] for group in document["groups"] for rule in group["rules"]}


def metric_names(expr: str) -> set[str]:
    """The metric names an expression selects."""
    bare = re.sub(r"\{[^}]*\}", " ", expr)  # label matchers
    bare = re.sub(r"\b(?:without|by)\s*\([^)]*\)", " ", bare)  # grouping labels
    bare = re.sub(r"\[[^\]]*\]", " ", bare)  # range selectors
    names = set()
    for match in re.finditer(r"[a-zA-Z_:][a-zA-Z0-9_:]*", bare):
        following = bare[match.end() :].lstrip()
        if following.startswith("(") or match.group().lower() in KEYWORDS:
            continue
        names.add(match.group())
    return names


def test_the_guides_alerts_are_all_there():
    assert {
        "RedisDown",
        "RedisHighLatency",
        "RedisMemoryHigh",
        "RedisEvictionsRising",
        "RedisHitRateLow",
        "RedisConnectionFailures",
    } <= set(alerts())


def test_metric_names_are_read_from_expressions():
    assert metric_names(alerts()["RedisDown"]) == {"redis_up"}
    assert metric_names(alerts()["RedisMemoryHigh"]) == {"redis_memory_used_bytes", "redis_memory_max_bytes"}
    assert metric_names(alerts()["RedisHighLatency"]) == {"redis_round_trip_seconds_bucket"}


@pytest.mark.django_db
def test_every_alert_selects_metrics_a_real_scrape_exports(private_redis, client_for):
    serverinfo.forget()
    boxer = BoxerFactory()
    assert client_for(boxer.user).get(f"/api/v1/boxers/{boxer.pk}/").status_code == 200
    exported = {
        sample.name for family in text_string_to_metric_families(scrape()) for sample in family.samples
    }
    serverinfo.forget()

    missing = {name: metric_names(expr) - exported for name, expr in alerts().items()}

    assert {name: names for name, names in missing.items() if names} == {}


@pytest.mark.skipif(PROMTOOL is None, reason="promtool not installed (apt-get install prometheus)")
def test_promtool_accepts_the_rules():
    result = subprocess.run(
        [PROMTOOL, "check", "rules", str(RULES)], capture_output=True, text=True, timeout=60
    )

    assert result.returncode == 0, result.stdout + result.stderr
    assert f"SUCCESS: {len(alerts())} rules found" in result.stdout


@pytest.mark.skipif(PROMTOOL is None, reason="promtool not installed (apt-get install prometheus)")
def test_promtool_unit_tests_of_the_alerts_pass():
    result = subprocess.run(
        [PROMTOOL, "test", "rules", str(RULE_TESTS)], capture_output=True, text=True, timeout=120
    )

    assert result.returncode == 0, result.stdout + result.stderr
    assert "SUCCESS" in result.stdout
