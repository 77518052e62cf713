"""The Auth table of API.md: register, login, refresh, logout, logout-all, me, password change."""

import logging

import pytest
from rest_framework_simplejwt.tokens import AccessToken
from rest_framework_simplejwt.tokens import RefreshToken as RefreshJWT

from accounts.models import LoginFailure, RefreshToken, Role, User
from boxers.models import Boxer
from tests.accounts.factories import PASSWORD, UserFactory
from tests.support.auth import LOGIN, ME, REFRESH, bearer, login

pytestmark = pytest.mark.django_db

REGISTER = "/api/v1/auth/register/"
LOGOUT = "/api/v1/auth/logout/"
LOGOUT_ALL = "/api/v1/auth/logout-all/"
CHANGE = "/api/v1/auth/password/change/"
USER_FIELDS = {"id", "email", "name", "role", "is_active", "email_verified", "created_at"}
STRONG = "Uppercut-Southpaw-42"


# --- register -----------------------------------------------------------------------------


def test_register_boxer_returns_user_and_tokens_and_creates_empty_profile(api):
    response = api.post(
        REGISTER, {"email": "New@Example.com", "password": STRONG, "name": "Nia New"}, format="json"
    )

    assert response.status_code == 201
    body = response.json()
    assert set(body) == {"user", "access", "refresh"}
    assert set(body["user"]) == USER_FIELDS
    assert body["user"]["email"] == "new@example.com"
    assert body["user"]["role"] == "boxer"
    assert Boxer.objects.filter(user_id=body["user"]["id"], name="Nia New").exists()
    assert bearer(api, body["access"]).get(ME).status_code == 200


@pytest.mark.parametrize("role", ["coach", "gym_owner"])
def test_register_other_roles_get_no_boxer_profile(api, role):
    response = api.post(
        REGISTER, {"email": "c@example.com", "password": STRONG, "name": "C", "role": role}, format="json"
    )

    assert response.status_code == 201
    assert response.json()["user"]["role"] == role
    assert not Boxer.objects.filter(user_id=response.json()["user"]["id"]).exists()


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"email": "a@example.com", "password": STRONG, "name": "A", "role": "admin"}, "role"),
        ({"email": "a@example.com", "password": STRONG, "name": "A", "role": "wizard"}, "role"),
        ({"email": "a@example.com", "password": "password", "name": "A"}, "password"),
        ({"email": "a@example.com", "password": "12345678901", "name": "A"}, "password"),
        ({"email": "a@example.com", "password": "short", "name": "A"}, "password"),
        ({"email": "not-an-email", "password": STRONG, "name": "A"}, "email"),
        ({"email": "a@example.com", "password": STRONG}, "name"),
        ({"email": "a@example.com", "password": STRONG, "name": ["x"]}, "name"),
    ],
)
def test_register_rejects_invalid_input_with_400(api, body, field):
    response = api.post(REGISTER, body, format="json")

    assert response.status_code == 400
    assert field in response.json()
    assert not User.objects.filter(email="a@example.com").exists()


def test_register_rejects_taken_email_case_insensitively(api):
    UserFactory(email="taken@example.com")

    response = api.post(
        REGISTER, {"email": "TAKEN@example.COM", "password": STRONG, "name": "T"}, format="json"
    )

    assert response.status_code == 400
    assert "email" in response.json()
    assert User.objects.filter(email__iexact="taken@example.com").count() == 1


def test_register_malformed_json_is_400(api):
    response = api.post(REGISTER, "{not json", content_type="application/json")

    assert response.status_code == 400


# --- login --------------------------------------------------------------------------------


def test_login_returns_user_and_token_pair_and_records_refresh_row_without_its_text(api):
    user = UserFactory()

    body = login(api, user)

    assert set(body) == {"user", "access", "refresh"}
    assert body["user"]["id"] == str(user.pk)
    row = RefreshToken.objects.get(user=user)
    assert row.parent_jti == ""
    assert row.revoked_at is None
    for field in RefreshToken._meta.concrete_fields:
        assert body["refresh"] not in str(getattr(row, field.attname))


def test_login_email_is_case_insensitive(api):
    user = UserFactory(email="mixed@example.com")

    response = api.post(LOGIN, {"email": "MiXeD@Example.com", "password": PASSWORD}, format="json")

    assert response.status_code == 200
    assert response.json()["user"]["id"] == str(user.pk)


def test_login_failures_are_indistinguishable(api):
    UserFactory(email="known@example.com")
    UserFactory(email="inactive@example.com", is_active=False)

    unknown = api.post(LOGIN, {"email": "nobody@example.com", "password": PASSWORD}, format="json")
    wrong = api.post(LOGIN, {"email": "known@example.com", "password": "Wrong-Password-1"}, format="json")
    inactive = api.post(LOGIN, {"email": "inactive@example.com", "password": PASSWORD}, format="json")

    assert unknown.status_code == wrong.status_code == inactive.status_code == 401
    assert unknown.json() == wrong.json() == inactive.json()
    assert unknown["WWW-Authenticate"].startswith("Bearer")
    assert LoginFailure.objects.count() == 3


