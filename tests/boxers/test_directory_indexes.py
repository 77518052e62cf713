"""The directory's and the clubs directory's queries use the indexes made for them (boxers
0004, clubs 0005): checked on the plans PostgreSQL makes for the querysets the views build,
over a seeded population (bench/population.py) analysed like production's.

Planner choices depend on table sizes; a test-sized table is small enough that a sequential
scan is sometimes cheapest. So each plan is made twice: as PostgreSQL chooses it on the
seeded tables, where the test states what must hold at any size (the head of the name index
for the first page), and with `enable_seqscan = off`, which leaves the planner the indexes
that can answer the query at all: the trigram indexes must be among them, i.e. they match
the SQL Django writes for `icontains` (`UPPER(col::text) LIKE UPPER(...)`).
"""

import pytest
from django.db import connection
from django.db.models import Count
from django.http import QueryDict

from bench.population import seed
from boxers.filters import BoxerFilter
from boxers.models import Boxer
from boxers.selectors import boxer_search_queryset
from clubs.filters import ClubFilter
from clubs.models import Club

pytestmark = pytest.mark.django_db


@pytest.fixture
def population():
    population = seed(boxers=4000, clubs=60, seed=5)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return population


def directory_ids(query: str):
    """The ids subquery of a directory page (BoundedCountPaginator reads them first)."""
    return directory_page(query).select_related(None).values("pk")


def directory_page(query: str):
    """The page query of GET /api/v1/boxers/?<query> (first page of 20)."""
    return BoxerFilter(data=QueryDict(query), queryset=boxer_search_queryset()).qs[:20]


def plan(queryset, *, seqscan: bool = True) -> str:
    with connection.cursor() as cursor:
        cursor.execute(f"SET LOCAL enable_seqscan = {'on' if seqscan else 'off'}")
    try:
        return queryset.explain()
    finally:
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL enable_seqscan = on")


def test_the_first_page_reads_the_head_of_the_name_index(population):
    text = plan(directory_page(""))

    assert "boxers_directory_name" in text, text
    assert "Sort" not in text.split("boxers_directory_name")[0], text  # no sort above it


def rarest(field: str) -> str:
    """The least common non-empty value of `field` among the listed profiles."""
    counts = (
        boxer_search_queryset()
        .exclude(**{field: ""})
        .values(field)
        .annotate(n=Count("id"))
        .order_by("n", field)
    )
    return counts[0][field]


@pytest.mark.parametrize(("lookup", "index"), [("name", "boxers_name_trgm"), ("city", "boxers_city_trgm")])
def test_the_trigram_indexes_match_what_icontains_writes(population, lookup, index):
    """Whatever the selectivity: with sequential scans off the planner can still answer an
    `icontains` from the trigram index (it is on Django's expression, UPPER(col::text))."""
    text = plan(Boxer.objects.filter(**{f"{lookup}__icontains": "anCHes"}), seqscan=False)

    assert index in text, text


def test_the_filter_combination_reads_an_index_not_the_table(population):
    text = plan(directory_page("gender=female&experience_level=amateur&min_weight=55&max_weight=65"))

    assert "Seq Scan on boxers_boxer" not in text, text
    assert "boxers_directory_name" in text or "boxers_sparring_gender_weight" in text, text


@pytest.mark.parametrize(
    ("query", "index"), [("search=boxing", "clubs_name_trgm"), ("city=liver", "clubs_city_trgm")]
)
def test_club_searches_use_the_trigram_indexes(population, query, index):
    clubs = ClubFilter(data=QueryDict(query), queryset=Club.objects.all()).qs

    assert index in plan(clubs, seqscan=False)


@pytest.mark.parametrize("field", ["name", "city"])
def test_the_trigram_index_answers_what_the_sequential_scan_does(population, field):
    """Same rows through the index as through the table, in another case than stored."""
    term = rarest(field)[1:-1].swapcase()
    matching = (
        Boxer.objects.filter(**{f"{field}__icontains": term}).order_by("pk").values_list("pk", flat=True)
    )
    indexed = plan(matching, seqscan=False)
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        via_index = list(matching)
        cursor.execute("SET LOCAL enable_seqscan = on")
        cursor.execute("SET LOCAL enable_bitmapscan = off")
        cursor.execute("SET LOCAL enable_indexscan = off")
        via_table = list(matching)
        cursor.execute("SET LOCAL enable_bitmapscan = on")
        cursor.execute("SET LOCAL enable_indexscan = on")

    assert f"boxers_{field}_trgm" in indexed
    assert via_index == via_table and via_index


def test_the_filtered_count_leaves_out_inactive_users_by_their_partial_index(population):
    """The public rule (permissions.selectors.public_boxers) is an anti-join on the partial
    index of deactivated users, not a join against every user: the bounded count of a
    filtered search (BoundedCountPaginator: COUNT over the first rows) reads no user table."""
    rows = BoxerFilter(
        data=QueryDict("gender=female&experience_level=amateur&min_weight=55&max_weight=65"),
        queryset=boxer_search_queryset(),
    ).qs
    text = plan(rows.values("pk")[:1001])

    assert "accounts_user_inactive" in text, text
    assert "Seq Scan on accounts_user" not in text, text


def test_a_name_search_can_walk_the_name_index_without_reading_the_table(population):
    """A name search's page ids can be an index-only walk of `boxers_directory_name` (boxers
    0005): its entries carry the name the search tests and the user the public rule's
    anti-join reads. The planner takes it when the term is common (a surname among a
    million: bench/scale.py); here, with the table and the trigram index (bitmap scans)
    ruled out, it must be there and index-only."""
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_bitmapscan = off")
        text = plan(directory_ids("search=son")[:21], seqscan=False)
        cursor.execute("SET LOCAL enable_bitmapscan = on")

    assert "Index Only Scan using boxers_directory_name" in text, text
    assert "Seq Scan on boxers_boxer" not in text and "Sort" not in text, text


def test_the_planner_has_enough_statistics_to_see_a_common_name(population):
    """1,000 entries of statistics on the trigram index's expression (boxers 0005): with
    the default 100, a surname found in thousands of rows was estimated at a hundred and
    the planner sorted every match instead of walking the name index."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT attstattarget FROM pg_attribute"
            " WHERE attrelid = 'boxers_name_trgm'::regclass AND attnum = 1"
        )
        (target,) = cursor.fetchone()

    assert target == 1000
