"""Reads of sparring: slots in a window, the caller's requests (scoped in SQL by "acts for"),
who acts for a boxer (the people to notify), and how two boxers compare."""

from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any
from uuid import UUID

from django.db.models import Case, CharField, F, Min, Q, QuerySet, Value, When
from django.http import Http404
from django.utils import timezone

from accounts.models import User
from boxers.ages import age_on
from boxers.models import (
    Availability,
    Boxer,
    ExperienceLevel,
    SparringRequest,
    SparringStatus,
)
from permissions.facts import UserFact
from permissions.rules import is_adult, years_before
from permissions.selectors import acting_for_ids, acting_users_scope, sparring_request_scope

EXPERIENCE_ORDER = [level.value for level in ExperienceLevel]  # beginner < ... < professional


def within_years(a: date, b: date, years: int) -> bool:
    """Are two dates of birth at most `years` calendar years apart?"""
    older, younger = sorted((a, b))
    return years_before(younger, years) <= older


def experience_gap(a: Boxer, b: Boxer) -> int:
    """Steps between two experience levels (0: same, 1: adjacent)."""
    return abs(EXPERIENCE_ORDER.index(a.experience_level) - EXPERIENCE_ORDER.index(b.experience_level))


def bouts(boxer: Boxer) -> int:
    return boxer.wins + boxer.losses + boxer.draws


def compatibility(a: Boxer, b: Boxer, today: date) -> dict[str, Any]:
    """How two boxers compare: weight difference (kg), difference in recorded bouts, steps
    between experience levels, age gap in whole years (None where a figure is missing), and
    whether either is under 18 (`junior`).

    The age gap is whole years on purpose: any adult may propose to a searchable minor and
    reads this block, and a finer gap (tenths of a year) would give the minor's birth date
    to within days to someone who knows their own — a date only those who may edit the
    profile see."""
    weight = None
    if a.weight_kg is not None and b.weight_kg is not None:
        weight = float(abs(Decimal(a.weight_kg) - Decimal(b.weight_kg)))
    age_gap = None
    if a.date_of_birth is not None and b.date_of_birth is not None:
        earlier, later = sorted((a.date_of_birth, b.date_of_birth))
        age_gap = age_on(earlier, later)
    dobs = (a.date_of_birth, b.date_of_birth)
    return {
        "weight_diff_kg": weight,
        "bouts_diff": abs(bouts(a) - bouts(b)),
        "experience_gap": experience_gap(a, b),
        "age_gap_years": age_gap,
        "junior": any(d is not None and not is_adult(d.isoformat(), today) for d in dobs),
    }


def acting_user_ids(boxer: Boxer) -> list[UUID]:
    """The users who act for `boxer` (permissions.selectors.acting_users_scope: the rule of
    rules.acts_for), admins left out as admins (they act for everyone and are not notified):
    its own user when 18 or over, coaches with an active link carrying manage_sparring, the
    owner of its club; active users only. One query, on the rows as they are now."""
    scope = acting_users_scope(boxer.pk, timezone.localdate())
    return list(User.objects.filter(scope).order_by("pk").values_list("pk", flat=True))


def availability_window(*, boxer_id: UUID | str, start: datetime, end: datetime) -> QuerySet[Availability]:
    """The boxer's slots that overlap [start, end), by start, with their club."""
    return (
        Availability.objects.filter(boxer_id=boxer_id, starts_at__lt=end, ends_at__gt=start)
        .select_related("club")
        .order_by("starts_at", "id")
    )


def availability_get(*, boxer_id: UUID | str, slot_id: UUID | str) -> Availability:
    """One slot of this boxer, or Http404 (also for a slot of another boxer)."""
    slot = Availability.objects.select_related("club").filter(pk=slot_id, boxer_id=boxer_id).first()
    if slot is None:
        raise Http404
    return slot


def with_effective_status(requests: QuerySet[SparringRequest], now: datetime) -> QuerySet[SparringRequest]:
    """`effective_status`: a pending request past its expiry reads as expired everywhere."""
    return requests.annotate(
        effective_status=Case(
            When(status=SparringStatus.PENDING, expires_at__lte=now, then=Value(SparringStatus.EXPIRED)),
            default=F("status"),
            output_field=CharField(),
        )
    )


def _for_serializer(requests: QuerySet[SparringRequest]) -> QuerySet[SparringRequest]:
    return requests.select_related("from_boxer", "to_boxer", "venue_club", "created_by", "responded_by")


def _scoped(
    actor: UserFact | None, direction: str | None, boxer: UUID | None, today: date
) -> QuerySet[SparringRequest]:
    requests = SparringRequest.objects.filter(sparring_request_scope(actor, today))
    acting = acting_for_ids(actor, today)  # None: an admin, who acts for every boxer
    if direction == "incoming" and acting is not None:
        requests = requests.filter(to_boxer_id__in=acting)
    elif direction == "outgoing" and acting is not None:
        requests = requests.filter(from_boxer_id__in=acting)
    if boxer is not None:
        requests = requests.filter(Q(from_boxer_id=boxer) | Q(to_boxer_id=boxer))
    return requests


def sparring_request_next_expiry(
    *,
    actor: UserFact | None,
    now: datetime,
    direction: str | None = None,
    status: str | None = None,
    boxer: UUID | None = None,
) -> datetime | None:
    """The earliest instant after `now` at which a pending request of the list (whatever its
    `status` filter) expires, i.e. starts to read as expired with no write; None if none
    will. Until then a page of `sparring_request_list` read at `now` stays what it is."""
    requests = _scoped(actor, direction, boxer, timezone.localdate())
    found = requests.filter(status=SparringStatus.PENDING, expires_at__gt=now).aggregate(at=Min("expires_at"))
    at: datetime | None = found["at"]
    return at


def availability_window_changes(*, boxer_id: UUID | str, now: datetime, days: int) -> datetime | None:
    """The earliest instant after `now` at which the boxer's slots overlapping the moving
    window [t, t + days) change with no write: a slot in it ends, or a slot after it comes
    within `days` of t. None if neither will happen."""
    end = now + timedelta(days=days)
    found = Availability.objects.filter(boxer_id=boxer_id, ends_at__gt=now).aggregate(
        ends=Min("ends_at", filter=Q(starts_at__lt=end)),
        starts=Min("starts_at", filter=Q(starts_at__gte=end)),
    )
    moments = [found["ends"], None if found["starts"] is None else found["starts"] - timedelta(days=days)]
    return min((m for m in moments if m is not None), default=None)


def sparring_request_list(
    *,
    actor: UserFact | None,
    direction: str | None = None,
    status: str | None = None,
    boxer: UUID | None = None,
) -> QuerySet[SparringRequest]:
    """Requests where the actor acts for either side (admin: all), newest first. `direction`
    is relative to the boxers the actor acts for: incoming (to them), outgoing (from them)."""
    now = timezone.now()
    requests = _scoped(actor, direction, boxer, timezone.localdate())
    requests = with_effective_status(_for_serializer(requests), now)
    if status is not None:
        requests = requests.filter(Q(effective_status=status))
    return requests.order_by("-created_at", "-id")


def sparring_request_get(*, request_id: UUID | str) -> SparringRequest:
    """One request with what its serializer reads (authorization is the caller's), or Http404."""
    found = with_effective_status(
        _for_serializer(SparringRequest.objects.filter(pk=request_id)), timezone.now()
    )
    request = found.first()
    if request is None:
        raise Http404
    return request
