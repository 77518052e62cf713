"""Sparring suggestions on generated populations: every filter, the radius, the score's order,
determinism and the under-18 rules, each checked against a plain-Python reading of the rules."""

import math
import random
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from boxers.models import Availability, Boxer, ExperienceLevel
from boxers.sparring.selectors import EXPERIENCE_ORDER
from permissions.rules import is_adult, years_before
from tests.accounts.factories import AdminFactory
from tests.boxers.factories import BoxerFactory, CoachLinkFactory
from tests.clubs.factories import ClubFactory

pytestmark = pytest.mark.django_db

CARDIFF = (51.4816, -3.1791)


def url(boxer) -> str:
    return f"/api/v1/boxers/{boxer.pk}/suggestions/"


def haversine(a, b) -> float:
    lat1, lon1, lat2, lon2 = map(math.radians, (*a, *b))
    h = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    return 2 * 6371.0088 * math.asin(math.sqrt(h))


def club_at(km_north: float, km_east: float = 0.0, **kw):
    """A club about this many km north/east of Cardiff (None, None: no coordinates)."""
    lat = CARDIFF[0] + km_north / 111.045
    lon = CARDIFF[1] + km_east / (111.045 * math.cos(math.radians(CARDIFF[0])))
    return ClubFactory(latitude=Decimal(f"{lat:.6f}"), longitude=Decimal(f"{lon:.6f}"), **kw)


def ids(response) -> list[str]:
    assert response.status_code == 200, response.content
    return [item["boxer"]["id"] for item in response.json()["results"]]


@pytest.fixture
def me():
    """An adult male amateur of 70 kg in a Cardiff club, with availability in 3 days."""
    boxer = BoxerFactory(
        gender="male",
        weight_kg=70,
        experience_level="amateur",
        date_of_birth=timezone.localdate() - timedelta(days=9000),
        club=club_at(0),
    )
    start = timezone.now() + timedelta(days=3)
    Availability.objects.create(boxer=boxer, starts_at=start, ends_at=start + timedelta(hours=2))
    return boxer


def test_each_filter_keeps_exactly_the_boxers_that_fit(client_for, me):
    near = club_at(10)
    fits = BoxerFactory(gender="male", weight_kg=72, experience_level="intermediate", club=near)
    misfits = [
        BoxerFactory(gender="female", weight_kg=70, club=near),  # gender
        BoxerFactory(gender="male", weight_kg=75.5, club=near),  # more than 5 kg heavier
        BoxerFactory(gender="male", weight_kg=70, experience_level="advanced", club=near),  # two levels apart
        BoxerFactory(gender="male", weight_kg=70, is_searchable=False, club=near),  # hidden
        BoxerFactory(gender="male", weight_kg=70, is_active=False, club=near),  # deleted
        BoxerFactory(gender="male", weight_kg=70, club=club_at(80)),  # 80 km away
        BoxerFactory(gender="male", weight_kg=70, club=me.club),  # same club (excluded by default)
    ]
    inactive = BoxerFactory(gender="male", weight_kg=70, club=near)
    inactive.user.is_active = False
    inactive.user.save()

    found = ids(client_for(me.user).get(url(me)))

    assert found == [str(fits.pk)]
    assert not {str(b.pk) for b in misfits} & set(found)


def test_the_same_club_is_included_on_request_and_the_radius_is_exact(client_for, me):
    same = BoxerFactory(gender="male", weight_kg=70, club=me.club)
    at_49 = BoxerFactory(gender="male", weight_kg=70, club=club_at(34.6, 34.6))  # ~49 km diagonally
    at_51 = BoxerFactory(gender="male", weight_kg=70, club=club_at(36.1, 36.1))  # ~51 km diagonally
    no_coordinates = BoxerFactory(gender="male", weight_kg=70, club=ClubFactory())
    clubless = BoxerFactory(gender="male", weight_kg=70)
    client = client_for(me.user)

    found = ids(client.get(url(me), {"include_same_club": "true"}))
    wide = ids(client.get(url(me), {"radius_km": 60}))

    assert str(same.pk) in found
    assert str(at_49.pk) in found and str(at_51.pk) not in found
    assert str(at_51.pk) in wide
    # Without coordinates there is no distance: kept, listed after those with one.
    assert {str(no_coordinates.pk), str(clubless.pk)} <= set(found)
    results = client.get(url(me), {"include_same_club": "true"}).json()["results"]
    distances = [r["distance_km"] for r in results]
    assert distances.index(None) > distances.index(next(d for d in distances if d is not None))


