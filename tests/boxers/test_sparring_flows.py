"""Sparring beyond single requests: real concurrent transactions, who is notified of each
event (and mailed, through the job queue), what a warm request costs, and the check API
answering the sparring actions as the real requests do."""

import threading
from datetime import timedelta

import pytest
from django.core import mail
from django.db import connection, connections
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.models import Notification
from boxerconnect.jobs.worker import run_due_jobs
from boxers.models import SparringRequest, SparringStatus
from boxers.sparring import services
from tests.accounts.factories import AdminFactory, CoachFactory, GymOwnerFactory
from tests.boxers.factories import BoxerFactory, CoachLinkFactory, SparringRequestFactory
from tests.clubs.factories import ClubFactory, MembershipRequestFactory
from tests.support.counting import Events

REQUESTS = "/api/v1/sparring-requests/"


def at(days: float = 0, hours: float = 0) -> str:
    return (timezone.now() + timedelta(days=days, hours=hours)).isoformat()


def proposal(a, b) -> dict:
    return {"from_boxer": str(a.pk), "to_boxer": str(b.pk), "proposed_start": at(2), "proposed_end": at(2, 1)}


def side(club_owner=None, **boxer):
    """A boxer in its own club, a coach acting for it (manage_sparring) and one who does not."""
    club = ClubFactory(owner=club_owner or GymOwnerFactory())
    boxer = BoxerFactory(club=club, gender="male", **boxer)
    sparring_coach = CoachLinkFactory(boxer=boxer, rights=["manage_sparring"]).coach
    other_coach = CoachLinkFactory(boxer=boxer, rights=["edit_profile"]).coach
    return boxer, sparring_coach, other_coach


# --- Races, with real transactions -----------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_of_two_concurrent_accepts_exactly_one_wins(client_for):
    a, b = BoxerFactory(gender="male"), BoxerFactory(gender="male")
    request = SparringRequestFactory(from_boxer=a, to_boxer=b)
    admin = AdminFactory()
    start = threading.Barrier(2)
    results: list[int] = []

    def accept(user) -> None:
        try:
            start.wait()
            results.append(client_for(user).post(f"{REQUESTS}{request.pk}/accept/").status_code)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=accept, args=(user,)) for user in (b.user, admin)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)

    assert sorted(results) == [200, 409]
    request.refresh_from_db()
    assert request.status == SparringStatus.ACCEPTED
    # one acceptance, so one notification per recipient on the requesting side
    assert Notification.objects.filter(kind="sparring_accepted").count() == 1


@pytest.mark.django_db(transaction=True)
def test_concurrent_proposals_between_one_pair_leave_one_request(client_for):
    a, b = BoxerFactory(gender="male"), BoxerFactory(gender="male")
    start = threading.Barrier(4)
    results: list[int] = []

    def propose(first, second) -> None:
        try:
            start.wait()
            response = client_for(first.user).post(REQUESTS, proposal(first, second), format="json")
            results.append(response.status_code)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=propose, args=pair) for pair in [(a, b), (b, a), (a, b), (b, a)]]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)

    assert sorted(results) == [201, 409, 409, 409]
    assert SparringRequest.objects.count() == 1


# --- Notifications: who is told of each event, and mailed ------------------------------------------


def notified(kind: str) -> set:
    return set(Notification.objects.filter(kind=kind).values_list("recipient_id", flat=True))


@pytest.mark.django_db
def test_each_sparring_event_notifies_those_who_act_for_the_other_side(client_for):
    a, a_coach, a_other = side()
    b, b_coach, b_other = side()
    AdminFactory()  # admins act for everyone and are never notified
    a_owner, b_owner = a.club.owner_id, b.club.owner_id

    pk = client_for(a_coach).post(REQUESTS, proposal(a, b), format="json").json()["id"]
    assert notified("sparring_requested") == {b.user_id, b_coach.pk, b_owner}  # not the actor's side

    client_for(b_coach).post(f"{REQUESTS}{pk}/accept/")
    assert notified("sparring_accepted") == {a.user_id, a_coach.pk, a_owner}

    client_for(a.user).post(f"{REQUESTS}{pk}/cancel/")
    assert notified("sparring_cancelled") == {b.user_id, b_coach.pk, b_owner}
    assert not notified("sparring_requested") & {a_other.pk, b_other.pk}

    pk2 = client_for(b.user).post(REQUESTS, proposal(b, a), format="json").json()["id"]
    client_for(a_owner_user(a)).post(f"{REQUESTS}{pk2}/decline/", {"response_message": "Busy"}, format="json")
    assert notified("sparring_declined") == {b.user_id, b_coach.pk, b_owner}
    declined = Notification.objects.get(kind="sparring_declined", recipient_id=b.user_id)
    assert declined.actor_id == a_owner
    assert declined.data["message"] == "Busy" and declined.data["to_boxer_id"] == str(a.pk)


def a_owner_user(boxer):
    return boxer.club.owner


