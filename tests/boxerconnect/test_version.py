"""One version: /health, the OpenAPI document and pyproject.toml report the same one."""

import tomllib

import pytest

import boxerconnect
from tests.boxerconnect.subproc import REPO

pytestmark = pytest.mark.django_db


def test_the_openapi_version_is_the_version_health_reports(api):
    health = api.get("/health").json()
    schema = api.get("/api/schema/?format=json").json()

    assert schema["info"]["version"] == health["version"] == boxerconnect.__version__


def test_the_package_metadata_carries_the_same_version():
    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]

    assert project["version"] == boxerconnect.__version__
