"""Scraping /metrics in tests: in-process with a token, and reading the label values back."""

import re

from django.test import override_settings
from rest_framework.test import APIClient

# The token in-process scrapes use, and the one LiveApp gives its gunicorn servers.
METRICS_TOKEN = "test-only-metrics-token"

_SAMPLE = re.compile(r"^(?P<name>[a-z_]+)\{(?P<labels>[^}]*)\} ", re.MULTILINE)
_LABEL = re.compile(r'(\w+)="((?:[^"\\]|\\.)*)"')


def scrape() -> str:
    """The exposition text, as a scraper holding the metrics token gets it."""
    with override_settings(METRICS_TOKEN=METRICS_TOKEN):
        response = APIClient().get("/metrics", HTTP_AUTHORIZATION=f"Bearer {METRICS_TOKEN}")
    assert response.status_code == 200, response.content
    return response.content.decode()


def label_values(text: str, metric: str, label: str) -> set[str]:
    """Every value `label` takes in the samples of `metric` (exact name)."""
    values = set()
    for match in _SAMPLE.finditer(text):
        if match["name"] == metric:
            labels = dict(_LABEL.findall(match["labels"]))
            if label in labels:
                values.add(labels[label])
    return values


def series(text: str, prefix: str) -> int:
    """How many samples start with `prefix` (a metric name and, optionally, more)."""
    return sum(1 for line in text.splitlines() if line.startswith(prefix))
