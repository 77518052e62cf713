"""A directory page is cached under its validated, canonical parameters, never its raw URI:
every spelling of one query is one entry with one body, a Host or port that ALLOWED_HOSTS does
not name literally is served uncached, and a page that matches nothing is never stored."""

import datetime
import uuid

import pytest
from django.core.cache import caches

from tests.accounts.factories import AdminFactory
from tests.boxers.factories import BoxerFactory
from tests.clubs.factories import ClubFactory
from tests.support.counting import read_events

pytestmark = pytest.mark.django_db

DIRECTORY = "/api/v1/boxers/"


def directory_entries() -> int:
    return len(caches["guarded"].keys("read:f:directory*"))


@pytest.fixture
def cardiff():
    return BoxerFactory.create_batch(3, city="Cardiff")


SPELLINGS = [
    "?city=Cardiff&page_size=1",
    "?page_size=1&city=Cardiff",
    "?city=Cardiff&page_size=1&utm_source=x",
    "?zz=1&page_size=1&city=Cardiff&page=1",
    "?city=Cardiff&page_size=01&ordering=",
    "?city=%20Cardiff%20&page_size=1",  # the filter strips the value
    "?city=Cardiff&page_size=1&club=",
]


def test_every_spelling_of_one_query_is_one_entry_with_one_body(api, cardiff):
    bodies = []
    with read_events("directory") as reads:
        for query in SPELLINGS:
            response = api.get(DIRECTORY + query)
            assert response.status_code == 200
            bodies.append(response.content)

    assert (reads.miss, reads.hit) == (1, len(SPELLINGS) - 1)
    assert directory_entries() == 1
    assert len(set(bodies)) == 1
    assert api.get(DIRECTORY + SPELLINGS[-1]).json()["next"] == (
        "http://testserver/api/v1/boxers/?city=Cardiff&page=2&page_size=1"
    )


@pytest.mark.parametrize(
    ("first", "second"),
    [
        ("", "?page=1&page_size=20"),  # defaults spelled out
        ("?page_size=100", "?page_size=1000"),  # capped at the maximum
        ("?page_size=100", "?page_size=abc&page_size=100"),  # the last value counts
        ("?min_weight=60.5", "?min_weight=60.50"),
        ("?max_weight=100", "?max_weight=1e2"),
        ("?is_verified=false", "?is_verified=0"),
        ("?ordering=-name", "?ordering=-name&foo=bar"),
    ],
)
def test_equivalent_queries_share_an_entry(api, cardiff, first, second):
    one = api.get(DIRECTORY + first)
    with read_events("directory") as reads:
        other = api.get(DIRECTORY + second)

    assert one.status_code == other.status_code == 200
    assert (reads.hit, reads.miss) == (1, 0)
    assert one.content == other.content
    assert directory_entries() == 1


@pytest.mark.parametrize(
    "extra",
    [
        {"HTTP_HOST": "testserver:8080"},
        {"HTTP_HOST": "TESTSERVER"},
        {"HTTP_HOST": "localhost:1"},
        {"SERVER_PORT": "8443", "HTTP_HOST": "127.0.0.1:9443"},
    ],
    ids=["port", "case", "other-port", "ip-port"],
)
def test_a_host_spelling_not_listed_in_allowed_hosts_is_served_uncached(api, cardiff, extra):
    host = extra["HTTP_HOST"]
    for _ in range(3):
        with read_events("directory") as reads:
            response = api.get(f"{DIRECTORY}?page_size=1", **extra)

        assert response.status_code == 200
        assert response.json()["next"] == f"http://{host}/api/v1/boxers/?page=2&page_size=1"  # its own links
        assert (reads.hit, reads.miss, reads.bypass) == (0, 0, 0)  # not even looked up
    assert directory_entries() == 0


