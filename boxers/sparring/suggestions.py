"""Sparring partner suggestions for one boxer: filtered, scored and ranked in SQL.

Candidates (API.md, "Suggestions"): other boxers the caller can view that are active and
searchable (public profiles, so every caller sees the same candidates), of the same gender,
within the weight window (SPARRING_MAX_WEIGHT_DIFF_KG, or SPARRING_BOUT_MAX_WEIGHT_DIFF_KG
for a bout), of an equal or adjacent experience level, at most
SPARRING_JUNIOR_MAX_AGE_GAP_YEARS apart in age when either is under 18, and, when both clubs
have coordinates, within `radius_km` of the boxer's club: a bounding box on the clubs'
indexed latitude/longitude first, then the exact haversine distance. No geocoder: a club
without coordinates gives no distance (kept, and listed after those with one). Of those,
only the SPARRING_SUGGESTION_CANDIDATES nearest in weight at or above the boxer's weight
and as many below are scored (the candidate cap: the cost stays flat as the boxers grow).

Score, 0 to 100: weight closeness up to 40, experience 25 (same) or 10 (adjacent), nearness
up to 20 (5 without a distance), overlapping availability in the next 30 days 5 a slot up
to 15. Order: score, then distance (unknown last), then id — the same inputs always give
the same list.

Cost (bench/suggestions.py, bench/scale.py): four statements, five when the boxer has
slots — its slots; the capped candidates' ids (two walks of the covering partial index on
gender and weight outward from the boxer's weight, each stopping at the cap, the reachable
clubs read once as a CTE both walks hash); the ranking of those by primary key (joined to their clubs, the
overlapping slots as hashed subqueries on the starts_at index; ids and scores only); the
chosen profiles by primary key; their exact overlap counts. docs/sparring.md has the figures.
"""

import math
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import connection
from django.db.models import (
    Case,
    Count,
    F,
    FloatField,
    Func,
    IntegerField,
    Q,
    QuerySet,
    Value,
    When,
)
from django.db.models.expressions import RawSQL
from django.db.models.functions import (
    Abs,
    Cast,
    Floor,
    Greatest,
    Least,
)
from django.utils import timezone

from boxers.models import MAX_SESSION, Availability, Boxer, SparringKind
from boxers.sparring.selectors import EXPERIENCE_ORDER, bouts, experience_gap
from clubs.models import Club
from permissions.facts import UserFact
from permissions.rules import is_adult, years_before
from permissions.selectors import availability_view_scope, public_boxers

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


class Haversine(Func):
    """Great-circle distance (km) from a fixed point to the row's (latitude, longitude), NULL
    when either is NULL. One SQL node instead of a tree of thirty: the expression appears in
    the select list, the filter and the score, and Django compiles each occurrence."""

    output_field = FloatField()

    def __init__(self, latitude: str, longitude: str, *, origin: tuple[float, float]) -> None:
        super().__init__(F(latitude), F(longitude))
        self.origin = origin

    def as_sql(self, compiler: Any, connection: Any, **extra: Any) -> tuple[str, list[Any]]:  # type: ignore[override]
        lat, lat_params = compiler.compile(self.source_expressions[0])
        lon, lon_params = compiler.compile(self.source_expressions[1])
        lat0, lon0 = (math.radians(v) for v in self.origin)
        least = "MIN" if connection.vendor == "sqlite" else "LEAST"  # MIN(a, b) is SQLite's
        sql = (
            f"(CASE WHEN {lat} IS NULL OR {lon} IS NULL THEN NULL ELSE "
            f"{2 * EARTH_RADIUS_KM!r} * ASIN(SQRT({least}(1.0, "
            f"POWER(SIN((RADIANS({lat}) - {lat0!r}) / 2), 2) + {math.cos(lat0)!r} * COS(RADIANS({lat})) "
            f"* POWER(SIN((RADIANS({lon}) - {lon0!r}) / 2), 2)))) END)"
        )
        params = [*lat_params, *lon_params, *lat_params, *lat_params, *lon_params]
        return sql, params


