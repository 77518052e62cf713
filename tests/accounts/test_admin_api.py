"""The Admin table of API.md: user management and stats, for admins only."""

import uuid

import pytest
from django.core import mail

from accounts.models import RefreshToken, Role, User
from boxerconnect.jobs.worker import run_due_jobs
from boxers.models import Boxer
from clubs.models import MembershipStatus
from tests.accounts.factories import AdminFactory, CoachFactory, GymOwnerFactory, UserFactory
from tests.boxers.factories import BoxerFactory
from tests.clubs.factories import ClubFactory, MembershipRequestFactory
from tests.support import matrix
from tests.support.auth import ME, REFRESH, bearer, login, token_from_last_mail

pytestmark = pytest.mark.django_db

USERS = "/api/v1/admin/users/"
STATS = "/api/v1/admin/stats/"
STRONG = "Body-Shot-Combination-5"
ACTOR_FACTORIES = {
    "boxer": UserFactory,
    "coach": CoachFactory,
    "gym_owner": GymOwnerFactory,
    "admin": AdminFactory,
}


def detail(user_id) -> str:
    return f"{USERS}{user_id}/"


ROLES = ["boxer", "coach", "gym_owner", "admin"]


def rows(method, url, admin_status, payload=None):
    """Anonymous 401, every non-admin role 403, admin `admin_status`."""
    return matrix.rows(ROLES, method, url, 403, payload=payload, admin=admin_status)


TABLE = [
    *rows("GET", USERS, 200),
    *rows("POST", USERS, 201, {"email": "made@example.com", "name": "Made", "role": "coach"}),
    *rows("GET", "{target}", 200),
    *rows("PATCH", "{target}", 200, {"name": "Renamed"}),
    *rows("GET", STATS, 200),
]


@pytest.mark.parametrize(("method", "url", "actor", "expected", "payload"), TABLE)
def test_authorization_table(client_for, method, url, actor, expected, payload):
    target = UserFactory()
    user = None if actor == "anonymous" else ACTOR_FACTORIES[actor]()
    client = client_for(user)
    url = url.replace("{target}", detail(target.pk))

    response = getattr(client, method.lower())(url, payload, format="json")

    assert response.status_code == expected, response.content
    if expected == 401:
        assert "WWW-Authenticate" in response
    if expected >= 400:
        assert set(response.json()) == {"detail", "code"}
        target.refresh_from_db()
        assert target.name != "Renamed"
        assert not User.objects.filter(email="made@example.com").exists()


# --- list ---------------------------------------------------------------------------------


def test_list_is_paginated_and_filters_by_role_active_and_search(client_for):
    admin = AdminFactory(email="boss@example.com", name="Boss")
    UserFactory(email="ali@example.com", name="Ali Boxer")
    CoachFactory(email="cara@example.com", name="Cara Coach")
    CoachFactory(email="gone@example.com", name="Gone Coach", is_active=False)
    client = client_for(admin)

    everyone = client.get(USERS).json()
    coaches = client.get(USERS, {"role": "coach"}).json()
    active_coaches = client.get(USERS, {"role": "coach", "is_active": "true"}).json()
    searched = client.get(USERS, {"search": "ALI"}).json()
    by_email = client.get(USERS, {"search": "cara@"}).json()

    assert set(everyone) == {"count", "next", "previous", "results"}
    assert everyone["count"] == 4
    assert {u["email"] for u in coaches["results"]} == {"cara@example.com", "gone@example.com"}
    assert [u["email"] for u in active_coaches["results"]] == ["cara@example.com"]
    assert [u["email"] for u in searched["results"]] == ["ali@example.com"]
    assert [u["email"] for u in by_email["results"]] == ["cara@example.com"]


def test_list_unknown_role_is_400_and_out_of_range_page_is_404(client_for):
    client = client_for(AdminFactory())

    assert client.get(USERS, {"role": "wizard"}).status_code == 400
    assert client.get(USERS, {"page": 99}).status_code == 404


# --- create -------------------------------------------------------------------------------


def test_admin_creates_a_user_with_password_who_can_log_in(api, client_for):
    response = client_for(AdminFactory()).post(
        USERS,
        {"email": "New@Example.com", "name": "New", "role": "gym_owner", "password": STRONG},
        format="json",
    )

    assert response.status_code == 201
    assert response.json()["email"] == "new@example.com"
    assert response.json()["role"] == "gym_owner"
    run_due_jobs()
    assert mail.outbox == []
    assert (
        api.post(
            "/api/v1/auth/login/", {"email": "new@example.com", "password": STRONG}, format="json"
        ).status_code
        == 200
    )


def test_admin_may_create_another_admin(client_for):
    response = client_for(AdminFactory()).post(
        USERS, {"email": "a2@example.com", "name": "A2", "role": "admin", "password": STRONG}, format="json"
    )

    assert response.status_code == 201
    assert User.objects.get(email="a2@example.com").role == Role.ADMIN


def test_admin_created_user_without_password_gets_a_set_password_mail(api, client_for):
    response = client_for(AdminFactory()).post(
        USERS, {"email": "nopw@example.com", "name": "No Pw", "role": "coach"}, format="json"
    )

    assert response.status_code == 201
    user = User.objects.get(email="nopw@example.com")
    assert not user.has_usable_password()
    run_due_jobs()  # the worker sends it
    assert mail.outbox[-1].to == ["nopw@example.com"]
    raw = token_from_last_mail()
    confirm = api.post(
        "/api/v1/auth/password/reset/confirm/", {"token": raw, "new_password": STRONG}, format="json"
    )
    assert confirm.status_code == 204


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"email": "TAKEN@example.com", "name": "T", "role": "coach"}, "email"),
        ({"email": "ok@example.com", "name": "T", "role": "wizard"}, "role"),
        ({"email": "ok@example.com", "name": "T", "role": "coach", "password": "password"}, "password"),
        ({"email": "bad", "name": "T", "role": "coach"}, "email"),
        ({"email": "ok@example.com", "role": "coach"}, "name"),
    ],
)
def test_admin_create_invalid_is_400(client_for, payload, field):
    UserFactory(email="taken@example.com")

    response = client_for(AdminFactory()).post(USERS, payload, format="json")

    assert response.status_code == 400
    assert field in response.json()
    assert not User.objects.filter(email="ok@example.com").exists()


