"""Directory cells (boxers/readmodels.py): a boxer write voids the pages that can show its
old or new state, and only those; every other page stays warm.

Two kinds of proof: the cells are sound (whenever PostgreSQL says a profile matches a
query, the query's cell is one of the profile's cells: so the write bumps it), checked over
many (profile, query) pairs; and, through the API, each write path voids the pages that show
it (their next read is a miss and equals what PostgreSQL says) while the others are hits.
"""

from decimal import Decimal

import pytest
from django.http import QueryDict
from django.test import TestCase, override_settings

from boxers.filters import BoxerFilter, directory_query
from boxers.models import Boxer
from boxers.readmodels import boxer_cells, directory_cell
from boxers.selectors import boxer_search_queryset
from tests.accounts.factories import AdminFactory
from tests.boxers.factories import BoxerFactory, CoachLinkFactory
from tests.clubs.factories import ClubFactory
from tests.support.counting import read_events

pytestmark = pytest.mark.django_db

DIRECTORY = "/api/v1/boxers/"
CITIES = [
    "Cardiff",
    "Cardiff Bay",
    "CARDIGAN",
    "Swansea",
    "Ystradgynlais",
    "Saint-Étienne",
    "Straße",
    "Île",
    "",
]
QUERIES = [
    "",
    "city=cardiff",
    "city=ARDI",
    "city=diff b",
    "city=card",
    "city=Swan",
    "city=ea",
    "city=étienne",
    "city=STRASSE",
    "city=aße",
    "city=île",
    "experience_level=amateur",
    "gender=female",
    "gender=female&experience_level=amateur",
    "city=sea&gender=male&experience_level=advanced",
    "club={a}",
    "club={a}&city=card",
    "club={b}&gender=male",
    "search=o&min_weight=60",
    "country=wal&city=iff",
]


def test_every_profile_a_query_matches_has_the_query_cell():
    a, b = ClubFactory(), ClubFactory()
    levels, genders = ["amateur", "advanced"], ["male", "female", ""]
    for n, city in enumerate(CITIES):
        BoxerFactory(
            city=city,
            country="Wales",
            club=[a, b, None][n % 3],
            experience_level=levels[n % 2],
            gender=genders[n % 3],
            weight_kg=Decimal(55 + n * 3),
        )
    pairs = 0
    for raw in QUERIES:
        params = QueryDict(raw.format(a=a.pk, b=b.pk))
        query = directory_query(params, page_size=20, default_page_size=20, last_page_strings=("last",))
        assert query is not None, raw
        matching = BoxerFilter(data=params, queryset=boxer_search_queryset()).qs
        for boxer in matching:
            pairs += 1
            assert directory_cell(query) in boxer_cells(boxer), (raw, boxer.city)
    assert pairs > 30  # the check ran over many matches, not a handful (names are random)


def test_a_query_narrows_to_its_two_most_selective_facets_and_only_ascii_cities():
    def cell(raw: str) -> str:
        query = directory_query(QueryDict(raw), page_size=20, default_page_size=20, last_page_strings=())
        assert query is not None
        return directory_cell(query)

    assert cell("") == ""
    assert cell("search=x&min_weight=50&is_verified=true") == ""  # no facet among these
    assert cell("gender=male&experience_level=amateur&city=cardiff") == "city=CAR&experience_level=amateur"
    assert cell("city=ca") == ""  # under 3 letters: no trigram every match contains
    assert cell("city=île&gender=female") == "gender=female"  # beyond ASCII: no city cell
    club = ClubFactory()
    assert cell(f"city=card&club={club.pk}") == f"club={club.pk.hex}&city=CAR"


def test_a_hidden_or_deleted_state_is_in_no_cell():
    assert boxer_cells(Boxer(city="Cardiff", is_searchable=False)) == set()
    assert boxer_cells(Boxer(city="Cardiff", is_active=False)) == set()
    assert "" in boxer_cells(Boxer(city="Cardiff"))


# --- Through the API ------------------------------------------------------------------------


