"""Django admin: user search/filter, actions through services, token tables read-only."""

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from accounts.models import PasswordResetToken, RefreshToken, Role, User
from accounts.services import session_start
from boxerconnect.jobs.worker import run_due_jobs
from tests.accounts.factories import AdminFactory, CoachFactory, UserFactory

pytestmark = pytest.mark.django_db

CHANGELIST = "admin:accounts_user_changelist"


@pytest.fixture
def admin_client_(django_capture_on_commit_callbacks):
    """A logged-in Django admin session (role admin); requests run their commit hooks."""
    client = Client()
    client.force_login(AdminFactory(email="root@example.com"))

    class Committing:
        def get(self, *args, **kwargs):
            with django_capture_on_commit_callbacks(execute=True):
                return client.get(*args, **kwargs)

        def post(self, *args, **kwargs):
            with django_capture_on_commit_callbacks(execute=True):
                return client.post(*args, **kwargs)

    return Committing()


def test_non_admin_roles_cannot_open_the_django_admin():
    client = Client()
    client.force_login(CoachFactory())

    response = client.get(reverse(CHANGELIST))

    assert response.status_code == 302
    assert "/login/" in response["Location"]


def test_user_changelist_searches_email_and_name_and_filters_role_and_active(admin_client_):
    UserFactory(email="findme@example.com", name="Zed Boxer")
    CoachFactory(email="coachy@example.com", name="Coach Y", is_active=False)

    by_name = admin_client_.get(reverse(CHANGELIST), {"q": "zed"})
    by_role = admin_client_.get(reverse(CHANGELIST), {"role__exact": "coach", "is_active__exact": "0"})

    assert by_name.status_code == 200
    assert b"findme@example.com" in by_name.content
    assert b"coachy@example.com" not in by_name.content
    assert b"coachy@example.com" in by_role.content
    assert b"findme@example.com" not in by_role.content


def test_deactivate_action_goes_through_the_service(admin_client_):
    user = UserFactory()
    session_start(user=user)

    admin_client_.post(
        reverse(CHANGELIST), {"action": "deactivate_users", "_selected_action": [str(user.pk)]}
    )

    user.refresh_from_db()
    assert not user.is_active
    assert user.token_version == 1
    assert not RefreshToken.objects.filter(user=user, revoked_at__isnull=True).exists()


def test_deactivate_action_refuses_the_last_active_admin():
    admin = AdminFactory()
    client = Client()
    client.force_login(admin)

    client.post(reverse(CHANGELIST), {"action": "deactivate_users", "_selected_action": [str(admin.pk)]})

    admin.refresh_from_db()
    assert admin.is_active


def test_revoke_sessions_action_kills_every_session(admin_client_):
    user = UserFactory()
    session_start(user=user)
    session_start(user=user)

    admin_client_.post(
        reverse(CHANGELIST), {"action": "revoke_all_sessions", "_selected_action": [str(user.pk)]}
    )

    user.refresh_from_db()
    assert user.is_active
    assert user.token_version == 1
    assert not RefreshToken.objects.filter(user=user, revoked_at__isnull=True).exists()


def test_changing_role_in_the_admin_form_ends_sessions(admin_client_):
    user = UserFactory(name="Formy")
    url = reverse("admin:accounts_user_change", args=[user.pk])

    response = admin_client_.post(
        url, {"email": user.email, "name": "Formy", "role": "coach", "is_active": "on", "email_verified": ""}
    )

    assert response.status_code == 302
    user.refresh_from_db()
    assert user.role == Role.COACH
    assert user.token_version == 1


def test_adding_a_user_without_password_in_the_admin_sends_a_set_password_mail(admin_client_):
    response = admin_client_.post(
        reverse("admin:accounts_user_add"),
        {
            "email": "Added@Example.com",
            "name": "Added",
            "role": "gym_owner",
            "password1": "",
            "password2": "",
        },
    )

    assert response.status_code == 302
    user = User.objects.get(email="added@example.com")
    assert user.role == Role.GYM_OWNER
    assert not user.has_usable_password()
    run_due_jobs()  # the worker sends it
    assert mail.outbox[-1].to == ["added@example.com"]


def test_token_tables_are_read_only(admin_client_):
    user = UserFactory()
    session_start(user=user)
    row = RefreshToken.objects.get(user=user)
    PasswordResetToken.objects.create(user=user, token_hash="f" * 64, expires_at=row.expires_at)
    reset = PasswordResetToken.objects.get(user=user)

    add = admin_client_.get(reverse("admin:accounts_refreshtoken_add"))
    view = admin_client_.get(reverse("admin:accounts_refreshtoken_change", args=[row.pk]))
    change = admin_client_.post(
        reverse("admin:accounts_refreshtoken_change", args=[row.pk]), {"replaced_by": "x"}
    )
    reset_view = admin_client_.get(reverse("admin:accounts_passwordresettoken_change", args=[reset.pk]))
    delete = admin_client_.post(
        reverse("admin:accounts_passwordresettoken_delete", args=[reset.pk]), {"post": "yes"}
    )

    assert add.status_code == 403
    assert view.status_code == 200
    assert change.status_code == 403
    assert reset_view.status_code == 200
    assert b"f" * 64 not in reset_view.content
    assert delete.status_code == 403
    row.refresh_from_db()
    assert row.replaced_by == ""
    assert PasswordResetToken.objects.filter(pk=reset.pk).exists()


def test_deleting_a_user_in_the_admin_kills_its_access_token_on_the_next_request(admin_client_, client_for):
    user = UserFactory()
    old = client_for(user)
    assert old.get("/api/v1/auth/me/").status_code == 200

    response = admin_client_.post(reverse("admin:accounts_user_delete", args=[user.pk]), {"post": "yes"})

    assert response.status_code == 302
    assert not User.objects.filter(pk=user.pk).exists()
    assert old.get("/api/v1/auth/me/").status_code == 401
