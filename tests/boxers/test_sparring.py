"""Sparring: availability slots, requests and their state machine, through the API.

Every bad input gets the status docs/api.md names and leaves no row behind.
"""

from datetime import timedelta

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from boxers.models import Availability, SparringRequest, SparringStatus
from boxers.sparring import services
from tests.accounts.factories import CoachFactory, GymOwnerFactory
from tests.boxers.factories import BoxerFactory, CoachLinkFactory
from tests.clubs.factories import ClubFactory

pytestmark = pytest.mark.django_db
REQUESTS = "/api/v1/sparring-requests/"


def at(days: float = 0, hours: float = 0) -> str:
    return (timezone.now() + timedelta(days=days, hours=hours)).isoformat()


def slots_url(boxer) -> str:
    return f"/api/v1/boxers/{boxer.pk}/availability/"


def years_ago(years: float):
    return timezone.localdate() - timedelta(days=round(years * 365.25))


# --- Availability -------------------------------------------------------------------------------


def test_a_boxer_adds_slots_and_lists_those_in_a_window(client_for):
    boxer = BoxerFactory()
    client = client_for(boxer.user)

    first = client.post(
        slots_url(boxer), {"starts_at": at(2), "ends_at": at(2, 2), "note": "pads"}, format="json"
    )
    later = client.post(slots_url(boxer), {"starts_at": at(40), "ends_at": at(40, 1)}, format="json")
    default = client.get(slots_url(boxer)).json()
    window = client.get(slots_url(boxer), {"from": at(39), "to": at(41)}).json()

    assert (first.status_code, later.status_code) == (201, 201)
    assert set(first.json()) == {"id", "boxer_id", "starts_at", "ends_at", "club", "note", "created_at"}
    assert [s["id"] for s in default["results"]] == [first.json()["id"]]  # now → now + 30 days
    assert [s["id"] for s in window["results"]] == [later.json()["id"]]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"starts_at": "2030-05-01T18:00:00", "ends_at": "2030-05-01T19:00:00"}, "starts_at"),  # naive
        ({"starts_at": at(2, 2), "ends_at": at(2, 1)}, "ends_at"),  # ends before it starts
        ({"starts_at": at(2), "ends_at": at(2, 9)}, "ends_at"),  # longer than 8 h
        ({"starts_at": at(-1), "ends_at": at(-1, 1)}, "starts_at"),  # in the past
        ({"starts_at": at(181), "ends_at": at(181, 1)}, "starts_at"),  # over 180 days ahead
        ({"starts_at": at(2), "ends_at": at(2, 1), "note": "x" * 501}, "note"),
        ({"starts_at": "soon", "ends_at": at(2, 1)}, "starts_at"),
        ({"starts_at": at(2), "ends_at": at(2, 1), "club": "not-a-uuid"}, "club"),
        # Valid ISO 8601, but out of range once in UTC: a 400, not an OverflowError.
        ({"starts_at": "9999-12-31T23:00:00-05:00", "ends_at": at(2, 1)}, "starts_at"),
        ({"starts_at": at(2), "ends_at": "0001-01-01T01:00:00+05:00"}, "ends_at"),
    ],
)
def test_a_bad_slot_is_a_400_naming_the_field_and_stores_nothing(client_for, body, field):
    boxer = BoxerFactory()

    response = client_for(boxer.user).post(slots_url(boxer), body, format="json")

    assert response.status_code == 400, response.content
    assert field in response.json()
    assert not Availability.objects.exists()


@pytest.mark.parametrize(
    "query",
    [
        {"from": at(1), "to": at(92)},
        {"from": at(3), "to": at(2)},
        {"from": "2030-01-01T00:00:00"},
        {"to": "x"},
        {"from": "9999-12-31T23:00:00-05:00"},  # past year 9999 in UTC
        {"from": "0001-01-01T00:00:00+05:00"},  # before year 1 in UTC
        {"from": "9999-12-20T00:00:00+00:00"},  # its default end (+ 30 days) is past year 9999
    ],
)
def test_a_bad_window_is_a_400(client_for, query):
    boxer = BoxerFactory()

    assert client_for(boxer.user).get(slots_url(boxer), query).status_code == 400