def _public() -> Q:
    """Profiles every caller may view (permissions.selectors.public_boxers: active,
    searchable, of an active user, the deactivated accounts left out by an anti-join on
    their partial index). Every candidate is public, so the caller's own wider scope (its
    members, its links) adds nothing here."""
    return public_boxers()


def _reachable_clubs(origin: tuple[float, float], radius_km: float) -> QuerySet[Any]:
    """Ids of the clubs a candidate may train at: within `radius_km` of `origin` (a bounding
    box on the clubs' indexed latitude and longitude, then the exact haversine distance), or
    without coordinates (no distance: kept). `_nearest_in_weight` reads it once (a
    materialised CTE) and hashes it, so each side's scan of the boxers tests its entries
    against it in memory and keeps its weight order."""
    lat0, lon0 = origin
    dlat = radius_km / KM_PER_DEGREE
    dlon = radius_km / (KM_PER_DEGREE * max(math.cos(math.radians(lat0)), 0.01))
    box = Q(
        latitude__gte=lat0 - dlat,
        latitude__lte=lat0 + dlat,
        longitude__gte=lon0 - dlon,
        longitude__lte=lon0 + dlon,
    )
    within = Club.objects.filter(box).annotate(km=Haversine("latitude", "longitude", origin=origin))
    unplaced = Club.objects.filter(Q(latitude__isnull=True) | Q(longitude__isnull=True))
    reachable = within.filter(km__lte=radius_km).values("pk").order_by()
    return reachable.union(unplaced.values("pk").order_by(), all=True)


def _nearest_in_weight(
    fitting: QuerySet[Boxer], weight: Decimal, reachable: QuerySet[Any] | None
) -> list[Any]:
    """The candidate cap (docs/sparring.md): of the boxers that fit (and, when `reachable`
    is given, have no club or one of those clubs), the ids of the
    SPARRING_SUGGESTION_CANDIDATES nearest in weight at or above `weight` and as many below
    (ties by id), in one statement. Each side is a walk of the covering index
    `boxers_sparring_gender_weight` outward from `weight` that stops at the cap, so it reads
    about cap / (the filters' selectivity) entries at any population, where without the cap
    the ranking read every boxer of the gender in the weight window nationwide."""
    cap = settings.SPARRING_SUGGESTION_CANDIDATES
    if not connection.features.supports_slicing_ordering_in_compound:
        # SQLite (`make run`'s embedded database) refuses a LIMIT inside a UNION: the same
        # two walks as two statements, the clubs read first.
        if reachable is not None:
            fitting = fitting.filter(Q(club__isnull=True) | Q(club_id__in=[row["pk"] for row in reachable]))
        heavier_ids = (
            fitting.filter(weight_kg__gte=weight).order_by("weight_kg", "id").values_list("pk", flat=True)
        )
        lighter_ids = (
            fitting.filter(weight_kg__lt=weight).order_by("-weight_kg", "id").values_list("pk", flat=True)
        )
        return [*heavier_ids[:cap], *lighter_ids[:cap]]
    if reachable is not None:
        # The clubs once for both sides: a CTE (Django has none) that each side hashes;
        # `_reachable_clubs` selects values("pk"), a column Django names "pk".
        fitting = fitting.filter(Q(club__isnull=True) | Q(club_id__in=RawSQL("SELECT pk FROM reachable", ())))
    heavier = fitting.filter(weight_kg__gte=weight).order_by("weight_kg", "id").values("pk")[:cap]
    lighter = fitting.filter(weight_kg__lt=weight).order_by("-weight_kg", "id").values("pk")[:cap]
    sql, params = heavier.union(lighter, all=True).query.sql_with_params()
    if reachable is not None:
        clubs_sql, clubs_params = reachable.query.sql_with_params()
        sql, params = f"WITH reachable AS MATERIALIZED ({clubs_sql}) {sql}", (*clubs_params, *params)
    # Fetched, not nested: the ranking then reads these rows by primary key, a plan that
    # does not depend on the planner's guess of how many there are.
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return [pk for (pk,) in cursor.fetchall()]


