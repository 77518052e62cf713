"""Boxer profiles, their fights and the coaches a boxer grants rights to."""

import uuid
from datetime import timedelta

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Greatest, Least

from boxerconnect.cache.watch import WatchedQuerySet


class ExperienceLevel(models.TextChoices):
    BEGINNER = "beginner", "Beginner"
    AMATEUR = "amateur", "Amateur"
    INTERMEDIATE = "intermediate", "Intermediate"
    ADVANCED = "advanced", "Advanced"
    PROFESSIONAL = "professional", "Professional"


class Gender(models.TextChoices):
    MALE = "male", "Male"
    FEMALE = "female", "Female"


class Boxer(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="boxer")
    name = models.CharField(max_length=150)
    weight_kg = models.DecimalField(
        max_digits=5,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(40), MaxValueValidator(200)],
    )
    height_cm = models.PositiveSmallIntegerField(
        null=True, blank=True, validators=[MinValueValidator(120), MaxValueValidator(230)]
    )
    date_of_birth = models.DateField(null=True, blank=True)
    gender = models.CharField(max_length=8, choices=Gender.choices, blank=True, default="")
    city = models.CharField(max_length=100, blank=True, default="")
    country = models.CharField(max_length=100, blank=True, default="")
    experience_level = models.CharField(
        max_length=16, choices=ExperienceLevel.choices, default=ExperienceLevel.BEGINNER
    )
    bio = models.TextField(blank=True, default="", max_length=2000)
    club = models.ForeignKey(
        "clubs.Club", null=True, blank=True, on_delete=models.SET_NULL, related_name="boxers"
    )
    is_searchable = models.BooleanField(default=True)
    is_verified = models.BooleanField(default=False)
    is_active = models.BooleanField(default=True)  # False = soft-deleted
    # Derived from fights (boxers.services recomputes them); never written from input.
    wins = models.PositiveIntegerField(default=0, editable=False)
    losses = models.PositiveIntegerField(default=0, editable=False)
    draws = models.PositiveIntegerField(default=0, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name", "id"]
        indexes = [
            models.Index(fields=["is_searchable", "is_active"]),
            models.Index(fields=["club"]),
            # Sparring suggestions: same gender, within a weight window, among the searchable;
            # covering what the other filters read, so the scan stays in the index.
            models.Index(
                fields=["gender", "weight_kg"],
                include=["experience_level", "date_of_birth", "club", "user", "id"],
                condition=models.Q(is_active=True, is_searchable=True),
                name="boxers_sparring_gender_weight",
            ),
            # The directory's default order among the listed profiles (first pages from the
            # head of the index). It carries the user (INCLUDE) so that a page's ids are an
            # index-only walk that tests the public rule's anti-join and a name search on the
            # entries themselves (migration 0005). The trigram indexes for name and city
            # search are PostgreSQL-only and live in migration 0004 alone (see there).
            models.Index(
                fields=["name", "id"],
                include=["user"],
                condition=models.Q(is_active=True, is_searchable=True),
                name="boxers_directory_name",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class FightResult(models.TextChoices):
    WIN = "win", "Win"
    LOSS = "loss", "Loss"
    DRAW = "draw", "Draw"
    NO_CONTEST = "no_contest", "No contest"


class FightMethod(models.TextChoices):
    DECISION = "decision", "Decision"
    UNANIMOUS_DECISION = "unanimous_decision", "Unanimous decision"
    SPLIT_DECISION = "split_decision", "Split decision"
    MAJORITY_DECISION = "majority_decision", "Majority decision"
    KO = "ko", "KO"
    TKO = "tko", "TKO"
    RTD = "rtd", "RTD"
    DQ = "dq", "DQ"
    NO_CONTEST = "no_contest", "No contest"


class Fight(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    boxer = models.ForeignKey(Boxer, on_delete=models.CASCADE, related_name="fights")
    opponent_name = models.CharField(max_length=150)
    date = models.DateField()
    venue = models.CharField(max_length=200, blank=True, default="")
    result = models.CharField(max_length=16, choices=FightResult.choices)
    method = models.CharField(max_length=32, choices=FightMethod.choices, blank=True, default="")
    round = models.PositiveSmallIntegerField(
        null=True, blank=True, validators=[MinValueValidator(1), MaxValueValidator(12)]
    )
    notes = models.TextField(blank=True, default="", max_length=2000)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-date", "-created_at"]

    def __str__(self) -> str:
        return f"{self.date:%Y-%m-%d} \N{EN DASH} {self.opponent_name} ({self.get_result_display().lower()})"


class CoachRight(models.TextChoices):
    EDIT_PROFILE = "edit_profile", "Edit profile"
    MANAGE_FIGHTS = "manage_fights", "Manage fights"
    MANAGE_SPARRING = "manage_sparring", "Manage sparring"


class CoachLinkStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    ACTIVE = "active", "Active"


class CoachLink(models.Model):
    """A coach acting for a boxer with the rights the boxer granted (only while active)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    coach = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="coach_links")
    boxer = models.ForeignKey(Boxer, on_delete=models.CASCADE, related_name="coach_links")
    status = models.CharField(max_length=16, choices=CoachLinkStatus.choices, default=CoachLinkStatus.PENDING)
    rights = models.JSONField(default=list, blank=True)  # subset of CoachRight values
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["coach", "boxer"], name="boxers_unique_coach_boxer"),
        ]

    def __str__(self) -> str:
        return f"{self.coach.name} coaches {self.boxer.name} ({self.get_status_display().lower()})"


# --- Sparring -----------------------------------------------------------------------------------


# The longest slot or session. On PostgreSQL a check constraint holds every slot to it
# (migration 0003), so a slot overlapping [start, end) starts after start - MAX_SESSION.
MAX_SESSION = timedelta(hours=8)


class Availability(models.Model):
    """A slot when a boxer can spar. No two slots of one boxer overlap: checked by the service
    and, on PostgreSQL, by an exclusion constraint on the time range (migration 0002)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    boxer = models.ForeignKey(Boxer, on_delete=models.CASCADE, related_name="availability")
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    club = models.ForeignKey("clubs.Club", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    note = models.CharField(max_length=500, blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    # update() and bulk_create() tell the read models' watches what they wrote.
    objects = WatchedQuerySet.as_manager()

    class Meta:
        ordering = ["starts_at", "id"]
        verbose_name_plural = "availability"
        indexes = [
            models.Index(fields=["boxer", "starts_at"]),
            models.Index(fields=["starts_at"], name="boxers_availability_starts"),  # overlaps
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=F("starts_at")), name="boxers_availability_ends_after_start"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.boxer_id} {self.starts_at:%Y-%m-%d %H:%M} to {self.ends_at:%H:%M}"


class SparringKind(models.TextChoices):
    SPARRING = "sparring", "Sparring"
    BOUT = "bout", "Bout"


class SparringStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    ACCEPTED = "accepted", "Accepted"
    DECLINED = "declined", "Declined"
    CANCELLED = "cancelled", "Cancelled"
    EXPIRED = "expired", "Expired"
    COMPLETED = "completed", "Completed"


class SparringRequest(models.Model):
    """One side (`from_boxer`) proposes a session to the other (`to_boxer`).

    pending → accepted | declined | cancelled | expired; accepted → completed (after its end)
    or cancelled (before its start). A pending request past `expires_at` reads as expired
    everywhere. At most one pending request per unordered pair of boxers (constraint); an
    accepted one not yet ended also blocks a new one (the service checks it under a lock).
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    kind = models.CharField(max_length=16, choices=SparringKind.choices, default=SparringKind.SPARRING)
    status = models.CharField(max_length=16, choices=SparringStatus.choices, default=SparringStatus.PENDING)
    from_boxer = models.ForeignKey(Boxer, on_delete=models.CASCADE, related_name="sparring_requests_sent")
    to_boxer = models.ForeignKey(Boxer, on_delete=models.CASCADE, related_name="sparring_requests_received")
    proposed_start = models.DateTimeField()
    proposed_end = models.DateTimeField()
    venue_club = models.ForeignKey(
        "clubs.Club", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    message = models.TextField(max_length=2000, blank=True, default="")
    response_message = models.TextField(max_length=2000, blank=True, default="")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    responded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    expires_at = models.DateTimeField()
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    # update() and bulk_create() tell the read models' watches what they wrote.
    objects = WatchedQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "id"]
        indexes = [
            models.Index(fields=["from_boxer", "-created_at"]),
            models.Index(fields=["to_boxer", "-created_at"]),
            models.Index(fields=["status", "expires_at"]),
        ]
        constraints = [
            models.UniqueConstraint(
                Least("from_boxer", "to_boxer"),
                Greatest("from_boxer", "to_boxer"),
                condition=Q(status="pending"),
                name="boxers_one_pending_request_per_pair",
            ),
            models.CheckConstraint(
                condition=Q(proposed_end__gt=F("proposed_start")), name="boxers_sparring_ends_after_start"
            ),
            models.CheckConstraint(condition=~Q(from_boxer=F("to_boxer")), name="boxers_sparring_two_boxers"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.from_boxer_id} → {self.to_boxer_id} ({self.status})"
