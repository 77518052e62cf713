"""Attack: a reset link issued earlier outlives a new password (issue 12, item 7). A
successful reset, a password change, and an admin setting the password (the Django admin's
forms, or any path that saves a new hash) kill every outstanding reset token of the user."""

import pytest
from django.test import Client
from django.urls import reverse

from accounts.models import PasswordResetToken
from tests.accounts.factories import PASSWORD, AdminFactory, UserFactory
from tests.support.auth import ME, bearer, login, token_from_last_mail

pytestmark = pytest.mark.django_db

RESET = "/api/v1/auth/password/reset/"
CONFIRM = "/api/v1/auth/password/reset/confirm/"
CHANGE = "/api/v1/auth/password/change/"
NEW = "Left-Hook-Counter-77"
LATER = "Uppercut-Slip-Roll-31"


def reset_link(api, user) -> str:
    """Ask for a reset of `user`; return the token the mail carries."""
    assert api.post(RESET, {"email": user.email}, format="json").status_code == 202
    return token_from_last_mail()


def confirm(api, token: str, password: str = LATER):
    return api.post(CONFIRM, {"token": token, "new_password": password}, format="json")


def admin_session(user=None) -> Client:
    client = Client()
    client.force_login(user or AdminFactory())
    return client


def assert_dead(response):
    assert response.status_code == 400
    assert "token" in response.json()


def test_attack_an_earlier_reset_token_dies_after_a_successful_reset(api):
    user = UserFactory()
    earlier, later = reset_link(api, user), reset_link(api, user)

    used = confirm(api, later, NEW)
    replay = confirm(api, earlier)

    assert used.status_code == 204
    assert_dead(replay)
    assert login(api, user, NEW)


def test_attack_a_reset_token_dies_after_a_password_change(api):
    user = UserFactory()
    earlier = reset_link(api, user)
    bearer(api, login(api, user)["access"])

    changed = api.post(CHANGE, {"current_password": PASSWORD, "new_password": NEW}, format="json")
    api.credentials()
    replay = confirm(api, earlier)

    assert changed.status_code == 200
    assert_dead(replay)
    assert not PasswordResetToken.objects.filter(user=user, used_at__isnull=True).exists()


def test_attack_a_reset_token_dies_after_an_admin_sets_the_password(api):
    user = UserFactory()
    earlier = reset_link(api, user)
    access = login(api, user)["access"]
    url = reverse("admin:accounts_user_password", args=[user.pk])

    page = admin_session().get(url)
    response = admin_session().post(url, {"new_password1": NEW, "new_password2": NEW})
    replay = confirm(api, earlier)

    assert page.status_code == 200
    assert b"new_password1" in page.content
    assert response.status_code == 302
    assert_dead(replay)
    assert bearer(api, access).get(ME).status_code == 401  # the user's sessions ended too
    api.credentials()
    assert login(api, user, NEW)


def test_an_admin_setting_a_weak_password_gets_the_form_back_and_nothing_changes(api):
    user = UserFactory()
    earlier = reset_link(api, user)
    url = reverse("admin:accounts_user_password", args=[user.pk])

    response = admin_session().post(url, {"new_password1": "123", "new_password2": "123"})

    assert response.status_code == 200
    assert b"This password is too short" in response.content
    assert confirm(api, earlier).status_code == 204


def test_an_admin_changing_its_own_password_ends_its_reset_links_and_other_sessions(api):
    admin = AdminFactory()
    earlier = reset_link(api, admin)
    access = login(api, admin)["access"]
    client = admin_session(admin)

    response = client.post(
        "/admin/password_change/", {"old_password": PASSWORD, "new_password1": NEW, "new_password2": NEW}
    )

    assert response.status_code == 302
    assert client.get("/admin/").status_code == 200  # this admin session goes on
    assert bearer(api, access).get(ME).status_code == 401
    api.credentials()
    assert_dead(confirm(api, earlier))


def test_a_password_saved_by_any_other_path_voids_earlier_links(api):
    # `manage.py changepassword`, the shell: no service runs, the fingerprint still differs.
    user = UserFactory()
    earlier = reset_link(api, user)

    user.set_password(NEW)
    user.save()

    assert_dead(confirm(api, earlier))


def test_a_reset_link_still_works_when_nothing_changed_the_password(api):
    user = UserFactory()
    token = reset_link(api, user)
    login(api, user)  # logging in changes nothing

    assert confirm(api, token).status_code == 204


def test_a_non_admin_cannot_open_the_set_password_page():
    user, coach = UserFactory(), UserFactory(role="coach")
    client = Client()
    client.force_login(coach)

    response = client.get(reverse("admin:accounts_user_password", args=[user.pk]))

    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]


def test_the_user_change_page_links_to_the_set_password_page():
    user = UserFactory()

    page = admin_session().get(reverse("admin:accounts_user_change", args=[user.pk]))

    assert page.status_code == 200
    assert reverse("admin:accounts_user_password", args=[user.pk]).encode() in page.content
