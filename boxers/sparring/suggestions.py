"""Sparring partner suggestions for one boxer: filtered, scored and ordered in one SQL query.

Candidates (API.md, "Suggestions"): other boxers the caller can view that are active and
searchable, of the same gender, within the weight window (SPARRING_MAX_WEIGHT_DIFF_KG, or
SPARRING_BOUT_MAX_WEIGHT_DIFF_KG for a bout), of an equal or adjacent experience level, at
most SPARRING_JUNIOR_MAX_AGE_GAP_YEARS apart in age when either is under 18, and, when both
clubs have coordinates, within `radius_km` of the boxer's club: a bounding box on the clubs'
indexed latitude/longitude first, then the exact haversine distance. No geocoder: a club
without coordinates gives no distance (kept, and listed after those with one).

Score, 0 to 100: weight closeness up to 40, experience 25 (same) or 10 (adjacent), nearness
up to 20 (5 without a distance), overlapping availability in the next 30 days 5 a slot up
to 15. Order: score, then distance (unknown last), then id — the same inputs always give
the same list.
"""

import math
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db.models import (
    Case,
    Count,
    DecimalField,
    ExpressionWrapper,
    F,
    FloatField,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import (
    Abs,
    ASin,
    Cast,
    Coalesce,
    Cos,
    Floor,
    Greatest,
    Least,
    Power,
    Radians,
    Sin,
    Sqrt,
)
from django.utils import timezone

from boxers.models import Availability, Boxer, SparringKind
from boxers.sparring.selectors import EXPERIENCE_ORDER, bouts, experience_gap
from permissions.facts import UserFact
from permissions.rules import is_adult, years_before
from permissions.selectors import boxer_scope

EARTH_RADIUS_KM = 6371.0088
KM_PER_DEGREE = 111.045
SLOT_HORIZON = timedelta(days=30)


class IncompleteProfile(Exception):
    """The boxer lacks what matching needs (gender and weight)."""


@dataclass(frozen=True)
class Criteria:
    kind: str = SparringKind.SPARRING
    radius_km: float = 50.0
    limit: int = 20
    include_same_club: bool = False


def _years_after(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February → 1 March
        return day.replace(year=day.year + years, month=3, day=1)


def _age_filter(boxer: Boxer, today: date) -> Q:
    """Candidates whose age fits: within the gap of a junior boxer; for an adult boxer, adults
    (or no date of birth) and juniors within the gap of it (none if its own is unknown)."""
    gap = settings.SPARRING_JUNIOR_MAX_AGE_GAP_YEARS
    adult_born_by = years_before(today, 18)
    dob = boxer.date_of_birth
    near = (
        Q(pk__in=[])
        if dob is None
        else Q(date_of_birth__gte=years_before(dob, gap), date_of_birth__lte=_years_after(dob, gap))
    )
    if dob is not None and not is_adult(dob.isoformat(), today):
        return near
    return Q(date_of_birth__isnull=True) | Q(date_of_birth__lte=adult_born_by) | near


def _distance(lat0: float, lon0: float) -> Any:
    """Haversine distance (km) from (lat0, lon0) to the candidate's club; NULL without one."""
    lat = Radians(Cast("club__latitude", FloatField()))
    lon = Radians(Cast("club__longitude", FloatField()))
    rlat0 = math.radians(lat0)
    half_dlat = (lat - Value(rlat0)) / 2
    half_dlon = (lon - Value(math.radians(lon0))) / 2
    a = Power(Sin(half_dlat), 2) + Value(math.cos(rlat0)) * Cos(lat) * Power(Sin(half_dlon), 2)
    distance = ExpressionWrapper(
        2 * EARTH_RADIUS_KM * ASin(Sqrt(Least(a, Value(1.0)))), output_field=FloatField()
    )
    # Spelled out: PostgreSQL's LEAST skips NULLs, so the formula alone never gives NULL.
    placed = Q(club__latitude__isnull=False, club__longitude__isnull=False)
    return Case(When(placed, then=distance), default=Value(None), output_field=FloatField())


def candidates(boxer: Boxer, actor: UserFact | None, criteria: Criteria) -> QuerySet[Boxer]:
    """The candidate query, annotated with distance_km, weight_diff, overlapping_slots and
    score, ordered and cut to `criteria.limit` (one SQL statement)."""
    if not boxer.gender or boxer.weight_kg is None:
        raise IncompleteProfile
    today, now = timezone.localdate(), timezone.now()
    window = Decimal(
        str(
            settings.SPARRING_BOUT_MAX_WEIGHT_DIFF_KG
            if criteria.kind == SparringKind.BOUT
            else settings.SPARRING_MAX_WEIGHT_DIFF_KG
        )
    )
    weight = Decimal(str(boxer.weight_kg))
    level = EXPERIENCE_ORDER.index(boxer.experience_level)
    levels = EXPERIENCE_ORDER[max(0, level - 1) : level + 2]
    found = (
        Boxer.objects.filter(boxer_scope(actor))
        .filter(
            is_active=True,
            is_searchable=True,
            user__is_active=True,
            gender=boxer.gender,
            weight_kg__gte=weight - window,
            weight_kg__lte=weight + window,
            experience_level__in=levels,
        )
        .filter(_age_filter(boxer, today))
        .exclude(pk=boxer.pk)
    )
    if boxer.club_id is not None and not criteria.include_same_club:
        found = found.exclude(club_id=boxer.club_id)
    club = boxer.club
    if club is not None and club.latitude is not None and club.longitude is not None:
        lat0, lon0 = float(club.latitude), float(club.longitude)
        dlat = criteria.radius_km / KM_PER_DEGREE
        dlon = criteria.radius_km / (KM_PER_DEGREE * max(math.cos(math.radians(lat0)), 0.01))
        unplaced = Q(club__isnull=True) | Q(club__latitude__isnull=True) | Q(club__longitude__isnull=True)
        box = Q(
            club__latitude__gte=lat0 - dlat,
            club__latitude__lte=lat0 + dlat,
            club__longitude__gte=lon0 - dlon,
            club__longitude__lte=lon0 + dlon,
        )
        found = found.filter(unplaced | box).annotate(distance_km=_distance(lat0, lon0))
        found = found.filter(Q(distance_km__isnull=True) | Q(distance_km__lte=criteria.radius_km))
    else:
        found = found.annotate(distance_km=Value(None, output_field=FloatField()))
    found = found.annotate(overlapping_slots=_overlapping_slots(boxer, now))
    return _scored(found, weight, window, level, criteria.radius_km)[: criteria.limit]


def _overlapping_slots(boxer: Boxer, now: Any) -> Any:
    """How many of the candidate's slots in the next 30 days overlap one of the boxer's."""
    mine = list(
        Availability.objects.filter(
            boxer_id=boxer.pk, ends_at__gt=now, starts_at__lt=now + SLOT_HORIZON
        ).values_list("starts_at", "ends_at")[:200]
    )
    if not mine:
        return Value(0, output_field=IntegerField())
    overlap = Q(pk__in=[])
    for start, end in mine:
        overlap |= Q(starts_at__lt=end, ends_at__gt=start)
    slots = (
        Availability.objects.filter(overlap, boxer_id=OuterRef("pk"))
        .order_by()
        .values("boxer_id")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(slots, output_field=IntegerField()), 0)


def _scored(
    found: QuerySet[Boxer], weight: Decimal, window: Decimal, level: int, radius: float
) -> QuerySet[Boxer]:
    weight_diff = Abs(F("weight_kg") - Value(weight, output_field=DecimalField()))
    same_level = EXPERIENCE_ORDER[level]
    score = (
        Value(40.0) * (Value(1.0) - Cast(weight_diff, FloatField()) / Value(float(window) or 1.0))
        + Case(
            When(experience_level=same_level, then=Value(25.0)),
            default=Value(10.0),
            output_field=FloatField(),
        )
        + Case(
            When(distance_km__isnull=True, then=Value(5.0)),
            default=Value(20.0) * (Value(1.0) - F("distance_km") / Value(float(radius))),
            output_field=FloatField(),
        )
        + Cast(Least(F("overlapping_slots"), Value(3)) * Value(5), FloatField())
    )
    return (
        # Ordered by the whole-number score clients see (ties then go by distance, then id).
        found.annotate(
            weight_diff=weight_diff,
            score=Cast(Floor(Greatest(Least(score, Value(100.0)), Value(0.0)) + Value(0.5)), IntegerField()),
        )
        .select_related("club")
        .order_by(F("score").desc(), F("distance_km").asc(nulls_last=True), "id")
    )


def reasons(boxer: Boxer, candidate: Any) -> list[str]:
    """Why a candidate fits, in words (e.g. "2.1 kg lighter", "same experience")."""
    found = []
    diff = Decimal(candidate.weight_kg) - Decimal(str(boxer.weight_kg))
    if diff == 0:
        found.append("same weight")
    else:
        found.append(f"{abs(diff):.1f} kg {'heavier' if diff > 0 else 'lighter'}")
    steps = EXPERIENCE_ORDER.index(candidate.experience_level) - EXPERIENCE_ORDER.index(
        boxer.experience_level
    )
    found.append(
        "same experience" if steps == 0 else f"one level {'more' if steps > 0 else 'less'} experienced"
    )
    if candidate.distance_km is not None:
        found.append(
            f"{candidate.distance_km:.0f} km away" if candidate.distance_km >= 1 else "less than 1 km away"
        )
    if boxer.club_id is not None and candidate.club_id == boxer.club_id:
        found.append("same club")
    if candidate.overlapping_slots:
        plural = "s" if candidate.overlapping_slots != 1 else ""
        found.append(f"{candidate.overlapping_slots} overlapping slot{plural}")
    return found


def suggestions(*, boxer: Boxer, actor: UserFact | None, criteria: Criteria) -> list[dict[str, Any]]:
    """The scored candidates with their figures and reasons (the caller serialises `boxer`)."""
    found: list[Any] = list(candidates(boxer, actor, criteria))  # annotated Boxer rows
    return [
        {
            "boxer": candidate,
            "score": candidate.score,
            "reasons": reasons(boxer, candidate),
            "distance_km": None if candidate.distance_km is None else round(candidate.distance_km, 1),
            "weight_diff_kg": float(candidate.weight_diff),
            "bouts_diff": abs(bouts(candidate) - bouts(boxer)),
            "experience_gap": experience_gap(candidate, boxer),
            "overlapping_slots": candidate.overlapping_slots,
        }
        for candidate in found
    ]
