"""Django admin: reachable at /admin/ with the custom user registered."""

import pytest

from tests.accounts.factories import AdminFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_admin_login_page_renders(client):
    response = client.get("/admin/login/")

    assert response.status_code == 200
    assert b"csrfmiddlewaretoken" in response.content


def test_superuser_sees_the_custom_user_in_the_admin(client):
    admin = AdminFactory()
    listed = UserFactory(email="listed@example.com")
    client.force_login(admin)

    changelist = client.get("/admin/accounts/user/")
    change = client.get(f"/admin/accounts/user/{listed.pk}/change/")

    assert changelist.status_code == 200
    assert b"listed@example.com" in changelist.content
    assert change.status_code == 200


def test_admin_requires_a_login(client):
    response = client.get("/admin/accounts/user/")

    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")


def test_an_admin_session_does_not_authenticate_the_api(client):
    # JWT is the only API authentication: a Django admin session cookie is not a credential
    # (no CSRF-prone cookie auth on the JSON API).
    client.force_login(AdminFactory())

    response = client.get("/api/v1/auth/me/")

    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Bearer")