def test_overlapping_slots_are_a_409_and_back_to_back_slots_are_fine(client_for):
    boxer = BoxerFactory()
    client = client_for(boxer.user)
    start = timezone.now() + timedelta(days=3)

    def post(offset_h: float, length_h: float):
        body = {
            "starts_at": (start + timedelta(hours=offset_h)).isoformat(),
            "ends_at": (start + timedelta(hours=offset_h + length_h)).isoformat(),
        }
        return client.post(slots_url(boxer), body, format="json")

    assert post(0, 2).status_code == 201
    overlap = post(1, 2)
    inside = post(0.5, 0.5)
    back_to_back = post(2, 1)

    assert (overlap.status_code, overlap.json()["code"]) == (409, "availability_overlap")
    assert inside.status_code == 409
    assert back_to_back.status_code == 201
    assert Availability.objects.filter(boxer=boxer).count() == 2


def test_the_database_refuses_overlapping_slots_too(db):
    boxer = BoxerFactory()
    start = timezone.now() + timedelta(days=1)
    Availability.objects.create(boxer=boxer, starts_at=start, ends_at=start + timedelta(hours=2))

    with pytest.raises(IntegrityError), transaction.atomic():
        Availability.objects.create(
            boxer=boxer, starts_at=start + timedelta(hours=1), ends_at=start + timedelta(hours=3)
        )


def test_the_database_holds_every_slot_to_eight_hours(db):
    """The suggestions find overlapping slots by a range on starts_at that relies on it."""
    boxer = BoxerFactory()
    start = timezone.now() + timedelta(days=1)
    Availability.objects.create(boxer=boxer, starts_at=start, ends_at=start + timedelta(hours=8))

    with pytest.raises(IntegrityError), transaction.atomic():
        Availability.objects.create(
            boxer=boxer,
            starts_at=start + timedelta(days=1),
            ends_at=start + timedelta(days=1, hours=8, seconds=1),
        )


def test_moving_a_slot_onto_another_is_a_409_and_changes_nothing(client_for):
    boxer = BoxerFactory()
    client = client_for(boxer.user)
    a = client.post(slots_url(boxer), {"starts_at": at(2), "ends_at": at(2, 1)}, format="json").json()
    client.post(slots_url(boxer), {"starts_at": at(3), "ends_at": at(3, 1)}, format="json")

    moved = client.patch(
        f"{slots_url(boxer)}{a['id']}/", {"starts_at": at(3), "ends_at": at(3, 1)}, format="json"
    )

    assert moved.status_code == 409
    assert Availability.objects.get(pk=a["id"]).starts_at.isoformat() == a["starts_at"].replace("Z", "+00:00")


def test_a_slot_names_only_a_club_the_caller_can_view(client_for):
    boxer = BoxerFactory()
    published, unpublished = ClubFactory(), ClubFactory(is_published=False)
    client = client_for(boxer.user)

    ok = client.post(
        slots_url(boxer), {"starts_at": at(2), "ends_at": at(2, 1), "club": str(published.pk)}, format="json"
    )
    hidden = client.post(
        slots_url(boxer),
        {"starts_at": at(3), "ends_at": at(3, 1), "club": str(unpublished.pk)},
        format="json",
    )

    assert ok.status_code == 201
    assert ok.json()["club"] == {"id": str(published.pk), "name": published.name}
    assert hidden.status_code == 404
    assert Availability.objects.count() == 1