def test_login_ignores_a_stale_authorization_header(api):
    user = UserFactory()
    bearer(api, "garbage.token.value")

    response = api.post(LOGIN, {"email": user.email, "password": PASSWORD}, format="json")

    assert response.status_code == 200


def test_login_missing_fields_is_400(api):
    response = api.post(LOGIN, {"email": "x@example.com"}, format="json")

    assert response.status_code == 400
    assert "password" in response.json()


# --- refresh ------------------------------------------------------------------------------


def test_refresh_rotates_and_the_new_tokens_work(api):
    user = UserFactory()
    first = login(api, user)

    response = api.post(REFRESH, {"refresh": first["refresh"]}, format="json")

    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"access", "refresh"}
    assert body["refresh"] != first["refresh"]
    parent = RefreshToken.objects.get(parent_jti="")
    child = RefreshToken.objects.get(parent_jti=parent.jti)
    assert parent.replaced_by == child.jti
    assert parent.revoked_at is not None
    assert child.family == parent.family
    assert bearer(api, body["access"]).get(ME).status_code == 200
    assert api.post(REFRESH, {"refresh": body["refresh"]}, format="json").status_code == 200


def test_reusing_a_rotated_refresh_token_kills_the_whole_family_and_logs(api, caplog):
    user = UserFactory()
    first = login(api, user)
    second = api.post(REFRESH, {"refresh": first["refresh"]}, format="json").json()
    other_login = login(api, user)

    with caplog.at_level(logging.WARNING, logger="accounts.security"):
        replay = api.post(REFRESH, {"refresh": first["refresh"]}, format="json")

    assert replay.status_code == 401
    assert "reuse" in caplog.text
    assert first["refresh"] not in caplog.text
    assert api.post(REFRESH, {"refresh": second["refresh"]}, format="json").status_code == 401
    # Another login (another family) is untouched.
    assert api.post(REFRESH, {"refresh": other_login["refresh"]}, format="json").status_code == 200


@pytest.mark.parametrize("token", ["", "garbage", "a.b.c", "x" * 3000])
def test_refresh_rejects_garbage(api, token):
    response = api.post(REFRESH, {"refresh": token}, format="json")

    assert response.status_code in (400, 401)
    assert response.status_code == (400 if token in ("", "x" * 3000) else 401)


def test_refresh_rejects_an_access_token(api):
    body = login(api, UserFactory())

    response = api.post(REFRESH, {"refresh": body["access"]}, format="json")

    assert response.status_code == 401


def test_refresh_rejects_a_signed_token_with_no_row(api):
    token = str(RefreshJWT.for_user(UserFactory()))

    response = api.post(REFRESH, {"refresh": token}, format="json")

    assert response.status_code == 401
    assert response.json()["code"] == "token_not_valid"


def test_refresh_of_a_deactivated_users_token_is_401_without_a_reuse_alarm(api, caplog):
    user = UserFactory()
    body = login(api, user)
    User.objects.filter(pk=user.pk).update(is_active=False)

    with caplog.at_level(logging.WARNING, logger="accounts.security"):
        first = api.post(REFRESH, {"refresh": body["refresh"]}, format="json")
        second = api.post(REFRESH, {"refresh": body["refresh"]}, format="json")

    assert first.status_code == second.status_code == 401
    assert "reuse" not in caplog.text
    assert RefreshToken.objects.get(user=user).revoked_at is not None


# --- logout -------------------------------------------------------------------------------


def test_logout_kills_that_refresh_token_only(api, client_for):
    user = UserFactory()
    one = login(api, user)
    two = login(api, user)

    response = bearer(api, one["access"]).post(LOGOUT, {"refresh": one["refresh"]}, format="json")

    assert response.status_code == 204
    assert api.post(REFRESH, {"refresh": one["refresh"]}, format="json").status_code == 401
    assert api.post(REFRESH, {"refresh": two["refresh"]}, format="json").status_code == 200


def test_logout_is_idempotent(api):
    body = login(api, UserFactory())
    bearer(api, body["access"])

    api.post(LOGOUT, {"refresh": body["refresh"]}, format="json")
    again = api.post(LOGOUT, {"refresh": body["refresh"]}, format="json")

    assert again.status_code == 204


def test_logout_without_bearer_is_401(api):
    body = login(api, UserFactory())

    response = api.post(LOGOUT, {"refresh": body["refresh"]}, format="json")

    assert response.status_code == 401
    assert "WWW-Authenticate" in response


def test_logout_with_someone_elses_refresh_token_is_401_and_kills_nothing(api, client_for):
    victim = login(api, UserFactory())

    response = client_for(UserFactory()).post(LOGOUT, {"refresh": victim["refresh"]}, format="json")

    assert response.status_code == 401
    assert api.post(REFRESH, {"refresh": victim["refresh"]}, format="json").status_code == 200