@pytest.mark.django_db
def test_an_under_18_is_not_notified_itself_but_those_who_act_for_it_are(client_for):
    minor, coach, _ = side(date_of_birth=timezone.localdate() - timedelta(days=16 * 365))
    other, _, _ = side()

    client_for(other.user).post(REQUESTS, proposal(other, minor), format="json")

    assert notified("sparring_requested") == {coach.pk, minor.club.owner_id}


@pytest.mark.django_db
def test_a_coach_no_longer_acting_for_the_boxer_is_not_notified(client_for):
    # Each keeps an active link carrying manage_sparring, but acts_for no longer holds:
    # demoted from coach, or deactivated (role_of is then anonymous).
    a, _, _ = side()
    b, demoted, _ = side()
    deactivated = CoachLinkFactory(boxer=b, rights=["manage_sparring"]).coach
    demoted.role = "boxer"
    demoted.save(update_fields=["role"])
    deactivated.is_active = False
    deactivated.save(update_fields=["is_active"])

    pk = client_for(a.user).post(REQUESTS, proposal(a, b), format="json").json()["id"]
    client_for(b.user).post(f"{REQUESTS}{pk}/accept/")
    client_for(a.user).post(f"{REQUESTS}{pk}/cancel/")

    for kind in ("sparring_requested", "sparring_cancelled"):
        assert notified(kind) == {b.user_id, b.club.owner_id}, kind
    assert client_for(demoted).get(f"{REQUESTS}{pk}/").status_code == 404  # as the check says


@pytest.mark.django_db
def test_membership_and_coach_link_events_notify_their_people(client_for):
    owner = GymOwnerFactory()
    club = ClubFactory(owner=owner)
    boxer = BoxerFactory()
    client_for(boxer.user).post(
        f"/api/v1/clubs/{club.pk}/membership-requests/", {"message": "Hi"}, format="json"
    )
    assert notified("membership_requested") == {owner.pk}

    request = boxer.user.membership_requests.get()
    client_for(owner).post(f"/api/v1/membership-requests/{request.pk}/approve/")
    assert notified("membership_approved") == {boxer.user_id}
    rejected = MembershipRequestFactory(club=club)
    client_for(owner).post(
        f"/api/v1/membership-requests/{rejected.pk}/reject/", {"notes": "Full"}, format="json"
    )
    assert notified("membership_rejected") == {rejected.user_id}

    coach = CoachFactory()
    link = client_for(coach).post(
        "/api/v1/coach-links/", {"boxer": str(boxer.pk), "rights": []}, format="json"
    )
    assert notified("coach_link_requested") == {boxer.user_id}
    client_for(boxer.user).post(f"/api/v1/coach-links/{link.json()['id']}/accept/")
    assert notified("coach_link_accepted") == {coach.pk}
    other_coach = CoachFactory()
    pending = client_for(other_coach).post("/api/v1/coach-links/", {"boxer": str(boxer.pk)}, format="json")
    client_for(boxer.user).post(f"/api/v1/coach-links/{pending.json()['id']}/decline/")
    assert notified("coach_link_declined") == {other_coach.pk}

    invited = client_for(owner).post(
        f"/api/v1/clubs/{club.pk}/coaches/", {"user": str(coach.pk), "is_head": False}, format="json"
    )
    assert invited.status_code == 201, invited.content
    assert notified("coach_invited") == {coach.pk}
    note = Notification.objects.get(kind="coach_invited")
    assert (note.actor_id, note.data["club_name"]) == (owner.pk, club.name)
    taken = client_for(owner).post(  # a second invitation is a 409 and notifies nobody again
        f"/api/v1/clubs/{club.pk}/coaches/", {"user": str(coach.pk), "is_head": False}, format="json"
    )
    assert taken.status_code == 409
    assert Notification.objects.filter(kind="coach_invited").count() == 1


@pytest.mark.django_db
def test_notifications_are_mailed_through_the_queue_to_those_who_want_mail(client_for):
    a, _, _ = side()
    b, b_coach, _ = side()
    b_coach.email_notifications = False
    b_coach.save(update_fields=["email_notifications"])

    client_for(a.user).post(REQUESTS, proposal(a, b), format="json")
    before = len(mail.outbox)  # nothing is sent in the request
    run_due_jobs()

    sent = {message.to[0]: message for message in mail.outbox[before:]}
    assert before == 0
    assert set(sent) == {b.user.email, b.club.owner.email}  # not the coach who turned mail off
    assert sent[b.user.email].subject == f"Sparring request: {a.name} asks {b.name}"


