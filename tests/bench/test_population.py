"""The benchmarks' population seeder (bench/population.py) writes rows the models accept:
every column filled, the constraints held, the same seed giving the same rows."""

from collections import Counter

import pytest
from django.db import connection

from accounts.models import User
from bench.population import seed
from boxers.models import MAX_SESSION, Availability, Boxer
from clubs.models import Club

pytestmark = pytest.mark.django_db


def test_a_small_population_has_the_shape_the_benchmarks_describe():
    population = seed(boxers=600, clubs=30, seed=3)

    boxers = list(Boxer.objects.select_related("user", "club"))
    genders = Counter(b.gender for b in boxers)
    assert (len(boxers), Club.objects.count(), User.objects.count()) == (600, 30, 630)
    assert set(population.boxers) == {b.pk for b in boxers}
    assert genders["male"] > 3 * genders["female"] > 0 and genders[""] < 60
    assert {b.experience_level for b in boxers} == {
        "beginner",
        "amateur",
        "intermediate",
        "advanced",
        "professional",
    }
    assert all(40 <= b.weight_kg <= 130 for b in boxers if b.weight_kg is not None)
    assert all(b.user.role == "boxer" and not b.user.has_usable_password() for b in boxers)
    assert all(b.wins + b.losses + b.draws >= 0 for b in boxers)
    assert 0 < sum(b.club is None for b in boxers) < 100
    assert all(c.owner.role == "gym_owner" for c in Club.objects.select_related("owner"))
    slots = list(Availability.objects.all())
    assert slots and all(timedelta_ok(s) for s in slots)
    # The rows read back through the ORM: defaults filled for the columns the seeder omits.
    assert all(b.user.email_notifications and b.user.token_version == 0 for b in boxers)


def timedelta_ok(slot: Availability) -> bool:
    return slot.starts_at < slot.ends_at <= slot.starts_at + MAX_SESSION


def test_the_same_seed_gives_the_same_rows():
    first = seed(boxers=50, clubs=5, seed=9)
    rows = sorted(Boxer.objects.values_list("id", "weight_kg", "experience_level", "club_id"))
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # fire the pending FK checks first
        cursor.execute("TRUNCATE boxers_availability, boxers_boxer, clubs_club, accounts_user CASCADE")

    second = seed(boxers=50, clubs=5, seed=9)

    assert first == second
    assert sorted(Boxer.objects.values_list("id", "weight_kg", "experience_level", "club_id")) == rows
