"""Users: creation (self-registration, admin, club owners), updates, deactivation, deletion.

Cached user facts learn of every write through the cache's write watcher
(permissions/facts.py, the user family's sources): a role, `is_active` or token_version
change ends the user's rights on the very next request.
"""

from django.db import IntegrityError, transaction
from rest_framework import exceptions

from accounts.models import Role, User
from accounts.services import passwords
from accounts.services.passwords import password_errors
from accounts.services.sessions import TokenPair, end_all_sessions, session_start
from boxerconnect.api.errors import Conflict

SELF_SERVICE_ROLES = (Role.BOXER, Role.COACH, Role.GYM_OWNER)


class LastActiveAdmin(Conflict):
    default_detail = "The last active admin cannot be deactivated or demoted."
    default_code = "last_active_admin"


def _email_taken(email: str, exclude_pk=None) -> bool:
    qs = User.objects.filter(email__iexact=email)
    if exclude_pk is not None:
        qs = qs.exclude(pk=exclude_pk)
    return qs.exists()


def _email_taken_error() -> exceptions.ValidationError:
    return exceptions.ValidationError({"email": ["A user with this email already exists."]}, code="unique")


@transaction.atomic
def user_create(*, email: str, name: str, role: str, password: str | None = None) -> User:
    """Create a user of any role. Without `password` the password is unusable and the caller
    sends a set-password email (`send_set_password_email`). Raises DRF ValidationError (400)
    for a taken email (case-insensitive), an unknown role or a weak password."""
    if role not in Role.values:
        raise exceptions.ValidationError({"role": [f'"{role}" is not a valid choice.']})
    email = User.objects.normalize_email(email)
    user = User(email=email, name=name, role=role)
    if password is not None:
        errors = password_errors(password, user)
        if errors:
            raise exceptions.ValidationError({"password": errors})
        user.set_password(password)
    else:
        user.set_unusable_password()
    if _email_taken(email):
        raise _email_taken_error()
    try:
        with transaction.atomic():
            user.save(force_insert=True)
    except IntegrityError:  # a concurrent registration won the unique index
        raise _email_taken_error() from None
    return user


def admin_user_create(*, email: str, name: str, role: str, password: str | None = None) -> User:
    """Admin creates a user of any role; without a password the user gets a set-password mail."""
    with transaction.atomic():
        user = user_create(email=email, name=name, role=role, password=password)
        if password is None:
            passwords.send_set_password_email(user=user)
    return user


@transaction.atomic
def user_register(*, email: str, password: str, name: str, role: str = Role.BOXER) -> tuple[User, TokenPair]:
    """Self-registration: role admin is refused; a boxer also gets an empty boxer profile."""
    if role not in SELF_SERVICE_ROLES:
        raise exceptions.ValidationError({"role": ["This role cannot be chosen at registration."]})
    user = user_create(email=email, name=name, role=role, password=password)
    if role == Role.BOXER:
        from boxers.services import boxer_create  # boxers' services notify through accounts'

        boxer_create(user=user, name=user.name)
    return user, session_start(user=user)


@transaction.atomic
def user_update(*, user: User, **fields) -> User:
    """Change name, email, role and/or is_active (admin tools; `me` only passes name).

    Deactivation and role change bump token_version and revoke every refresh token, so the
    user's sessions and rights end on the next request. The last active admin cannot be
    deactivated or demoted (LastActiveAdmin, 409): all active admin rows are locked first so
    two concurrent demotions cannot both pass the check.
    """
    allowed = {"name", "email", "role", "is_active", "email_notifications"}
    unknown = set(fields) - allowed
    if unknown:
        raise TypeError(f"user_update got unexpected fields {sorted(unknown)}")
    if "role" in fields and fields["role"] not in Role.values:
        raise exceptions.ValidationError({"role": [f'"{fields["role"]}" is not a valid choice.']})
    new_role: str | None = fields.get("role")
    new_active: bool | None = fields.get("is_active")
    if (new_role is not None and new_role != Role.ADMIN) or new_active is False:
        # Lock every active admin row (in pk order: no deadlock between two demotions).
        admins = list(
            User.objects.select_for_update()
            .filter(role=Role.ADMIN, is_active=True)
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        if user.pk in admins and len(admins) <= 1:
            raise LastActiveAdmin()
    current = User.objects.select_for_update().get(pk=user.pk)
    changed: list[str] = []
    if "email" in fields:
        email = User.objects.normalize_email(fields["email"])
        if email != current.email:
            if _email_taken(email, exclude_pk=current.pk):
                raise _email_taken_error()
            current.email = email
            current.email_verified = False  # the new address is not proven yet
            changed += ["email", "email_verified"]
    if "name" in fields and fields["name"] != current.name:
        current.name = fields["name"]
        changed.append("name")
    if "email_notifications" in fields and fields["email_notifications"] != current.email_notifications:
        current.email_notifications = fields["email_notifications"]
        changed.append("email_notifications")
    role_changed = new_role is not None and new_role != current.role
    active_changed = new_active is not None and new_active != current.is_active
    if role_changed and new_role is not None:
        current.role = new_role
        changed.append("role")
    if active_changed and new_active is not None:
        current.is_active = new_active
        changed.append("is_active")
    if not changed:
        return current
    try:
        with transaction.atomic():
            current.save(update_fields=[*changed, "updated_at"])
    except IntegrityError:
        raise _email_taken_error() from None
    if role_changed or (active_changed and not current.is_active):
        end_all_sessions(current)
    return current


def user_deactivate(*, user: User) -> User:
    """Deactivate a user (admin action): sessions and rights end on the next request."""
    return user_update(user=user, is_active=False)


@transaction.atomic
def user_delete(*, user: User) -> None:
    """Delete a user (Django admin): its profile, links and memberships go with it; clubs it
    owned keep existing without an owner."""
    user.delete()