def test_a_bout_narrows_the_weight_window_to_three_kg(client_for, me):
    near = club_at(5)
    within = BoxerFactory(gender="male", weight_kg=72.9, club=near)
    beyond = BoxerFactory(gender="male", weight_kg=73.5, club=near)
    client = client_for(me.user)

    sparring, bout = ids(client.get(url(me))), ids(client.get(url(me), {"kind": "bout"}))

    assert {str(within.pk), str(beyond.pk)} <= set(sparring)
    assert str(within.pk) in bout and str(beyond.pk) not in bout


def test_an_under_18_is_matched_only_within_two_years_and_adults_see_only_close_juniors(client_for):
    today = timezone.localdate()
    near = club_at(5)
    junior = BoxerFactory(gender="male", weight_kg=60, date_of_birth=years_before(today, 16), club=club_at(0))
    close = BoxerFactory(gender="male", weight_kg=60, date_of_birth=years_before(today, 17), club=near)
    far = BoxerFactory(gender="male", weight_kg=60, date_of_birth=years_before(today, 19), club=near)
    unknown = BoxerFactory(gender="male", weight_kg=60, date_of_birth=None, club=near)
    adult = BoxerFactory(gender="male", weight_kg=60, date_of_birth=years_before(today, 18), club=club_at(-5))
    admin = AdminFactory()  # a junior acts for nobody, not even itself: an admin asks

    for_junior = ids(client_for(admin).get(url(junior)))
    for_adult = ids(client_for(admin).get(url(adult)))

    assert set(for_junior) == {str(close.pk), str(adult.pk)}  # 1 and 2 years apart; not 3, not unknown
    assert str(junior.pk) in for_adult and str(close.pk) in for_adult  # 2 and 1 years apart
    assert str(far.pk) in for_adult and str(unknown.pk) in for_adult  # adults both


def test_the_same_inputs_always_give_the_same_list_in_score_then_distance_then_id_order(client_for, me):
    rng = random.Random(7)
    for _ in range(60):
        BoxerFactory(
            gender=rng.choice(["male", "male", "female"]),
            weight_kg=Decimal(f"{rng.uniform(62, 78):.1f}"),
            experience_level=rng.choice(EXPERIENCE_ORDER),
            club=club_at(rng.uniform(-60, 60), rng.uniform(-60, 60)) if rng.random() < 0.8 else None,
        )
    client = client_for(me.user)

    first = client.get(url(me), {"limit": 50}).json()["results"]
    second = client.get(url(me), {"limit": 50}).json()["results"]

    assert first == second
    keys = [(-r["score"], r["distance_km"] is None, r["distance_km"] or 0, r["boxer"]["id"]) for r in first]
    assert keys == sorted(keys)
    assert all(0 <= r["score"] <= 100 for r in first)


