"""The directory's count stops growing with the table (boxerconnect/api/pagination.py,
`BoundedCountPaginator`): exact up to a limit, an estimate above it (exact on the last
page), while pages, `next`/`previous` and the 404 past the end stay exact."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from boxerconnect.api.pagination import BoundedCountPaginator
from tests.boxers.factories import BoxerFactory

LIST = "/api/v1/boxers/"


@pytest.fixture
def twelve(db, settings, monkeypatch):
    settings.READ_MODEL_CACHE = False  # every request reaches the database
    monkeypatch.setattr(BoundedCountPaginator, "exact_limit", 5)
    return sorted(BoxerFactory(name=f"Boxer {n:02d}").name for n in range(12))


def get(client, **params):
    response = client.get(LIST, params)
    return response.status_code, response.json()


def test_above_the_limit_the_count_is_an_estimate_and_the_pages_stay_exact(twelve, client_for):
    client = client_for(None)

    status, first = get(client, page_size=2)
    seen = [row["name"] for row in first["results"]]
    body = first
    for page in range(2, 7):
        assert body["next"] is not None
        status, body = get(client, page_size=2, page=page)
        assert status == 200
        seen += [row["name"] for row in body["results"]]

    assert first["count"] >= 6  # more than the limit: never a figure below what was counted
    assert seen == twelve  # every row once, in order
    assert body["next"] is None and body["count"] == 12  # the last page knows where it ends
    assert get(client, page_size=2, page=7)[0] == 404


def test_last_counts_exactly(twelve, client_for):
    status, body = get(client_for(None), page_size=5, page="last")

    assert status == 200
    assert [row["name"] for row in body["results"]] == twelve[10:]
    assert body["count"] == 12 and body["next"] is None and body["previous"] is not None


def test_the_count_reads_at_most_limit_plus_one_rows(twelve, client_for):
    with CaptureQueriesContext(connection) as queries:
        status, body = get(client_for(None), page_size=2)

    assert len(body["results"]) == 2
    counts = [q["sql"] for q in queries if "COUNT(" in q["sql"].upper()]
    assert status == 200 and len(counts) == 1
    assert "LIMIT 6" in counts[0]  # exact_limit + 1: stops there, whatever the table holds
    assert any(q["sql"].startswith("EXPLAIN") for q in queries)  # the estimate above it


def test_under_the_limit_the_count_is_exact_in_two_queries(
    db, settings, client_for, django_assert_num_queries
):
    settings.READ_MODEL_CACHE = False
    BoxerFactory.create_batch(7)
    client = client_for(None)

    with django_assert_num_queries(2):  # the page (with one row more) and the capped count
        status, body = get(client, page_size=3)

    assert (status, body["count"]) == (200, 7)
    assert body["next"] is not None
    assert get(client, page_size=3, page=3)[1]["count"] == 7
    assert get(client, page_size=3, page=4)[0] == 404


@pytest.mark.parametrize("page", ["0", "-1", "x", "1.5"])
def test_bad_page_numbers_are_404(twelve, client_for, page):
    assert get(client_for(None), page=page)[0] == 404


def test_a_page_reads_its_ids_first_then_only_those_rows(twelve, client_for):
    """Late row lookup (`BoundedCountPaginator._slice`): the page's ids in a subquery, in the
    list's order, then those rows with their club, in the same one statement; the rows come
    back in the list's order whatever the ids' order."""
    with CaptureQueriesContext(connection) as queries:
        status, body = get(client_for(None), page_size=3, page=2, ordering="-name")

    page = [q["sql"] for q in queries if "clubs_club" in q["sql"] and "boxers_boxer" in q["sql"]]
    assert status == 200
    assert [row["name"] for row in body["results"]] == twelve[::-1][3:6]
    assert len(page) == 1 and "IN (SELECT" in page[0] and "LIMIT 4 OFFSET 3" in page[0], page


def test_up_to_the_limit_a_page_is_chosen_among_the_matches_not_from_a_walk(db, settings, client_for):
    """With an exact count (at most `exact_limit` matches), the page's ids come from the
    matches themselves (a subquery with its own LIMIT exact_limit + 1, which the planner
    cannot turn into a walk of the name order), sorted: a rare filter costs its few matches,
    not a walk of the list until 21 of them turn up."""
    settings.READ_MODEL_CACHE = False
    names = sorted(BoxerFactory(name=f"Boxer {n}", weight_kg=60 + n).name for n in range(4))

    with CaptureQueriesContext(connection) as queries:
        status, body = get(client_for(None), min_weight=61, page_size=2)

    page = [q["sql"] for q in queries if "clubs_club" in q["sql"] and "boxers_boxer" in q["sql"]]
    assert status == 200 and body["count"] == 3
    assert [row["name"] for row in body["results"]] == names[1:3]
    assert len(page) == 1 and f"LIMIT {BoundedCountPaginator.exact_limit + 1}" in page[0], page