@pytest.fixture
def directory(client_for):
    """Listed boxers in two cities, two clubs, two levels, and the pages warmed."""
    home, away = ClubFactory(name="Home ABC"), ClubFactory(name="Away ABC")
    target = BoxerFactory(
        name="Target", city="Swansea", club=home, experience_level="amateur", gender="male", weight_kg=70
    )
    BoxerFactory(name="Carys", city="Cardiff", club=away, experience_level="advanced", gender="female")
    BoxerFactory(name="Owain", city="Swansea", club=home, experience_level="advanced", gender="male")
    pages = {
        "all": f"{DIRECTORY}?page_size=100",
        "swansea": f"{DIRECTORY}?city=swansea",
        "cardiff": f"{DIRECTORY}?city=Cardiff",
        "home": f"{DIRECTORY}?club={home.pk}",
        "away": f"{DIRECTORY}?club={away.pk}",
        "amateur": f"{DIRECTORY}?experience_level=amateur",
        "advanced": f"{DIRECTORY}?experience_level=advanced",
        "female": f"{DIRECTORY}?gender=female",
        "male advanced": f"{DIRECTORY}?gender=male&experience_level=advanced",
    }
    client = client_for(None)
    coach = CoachLinkFactory(boxer=target, rights=["manage_fights"]).coach
    return target, pages, client, {"home": home, "away": away}, coach


def read_all(client, pages) -> tuple[dict[str, dict], set[str]]:
    """Every page's body, and the names of those served from the cache."""
    bodies, hits = {}, set()
    for name, url in pages.items():
        with read_events("directory") as events:
            response = client.get(url)
        assert response.status_code == 200, response.content
        bodies[name] = response.json()
        if events.hit:
            hits.add(name)
    return bodies, hits


def uncached(client, pages) -> dict[str, dict]:
    with override_settings(READ_MODEL_CACHE=False):
        return {name: client.get(url).json() for name, url in pages.items()}


def patch(client_for, boxer, body):
    response = client_for(boxer.user).patch(f"{DIRECTORY}{boxer.pk}/", body, format="json")
    assert response.status_code == 200, response.content


@pytest.mark.parametrize(
    ("write", "voided"),
    [
        # A profile edit: the pages that show it (its city, club, level, gender's pages).
        (lambda w, cf: patch(cf, w[0], {"bio": "New bio"}), {"all", "swansea", "home", "amateur"}),
        # A move: the pages of the old state and those of the new one.
        (
            lambda w, cf: patch(cf, w[0], {"city": "Cardiff"}),
            {"all", "swansea", "cardiff", "home", "amateur"},
        ),
        (
            lambda w, cf: patch(cf, w[0], {"experience_level": "advanced"}),
            {"all", "swansea", "home", "amateur", "advanced", "male advanced"},
        ),
        (
            lambda w, cf: patch(cf, w[0], {"gender": "female"}),
            {"all", "swansea", "home", "amateur", "female"},
        ),
        # Hiding and deleting: the pages that showed it.
        (lambda w, cf: patch(cf, w[0], {"is_searchable": False}), {"all", "swansea", "home", "amateur"}),
        (
            lambda w, cf: cf(w[0].user).delete(f"{DIRECTORY}{w[0].pk}/"),
            {"all", "swansea", "home", "amateur"},
        ),
        # A fight changes its record, shown on the same pages.
        (
            lambda w, cf: cf(w[4]).post(
                f"{DIRECTORY}{w[0].pk}/fights/",
                {"opponent_name": "X", "date": "2025-01-02", "result": "win"},
                format="json",
            ),
            {"all", "swansea", "home", "amateur"},
        ),
        # Club membership: leaving the club.
        (
            lambda w, cf: cf(w[0].user).post(f"{DIRECTORY}{w[0].pk}/leave-club/"),
            {"all", "swansea", "home", "amateur"},
        ),
        # Deactivating its user voids every page (the user's row does not say where its profile shows).
        (
            lambda w, cf: cf(AdminFactory()).patch(
                f"/api/v1/admin/users/{w[0].user_id}/", {"is_active": False}, format="json"
            ),
            "every",
        ),
        # A club write voids every page (its name shows in the pages of its members).
        (
            lambda w, cf: cf(AdminFactory()).patch(
                f"/api/v1/clubs/{w[3]['away'].pk}/", {"name": "Renamed"}, format="json"
            ),
            "every",
        ),
    ],
    ids=[
        "profile-edit",
        "move-city",
        "change-level",
        "change-gender",
        "hide",
        "soft-delete",
        "fight",
        "leave-club",
        "deactivate-user",
        "club-rename",
    ],
)
def test_a_write_voids_the_pages_that_show_it_and_no_other(directory, client_for, write, voided):
    pages, client = directory[1], directory[2]
    read_all(client, pages)
    assert read_all(client, pages)[1] == set(pages)  # all warm

    with TestCase.captureOnCommitCallbacks(execute=True):
        response = write(directory, client_for)
    assert response is None or response.status_code < 300, response.content

    bodies, hits = read_all(client, pages)
    expected_voided = set(pages) if voided == "every" else voided
    assert set(pages) - hits == expected_voided
    assert bodies == uncached(client, pages)  # every page as PostgreSQL has it now
