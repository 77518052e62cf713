"""Through HTTP: a warm authenticated request spends no SQL on authentication or authorization
and one cache round trip, for a detail and for list pages of 1, 10 and 100 items. With the
read-model cache (boxers/readmodels.py) the whole request spends no SQL at all, in that
same round trip (the view's read-model keys ride with the facts)."""

import pytest

from boxers import readmodels as boxers_readmodels
from tests.accounts.factories import CoachFactory
from tests.boxers.factories import BoxerFactory, CoachLinkFactory
from tests.clubs.factories import ClubFactory
from tests.support.counting import Events, read_events

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _no_rate_limits(settings):
    """The rate limiter keeps its own history in the cache: not part of what is counted here."""
    rates = {**settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], "user": None, "anon": None}
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": rates}


@pytest.fixture
def no_read_models(settings):
    settings.READ_MODEL_CACHE = False


@pytest.mark.usefixtures("no_read_models")
def test_a_warm_boxer_detail_reads_only_the_profile_row(client_for, django_assert_num_queries):
    coach = CoachFactory()
    boxer = BoxerFactory(is_searchable=False)  # visible through the link only
    CoachLinkFactory(coach=coach, boxer=boxer)
    client = client_for(coach)
    assert client.get(f"/api/v1/boxers/{boxer.pk}/").status_code == 200

    with django_assert_num_queries(1) as queries, Events() as events:
        response = client.get(f"/api/v1/boxers/{boxer.pk}/")

    assert response.status_code == 200
    assert "boxers_boxer" in queries.captured_queries[0]["sql"]
    assert (events.ok, events.hit, events.miss) == (1, 3, 0)


def test_a_cold_boxer_detail_reads_each_fact_family_once(client_for, django_assert_num_queries):
    coach = CoachFactory()
    boxer = BoxerFactory(is_searchable=False)
    CoachLinkFactory(coach=coach, boxer=boxer)

    # user row + owned clubs, boxer fact, link fact, then the profile itself
    with django_assert_num_queries(5):
        response = client_for(coach).get(f"/api/v1/boxers/{boxer.pk}/")

    assert response.status_code == 200


@pytest.mark.usefixtures("no_read_models")
@pytest.mark.parametrize("size", [1, 10, 100])
def test_a_warm_list_page_costs_the_same_whatever_its_size(client_for, django_assert_num_queries, size):
    BoxerFactory.create_batch(size)
    client = client_for(CoachFactory())
    url = f"/api/v1/boxers/?page_size={size}"
    assert len(client.get(url).json()["results"]) == size

    with django_assert_num_queries(2), Events() as events:  # the page and its count
        response = client.get(url)

    assert len(response.json()["results"]) == size
    assert (events.ok, events.miss) == (1, 0)


def test_a_warm_boxer_detail_with_read_models_spends_no_sql(client_for, django_assert_num_queries):
    coach = CoachFactory()
    boxer = BoxerFactory(is_searchable=False)
    CoachLinkFactory(coach=coach, boxer=boxer)
    client = client_for(coach)
    first = client.get(f"/api/v1/boxers/{boxer.pk}/")

    with django_assert_num_queries(0), Events() as events, read_events("profile") as reads:
        response = client.get(f"/api/v1/boxers/{boxer.pk}/")

    assert response.status_code == 200
    assert response.json() == first.json()
    # one round trip: authentication, authorization and the representation
    assert (events.ok, events.hit, events.miss) == (1, 3, 0)
    assert (reads.hit, reads.miss, reads.bypass) == (1, 0, 0)


@pytest.mark.parametrize("size", [1, 10, 100])
def test_a_warm_list_page_with_read_models_spends_no_sql(client_for, django_assert_num_queries, size):
    BoxerFactory.create_batch(size)
    client = client_for(CoachFactory())
    url = f"/api/v1/boxers/?page_size={size}"
    first = client.get(url).json()
    assert len(first["results"]) == size

    with django_assert_num_queries(0), Events() as events, read_events("directory") as reads:
        response = client.get(url)

    assert response.json() == first
    assert (events.ok, events.miss) == (1, 0)
    assert (reads.hit, reads.miss) == (1, 0)