def candidates(
    boxer: Boxer, criteria: Criteria, overlapping: QuerySet[Availability] | None = None
) -> QuerySet[Boxer]:
    """The candidates (at most SPARRING_SUGGESTION_CANDIDATES on each side of the boxer's
    weight: `_nearest_in_weight`, one statement run here), annotated with distance_km,
    overlapping_slots and score; unordered. The cap reads only what the covering index
    `boxers_sparring_gender_weight` holds, and the clubs."""
    if not boxer.gender or boxer.weight_kg is None:
        raise IncompleteProfile
    today = timezone.localdate()
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
    fitting = (
        Boxer.objects.filter(
            _public(),
            gender=boxer.gender,
            weight_kg__gte=weight - window,
            weight_kg__lte=weight + window,
            experience_level__in=levels,
        )
        .filter(_age_filter(boxer, today))
        .exclude(pk=boxer.pk)
    )
    if boxer.club_id is not None and not criteria.include_same_club:
        fitting = fitting.exclude(club_id=boxer.club_id)
    club = boxer.club
    origin, reachable = None, None
    if club is not None and club.latitude is not None and club.longitude is not None:
        origin = (float(club.latitude), float(club.longitude))
        reachable = _reachable_clubs(origin, criteria.radius_km)
    # The public rule again on the capped rows: a profile hidden between the two statements
    # is not suggested (cheap on at most 2 x cap rows read by primary key).
    ids: Any = _nearest_in_weight(fitting, weight, reachable)
    if connection.vendor == "postgresql":
        # One array parameter, not up to 2 x cap placeholders: psycopg's conversion of a
        # query with 500 parameters was the largest Python cost of a call (bench/suggestions.py).
        ids = RawSQL("SELECT unnest(%s::uuid[])", (ids,))
    found = Boxer.objects.filter(_public(), pk__in=ids)
    if origin is not None:
        found = found.annotate(distance_km=Haversine("club__latitude", "club__longitude", origin=origin))
    else:
        found = found.annotate(distance_km=Value(None, output_field=FloatField()))
    found = found.annotate(overlapping_slots=_slot_count(overlapping))
    return _scored(found, weight, window, level, criteria.radius_km)


def overlapping_slots(boxer: Boxer, actor: UserFact | None) -> QuerySet[Availability] | None:
    """Other boxers' slots overlapping one of `boxer`'s slots in the next 30 days, of the
    boxers whose availability `actor` may view (an under-18's slots count only for its own
    side and roles coach, gym_owner, admin: availability_view_scope); None when `boxer` has
    none. A slot lasts at most MAX_SESSION (a constraint), so one overlapping [start, end)
    starts in (start - MAX_SESSION, end): a range on the starts_at index."""
    now = timezone.now()
    mine = list(
        Availability.objects.filter(
            boxer_id=boxer.pk, ends_at__gt=now, starts_at__lt=now + SLOT_HORIZON
        ).values_list("starts_at", "ends_at")[:200]
    )
    if not mine:
        return None
    overlap = Q(pk__in=[])
    for start, end in mine:
        overlap |= Q(starts_at__gt=start - MAX_SESSION, starts_at__lt=end, ends_at__gt=start)
    viewable = availability_view_scope(actor, timezone.localdate(), "boxer__")
    return Availability.objects.filter(overlap, viewable).exclude(boxer_id=boxer.pk).order_by()