def test_the_results_match_a_plain_reading_of_the_rules_on_a_generated_population(client_for, me):
    rng = random.Random(11)
    today = timezone.localdate()
    clubs = [club_at(rng.uniform(-60, 60), rng.uniform(-60, 60)) for _ in range(12)] + [ClubFactory()]
    for _ in range(300):
        BoxerFactory(
            gender=rng.choice(["male", "female"]),
            weight_kg=Decimal(f"{rng.uniform(60, 80):.1f}"),
            experience_level=rng.choice(EXPERIENCE_ORDER),
            date_of_birth=rng.choice([None, today - timedelta(days=rng.randint(13 * 365, 45 * 365))]),
            is_searchable=rng.random() < 0.9,
            club=rng.choice([*clubs, None]),
        )
    origin = (float(me.club.latitude), float(me.club.longitude))

    def fits(b: Boxer) -> bool:
        if b.pk == me.pk or not (b.is_active and b.is_searchable and b.user.is_active):
            return False
        if b.gender != me.gender or abs(Decimal(b.weight_kg) - Decimal(me.weight_kg)) > 5:
            return False
        if abs(EXPERIENCE_ORDER.index(b.experience_level) - EXPERIENCE_ORDER.index(me.experience_level)) > 1:
            return False
        if b.club_id == me.club_id:
            return False
        junior = b.date_of_birth is not None and not is_adult(b.date_of_birth.isoformat(), today)
        if junior:  # me is an adult: the junior must be within 2 years of me
            older, younger = sorted((b.date_of_birth, me.date_of_birth))
            if years_before(younger, 2) > older:
                return False
        if b.club is not None and b.club.latitude is not None:
            return haversine(origin, (float(b.club.latitude), float(b.club.longitude))) <= 50
        return True

    expected = {str(b.pk) for b in Boxer.objects.select_related("club", "user") if fits(b)}
    results = client_for(me.user).get(url(me), {"limit": 50}).json()["results"]

    assert len(expected) >= 5  # the population exercises the rules
    assert {r["boxer"]["id"] for r in results} == expected if len(expected) <= 50 else len(results) == 50
    for r in results:
        if r["distance_km"] is not None:
            b = Boxer.objects.select_related("club").get(pk=r["boxer"]["id"])
            exact = haversine(origin, (float(b.club.latitude), float(b.club.longitude)))
            assert abs(r["distance_km"] - exact) < 0.1


def test_only_the_nearest_in_weight_on_each_side_of_the_boxer_are_scored(client_for, me, settings):
    """The candidate cap (SPARRING_SUGGESTION_CANDIDATES, docs/sparring.md): of those that
    fit, the N nearest in weight at or above the boxer's and the N nearest below (ties by
    id) are scored. Here the two best scores lie beyond the cap and are not suggested."""
    far, near = club_at(49), club_at(1)
    at_70 = BoxerFactory(gender="male", weight_kg=70, experience_level="intermediate", club=far)
    twins = [BoxerFactory(gender="male", weight_kg=70.4, experience_level="beginner", club=far) for _ in "ab"]
    twins.sort(key=lambda b: str(b.pk))
    above = BoxerFactory(gender="male", weight_kg=73, experience_level="amateur", club=near)  # 61 points
    just_below = BoxerFactory(gender="male", weight_kg=69.8, experience_level="beginner", club=far)
    below = BoxerFactory(gender="male", weight_kg=69, experience_level="beginner", club=far)
    further_below = BoxerFactory(gender="male", weight_kg=67, experience_level="amateur", club=near)  # 61
    client = client_for(me.user)

    uncapped = ids(client.get(url(me)))
    settings.SPARRING_SUGGESTION_CANDIDATES = 2
    capped = ids(client.get(url(me)))

    assert set(uncapped[:2]) == {str(above.pk), str(further_below.pk)}
    assert len(uncapped) == 7
    assert set(capped) == {str(b.pk) for b in (at_70, twins[0], just_below, below)}


def test_reasons_are_in_words_and_count_overlapping_slots(client_for, me):
    slot = Availability.objects.get(boxer=me)
    partner = BoxerFactory(
        gender="male", weight_kg=Decimal("67.9"), experience_level="amateur", club=club_at(12)
    )
    Availability.objects.create(
        boxer=partner,
        starts_at=slot.starts_at + timedelta(hours=1),
        ends_at=slot.ends_at + timedelta(hours=1),
    )

    (result,) = client_for(me.user).get(url(me)).json()["results"]

    assert result["reasons"] == ["2.1 kg lighter", "same experience", "12 km away", "1 overlapping slot"]
    assert (result["overlapping_slots"], result["weight_diff_kg"], result["experience_gap"]) == (1, 2.1, 0)
    assert set(result["boxer"]) >= {"id", "name", "weight_kg", "club"}