def test_a_slot_shows_an_unpublished_club_only_to_those_who_may_view_it(client_for):
    # Its owner puts a slot at its unpublished club; that club is a 404 to others, and the
    # boxer's profile shows them no club: the slot must not name it either.
    owner = GymOwnerFactory()
    club = ClubFactory(owner=owner, is_published=False)
    boxer = BoxerFactory(club=club)
    made = client_for(owner).post(
        slots_url(boxer), {"starts_at": at(2), "ends_at": at(2, 1), "club": str(club.pk)}, format="json"
    )
    stranger = client_for(BoxerFactory().user)

    listed = stranger.get(slots_url(boxer)).json()["results"]

    assert made.status_code == 201
    assert made.json()["club"] == {"id": str(club.pk), "name": club.name}  # its owner sees it
    assert client_for(owner).get(slots_url(boxer)).json()["results"][0]["club"]["id"] == str(club.pk)
    assert stranger.get(f"/api/v1/clubs/{club.pk}/").status_code == 404
    assert [slot["club"] for slot in listed] == [None]


# --- Requests -------------------------------------------------------------------------------------


def proposal(a, b, **extra) -> dict:
    return {
        "from_boxer": str(a.pk),
        "to_boxer": str(b.pk),
        "proposed_start": at(2),
        "proposed_end": at(2, 1.5),
        **extra,
    }


def male(**kw):
    return BoxerFactory(gender="male", **kw)


def test_a_proposal_is_pending_with_its_compatibility_and_expiry(client_for):
    a = male(weight_kg=70, experience_level="amateur", date_of_birth=years_ago(25))
    b = male(weight_kg=72.5, experience_level="advanced", date_of_birth=years_ago(27))
    start = timezone.now() + timedelta(days=10)
    body = {
        **proposal(a, b),
        "proposed_start": start.isoformat(),
        "proposed_end": (start + timedelta(hours=1)).isoformat(),
    }

    response = client_for(a.user).post(REQUESTS, {**body, "message": "Fancy a spar?"}, format="json")

    assert response.status_code == 201, response.content
    data = response.json()
    assert (data["status"], data["kind"], data["message"]) == ("pending", "sparring", "Fancy a spar?")
    assert data["compatibility"] == {
        "weight_diff_kg": 2.5,
        "bouts_diff": 0,
        "experience_gap": 2,
        "age_gap_years": 2,
    }
    assert data["created_by"] == {"id": str(a.user_id), "name": a.user.name}
    assert data["responded_by"] is None
    # the earlier of the start (10 days away) and 7 days after creation
    expires = timezone.datetime.fromisoformat(data["expires_at"])
    assert timedelta(days=6.99) < expires - timezone.now() <= timedelta(days=7)


@pytest.mark.parametrize(
    ("change", "status", "key"),
    [
        ({"to_boxer": "same"}, 400, "to_boxer"),
        ({"proposed_start": at(-1), "proposed_end": at(-1, 1)}, 400, "proposed_start"),
        ({"proposed_start": at(200), "proposed_end": at(200, 1)}, 400, "proposed_start"),
        ({"proposed_end": at(2, -1)}, 400, "proposed_end"),
        ({"proposed_end": at(2, 9)}, 400, "proposed_end"),
        ({"proposed_start": "2030-05-01T18:00:00"}, 400, "proposed_start"),
        ({"proposed_start": "9999-12-31T23:00:00-05:00"}, 400, "proposed_start"),
        ({"proposed_end": "0001-01-01T01:00:00+05:00"}, 400, "proposed_end"),
        ({"kind": "brawl"}, 400, "kind"),
        ({"message": "x" * 2001}, 400, "message"),
        ({"to_boxer": "not-a-uuid"}, 400, "to_boxer"),
        ({"to_boxer": "unknown"}, 404, "detail"),
        ({"venue_club": "unpublished"}, 404, "detail"),
    ],
)
def test_a_bad_proposal_gets_its_status_and_leaves_no_row(client_for, change, status, key):
    a, b = male(), male()
    body = proposal(a, b)
    for field, value in change.items():
        body[field] = {
            "same": str(a.pk),
            "unknown": "6c6d5c1e-8d6b-4f7e-9a3a-000000000000",
            "unpublished": str(ClubFactory(is_published=False).pk),
        }.get(value, value)

    response = client_for(a.user).post(REQUESTS, body, format="json")

    assert response.status_code == status, response.content
    assert key in response.json()
    assert not SparringRequest.objects.exists()


