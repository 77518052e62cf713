"""Clubs (gyms), the coaches attached to them and boxers' requests to join."""

import uuid

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q


class Club(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    name = models.CharField(max_length=200)
    region = models.CharField(max_length=100, blank=True, default="")
    city = models.CharField(max_length=100, blank=True, default="")
    country = models.CharField(max_length=100, blank=True, default="")
    postcode = models.CharField(max_length=16, blank=True, default="")
    address = models.CharField(max_length=300, blank=True, default="")
    latitude = models.DecimalField(
        max_digits=9,
        decimal_places=6,
        null=True,
        blank=True,
        validators=[MinValueValidator(-90), MaxValueValidator(90)],
    )
    longitude = models.DecimalField(
        max_digits=9,
        decimal_places=6,
        null=True,
        blank=True,
        validators=[MinValueValidator(-180), MaxValueValidator(180)],
    )
    contact_name = models.CharField(max_length=150, blank=True, default="")
    contact_email = models.EmailField(blank=True, default="")
    contact_phone = models.CharField(max_length=32, blank=True, default="")
    website = models.URLField(blank=True, default="")
    description = models.TextField(blank=True, default="", max_length=5000)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="owned_clubs",
    )
    is_published = models.BooleanField(default=False)
    accepting_members = models.BooleanField(default=True)
    is_verified = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name", "id"]
        indexes = [
            models.Index(fields=["is_published", "name"]),
            models.Index(fields=["region"]),
            # Sparring suggestions: the bounding box around a club, before the exact distance.
            models.Index(fields=["latitude", "longitude"], name="clubs_lat_lng"),
        ]

    def __str__(self) -> str:
        return self.name


class ClubCoachStatus(models.TextChoices):
    INVITED = "invited", "Invited"
    ACTIVE = "active", "Active"


class ClubCoach(models.Model):
    """A coach invited to or coaching at a club. An invitation grants nothing until the coach
    accepts it; a coach is active at one club at most, while invitations from several clubs
    may wait (accepting one while active elsewhere is a conflict)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    club = models.ForeignKey(Club, on_delete=models.CASCADE, related_name="club_coaches")
    coach = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="coach_positions"
    )
    is_head = models.BooleanField(default=False)
    status = models.CharField(max_length=16, choices=ClubCoachStatus.choices, default=ClubCoachStatus.INVITED)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-is_head", "created_at"]
        verbose_name = "club coach"
        verbose_name_plural = "club coaches"
        constraints = [
            models.UniqueConstraint(fields=["club", "coach"], name="clubs_one_row_per_club_and_coach"),
            models.UniqueConstraint(
                fields=["coach"], condition=Q(status="active"), name="clubs_one_active_club_per_coach"
            ),
        ]

    def __str__(self) -> str:
        verb = "coaches at" if self.status == ClubCoachStatus.ACTIVE else "is invited to"
        return f"{self.coach.name} {verb} {self.club.name}"


class MembershipStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    APPROVED = "approved", "Approved"
    REJECTED = "rejected", "Rejected"
    CANCELLED = "cancelled", "Cancelled"


class MembershipRequest(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="membership_requests"
    )
    club = models.ForeignKey(Club, on_delete=models.CASCADE, related_name="membership_requests")
    status = models.CharField(
        max_length=16, choices=MembershipStatus.choices, default=MembershipStatus.PENDING
    )
    # From the requester, for the club owner (why, experience, when they can train).
    message = models.TextField(blank=True, default="", max_length=1000)
    # From the reviewer (the owner or an admin), e.g. why a request was rejected.
    notes = models.TextField(blank=True, default="", max_length=2000)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="reviewed_membership_requests",
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "club"],
                condition=Q(status="pending"),
                name="clubs_one_pending_request_per_user_club",
            )
        ]

    def __str__(self) -> str:
        return f"{self.user.name} → {self.club.name} ({self.get_status_display().lower()})"
