"""Project-wide pagination (API.md): ?page=N&page_size=M, default 20, max 100, 404 past the end."""

import pytest

from tests.accounts.factories import UserFactory

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.boxerconnect.urls_for_tests")]


@pytest.fixture
def users():
    return UserFactory.create_batch(105)


def test_default_page_has_20_results_and_links(api, users):
    body = api.get("/test/users/").json()

    assert set(body) == {"count", "next", "previous", "results"}
    assert body["count"] == 105
    assert len(body["results"]) == 20
    assert body["previous"] is None
    assert body["next"].endswith("/test/users/?page=2")


def test_page_size_is_honoured_up_to_100(api, users):
    small = api.get("/test/users/", {"page_size": 5, "page": 2}).json()
    huge = api.get("/test/users/", {"page_size": 1000}).json()

    assert len(small["results"]) == 5
    assert "page=3" in small["next"] and "page_size=5" in small["next"]
    assert len(huge["results"]) == 100


def test_last_partial_page(api, users):
    body = api.get("/test/users/", {"page": 6}).json()

    assert len(body["results"]) == 5
    assert body["next"] is None


@pytest.mark.parametrize("page", ["7", "0", "-1", "abc"])
def test_page_out_of_range_or_malformed_is_json_404(api, users, page):
    response = api.get("/test/users/", {"page": page})

    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


@pytest.mark.parametrize("page_size", ["0", "-5", "abc"])
def test_bad_page_size_falls_back_to_the_default(api, users, page_size):
    body = api.get("/test/users/", {"page_size": page_size}).json()

    assert len(body["results"]) == 20
