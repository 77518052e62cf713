"""`make bench-scale`'s seeding (bench/scale.py) at a small size: the rows the models accept,
the shape the benchmark describes, and a busy coach who sees its boxers' requests."""

import random

import pytest

from bench.population import seed
from bench.scale import BUSY_LINKS, BUSY_REQUESTS_EACH, busy_coach, seed_requests
from boxers.models import CoachLink, SparringRequest

pytestmark = pytest.mark.django_db


def test_requests_and_the_busy_coach(client_for):
    population = seed(boxers=600, clubs=30, seed=4)
    rng = random.Random(1)

    seed_requests(population.boxers, population.clubs, 60, rng)
    coach = busy_coach(population, rng)

    requests = list(SparringRequest.objects.all())
    links = CoachLink.objects.filter(coach=coach, status="active")
    members = {link.boxer_id for link in links}
    busy = [r for r in requests if r.from_boxer_id in members or r.to_boxer_id in members]
    assert links.count() == BUSY_LINKS  # the biggest club has that many members
    assert all(link.boxer.club_id == population.clubs[0] for link in links)
    assert len(requests) >= 60 + BUSY_LINKS * (BUSY_REQUESTS_EACH - 1)
    assert all(r.from_boxer_id != r.to_boxer_id and r.proposed_end > r.proposed_start for r in requests)
    assert {r.status for r in requests} >= {"pending", "accepted", "declined"}

    response = client_for(coach).get("/api/v1/sparring-requests/", {"page_size": 100})

    assert response.status_code == 200, response.content
    assert response.json()["count"] == len(busy) > 0  # its boxers' requests, and only those