def test_logout_with_garbage_refresh_is_401_and_missing_is_400(client_for):
    client = client_for(UserFactory())

    assert client.post(LOGOUT, {"refresh": "nope"}, format="json").status_code == 401
    assert client.post(LOGOUT, {}, format="json").status_code == 400


# --- logout-all ---------------------------------------------------------------------------


def test_logout_all_kills_every_refresh_and_access_token(api):
    user = UserFactory()
    one = login(api, user)
    two = login(api, user)
    assert bearer(api, two["access"]).get(ME).status_code == 200

    response = bearer(api, one["access"]).post(LOGOUT_ALL)

    assert response.status_code == 204
    assert bearer(api, one["access"]).get(ME).status_code == 401
    assert bearer(api, two["access"]).get(ME).status_code == 401
    api.credentials()
    assert api.post(REFRESH, {"refresh": one["refresh"]}, format="json").status_code == 401
    assert api.post(REFRESH, {"refresh": two["refresh"]}, format="json").status_code == 401
    assert login(api, user)["access"]


def test_logout_all_anonymous_is_401(api):
    assert api.post(LOGOUT_ALL).status_code == 401


# --- me -----------------------------------------------------------------------------------


def test_me_returns_the_user(client_for):
    user = UserFactory(name="Mo Me")

    response = client_for(user).get(ME)

    assert response.status_code == 200
    assert response.json()["name"] == "Mo Me"
    assert set(response.json()) == USER_FIELDS | {"email_notifications"}  # me also has its settings


def test_me_anonymous_is_401(api):
    response = api.get(ME)

    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"


def test_patch_me_changes_name_only(client_for):
    user = UserFactory(role=Role.BOXER)

    response = client_for(user).patch(ME, {"name": "New Name", "role": "admin"}, format="json")

    assert response.status_code == 200
    assert response.json()["name"] == "New Name"
    user.refresh_from_db()
    assert user.name == "New Name"
    assert user.role == Role.BOXER


@pytest.mark.parametrize(
    "body",
    [{"name": ""}, {"name": "x" * 151}, {"name": ["x"]}, {"name": None}, {"email_notifications": "maybe"}],
)
def test_patch_me_invalid_is_400(client_for, body):
    response = client_for(UserFactory()).patch(ME, body, format="json")

    assert response.status_code == 400


def test_patch_me_anonymous_is_401(api):
    assert api.patch(ME, {"name": "x"}, format="json").status_code == 401


# --- password change ----------------------------------------------------------------------


def test_password_change_returns_new_pair_and_kills_other_sessions(api):
    user = UserFactory()
    mine = login(api, user)
    other = login(api, user)

    response = bearer(api, mine["access"]).post(
        CHANGE, {"current_password": PASSWORD, "new_password": STRONG}, format="json"
    )

    assert response.status_code == 200
    fresh = response.json()
    assert set(fresh) == {"access", "refresh"}
    assert bearer(api, fresh["access"]).get(ME).status_code == 200
    assert bearer(api, mine["access"]).get(ME).status_code == 401
    assert bearer(api, other["access"]).get(ME).status_code == 401
    api.credentials()
    assert api.post(REFRESH, {"refresh": other["refresh"]}, format="json").status_code == 401
    assert api.post(REFRESH, {"refresh": fresh["refresh"]}, format="json").status_code == 200
    assert api.post(LOGIN, {"email": user.email, "password": STRONG}, format="json").status_code == 200


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"current_password": "Wrong-Password-1", "new_password": STRONG}, "current_password"),
        ({"current_password": PASSWORD, "new_password": "password"}, "new_password"),
        ({"current_password": PASSWORD, "new_password": "1234567890"}, "new_password"),
        ({"current_password": PASSWORD}, "new_password"),
    ],
)
def test_password_change_failures_are_400_and_change_nothing(client_for, body, field):
    user = UserFactory()
    client = client_for(user)

    response = client.post(CHANGE, body, format="json")

    assert response.status_code == 400
    assert field in response.json()
    user.refresh_from_db()
    assert user.check_password(PASSWORD)
    assert client.get(ME).status_code == 200


def test_password_change_anonymous_is_401(api):
    response = api.post(CHANGE, {"current_password": PASSWORD, "new_password": STRONG}, format="json")

    assert response.status_code == 401


def test_tokens_have_the_configured_lifetimes_and_carry_the_token_version(api):
    user = UserFactory()

    body = login(api, user)

    access = AccessToken(body["access"])
    refresh = RefreshJWT(body["refresh"])
    assert access["exp"] - access["iat"] == 15 * 60
    assert refresh["exp"] - refresh["iat"] == 7 * 24 * 3600
    assert access["tv"] == 0
    assert access["user_id"] == str(user.pk)
    row = RefreshToken.objects.get(user=user)
    assert row.jti == refresh["jti"]
    assert int(row.expires_at.timestamp()) == refresh["exp"]