def test_a_cold_list_page_with_read_models_reads_the_page_once(client_for, django_assert_num_queries):
    BoxerFactory.create_batch(3)
    client = client_for(CoachFactory())
    client.get("/api/v1/boxers/me/")  # warms the caller's own facts only

    with django_assert_num_queries(2), read_events("directory") as reads:  # the page and its count
        response = client.get("/api/v1/boxers/?page_size=3")

    assert len(response.json()["results"]) == 3
    assert (reads.hit, reads.miss) == (0, 1)


def test_a_warm_anonymous_directory_page_is_one_round_trip_and_no_sql(api, django_assert_num_queries):
    BoxerFactory.create_batch(3)
    first = api.get("/api/v1/boxers/?page_size=3").json()

    with django_assert_num_queries(0), Events() as events, read_events("directory") as reads:
        response = api.get("/api/v1/boxers/?page_size=3")

    assert response.json() == first
    assert (events.ok, reads.hit) == (1, 1)  # no facts to read: the page's own lookup


def test_a_warm_anonymous_profile_is_one_round_trip_and_no_sql(api, django_assert_num_queries):
    boxer = BoxerFactory()
    first = api.get(f"/api/v1/boxers/{boxer.pk}/").json()

    with django_assert_num_queries(0), Events() as events, read_events("profile") as reads:
        response = api.get(f"/api/v1/boxers/{boxer.pk}/")

    assert response.json() == first
    # the boxer's fact and the profile, read together (checker.prime) before the check
    assert (events.ok, events.hit, reads.hit) == (1, 1, 1)


# --- The caller's own: GET /auth/me/ and GET /boxers/me/ ------------------------------------


def test_a_warm_own_account_is_one_round_trip_and_no_sql(
    private_redis, redis_commands, client_for, django_assert_num_queries
):
    client = client_for(CoachFactory())
    first = client.get("/api/v1/auth/me/")

    with django_assert_num_queries(0), redis_commands, Events() as events, read_events("account") as reads:
        response = client.get("/api/v1/auth/me/")

    assert response.status_code == 200
    assert response.content == first.content
    # authentication (the user fact) and the body, in one MGET
    assert (events.ok, events.hit, events.miss, redis_commands.count) == (1, 1, 0, 1)
    assert (reads.hit, reads.miss) == (1, 0)


def test_a_warm_own_profile_is_one_round_trip_and_no_sql(
    private_redis, redis_commands, client_for, django_assert_num_queries
):
    boxer = BoxerFactory(club=ClubFactory())
    client = client_for(boxer.user)
    first = client.get("/api/v1/boxers/me/")
    assert first.json()["club"] is not None and "date_of_birth" in first.json()

    with django_assert_num_queries(0), redis_commands, Events() as events, read_events("profile") as reads:
        response = client.get("/api/v1/boxers/me/")

    assert response.status_code == 200
    assert response.content == first.content
    # the user fact (which names the profile), the boxer's fact and the profile, in one MGET
    assert (events.ok, events.hit, events.miss, redis_commands.count) == (1, 2, 0, 1)
    assert (reads.hit, reads.miss) == (1, 0)


def test_a_warm_own_profile_that_does_not_exist_is_one_round_trip_and_no_sql(
    private_redis, redis_commands, client_for, django_assert_num_queries
):
    client = client_for(CoachFactory())
    assert client.get("/api/v1/boxers/me/").status_code == 404

    with django_assert_num_queries(0), redis_commands, Events() as events:
        response = client.get("/api/v1/boxers/me/")

    assert response.status_code == 404
    assert (events.ok, events.hit, redis_commands.count) == (1, 1, 1)


def test_a_process_that_never_served_the_owner_pays_one_more_round_trip_once(
    private_redis, client_for, django_assert_num_queries
):
    boxer = BoxerFactory()
    client = client_for(boxer.user)
    first = client.get("/api/v1/boxers/me/")
    boxers_readmodels._own_profiles.clear()  # as in another worker: no guess of the profile

    with django_assert_num_queries(0), Events() as unguessed:
        response = client.get("/api/v1/boxers/me/")
    with Events() as guessed:
        client.get("/api/v1/boxers/me/")

    assert response.content == first.content
    assert (unguessed.ok, guessed.ok) == (2, 1)
