"""Access tokens die on the very next request after a revoking write, even with the user fact
warm in the cache; and a warm authenticated request costs no SQL for auth."""

import pytest

from accounts import services
from accounts.models import User
from tests.accounts.factories import AdminFactory, UserFactory
from tests.clubs.factories import ClubFactory
from tests.support.auth import token_from_last_mail

pytestmark = pytest.mark.django_db


def check_url() -> str:
    """A check on a club the caller may not see. The club exists: an id nobody ever wrote
    is never cached (a flood of random ids must not fill Redis), so it would cost SQL."""
    club = ClubFactory(is_published=False)
    return f"/api/v1/permissions/check/?action=club.view&resource_type=club&resource_id={club.pk}"


def warm(client, url: str, django_assert_num_queries) -> None:
    """Two requests: the second must be served from the cache alone (0 SQL queries)."""
    assert client.get(url).status_code == 200
    with django_assert_num_queries(0):
        assert client.get(url).status_code == 200


def test_warm_authenticated_request_costs_no_sql(client_for, django_assert_num_queries):
    client = client_for(UserFactory())
    url = check_url()
    assert client.get(url).status_code == 200

    with django_assert_num_queries(0):
        response = client.get(url)

    assert response.status_code == 200
    assert response.json()["allowed"] is False  # an unpublished club is not visible


def _logout_all(user, client_for):
    return client_for(user).post("/api/v1/auth/logout-all/")


def _password_change(user, client_for):
    return client_for(user).post(
        "/api/v1/auth/password/change/",
        {"current_password": "Correct-Horse-Battery-9", "new_password": "Jab-Cross-Hook-2024"},
        format="json",
    )


def _deactivate(user, client_for):
    return client_for(AdminFactory()).patch(
        f"/api/v1/admin/users/{user.pk}/", {"is_active": False}, format="json"
    )


def _role_change(user, client_for):
    return client_for(AdminFactory()).patch(
        f"/api/v1/admin/users/{user.pk}/", {"role": "coach"}, format="json"
    )


def _password_reset(user, client_for):
    client = client_for(None)
    client.post("/api/v1/auth/password/reset/", {"email": user.email}, format="json")
    return client.post(
        "/api/v1/auth/password/reset/confirm/",
        {"token": token_from_last_mail(), "new_password": "Jab-Cross-Hook-2024"},
        format="json",
    )


@pytest.mark.parametrize(
    "revoke",
    [_logout_all, _password_change, _deactivate, _role_change, _password_reset],
    ids=["logout-all", "password-change", "deactivation", "role-change", "password-reset"],
)
def test_old_access_token_is_rejected_on_the_very_next_request(client_for, django_assert_num_queries, revoke):
    user = UserFactory()
    old = client_for(user)
    url = check_url()
    warm(old, url, django_assert_num_queries)

    response = revoke(user, client_for)

    assert response.status_code in (200, 204)
    after = old.get(url)
    assert after.status_code == 401
    assert after.json()["code"] == "token_revoked"
    assert "WWW-Authenticate" in after


def test_service_level_logout_all_also_revokes_once_committed(
    client_for, django_assert_num_queries, django_capture_on_commit_callbacks
):
    user = UserFactory()
    old = client_for(user)
    url = check_url()
    warm(old, url, django_assert_num_queries)

    with django_capture_on_commit_callbacks(execute=True):
        services.user_logout_all(user=User.objects.get(pk=user.pk))

    assert old.get(url).status_code == 401
    assert client_for(User.objects.get(pk=user.pk)).get(url).status_code == 200


# --- The process's memo of verified access tokens (accounts/authentication.py) ---------------


def test_a_token_verified_before_is_refused_once_it_expires(api):
    """The memo checks the time claims again on every use: a token it holds dies on time."""
    import time
    from datetime import timedelta

    from rest_framework_simplejwt.tokens import AccessToken

    from accounts import authentication
    from accounts.authentication import TOKEN_VERSION_CLAIM

    user = UserFactory()
    token = AccessToken.for_user(user)
    token[TOKEN_VERSION_CLAIM] = user.token_version
    # exp is whole seconds (set_exp truncates): 1 s could leave the first request a few ms.
    token.set_exp(lifetime=timedelta(seconds=3))
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    assert api.get("/api/v1/auth/me/").status_code == 200  # verified, and memoised
    assert any(key[0] == str(token).encode() for key in authentication._verified)
    time.sleep(max(0.0, token["exp"] - time.time()) + 0.1)

    response = api.get("/api/v1/auth/me/")

    assert response.status_code == 401
