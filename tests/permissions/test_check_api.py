"""GET /api/v1/permissions/check/: validation, hidden resources, and agreement with the
real endpoints (the answer equals what the request itself would do)."""

import uuid

import pytest

from permissions.actions import RESOURCE_OF, Action
from tests.accounts.factories import AdminFactory, CoachFactory, GymOwnerFactory, UserFactory
from tests.boxers.factories import BoxerFactory, CoachLinkFactory
from tests.clubs.factories import ClubCoachFactory, ClubFactory
from tests.support.counting import Events

pytestmark = pytest.mark.django_db

URL = "/api/v1/permissions/check/"


def check(client, action, resource_type, resource_id):
    params = {"action": action, "resource_type": resource_type, "resource_id": str(resource_id)}
    return client.get(URL, params)


@pytest.mark.parametrize(
    "params",
    [
        {"action": "boxer.fly", "resource_type": "boxer"},
        {"action": "BOXER.VIEW", "resource_type": "boxer"},
        {"action": "boxer.view", "resource_type": "gym"},
        {"action": "boxer.view", "resource_type": "club"},  # type does not fit the action
        {"action": "club.update", "resource_type": "boxer"},
        {"action": "fight.manage", "resource_type": "club"},
        {"action": "coach_link.view", "resource_type": "boxer"},  # not checkable by id
        {"action": "user.manage", "resource_type": "club"},
        {"action": "boxer.view", "resource_type": "boxer", "resource_id": "not-a-uuid"},
        {"action": "boxer.view", "resource_type": "boxer", "resource_id": ""},
        {"resource_type": "boxer"},
        {"action": "boxer.view"},
        {},
    ],
)
def test_unknown_action_type_mismatch_or_bad_id_is_400(client_for, params):
    params = {"resource_id": str(uuid.uuid4()), **params}

    response = client_for(UserFactory()).get(URL, params)

    assert response.status_code == 400
    assert isinstance(response.json(), dict) and "detail" not in response.json()


def test_every_boxer_and_club_action_is_checkable(api):
    checkable = [a for a, kind in RESOURCE_OF.items() if kind in ("boxer", "club")]

    statuses = {a: check(api, a.value, RESOURCE_OF[a], uuid.uuid4()).status_code for a in checkable}

    assert set(statuses.values()) == {200}


def test_a_resource_the_caller_cannot_see_is_allowed_false_not_found(client_for):
    hidden = BoxerFactory(is_searchable=False)
    unpublished = ClubFactory(is_published=False)
    stranger = client_for(UserFactory())

    answers = [
        check(stranger, "boxer.view", "boxer", hidden.pk).json(),
        check(stranger, "boxer.update", "boxer", hidden.pk).json(),
        check(stranger, "club.view", "club", unpublished.pk).json(),
        check(stranger, "club.update", "club", unpublished.pk).json(),
        check(stranger, "boxer.view", "boxer", uuid.uuid4()).json(),
        check(client_for(None), "club.view", "club", uuid.uuid4()).json(),
    ]

    assert answers == [{"allowed": False, "reason": "not found"}] * 6


def test_a_visible_but_forbidden_resource_says_why(client_for):
    boxer = BoxerFactory()

    body = check(client_for(UserFactory()), "boxer.update", "boxer", boxer.pk).json()

    assert body["allowed"] is False
    assert body["reason"] and body["reason"] != "not found"


def test_a_warm_authenticated_check_costs_no_sql_and_one_round_trip(
    client_for, django_assert_num_queries, settings
):
    # Authentication and authorization only: the rate limiter's own round trips are not counted.
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {**settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], "user": None},
    }
    coach = CoachFactory()
    boxer = BoxerFactory(is_searchable=False)
    CoachLinkFactory(coach=coach, boxer=boxer)
    client = client_for(coach)
    check(client, "fight.manage", "boxer", boxer.pk)

    with django_assert_num_queries(0), Events() as events:
        response = check(client, "fight.manage", "boxer", boxer.pk)

    assert response.json()["allowed"] is True
    assert (events.ok, events.hit, events.miss) == (1, 3, 0)


