"""Users (email login, role), refresh-token rows and password-reset token hashes."""

import uuid

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.auth.models import PermissionsMixin
from django.db import models
from django.db.models.functions import Lower
from django.utils.crypto import salted_hmac

from boxerconnect.cache.watch import WatchedQuerySet


class Role(models.TextChoices):
    BOXER = "boxer", "Boxer"
    COACH = "coach", "Coach"
    GYM_OWNER = "gym_owner", "Gym owner"
    ADMIN = "admin", "Admin"


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    @classmethod
    def normalize_email(cls, email: str | None) -> str:
        """Emails are stored lower-cased whole: the login is case-insensitive."""
        return (email or "").strip().lower()

    def get_by_natural_key(self, username):
        return self.get(email=self.normalize_email(username))

    def create_user(self, email: str, password: str | None = None, **fields):
        if not email:
            raise ValueError("An email address is required.")
        user = self.model(email=self.normalize_email(email), **fields)
        if password:
            user.set_password(password)
        else:
            user.set_unusable_password()
        user.save(using=self._db)
        return user

    def create_superuser(self, email: str, password: str | None = None, **fields):
        fields.update(role=Role.ADMIN, is_superuser=True, is_active=True)
        fields.setdefault("name", email.split("@")[0])
        return self.create_user(email, password, **fields)


class User(AbstractBaseUser, PermissionsMixin):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    email = models.EmailField(max_length=254, unique=True)
    name = models.CharField(max_length=150)
    role = models.CharField(max_length=16, choices=Role.choices, default=Role.BOXER)
    is_active = models.BooleanField(default=True)
    email_verified = models.BooleanField(default=False)
    # Bumped to kill every access token at once (logout-all, password change, deactivation).
    token_version = models.PositiveIntegerField(default=0)
    # Notifications are also mailed (through the job queue) while this is on.
    email_notifications = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = ["name"]

    class Meta:
        ordering = ["email"]
        constraints = [
            models.UniqueConstraint(Lower("email"), name="accounts_user_email_ci_unique"),
        ]
        indexes = [
            models.Index(fields=["role"]),
            # The few deactivated accounts, which queries over many boxers leave out.
            models.Index(fields=["id"], condition=models.Q(is_active=False), name="accounts_user_inactive"),
        ]

    def __str__(self) -> str:
        return self.email

    @property
    def is_staff(self) -> bool:
        """Django admin access follows the role: admins only."""
        return self.is_active and self.role == Role.ADMIN

    @property
    def is_admin(self) -> bool:
        return self.role == Role.ADMIN

    # Django's session verification (django.contrib.auth.get_user) compares this hash on every
    # request and flushes a session whose hash differs: with token_version in it, whatever
    # bumps the version (logout-all, deactivation, a role or password change) also ends the
    # user's Django admin sessions. Fallback hashes (SECRET_KEY_FALLBACKS) carry it too.
    def _session_hash(self, secret: str | None = None) -> str:
        value = f"{self.password}|{self.token_version}"
        return salted_hmac(
            "accounts.User.session_auth_hash", value, secret=secret, algorithm="sha256"
        ).hexdigest()

    def get_session_auth_hash(self) -> str:
        return self._session_hash()

    def get_session_auth_fallback_hash(self):
        for secret in settings.SECRET_KEY_FALLBACKS:
            yield self._session_hash(secret=secret)

    def has_perm(self, perm, obj=None) -> bool:
        return self.is_staff or super().has_perm(perm, obj)

    def has_module_perms(self, app_label) -> bool:
        return self.is_staff or super().has_module_perms(app_label)

    def clean(self):
        super().clean()
        self.email = UserManager.normalize_email(self.email)


class RefreshToken(models.Model):
    """One issued refresh JWT, by its jti; the token text itself is never stored."""

    jti = models.CharField(max_length=64, primary_key=True)
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="refresh_tokens")
    family = models.UUIDField(db_index=True)  # one login; reuse of a rotated token kills it
    parent_jti = models.CharField(max_length=64, blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)
    replaced_by = models.CharField(max_length=64, blank=True, default="")

    class Meta:
        db_table = "refresh_tokens"
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["user", "revoked_at"])]

    def __str__(self) -> str:
        return f"refresh {self.jti[:8]}… of {self.user_id}"


class PasswordResetToken(models.Model):
    """A reset (or set-password) token by its SHA-256; the raw token is only in the email."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="reset_tokens")
    token_hash = models.CharField(max_length=64, unique=True)
    # SHA-256 of the user's password hash when issued: a later password (any path) voids it.
    password_fingerprint = models.CharField(max_length=64, default="")
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        db_table = "password_reset_tokens"
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"reset token of {self.user_id} ({'used' if self.used_at else 'unused'})"


class LoginFailure(models.Model):
    """One failed login for an (email, client IP) pair: the Redis-independent login limiter."""

    id = models.BigAutoField(primary_key=True)
    email = models.CharField(max_length=254)  # normalised, as typed (may name no account)
    ip = models.CharField(max_length=64)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        db_table = "login_failures"
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["email", "ip", "created_at"])]

    def __str__(self) -> str:
        return f"login failure for {self.email} from {self.ip}"


class NotificationKind(models.TextChoices):
    SPARRING_REQUESTED = "sparring_requested", "Sparring requested"
    SPARRING_ACCEPTED = "sparring_accepted", "Sparring accepted"
    SPARRING_DECLINED = "sparring_declined", "Sparring declined"
    SPARRING_CANCELLED = "sparring_cancelled", "Sparring cancelled"
    SPARRING_EXPIRED = "sparring_expired", "Sparring request expired"
    MEMBERSHIP_REQUESTED = "membership_requested", "Membership requested"
    MEMBERSHIP_APPROVED = "membership_approved", "Membership approved"
    MEMBERSHIP_REJECTED = "membership_rejected", "Membership rejected"
    COACH_LINK_REQUESTED = "coach_link_requested", "Coach link requested"
    COACH_LINK_ACCEPTED = "coach_link_accepted", "Coach link accepted"
    COACH_LINK_DECLINED = "coach_link_declined", "Coach link declined"
    COACH_INVITED = "coach_invited", "Coach invited to a club"


class Notification(models.Model):
    """Something that happened that concerns `recipient`, created in the same transaction as
    the change; `data` holds the ids and names a client needs to show and link it."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    recipient = models.ForeignKey(User, on_delete=models.CASCADE, related_name="notifications")
    kind = models.CharField(max_length=32, choices=NotificationKind.choices)
    actor = models.ForeignKey(User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    data = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    read_at = models.DateTimeField(null=True, blank=True)

    # update() and bulk_create() tell the read models' watches what they wrote.
    objects = WatchedQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["recipient", "-created_at"], name="notification_recipient_new"),
            # "my unread, newest first" and the unread count
            models.Index(
                fields=["recipient", "-created_at"],
                condition=models.Q(read_at__isnull=True),
                name="notification_unread",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} for {self.recipient_id}"
