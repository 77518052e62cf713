"""Attack: a Django admin session outlives logout-all (issue 12, item 10). Logout-all,
deactivation and a role change end the user's admin sessions too: token_version is part of
the session hash Django checks on every request."""

import pytest
from django.contrib.auth import SESSION_KEY
from django.test import Client

from accounts import services
from tests.accounts.factories import PASSWORD, AdminFactory
from tests.support.clients import authenticate

pytestmark = pytest.mark.django_db


def admin_signed_in(admin) -> Client:
    """A real admin session: the login form, as a browser posts it."""
    client = Client()
    response = client.post(
        "/admin/login/", {"username": admin.email, "password": PASSWORD, "next": "/admin/"}
    )
    assert response.status_code == 302, response.content
    assert client.get("/admin/").status_code == 200
    return client


def assert_session_ended(client: Client):
    response = client.get("/admin/")

    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")
    assert SESSION_KEY not in client.session  # flushed, not merely refused


def test_attack_logout_all_through_the_api_ends_the_admin_session(api, client_for):
    admin = AdminFactory()
    browser = admin_signed_in(admin)

    response = client_for(admin).post("/api/v1/auth/logout-all/")

    assert response.status_code == 204
    assert_session_ended(browser)


def test_a_role_change_ends_the_admin_session_for_good(client_for):
    admin, other = AdminFactory(), AdminFactory()
    browser = admin_signed_in(admin)

    demoted = client_for(other).patch(f"/api/v1/admin/users/{admin.pk}/", {"role": "coach"}, format="json")
    assert_session_ended(browser)
    services.user_update(user=admin, role="admin")  # promoted back: the old session stays dead

    assert demoted.status_code == 200
    assert browser.get("/admin/").status_code == 302


def test_deactivation_ends_the_admin_session(client_for):
    admin, other = AdminFactory(), AdminFactory()
    browser = admin_signed_in(admin)

    response = client_for(other).patch(
        f"/api/v1/admin/users/{admin.pk}/", {"is_active": False}, format="json"
    )
    refused = browser.get("/admin/")  # an inactive user is anonymous to Django's backend
    services.user_update(user=admin, is_active=True)  # reactivated: the old session stays dead

    assert response.status_code == 200
    assert refused.status_code == 302
    assert_session_ended(browser)


def test_the_revoke_sessions_admin_action_ends_that_users_admin_sessions_too():
    admin, other = AdminFactory(), AdminFactory()
    browser, actor = admin_signed_in(admin), admin_signed_in(other)

    actor.post(
        "/admin/accounts/user/", {"action": "revoke_all_sessions", "_selected_action": [str(admin.pk)]}
    )

    assert_session_ended(browser)
    assert actor.get("/admin/").status_code == 200


def test_other_api_sessions_and_admin_sessions_of_others_go_on(client_for):
    admin, other = AdminFactory(), AdminFactory()
    browser = admin_signed_in(admin)
    bystander = admin_signed_in(other)
    api_session = authenticate(client_for(), admin)

    services.user_update(user=other, name="Renamed")  # no token_version bump: nothing ends

    assert browser.get("/admin/").status_code == 200
    assert bystander.get("/admin/").status_code == 200
    assert api_session.get("/api/v1/auth/me/").status_code == 200


def test_after_a_secret_key_rotation_the_session_goes_on_until_the_version_moves(settings, client_for):
    admin = AdminFactory()
    browser = admin_signed_in(admin)
    settings.SECRET_KEY_FALLBACKS = [settings.SECRET_KEY]
    settings.SECRET_KEY = "a-rotated-secret-key-for-this-test-only-" + "k" * 30

    kept = browser.get("/admin/")  # verified with the fallback key, then re-hashed
    client_for(admin).post("/api/v1/auth/logout-all/")

    assert kept.status_code == 200
    assert_session_ended(browser)
