"""What a profile shows to whom (API.md "Boxers", changed):

- the public Boxer has `age_group`, computed on the day of the request, and no date of birth;
  `date_of_birth` only for callers allowed `boxer.update` on the profile and in `me/`;
- `club` is null for callers who may not view the club (unpublished), and the directory, the
  same for every caller, never shows an unpublished club;
- the cached profile entry is the same whoever filled it, and the per-caller additions cost
  no SQL and no second round trip.
"""

import datetime

import pytest
from django.core.cache import caches
from django.utils import timezone

from boxerconnect.cache import keys as cache_keys
from boxers.ages import AgeGroup, age_group, age_on
from tests.accounts.factories import AdminFactory, GymOwnerFactory
from tests.boxers.factories import BoxerFactory
from tests.clubs.factories import ClubFactory
from tests.support.counting import Events, read_events
from tests.support.worlds import BOXER_ACTORS, build_world

pytestmark = pytest.mark.django_db

DIRECTORY = "/api/v1/boxers/"
BORN = datetime.date(2011, 3, 14)  # a minor


def url(boxer) -> str:
    return f"{DIRECTORY}{boxer.pk}/"


# --- Age groups -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("age", "group"),
    [
        (0, "schools"),
        (14, "schools"),
        (15, "junior"),
        (16, "junior"),
        (17, "youth"),
        (18, "youth"),
        (19, "elite"),
        (40, "elite"),
        (41, "masters"),
        (90, "masters"),
    ],
)
def test_age_groups_follow_the_bands(age, group):
    born = datetime.date(1990, 7, 20)

    assert age_group(born, born.replace(year=born.year + age)) == AgeGroup(group)


@pytest.mark.parametrize(
    ("age", "before", "on"),
    [(15, "schools", "junior"), (17, "junior", "youth"), (19, "youth", "elite"), (41, "elite", "masters")],
)
def test_the_group_changes_on_the_birthday_itself(age, before, on):
    born = datetime.date(1990, 7, 20)
    birthday = born.replace(year=born.year + age)

    assert age_group(born, birthday - datetime.timedelta(days=1)) == AgeGroup(before)
    assert age_group(born, birthday) == AgeGroup(on)


def test_a_leap_day_birthday_counts_from_the_first_of_march():
    born = datetime.date(2008, 2, 29)

    assert age_on(born, datetime.date(2023, 2, 28)) == 14
    assert age_on(born, datetime.date(2023, 3, 1)) == 15
    assert age_group(born, datetime.date(2023, 2, 28)) == AgeGroup.SCHOOLS
    assert age_group(born, datetime.date(2023, 3, 1)) == AgeGroup.JUNIOR
    assert age_group(None, datetime.date(2023, 3, 1)) is None
    assert age_group("2008-02-29", datetime.date(2024, 2, 29)) == AgeGroup.JUNIOR


# --- Who sees the date of birth ----------------------------------------------------------------

# boxer.update on a public profile: the owner, a coach with edit_profile, the club's owner, an admin.
SEES_BIRTH_DATE = {"owner", "coach_edit", "club_owner", "admin"}


@pytest.mark.parametrize("actor", BOXER_ACTORS)
def test_only_callers_allowed_to_update_the_profile_see_its_date_of_birth(client_for, actor):
    world = build_world("public")
    world.boxer.date_of_birth = BORN
    world.boxer.save()
    client = client_for(world.users[actor])

    bodies = [client.get(url(world.boxer)).json() for _ in range(2)]  # stored, then served cached

    for body in bodies:
        assert body["age_group"] in ("schools", "junior")
        if actor in SEES_BIRTH_DATE:
            assert body["date_of_birth"] == "2011-03-14"
        else:
            assert "date_of_birth" not in body
        assert list(body)[:7] == ["id", "user_id", "name", "weight_kg", "height_cm", "age_group"] + (
            ["date_of_birth"] if actor in SEES_BIRTH_DATE else ["gender"]
        )


def test_no_list_carries_a_date_of_birth(client_for):
    world = build_world("public")
    world.boxer.date_of_birth = BORN
    world.boxer.save()

    for actor in ("anonymous", "owner", "admin"):
        client = client_for(world.users[actor])
        for page in (DIRECTORY, f"{DIRECTORY}?page_size=100&search=Target"):
            items = client.get(page).json()["results"]
            assert items and all("date_of_birth" not in item for item in items)
            assert "2011-03-14" not in client.get(page).content.decode()
        members = client_for(world.users["club_owner"]).get(f"/api/v1/clubs/{world.club.pk}/members/")
        assert "2011-03-14" not in members.content.decode()


def test_me_and_write_responses_show_the_date_of_birth_to_those_who_may_write(client_for):
    world = build_world("public")
    owner = client_for(world.users["owner"])

    patched = owner.patch(url(world.boxer), {"date_of_birth": "2011-03-14"}, format="json").json()
    me = owner.get(f"{DIRECTORY}me/").json()
    coach = client_for(world.users["coach_edit"]).patch(url(world.boxer), {"city": "Rhyl"}, format="json")

    assert patched["date_of_birth"] == me["date_of_birth"] == "2011-03-14"
    assert coach.status_code == 200 and coach.json()["date_of_birth"] == "2011-03-14"
    assert "date_of_birth" not in client_for(world.users["coach_fights"]).get(url(world.boxer)).json()


