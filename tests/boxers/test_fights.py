"""Fight records: validation, newest-first listing, and wins/losses/draws recomputed from fights."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from boxers import services
from boxers.models import Fight
from tests.accounts.factories import AdminFactory
from tests.boxers.factories import BoxerFactory, CoachLinkFactory, FightFactory

FIGHT_KEYS = {
    "id",
    "boxer_id",
    "opponent_name",
    "date",
    "venue",
    "result",
    "method",
    "round",
    "notes",
    "created_at",
}


def fights_url(boxer):
    return f"/api/v1/boxers/{boxer.pk}/fights/"


def fight_url(boxer, fight):
    return f"/api/v1/boxers/{boxer.pk}/fights/{fight.pk}/"


@pytest.fixture
def manager(db, client_for):
    """A boxer and a client for a coach holding manage_fights on it."""
    link = CoachLinkFactory(rights=["manage_fights"])
    return link.boxer, client_for(link.coach), link.coach


def record(boxer):
    boxer.refresh_from_db()
    return boxer.wins, boxer.losses, boxer.draws


def test_recording_fights_recomputes_the_record(manager):
    boxer, coach, coach_user = manager

    for result in ["win", "win", "loss", "draw", "no_contest"]:
        response = coach.post(
            fights_url(boxer),
            {"opponent_name": "Rival", "date": "2024-06-01", "result": result, "method": "decision"},
            format="json",
        )
        assert response.status_code == 201

    assert record(boxer) == (2, 1, 1)
    assert Fight.objects.filter(boxer=boxer, created_by=coach_user).count() == 5
    assert coach.get(f"/api/v1/boxers/{boxer.pk}/").json()["wins"] == 2


def test_changing_and_deleting_fights_recompute_the_record(manager):
    boxer, coach, _ = manager
    win = services.fight_create(boxer=boxer, opponent_name="A", date=datetime.date(2024, 1, 1), result="win")
    services.fight_create(boxer=boxer, opponent_name="B", date=datetime.date(2024, 2, 1), result="loss")
    assert record(boxer) == (1, 1, 0)

    changed = coach.patch(fight_url(boxer, win), {"result": "draw"}, format="json")
    assert changed.status_code == 200
    assert record(boxer) == (0, 1, 1)

    deleted = coach.delete(fight_url(boxer, win))
    assert deleted.status_code == 204
    assert record(boxer) == (0, 1, 0)


def test_record_is_never_taken_from_input(manager):
    boxer, coach, _ = manager

    coach.post(
        fights_url(boxer),
        {"opponent_name": "X", "date": "2024-01-01", "result": "win", "wins": 40},
        format="json",
    )

    assert record(boxer) == (1, 0, 0)


def test_created_fight_has_the_api_shape(manager):
    boxer, coach, _ = manager

    response = coach.post(
        fights_url(boxer),
        {
            "opponent_name": "Rival",
            "date": "2024-06-01",
            "venue": "Ice Arena",
            "result": "win",
            "method": "tko",
            "round": 3,
            "notes": "Body shots",
        },
        format="json",
    )

    body = response.json()
    assert set(body) == FIGHT_KEYS
    assert body["boxer_id"] == str(boxer.pk)
    assert (body["method"], body["round"], body["date"]) == ("tko", 3, "2024-06-01")


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("date", "tomorrow"),
        ("date", "2024-13-01"),
        ("round", 0),
        ("round", 13),
        ("round", "third"),
        ("result", "ko"),
        ("result", "WIN"),
        ("method", "knockout"),
        ("opponent_name", ""),
        ("notes", "n" * 2001),
    ],
)
def test_invalid_fight_fields_are_400(manager, field, value):
    boxer, coach, _ = manager
    if value == "tomorrow":
        value = (timezone.localdate() + datetime.timedelta(days=1)).isoformat()
    payload = {"opponent_name": "Rival", "date": "2024-06-01", "result": "win", field: value}

    response = coach.post(fights_url(boxer), payload, format="json")

    assert response.status_code == 400
    assert list(response.json()) == [field]
    assert not Fight.objects.filter(boxer=boxer).exists()


def test_required_fight_fields(manager):
    boxer, coach, _ = manager

    response = coach.post(fights_url(boxer), {}, format="json")

    assert response.status_code == 400
    assert set(response.json()) == {"opponent_name", "date", "result"}


def test_fight_dated_today_and_round_bounds_are_accepted(manager):
    boxer, coach, _ = manager
    today = timezone.localdate().isoformat()

    first = coach.post(
        fights_url(boxer), {"opponent_name": "A", "date": today, "result": "win", "round": 1}, format="json"
    )
    last = coach.post(
        fights_url(boxer), {"opponent_name": "B", "date": today, "result": "win", "round": 12}, format="json"
    )

    assert (first.status_code, last.status_code) == (201, 201)


def test_patch_validates_and_leaves_omitted_fields(manager):
    boxer, coach, _ = manager
    fight = FightFactory(boxer=boxer, venue="Old Hall", round=4)
    tomorrow = (timezone.localdate() + datetime.timedelta(days=1)).isoformat()

    bad = coach.patch(fight_url(boxer, fight), {"date": tomorrow}, format="json")
    good = coach.patch(fight_url(boxer, fight), {"notes": "Rematch due"}, format="json")

    assert bad.status_code == 400
    assert good.status_code == 200
    fight.refresh_from_db()
    assert (fight.venue, fight.round, fight.notes) == ("Old Hall", 4, "Rematch due")


def test_a_fight_of_another_boxer_is_404(manager):
    boxer, coach, _ = manager
    foreign = FightFactory()

    patched = coach.patch(fight_url(boxer, foreign), {"venue": "Hijack"}, format="json")
    deleted = coach.delete(fight_url(boxer, foreign))
    unknown = coach.delete(f"{fights_url(boxer)}00000000-0000-0000-0000-000000000000/")

    assert (patched.status_code, deleted.status_code, unknown.status_code) == (404, 404, 404)
    foreign.refresh_from_db()
    assert foreign.venue == ""


def test_fights_are_listed_newest_first_and_paginated(db, client_for):
    boxer = BoxerFactory()
    older = FightFactory(boxer=boxer, date=datetime.date(2023, 1, 1))
    same_day_first = FightFactory(boxer=boxer, date=datetime.date(2024, 5, 1))
    same_day_second = FightFactory(boxer=boxer, date=datetime.date(2024, 5, 1))
    FightFactory()  # another boxer's

    page1 = client_for(None).get(fights_url(boxer), {"page_size": 2}).json()
    page2 = client_for(None).get(fights_url(boxer), {"page_size": 2, "page": 2}).json()

    assert page1["count"] == 3
    assert [f["id"] for f in page1["results"] + page2["results"]] == [
        str(same_day_second.pk),
        str(same_day_first.pk),
        str(older.pk),
    ]
    assert client_for(None).get(fights_url(boxer), {"page": 9}).status_code == 404


def test_the_boxer_alone_cannot_record_fights(db, client_for):
    boxer = BoxerFactory()

    response = client_for(boxer.user).post(
        fights_url(boxer), {"opponent_name": "Me", "date": "2024-01-01", "result": "win"}, format="json"
    )

    assert response.status_code == 403
    assert record(boxer) == (0, 0, 0)


def test_admin_manages_fights_of_a_deleted_profile(db, client_for):
    boxer = BoxerFactory(is_active=False)

    response = client_for(AdminFactory()).post(
        fights_url(boxer), {"opponent_name": "A", "date": "2024-01-01", "result": "loss"}, format="json"
    )

    assert response.status_code == 201
    assert record(boxer) == (0, 1, 0)


@pytest.mark.parametrize("fights", [1, 5, 40])
def test_recompute_is_one_aggregate_query_whatever_the_fight_count(db, fights):
    boxer = BoxerFactory()
    results = ["win", "loss", "draw", "no_contest"]
    for n in range(fights):
        FightFactory(boxer=boxer, result=results[n % 4])

    with CaptureQueriesContext(connection) as captured:
        services.boxer_recompute_record(boxer=boxer)

    statements = [q["sql"] for q in captured.captured_queries if "SAVEPOINT" not in q["sql"]]
    # lock the profile row, one aggregate over the fights, one UPDATE
    assert len(statements) == 3
    assert sum("COUNT(" in sql for sql in statements) == 1
    expected = (sum(results[n % 4] == r for n in range(fights)) for r in ("win", "loss", "draw"))
    returned = (boxer.wins, boxer.losses, boxer.draws)
    assert returned == tuple(expected)
    assert record(boxer) == returned