def _slot_count(overlapping: QuerySet[Availability] | None) -> Any:
    """A candidate's overlapping slots, capped at 3 (all the score counts), as uncorrelated
    subqueries PostgreSQL hashes once per query: boxers with at least 3, 2, 1 of them."""
    if overlapping is None:
        return Value(0, output_field=IntegerField())
    per_boxer = overlapping.values("boxer_id").annotate(n=Count("pk"))
    return Case(
        When(pk__in=per_boxer.filter(n__gte=3).values("boxer_id"), then=Value(3)),
        When(pk__in=per_boxer.filter(n=2).values("boxer_id"), then=Value(2)),
        When(pk__in=overlapping.values("boxer_id"), then=Value(1)),
        default=Value(0),
        output_field=IntegerField(),
    )


def _scored(
    found: QuerySet[Boxer], weight: Decimal, window: Decimal, level: int, radius: float
) -> QuerySet[Boxer]:
    # In floating point: numeric arithmetic on every candidate costs more than the rounding.
    weight_diff = Abs(Cast("weight_kg", FloatField()) - Value(float(weight)))
    same_level = EXPERIENCE_ORDER[level]
    score = (
        Value(40.0) * (Value(1.0) - weight_diff / Value(float(window) or 1.0))
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
        + Cast(F("overlapping_slots") * Value(5), FloatField())
    )
    # The whole-number score clients see (ties then go by distance, then id).
    return found.annotate(
        score=Cast(Floor(Greatest(Least(score, Value(100.0)), Value(0.0)) + Value(0.5)), IntegerField())
    )


def reasons(boxer: Boxer, candidate: Boxer, distance_km: float | None, overlapping_slots: int) -> list[str]:
    """Why a candidate fits, in words (e.g. "2.1 kg lighter", "same experience")."""
    found = []
    diff = Decimal(str(candidate.weight_kg)) - Decimal(str(boxer.weight_kg))
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
    if distance_km is not None:
        found.append(f"{distance_km:.0f} km away" if distance_km >= 1 else "less than 1 km away")
    if boxer.club_id is not None and candidate.club_id == boxer.club_id:
        found.append("same club")
    if overlapping_slots:
        plural = "s" if overlapping_slots != 1 else ""
        found.append(f"{overlapping_slots} overlapping slot{plural}")
    return found


def suggestions(*, boxer: Boxer, criteria: Criteria, actor: UserFact | None) -> list[dict[str, Any]]:
    """The best `criteria.limit` candidates with their figures and reasons (the caller
    serialises `boxer`), for `actor` (who acts for `boxer`: it decides whose slots count).
    The ranking query reads the capped candidates by primary key with their clubs and
    returns ids; the chosen profiles are then read by primary key (late row lookup)."""
    overlapping = overlapping_slots(boxer, actor)
    ordered: Any = candidates(boxer, criteria, overlapping).order_by(  # annotated: Any for mypy
        F("score").desc(), F("distance_km").asc(nulls_last=True), "id"
    )
    ranked = list(ordered.values_list("pk", "distance_km", "score")[: criteria.limit])
    chosen = [pk for pk, _, _ in ranked]
    overlaps: dict[Any, int] = {}
    if overlapping is not None and chosen:  # the exact counts, for the chosen only
        per_boxer = overlapping.filter(boxer_id__in=chosen).values("boxer_id").annotate(n=Count("pk"))
        overlaps = dict(per_boxer.values_list("boxer_id", "n"))
    rows = Boxer.objects.select_related("club").in_bulk(chosen)
    weight = Decimal(str(boxer.weight_kg))
    found = []
    for pk, distance, score in ranked:
        candidate = rows[pk]
        slots = overlaps.get(pk, 0)
        found.append(
            {
                "boxer": candidate,
                "score": score,
                "reasons": reasons(boxer, candidate, distance, slots),
                "distance_km": None if distance is None else round(distance, 1),
                "weight_diff_kg": float(abs(Decimal(str(candidate.weight_kg)) - weight)),
                "bouts_diff": abs(bouts(candidate) - bouts(boxer)),
                "experience_gap": experience_gap(candidate, boxer),
                "overlapping_slots": slots,
            }
        )
    return found