# --- detail and update --------------------------------------------------------------------


def test_detail_of_unknown_or_malformed_id_is_404(client_for):
    client = client_for(AdminFactory())

    assert client.get(detail(uuid.uuid4())).status_code == 404
    assert client.get(f"{USERS}not-a-uuid/").status_code == 404
    assert client.patch(detail(uuid.uuid4()), {"name": "x"}, format="json").status_code == 404


def test_patch_updates_name_email_role(client_for):
    target = UserFactory(email_verified=True)

    response = client_for(AdminFactory()).patch(
        detail(target.pk), {"name": "Renamed", "email": "Moved@Example.com", "role": "coach"}, format="json"
    )

    assert response.status_code == 200
    target.refresh_from_db()
    assert (target.name, target.email, target.role) == ("Renamed", "moved@example.com", Role.COACH)
    assert target.email_verified is False


@pytest.mark.parametrize(
    "payload", [{"role": "wizard"}, {"email": "nope"}, {"email": "TAKEN@example.com"}, {"is_active": "maybe"}]
)
def test_patch_invalid_is_400(client_for, payload):
    UserFactory(email="taken@example.com")
    target = UserFactory()

    response = client_for(AdminFactory()).patch(detail(target.pk), payload, format="json")

    assert response.status_code == 400


def test_deactivation_ends_sessions_and_rights_on_the_next_request(api, client_for):
    target = UserFactory()
    BoxerFactory(user=target)
    session = login(api, target)
    assert bearer(api, session["access"]).get(ME).status_code == 200  # warms the cached fact

    response = client_for(AdminFactory()).patch(detail(target.pk), {"is_active": False}, format="json")

    assert response.status_code == 200
    assert response.json()["is_active"] is False
    assert bearer(api, session["access"]).get(ME).status_code == 401
    api.credentials()
    assert api.post(REFRESH, {"refresh": session["refresh"]}, format="json").status_code == 401
    assert not RefreshToken.objects.filter(user=target, revoked_at__isnull=True).exists()


def test_role_change_ends_sessions_on_the_next_request(api, client_for):
    target = UserFactory()
    session = login(api, target)
    assert bearer(api, session["access"]).get(ME).status_code == 200

    client_for(AdminFactory()).patch(detail(target.pk), {"role": "coach"}, format="json")

    assert bearer(api, session["access"]).get(ME).status_code == 401
    fresh = login(api, target)
    assert fresh["user"]["role"] == "coach"


def test_renaming_does_not_end_sessions(api, client_for):
    target = UserFactory()
    session = login(api, target)

    client_for(AdminFactory()).patch(detail(target.pk), {"name": "Just A Name"}, format="json")

    assert bearer(api, session["access"]).get(ME).status_code == 200


def test_reactivated_user_can_log_in_again(api, client_for):
    target = UserFactory(is_active=False)

    client_for(AdminFactory()).patch(detail(target.pk), {"is_active": True}, format="json")

    assert login(api, target)["user"]["is_active"] is True


# --- last active admin --------------------------------------------------------------------


@pytest.mark.parametrize("payload", [{"is_active": False}, {"role": "coach"}])
def test_last_active_admin_cannot_be_deactivated_or_demoted(client_for, payload):
    admin = AdminFactory()
    AdminFactory(is_active=False)

    response = client_for(admin).patch(detail(admin.pk), payload, format="json")

    assert response.status_code == 409
    assert response.json()["code"] == "last_active_admin"
    admin.refresh_from_db()
    assert admin.is_active and admin.role == Role.ADMIN


def test_an_admin_may_be_demoted_while_another_stays(client_for):
    admin, other = AdminFactory(), AdminFactory()

    response = client_for(admin).patch(detail(other.pk), {"role": "coach"}, format="json")
    last = client_for(admin).patch(detail(admin.pk), {"is_active": False}, format="json")

    assert response.status_code == 200
    assert last.status_code == 409


# --- stats --------------------------------------------------------------------------------


def test_stats_counts(client_for):
    admin = AdminFactory()
    BoxerFactory(is_verified=True)
    BoxerFactory()
    BoxerFactory(is_active=False)
    CoachFactory(is_active=False)
    GymOwnerFactory()
    club = ClubFactory(is_published=True)
    ClubFactory(is_published=False)
    MembershipRequestFactory(club=club)
    MembershipRequestFactory(club=club, status=MembershipStatus.REJECTED)

    response = client_for(admin).get(STATS)

    assert response.status_code == 200
    body = response.json()
    users = User.objects.count()
    assert body["users"] == users
    assert body["users_by_role"]["admin"] == 1
    assert body["users_by_role"]["coach"] == 1
    assert body["users_by_role"]["gym_owner"] == 1
    assert sum(body["users_by_role"].values()) == users
    assert body["active_users"] == users - 1
    assert body["boxers"] == 2 == Boxer.objects.filter(is_active=True).count()
    assert body["verified_boxers"] == 1
    assert body["clubs"] == 2
    assert body["published_clubs"] == 1
    assert body["pending_membership_requests"] == 1