def test_a_hidden_or_deleted_boxer_cannot_be_asked(client_for):
    a = male()
    hidden, deleted = male(is_searchable=False), male(is_active=False)
    coach = CoachFactory()
    CoachLinkFactory(coach=coach, boxer=a, rights=["manage_sparring"])
    CoachLinkFactory(coach=coach, boxer=hidden)  # the coach can see the hidden one

    responses = [client_for(coach).post(REQUESTS, proposal(a, b), format="json") for b in (hidden, deleted)]

    assert [r.status_code for r in responses] == [404, 404]


def test_one_open_request_per_pair_in_either_direction(client_for):
    a, b = male(), male()
    first = client_for(a.user).post(REQUESTS, proposal(a, b), format="json")

    again = client_for(a.user).post(REQUESTS, proposal(a, b), format="json")
    back = client_for(b.user).post(REQUESTS, proposal(b, a), format="json")

    assert first.status_code == 201
    assert (again.status_code, again.json()["code"]) == (409, "open_request_exists")
    assert back.status_code == 409
    assert SparringRequest.objects.count() == 1


def test_an_accepted_session_not_yet_ended_blocks_a_new_request_and_an_ended_one_does_not(client_for):
    a, b = male(), male()
    pk = client_for(a.user).post(REQUESTS, proposal(a, b), format="json").json()["id"]
    client_for(b.user).post(f"{REQUESTS}{pk}/accept/")

    blocked = client_for(b.user).post(REQUESTS, proposal(b, a), format="json")
    SparringRequest.objects.filter(pk=pk).update(
        proposed_start=timezone.now() - timedelta(hours=3), proposed_end=timezone.now() - timedelta(hours=2)
    )
    after = client_for(b.user).post(REQUESTS, proposal(b, a), format="json")

    assert blocked.status_code == 409
    assert after.status_code == 201


def test_a_declined_request_frees_the_pair(client_for):
    a, b = male(), male()
    pk = client_for(a.user).post(REQUESTS, proposal(a, b), format="json").json()["id"]
    client_for(b.user).post(f"{REQUESTS}{pk}/decline/", {"response_message": "Not this week"}, format="json")

    again = client_for(a.user).post(REQUESTS, proposal(a, b), format="json")

    assert again.status_code == 201


@pytest.mark.parametrize(
    ("a", "b", "why"),
    [
        ({"gender": "male"}, {"gender": "female"}, "same gender"),
        ({"gender": "male", "weight_kg": 60}, {"gender": "male", "weight_kg": 63.5}, "within 3 kg"),
        ({"gender": "male", "weight_kg": None}, {"gender": "male"}, "within 3 kg"),
        ({"gender": "male", "date_of_birth": 16}, {"gender": "male", "date_of_birth": 19}, "years apart"),
        ({"gender": "male", "date_of_birth": 16}, {"gender": "male", "date_of_birth": None}, "years apart"),
    ],
)
def test_an_incompatible_bout_is_a_400_incompatible(client_for, a, b, why):
    def make(spec):
        dob = spec.get("date_of_birth", 30)
        return BoxerFactory(**{**spec, "date_of_birth": None if dob is None else years_ago(dob)})

    first, second = make(a), make(b)
    coach = CoachFactory()
    CoachLinkFactory(coach=coach, boxer=first, rights=["manage_sparring"])  # first may be a minor

    response = client_for(coach).post(REQUESTS, proposal(first, second, kind="bout"), format="json")

    assert (response.status_code, response.json()["code"]) == (400, "incompatible"), response.content
    assert why in response.json()["detail"]
    assert not SparringRequest.objects.exists()


def test_a_compatible_bout_is_accepted_as_a_proposal(client_for):
    a = male(weight_kg=60, date_of_birth=years_ago(16))
    b = male(weight_kg=62.5, date_of_birth=years_ago(17.5))
    coach = CoachFactory()
    CoachLinkFactory(coach=coach, boxer=a, rights=["manage_sparring"])

    response = client_for(coach).post(REQUESTS, proposal(a, b, kind="bout"), format="json")

    assert response.status_code == 201, response.content
    assert response.json()["compatibility"]["weight_diff_kg"] == 2.5