def test_overlapping_slots_count_exactly_and_score_up_to_three(client_for, me):
    """Each of the partner's slots that overlaps one of mine counts once (one overlapping two
    of mine too); the score counts at most three."""
    mine = Availability.objects.get(boxer=me)
    Availability.objects.create(
        boxer=me, starts_at=mine.starts_at + timedelta(days=1), ends_at=mine.ends_at + timedelta(days=1)
    )
    near = club_at(5)
    partners = {
        n: BoxerFactory(gender="male", weight_kg=70, experience_level="amateur", club=near) for n in (2, 3, 4)
    }
    for n, partner in partners.items():
        for i in range(n):  # half-hour slots inside my two slots, and one straddling the first's end
            day = timedelta(days=i % 2)
            begins = mine.starts_at + day + timedelta(minutes=40 * (i // 2))
            Availability.objects.create(
                boxer=partner, starts_at=begins, ends_at=begins + timedelta(minutes=30)
            )
    late = mine.ends_at - timedelta(minutes=10)  # straddles my first slot's end: overlaps
    Availability.objects.create(
        boxer=partners[2], starts_at=late + timedelta(hours=1), ends_at=late + timedelta(hours=2)
    )
    Availability.objects.create(boxer=partners[3], starts_at=late, ends_at=late + timedelta(hours=1))

    results = client_for(me.user).get(url(me)).json()["results"]
    by_id = {r["boxer"]["id"]: r for r in results}

    counts = {n: by_id[str(p.pk)]["overlapping_slots"] for n, p in partners.items()}
    assert counts == {2: 2, 3: 4, 4: 4}
    scores = {n: by_id[str(p.pk)]["score"] for n, p in partners.items()}
    assert scores[3] == scores[4] > scores[2]  # 4 slots score like 3: capped
    assert "4 overlapping slots" in by_id[str(partners[3].pk)]["reasons"]


def test_an_under_18s_slots_count_only_for_callers_who_may_see_its_availability(client_for):
    # An 18-year-old acting for itself may not read a 17-year-old's slots (403): its
    # suggestions must not count them either, or moving its own slot about would map them.
    # A coach acting for it may read them (role coach), and gets the count.
    today = timezone.localdate()
    me = BoxerFactory(
        gender="male", weight_kg=70, experience_level="amateur", date_of_birth=years_before(today, 18)
    )
    coach = CoachLinkFactory(boxer=me, rights=["manage_sparring"]).coach
    minor = BoxerFactory(
        gender="male", weight_kg=70, experience_level="amateur", date_of_birth=years_before(today, 17)
    )
    start = timezone.now() + timedelta(days=3)
    for boxer in (me, minor):
        Availability.objects.create(boxer=boxer, starts_at=start, ends_at=start + timedelta(hours=1))

    mine = client_for(me.user).get(url(me)).json()["results"]
    coached = client_for(coach).get(url(me)).json()["results"]

    assert client_for(me.user).get(f"/api/v1/boxers/{minor.pk}/availability/").status_code == 403
    assert [(r["boxer"]["id"], r["overlapping_slots"]) for r in mine] == [(str(minor.pk), 0)]
    assert not [reason for reason in mine[0]["reasons"] if "overlapping" in reason]
    assert [(r["boxer"]["id"], r["overlapping_slots"]) for r in coached] == [(str(minor.pk), 1)]
    assert mine[0]["score"] == coached[0]["score"] - 5


@pytest.mark.parametrize(
    "query",
    [
        {"radius_km": 0},
        {"radius_km": 501},
        {"radius_km": "nan"},  # passes both bounds (NaN compares false), so it is refused itself
        {"radius_km": "NaN"},
        {"limit": 51},
        {"limit": 0},
        {"kind": "brawl"},
        {"include_same_club": "maybe"},
    ],
)
def test_bad_parameters_are_a_400(client_for, me, query):
    assert client_for(me.user).get(url(me), query).status_code == 400


def test_a_boxer_without_gender_or_weight_gets_a_400_saying_so(client_for):
    boxer = BoxerFactory(gender="", weight_kg=70)

    response = client_for(boxer.user).get(url(boxer))

    assert (response.status_code, response.json()["code"]) == (400, "incomplete_profile")


def test_experience_levels_are_in_the_contract_order():
    assert [level.value for level in ExperienceLevel] == EXPERIENCE_ORDER
    assert EXPERIENCE_ORDER == ["beginner", "amateur", "intermediate", "advanced", "professional"]