def test_a_listed_host_with_the_servers_own_port_is_cached(api, cardiff):
    """Reached directly (gunicorn on :8000, no proxy), clients send the port: cached, once."""
    url = f"{DIRECTORY}?page_size=1"
    for _ in range(2):
        with read_events("directory") as reads:
            response = api.get(url, HTTP_HOST="localhost:8000", SERVER_PORT="8000")
    assert reads.hit == 1
    assert response.json()["next"] == "http://localhost:8000/api/v1/boxers/?page=2&page_size=1"
    assert directory_entries() == 1


def test_host_variants_cannot_multiply_entries_beyond_allowed_hosts(api, cardiff, settings):
    """1,000 requests over every Host spelling Django lets through: at most one entry per
    (listed host, scheme, with or without the server's port)."""
    rates = dict.fromkeys(settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"])  # a separate defence
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": rates}
    for port in range(1000):
        host = ["testserver", "localhost", "127.0.0.1"][port % 3]
        api.get(f"{DIRECTORY}?page_size=2", HTTP_HOST=f"{host}:{port}" if port % 2 else host.upper())
    for secure in (False, True):
        response = api.get(f"{DIRECTORY}?page_size=2", HTTP_HOST="localhost", secure=secure)
        assert response.json()["next"].split(":")[0] == ("https" if secure else "http")

    api.get(f"{DIRECTORY}?page_size=2", HTTP_HOST="localhost:80")  # the test server's own port

    # "127.0.0.1".upper() is itself, and listed; localhost over http and https, and with :80
    assert directory_entries() == 4
    assert directory_entries() <= 2 * 2 * len(settings.ALLOWED_HOSTS)  # scheme x (port or not)


@pytest.mark.parametrize(
    "query",
    [f"?club={uuid.uuid4()}", "?search=no-such-boxer", "?city=Atlantis&page_size=5"],
    ids=["club-that-does-not-exist", "search-that-matches-nothing", "city-with-no-boxer"],
)
def test_a_page_that_matches_nothing_is_never_stored(api, cardiff, query):
    with read_events("directory") as reads:
        first, again = api.get(DIRECTORY + query), api.get(DIRECTORY + query)

    assert first.status_code == again.status_code == 200
    assert first.json()["count"] == 0 and again.content == first.content
    assert (reads.hit, reads.miss) == (0, 2)
    assert directory_entries() == 0


def test_a_cached_page_shows_the_age_groups_of_the_day_it_is_read(api, monkeypatch):
    """The day is part of the page's key: a page cached the day before a 15th birthday is
    not served on the birthday."""
    BoxerFactory(date_of_birth=datetime.date(2010, 6, 1), name="Birthday Boxer")
    day_before, birthday = datetime.date(2025, 5, 31), datetime.date(2025, 6, 1)
    monkeypatch.setattr("django.utils.timezone.localdate", lambda *args: day_before)
    api.get(DIRECTORY)
    assert api.get(DIRECTORY).json()["results"][0]["age_group"] == "schools"

    monkeypatch.setattr("django.utils.timezone.localdate", lambda *args: birthday)
    with read_events("directory") as reads:
        page = api.get(DIRECTORY).json()

    assert reads.miss == 1
    assert page["results"][0]["age_group"] == "junior"
    assert "date_of_birth" not in page["results"][0]


def test_an_unpublished_club_filters_nothing_and_shows_as_null(api, client_for):
    unpublished = ClubFactory(is_published=False, owner=None)
    published = ClubFactory()
    member = BoxerFactory(club=unpublished, name="Quiet Member")
    BoxerFactory(club=published)
    admin = client_for(AdminFactory())

    for client in (api, admin):  # the directory is public: the same for every caller
        assert client.get(f"{DIRECTORY}?club={unpublished.pk}").json()["count"] == 0
        assert client.get(f"{DIRECTORY}?club={published.pk}").json()["count"] == 1
        listed = {item["id"]: item for item in client.get(DIRECTORY).json()["results"]}
        assert listed[str(member.pk)]["club"] is None