def test_attack_the_age_gap_does_not_date_a_minors_birth(client_for):
    """Any adult may propose to a searchable minor and reads the compatibility block: the
    gap is whole years, so moving along the minor's birth dates by days changes nothing an
    adult who knows their own birth date could read (their birth date is private)."""
    adult = male(date_of_birth=timezone.localdate() - timedelta(days=round(19 * 365.25)))
    gaps = []
    for days_after in (10, 100, 200, 300):
        minor = male(date_of_birth=adult.date_of_birth + timedelta(days=round(2 * 365.25) + days_after))
        response = client_for(adult.user).post(REQUESTS, proposal(adult, minor), format="json")
        assert response.status_code == 201, response.content
        gaps.append(response.json()["compatibility"]["age_gap_years"])

    assert gaps == [2, 2, 2, 2]


# --- Transitions ----------------------------------------------------------------------------------


@pytest.fixture
def pending(client_for):
    a, b = male(), male()
    pk = client_for(a.user).post(REQUESTS, proposal(a, b), format="json").json()["id"]
    return a, b, pk


def post(client_for, user, pk, verb, body=None):
    return client_for(user).post(f"{REQUESTS}{pk}/{verb}/", body or {}, format="json")


def test_the_requested_side_accepts_with_a_message(client_for, pending):
    _, b, pk = pending

    response = post(client_for, b.user, pk, "accept", {"response_message": "See you there"})

    assert response.status_code == 200
    data = response.json()
    assert (data["status"], data["response_message"]) == ("accepted", "See you there")
    assert data["responded_by"] == {"id": str(b.user_id), "name": b.user.name}


@pytest.mark.parametrize(
    ("first", "then", "status"),
    [
        ("accept", "accept", 409),
        ("accept", "decline", 409),
        ("decline", "accept", 409),
        ("cancel", "accept", 409),
        ("decline", "cancel", 409),
        ("accept", "complete", 409),  # not ended yet
    ],
)
def test_a_transition_from_the_wrong_state_is_a_409(client_for, pending, first, then, status):
    a, b, pk = pending
    actor = {"accept": b, "decline": b, "cancel": a, "complete": a}
    assert post(client_for, actor[first].user, pk, first).status_code == 200

    response = post(client_for, actor[then].user, pk, then)

    assert response.status_code == status, response.content
    assert response.json()["code"].startswith("request_")


def test_an_accepted_session_is_cancelled_before_it_starts_and_completed_after_it_ends(client_for, pending):
    a, b, pk = pending
    post(client_for, b.user, pk, "accept")
    cancelled = post(client_for, a.user, pk, "cancel")
    assert cancelled.json()["status"] == "cancelled"

    c, d = male(), male()
    pk2 = client_for(c.user).post(REQUESTS, proposal(c, d), format="json").json()["id"]
    post(client_for, d.user, pk2, "accept")
    SparringRequest.objects.filter(pk=pk2).update(
        proposed_start=timezone.now() - timedelta(hours=2), proposed_end=timezone.now() - timedelta(hours=1)
    )
    too_late = post(client_for, c.user, pk2, "cancel")
    completed = post(client_for, d.user, pk2, "complete")  # either side

    assert (too_late.status_code, too_late.json()["code"]) == (409, "request_not_cancellable")
    assert completed.json()["status"] == "completed"