# --- Agreement with the real endpoints ---------------------------------------------------


@pytest.fixture
def world():
    owner = GymOwnerFactory()
    club = ClubFactory(owner=owner)
    hidden_club = ClubFactory(owner=owner, is_published=False)
    boxer_user = UserFactory()
    boxer = BoxerFactory(user=boxer_user, is_searchable=False, club=club)
    public = BoxerFactory()
    editor = CoachFactory()
    CoachLinkFactory(coach=editor, boxer=boxer, rights=["edit_profile"])
    fights_coach = CoachFactory()
    CoachLinkFactory(coach=fights_coach, boxer=boxer, rights=["manage_fights"])
    pending = CoachFactory()
    CoachLinkFactory(coach=pending, boxer=boxer, status="pending")
    club_coach = ClubCoachFactory(club=club).coach
    actors = {
        "anonymous": None,
        "admin": AdminFactory(),
        "boxer owner": boxer_user,
        "stranger": UserFactory(),
        "editing coach": editor,
        "fights coach": fights_coach,
        "pending coach": pending,
        "club coach": club_coach,
        "club owner": owner,
        "other gym owner": GymOwnerFactory(),
    }
    return actors, {"boxer": boxer, "public": public, "club": club, "hidden club": hidden_club}


FIGHT = {"opponent_name": "Rival", "date": "2024-03-01", "result": "win"}

# (action, resource, method, path, body): the request `check` must predict. Destructive ones last.
REAL_REQUESTS = [
    ("boxer.view", "boxer", "get", "/api/v1/boxers/{id}/", None),
    ("boxer.view", "public", "get", "/api/v1/boxers/{id}/", None),
    ("boxer.update", "boxer", "patch", "/api/v1/boxers/{id}/", {}),
    ("boxer.update", "public", "patch", "/api/v1/boxers/{id}/", {}),
    ("fight.manage", "boxer", "post", "/api/v1/boxers/{id}/fights/", FIGHT),
    ("fight.manage", "public", "post", "/api/v1/boxers/{id}/fights/", FIGHT),
    ("club.view", "club", "get", "/api/v1/clubs/{id}/", None),
    ("club.view", "hidden club", "get", "/api/v1/clubs/{id}/", None),
    ("club.update", "club", "patch", "/api/v1/clubs/{id}/", {}),
    ("club.update", "hidden club", "patch", "/api/v1/clubs/{id}/", {}),
    ("club.view_members", "club", "get", "/api/v1/clubs/{id}/members/", None),
    ("club.view_members", "hidden club", "get", "/api/v1/clubs/{id}/members/", None),
    ("club.manage_members", "club", "get", "/api/v1/clubs/{id}/membership-requests/", None),
    ("club.manage_members", "hidden club", "get", "/api/v1/clubs/{id}/membership-requests/", None),
    ("boxer.delete", "public", "delete", "/api/v1/boxers/{id}/", None),
    ("boxer.delete", "boxer", "delete", "/api/v1/boxers/{id}/", None),
    ("club.delete", "hidden club", "delete", "/api/v1/clubs/{id}/", None),
]


@pytest.mark.parametrize(
    "actor",
    [
        "anonymous",
        "admin",
        "boxer owner",
        "stranger",
        "editing coach",
        "fights coach",
        "pending coach",
        "club coach",
        "club owner",
        "other gym owner",
    ],
)
def test_check_predicts_the_real_request(world, client_for, actor):
    actors, resources = world
    client = client_for(actors[actor])

    disagreements = []
    for action, name, method, path, body in REAL_REQUESTS:
        resource = resources[name]
        kind = RESOURCE_OF[Action(action)]
        predicted = check(client, action, kind, resource.pk).json()["allowed"]
        response = getattr(client, method)(path.format(id=resource.pk), body, format="json")
        done = 200 <= response.status_code < 300
        if predicted != done:
            disagreements.append((action, name, predicted, response.status_code))

    assert disagreements == []