def test_a_profile_without_a_date_of_birth_has_no_age_group(client_for):
    boxer = BoxerFactory(date_of_birth=None)

    assert client_for(None).get(url(boxer)).json()["age_group"] is None
    assert client_for(boxer.user).get(url(boxer)).json()["date_of_birth"] is None


def test_a_cached_profile_shows_the_age_group_of_the_day_it_is_read(client_for, monkeypatch):
    """The cached body is the day-independent public one: the group is computed at render
    time from the date of birth, so a profile cached the day before a 15th birthday shows
    `junior` on the birthday, from the same cache entry."""
    boxer = BoxerFactory(date_of_birth=datetime.date(2010, 6, 1))
    anonymous = client_for(None)
    monkeypatch.setattr("django.utils.timezone.localdate", lambda *args: datetime.date(2025, 5, 31))
    assert anonymous.get(url(boxer)).json()["age_group"] == "schools"

    monkeypatch.setattr("django.utils.timezone.localdate", lambda *args: datetime.date(2025, 6, 1))
    with read_events("profile") as reads:
        body = anonymous.get(url(boxer)).json()

    assert reads.hit == 1
    assert body["age_group"] == "junior"


def test_the_private_additions_cost_no_sql_and_no_second_round_trip(
    client_for, django_assert_num_queries, settings
):
    rates = dict.fromkeys(settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"])  # the limiter's own trip
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": rates}
    world = build_world("hidden")  # visible to the editing coach through its link only
    world.boxer.date_of_birth = BORN
    world.boxer.save()
    client = client_for(world.users["coach_edit"])
    first = client.get(url(world.boxer)).json()

    with django_assert_num_queries(0), Events() as events, read_events("profile") as reads:
        body = client.get(url(world.boxer)).json()

    assert body == first and body["date_of_birth"] == "2011-03-14"
    assert (events.ok, events.miss, reads.hit) == (1, 0, 1)


# --- The club a profile shows --------------------------------------------------------------


@pytest.fixture
def quiet_club_member():
    """A public profile in an unpublished club owned by `owner`."""
    owner = GymOwnerFactory()
    club = ClubFactory(name="Quiet ABC", owner=owner, is_published=False)
    boxer = BoxerFactory(club=club, date_of_birth=BORN)
    return boxer, club, owner


def test_an_unpublished_club_shows_only_to_those_who_may_view_it(client_for, quiet_club_member):
    boxer, club, owner = quiet_club_member
    callers = {
        "anonymous": None,
        "the boxer": boxer.user,
        "another gym owner": GymOwnerFactory(),
        "the club's owner": owner,
        "an admin": AdminFactory(),
    }
    may_view = {"the club's owner", "an admin"}

    for _ in range(2):  # stored, then served from the cache
        for name, user in callers.items():
            body = client_for(user).get(url(boxer)).json()
            expected = {"id": str(club.pk), "name": "Quiet ABC"} if name in may_view else None
            assert body["club"] == expected, name
    assert client_for(boxer.user).get(f"{DIRECTORY}me/").json()["club"] is None


def test_publishing_the_club_shows_it_to_everyone_on_the_next_read(client_for, quiet_club_member):
    boxer, club, owner = quiet_club_member
    anonymous = client_for(None)
    assert anonymous.get(url(boxer)).json()["club"] is None

    response = client_for(owner).patch(f"/api/v1/clubs/{club.pk}/", {"is_published": True}, format="json")

    assert response.status_code == 200
    assert anonymous.get(url(boxer)).json()["club"] == {"id": str(club.pk), "name": "Quiet ABC"}


def _cached_entry(boxer):
    return caches["guarded"].get(cache_keys.profile_key(boxer.pk))["v"]


@pytest.mark.parametrize("club_published", [True, False])
def test_the_cached_entry_is_the_same_whoever_filled_it(client_for, quiet_club_member, club_published):
    boxer, club, owner = quiet_club_member
    club.is_published = club_published
    club.save()
    entries = {}
    callers = [("anonymous", None), ("owner", boxer.user), ("club owner", owner), ("admin", AdminFactory())]
    for name, user in callers:
        caches["guarded"].delete(cache_keys.profile_key(boxer.pk))
        assert client_for(user).get(url(boxer)).status_code == 200
        entries[name] = _cached_entry(boxer)

    public = entries["anonymous"]["public"]
    assert all(entry == entries["anonymous"] for entry in entries.values())
    assert "date_of_birth" not in public and "2011-03-14" not in str(entries["anonymous"])
    assert public["club"] == ({"id": str(club.pk), "name": "Quiet ABC"} if club_published else None)
    today_group = age_group(BORN, timezone.localdate()).value
    assert client_for(None).get(url(boxer)).json() == {**public, "age_group": today_group}