@pytest.mark.django_db
def test_the_caller_reads_counts_and_marks_its_notifications(client_for):
    a, _, _ = side()
    b, _, _ = side()
    client_for(a.user).post(REQUESTS, proposal(a, b), format="json")
    client = client_for(b.user)

    listed = client.get("/api/v1/notifications/").json()
    count = client.get("/api/v1/notifications/unread-count/").json()
    first = listed["results"][0]
    read = client.post(f"/api/v1/notifications/{first['id']}/read/")
    others = client_for(a.user).post(f"/api/v1/notifications/{first['id']}/read/")
    unread_after = client.get("/api/v1/notifications/", {"unread": "true"}).json()

    assert count == {"count": 1}
    assert first["kind"] == "sparring_requested"
    assert first["actor"] == {"id": str(a.user_id), "name": a.user.name}
    assert first["data"]["from_boxer_name"] == a.name and first["read_at"] is None
    assert (read.status_code, others.status_code) == (204, 404)
    assert unread_after["count"] == 0
    assert client.post("/api/v1/notifications/read-all/").status_code == 204
    assert client.get("/api/v1/notifications/", {"unread": "maybe"}).status_code == 400


@pytest.mark.django_db
def test_email_notifications_is_on_by_default_and_switchable_on_me(client_for):
    boxer = BoxerFactory()
    client = client_for(boxer.user)

    before = client.get("/api/v1/auth/me/").json()["email_notifications"]
    changed = client.patch("/api/v1/auth/me/", {"email_notifications": False}, format="json").json()

    assert (before, changed["email_notifications"]) == (True, False)


# --- Cost of a warm request --------------------------------------------------------------------------


@pytest.fixture
def no_rate_limits(settings):
    rates = {**settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], "user": None, "anon": None}
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": rates}


@pytest.mark.django_db
@pytest.mark.usefixtures("no_rate_limits", "private_redis")
def test_a_warm_request_list_spends_no_sql_on_auth_or_authorization(
    client_for, django_assert_num_queries, settings
):
    settings.READ_MODEL_CACHE = False  # the page itself: tests/boxers/test_sparring_read_models.py
    a, coach, _ = side()
    b, _, _ = side()
    client_for(coach).post(REQUESTS, proposal(a, b), format="json")
    client = client_for(coach)
    assert client.get(REQUESTS).json()["count"] == 1

    with CaptureQueriesContext(connection) as queries, Events() as events:
        response = client.get(REQUESTS)

    assert response.json()["count"] == 1
    # the page and its count: the scope (acting for either side) is part of their WHERE
    assert len(queries) == 2, [q["sql"] for q in queries.captured_queries]
    assert all("sparring" in q["sql"] for q in queries.captured_queries)
    assert (events.ok, events.miss) == (1, 0)


@pytest.mark.django_db
@pytest.mark.usefixtures("no_rate_limits", "private_redis")
def test_a_warm_availability_read_spends_no_sql_on_auth_or_authorization(client_for, settings):
    settings.READ_MODEL_CACHE = False  # the page itself: tests/boxers/test_sparring_read_models.py
    minor, coach, _ = side(date_of_birth=timezone.localdate() - timedelta(days=16 * 365))
    services.availability_create(
        boxer=minor,
        starts_at=timezone.now() + timedelta(days=2),
        ends_at=timezone.now() + timedelta(days=2, hours=1),
    )
    client = client_for(coach)
    assert client.get(f"/api/v1/boxers/{minor.pk}/availability/").status_code == 200

    with CaptureQueriesContext(connection) as queries, Events() as events:
        response = client.get(f"/api/v1/boxers/{minor.pk}/availability/")

    assert response.json()["count"] == 1
    assert len(queries) == 2, [q["sql"] for q in queries.captured_queries]  # the slots and their count
    assert all("availability" in q["sql"] for q in queries.captured_queries)
    assert (events.ok, events.hit, events.miss) == (1, 3, 0)  # user, boxer, link: one round trip


# --- The check API answers as the real requests do -----------------------------------------------


@pytest.mark.django_db
def test_the_check_api_answers_the_sparring_actions_as_the_real_requests_do(client_for):
    a, a_coach, a_other = side()
    b, b_coach, _ = side()
    request = SparringRequestFactory(from_boxer=a, to_boxer=b)
    outsider = BoxerFactory()

    def check(user, action, kind, pk):
        params = {"action": action, "resource_type": kind, "resource_id": str(pk)}
        return client_for(user).get("/api/v1/permissions/check/", params).json()["allowed"]

    for user in (a.user, a_coach, a_other, b.user, b_coach, outsider.user):
        slot = client_for(user).post(
            f"/api/v1/boxers/{a.pk}/availability/", {"starts_at": at(3), "ends_at": at(3, 1)}, format="json"
        )
        assert check(user, "availability.manage", "boxer", a.pk) == (slot.status_code == 201)
        if slot.status_code == 201:
            client_for(user).delete(f"/api/v1/boxers/{a.pk}/availability/{slot.json()['id']}/")
        view = client_for(user).get(f"{REQUESTS}{request.pk}/")
        assert check(user, "sparring.view", "sparring_request", request.pk) == (view.status_code == 200)
        respond = check(user, "sparring.respond", "sparring_request", request.pk)
        assert respond == (user in (b.user, b_coach))
    assert check(a.user, "sparring.view", "sparring_request", "6c6d5c1e-8d6b-4f7e-9a3a-000000000000") is False
