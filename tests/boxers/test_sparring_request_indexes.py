"""A caller's sparring requests are read from the boxers it acts for (permissions.selectors
sparring_request_scope: requests from them UNION requests to them), through the
(from_boxer, created_at) and (to_boxer, created_at) indexes: checked on the plans PostgreSQL
makes over a seeded population (bench/population.py plus the requests and the busy coach of
bench/scale.py) analysed like production's. The cost follows the caller's boxers, not the
table.

As in test_directory_indexes, a test-sized table is small enough that a sequential scan of
the requests is sometimes cheapest (20,000 rows against ~400 index probes), so the plan is
made with `enable_seqscan = off`: the indexes must be able to answer the query at all, and
no sequential scan may be left that the planner could not avoid (the old rule, evaluated
over every request joined to its two boxers, left one whatever the settings)."""

import random

import pytest
from django.db import connection

from bench.population import seed
from bench.scale import busy_coach, seed_requests
from boxers.sparring.selectors import sparring_request_list
from permissions.facts import load_user_facts
from tests.support.committed import flush_committed

pytestmark = pytest.mark.django_db

# The (from_boxer, created_at) / (to_boxer, created_at) indexes or the foreign keys' own:
# either answers "the requests of these boxers"; the planner picks by size.
FROM_INDEX, TO_INDEX = "from_bo", "to_boxe"


@pytest.fixture(scope="module")
def population(django_db_setup, django_db_blocker):
    """Seeded and analysed once for the module (the tests only read plans and rows),
    committed, and flushed when the module is done."""
    with django_db_blocker.unblock():
        population = seed(boxers=4000, clubs=60, seed=5)
        rng = random.Random(5)
        seed_requests(population.boxers, population.clubs, 20_000, rng)
        coach = busy_coach(population, rng)
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    yield population, coach
    with django_db_blocker.unblock():
        flush_committed()


def fact(user_id):
    return load_user_facts([(str(user_id),)])[(str(user_id),)]


def scans(text: str) -> str:
    """The names of the indexes the plan reads the requests through."""
    return " ".join(
        line.split(" using ")[1].split(" on ")[0]
        for line in text.splitlines()
        if " using " in line and " on boxers_sparringrequest" in line
    )


def page_plan(actor, **filters) -> str:
    """The plan of the first page of GET /api/v1/sparring-requests/ for `actor`."""
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
    try:
        return sparring_request_list(actor=actor, **filters)[:20].explain()
    finally:
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL enable_seqscan = on")


@pytest.mark.parametrize("direction", [None, "incoming", "outgoing"])
def test_a_busy_coachs_requests_are_read_from_its_boxers(population, direction):
    _, coach = population

    text = page_plan(fact(coach.pk), direction=direction)

    assert "Seq Scan" not in text, text
    assert f"{FROM_INDEX}" in scans(text) and f"{TO_INDEX}" in scans(text), text


def test_a_club_owners_requests_are_read_from_its_members(population):
    clubs, owners = population[0].clubs, population[0].owners

    text = page_plan(fact(owners[0]))

    assert "Seq Scan" not in text, text
    assert f"{FROM_INDEX}" in scans(text) and f"{TO_INDEX}" in scans(text), text
    assert clubs[0]  # the biggest club: the one the busy coach's boxers are in


def test_the_page_is_the_rows_the_table_scan_gives(population):
    """Same requests, in the same order, whichever plan reads them."""
    _, coach = population
    actor = fact(coach.pk)
    requests = sparring_request_list(actor=actor).values_list("pk", flat=True)
    via_index = list(requests)
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_bitmapscan = off")
        cursor.execute("SET LOCAL enable_indexscan = off")
        via_table = list(requests)
        cursor.execute("SET LOCAL enable_bitmapscan = on")
        cursor.execute("SET LOCAL enable_indexscan = on")

    assert via_index == via_table and len(via_index) >= 300