def test_a_pending_request_reads_as_expired_once_past_its_expiry_and_cannot_be_accepted(client_for, pending):
    a, b, pk = pending
    SparringRequest.objects.filter(pk=pk).update(expires_at=timezone.now() - timedelta(seconds=1))

    read = client_for(a.user).get(f"{REQUESTS}{pk}/").json()
    listed = client_for(b.user).get(REQUESTS, {"status": "expired"}).json()
    pending_list = client_for(b.user).get(REQUESTS, {"status": "pending"}).json()
    accept = post(client_for, b.user, pk, "accept")

    assert read["status"] == "expired"
    assert [r["id"] for r in listed["results"]] == [pk]
    assert pending_list["count"] == 0
    assert (accept.status_code, accept.json()["code"]) == (409, "request_expired")
    assert SparringRequest.objects.get(pk=pk).status == SparringStatus.EXPIRED  # and now it is stored


def test_a_request_is_answerable_until_its_expiry(client_for, pending):
    _, b, pk = pending
    SparringRequest.objects.filter(pk=pk).update(expires_at=timezone.now() + timedelta(seconds=30))

    assert post(client_for, b.user, pk, "accept").status_code == 200


def test_the_periodic_job_marks_expired_requests_and_notifies_the_requesting_side(client_for, pending):
    a, _, pk = pending
    SparringRequest.objects.filter(pk=pk).update(expires_at=timezone.now() - timedelta(minutes=1))

    marked = services.sparring_requests_expire()
    again = services.sparring_requests_expire()

    assert (marked, again) == (1, 0)
    assert SparringRequest.objects.get(pk=pk).status == SparringStatus.EXPIRED
    kinds = [n["kind"] for n in client_for(a.user).get("/api/v1/notifications/").json()["results"]]
    assert kinds == ["sparring_expired"]


def test_the_list_filters_by_direction_status_and_boxer_newest_first(client_for):
    a, b, c = male(), male(), male()
    out = client_for(a.user).post(REQUESTS, proposal(a, b), format="json").json()["id"]
    incoming = client_for(c.user).post(REQUESTS, proposal(c, a), format="json").json()["id"]
    client_for(a.user).post(f"{REQUESTS}{incoming}/decline/")
    client = client_for(a.user)

    def ids(**query):
        return [r["id"] for r in client.get(REQUESTS, query).json()["results"]]

    assert ids() == [incoming, out]
    assert ids(direction="outgoing") == [out]
    assert ids(direction="incoming") == [incoming]
    assert ids(status="declined") == [incoming]
    assert ids(boxer=str(b.pk)) == [out]
    assert client.get(REQUESTS, {"direction": "sideways"}).status_code == 400
    assert client.get(REQUESTS, {"boxer": "x"}).status_code == 400


def test_a_coach_loses_the_right_on_the_very_next_request_when_manage_sparring_is_revoked(client_for):
    a, b = male(), male()
    coach = CoachFactory()
    link = CoachLinkFactory(coach=coach, boxer=a, rights=["manage_sparring"])
    client = client_for(coach)
    assert client.get(f"/api/v1/boxers/{a.pk}/suggestions/").status_code == 200

    client_for(a.user).patch(f"/api/v1/coach-links/{link.pk}/", {"rights": ["edit_profile"]}, format="json")

    assert client.get(f"/api/v1/boxers/{a.pk}/suggestions/").status_code == 403
    assert client.post(REQUESTS, proposal(a, b), format="json").status_code == 403


def test_a_club_owner_loses_the_right_when_the_boxer_leaves_the_club(client_for):
    owner = GymOwnerFactory()
    a = male(club=ClubFactory(owner=owner))
    client = client_for(owner)
    assert client.get(f"/api/v1/boxers/{a.pk}/suggestions/").status_code == 200

    client_for(a.user).post(f"/api/v1/boxers/{a.pk}/leave-club/")

    assert client.get(f"/api/v1/boxers/{a.pk}/suggestions/").status_code == 403


def test_proposals_are_rate_limited_per_user(client_for, settings):
    rates = {**settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], "sparring": "2/hour"}
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": rates}
    a = male()
    client = client_for(a.user)

    statuses = [client.post(REQUESTS, proposal(a, male()), format="json").status_code for _ in range(3)]
    listing = client.get(REQUESTS)

    assert statuses == [201, 201, 429]
    assert listing.status_code == 200  # reading is not limited by the sparring scope
