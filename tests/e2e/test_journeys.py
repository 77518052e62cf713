"""Whole user journeys over HTTP against a live gunicorn server, as a client app drives them."""

import re
import tempfile
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
import requests

from accounts.models import User
from accounts.tokens import access_token_for
from tests.accounts.factories import GymOwnerFactory
from tests.clubs.factories import ClubFactory
from tests.e2e.support import poll
from tests.support.live import LiveApp
from tests.support.servers import RedisServer
from tests.support.workers import LiveWorker

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PASSWORD = "Sturdy-Jab-Hook-42"
NEW_PASSWORD = "Southpaw-Stance-77"
RESET_LINK = re.compile(r"https?://\S+/reset-password\?token=(?P<token>[A-Za-z0-9_\-]+)")


class Client:
    """A tiny API client: one person with a requests session and, once logged in, tokens."""

    def __init__(self, app: LiveApp) -> None:
        self.app = app
        self.session = requests.Session()
        self.access: str | None = None
        self.refresh: str | None = None
        self.user: dict = {}

    def call(self, method: str, path: str, token: str | None = None, **kwargs) -> requests.Response:
        token = self.access if token is None else token  # "" sends no token
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        return self.session.request(method, self.app.url + path, headers=headers, timeout=10, **kwargs)

    def get(self, path: str, **kwargs) -> requests.Response:
        return self.call("GET", path, **kwargs)

    def post(self, path: str, body: dict | None = None, **kwargs) -> requests.Response:
        return self.call("POST", path, json=body if body is not None else {}, **kwargs)

    def patch(self, path: str, body: dict, **kwargs) -> requests.Response:
        return self.call("PATCH", path, json=body, **kwargs)

    def delete(self, path: str, **kwargs) -> requests.Response:
        return self.call("DELETE", path, **kwargs)

    def _keep(self, response: requests.Response) -> requests.Response:
        body = response.json()
        self.access, self.refresh, self.user = body["access"], body["refresh"], body["user"]
        return response

    def register(self, email: str, name: str, role: str = "boxer") -> requests.Response:
        response = self.post(
            "/api/v1/auth/register/", {"email": email, "password": PASSWORD, "name": name, "role": role}
        )
        assert response.status_code == 201, response.text
        return self._keep(response)

    def login(self, email: str, password: str = PASSWORD) -> requests.Response:
        response = self.post("/api/v1/auth/login/", {"email": email, "password": password})
        assert response.status_code == 200, response.text
        return self._keep(response)


@pytest.fixture(scope="module")
def mail_dir():
    with tempfile.TemporaryDirectory(prefix="bc-mail-") as path:
        yield Path(path)


MAIL_ENV = {
    "DJANGO_EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
    "FRONTEND_URL": "https://app.boxerconnect.test",
}


@pytest.fixture(scope="module")
def server(django_db_setup, django_db_blocker, mail_dir):
    """One gunicorn server for the module, with its own Redis."""
    with django_db_blocker.unblock():
        redis_server = RedisServer()
        redis_server.start()
        server = LiveApp(
            redis_url=redis_server.url,
            workers=2,
            threads=2,
            env={
                **MAIL_ENV,
                "DJANGO_EMAIL_FILE_PATH": str(mail_dir),
                "DJANGO_THROTTLE_RATES": "register=100/hour",
                "GUNICORN_GRACEFUL_TIMEOUT": "3",
            },
        )
    server.redis_server = redis_server
    yield server
    server.cleanup()
    redis_server.stop()


@pytest.fixture
def app(server, mail_dir, transactional_db):
    """The module's server, and a job worker of this test's own that sends the mail with the
    file backend. The worker stops (SIGTERM: its running job finishes) before the test's
    tables are flushed, so the flush never deletes a job under it and no test depends on
    what an earlier one left running."""
    worker = LiveWorker(
        env={**MAIL_ENV, "DJANGO_EMAIL_FILE_PATH": str(mail_dir), "REDIS_URL": server.redis_server.url}
    )
    server.worker = worker  # its log explains a mail that did not come
    yield server
    worker.stop()


def mails_to(mail_dir: Path, email: str) -> list[str]:
    return [text for path in sorted(mail_dir.iterdir()) if f"To: {email}" in (text := path.read_text())]


def test_coach_link_journey_ends_with_a_403_on_the_very_next_request_after_revocation(app):
    boxer, coach = Client(app), Client(app)
    boxer.register("rocky@example.com", "Rocky Balboa")
    coach.register("mickey@example.com", "Mickey Goldmill", role="coach")
    boxer.login("rocky@example.com")
    coach.login("mickey@example.com")

    created_again = boxer.post("/api/v1/boxers/", {"name": "Rocky Balboa"})
    profile = boxer.get("/api/v1/boxers/me/").json()
    path = f"/api/v1/boxers/{profile['id']}/"
    filled = boxer.patch(
        path, {"weight_kg": 80, "city": "Philadelphia", "country": "USA", "bio": "Southpaw."}
    )
    found = Client(app).get("/api/v1/boxers/", params={"search": "Rocky", "city": "philadelphia"}).json()
    requested = coach.post(
        "/api/v1/coach-links/", {"boxer": profile["id"], "rights": ["edit_profile", "manage_fights"]}
    )
    before_accept = coach.patch(path, {"bio": "Coach was here."})
    pending_for_boxer = boxer.get("/api/v1/coach-links/").json()
    accepted = boxer.post(f"/api/v1/coach-links/{requested.json()['id']}/accept/")
    edited = coach.patch(path, {"bio": "Coach was here."})
    fight = coach.post(
        f"{path}fights/",
        {"opponent_name": "Apollo Creed", "date": "2025-11-25", "result": "loss", "method": "split_decision"},
    )
    record = Client(app).get(path).json()
    revoked = boxer.delete(f"/api/v1/coach-links/{requested.json()['id']}/")
    after_revoke = coach.patch(path, {"bio": "Coach was here again."})
    fight_after_revoke = coach.post(
        f"{path}fights/", {"opponent_name": "Clubber Lang", "date": "2025-11-26", "result": "loss"}
    )
    final = Client(app).get(path).json()

    assert created_again.status_code == 409  # registration made the (empty) profile
    assert filled.status_code == 200 and filled.json()["city"] == "Philadelphia"
    assert [b["id"] for b in found["results"]] == [profile["id"]]
    assert requested.status_code == 201 and requested.json()["status"] == "pending"
    assert before_accept.status_code == 403
    assert [link["status"] for link in pending_for_boxer["results"]] == ["pending"]
    assert accepted.status_code == 200 and accepted.json()["status"] == "active"
    assert edited.status_code == 200 and edited.json()["bio"] == "Coach was here."
    assert fight.status_code == 201
    assert (record["wins"], record["losses"]) == (0, 1)
    assert revoked.status_code == 204
    assert after_revoke.status_code == 403
    assert fight_after_revoke.status_code == 403
    assert final["bio"] == "Coach was here."
    assert "email" not in final


def test_club_membership_journey_from_request_to_member_listing(app):
    owner = GymOwnerFactory()
    club = ClubFactory(owner=owner, name="Mighty Micks Gym")
    gym = Client(app)
    gym.access = access_token_for(owner)
    boxer = Client(app)
    boxer.register("adonis@example.com", "Adonis Creed")
    profile_id = boxer.get("/api/v1/boxers/me/").json()["id"]
    club_path = f"/api/v1/clubs/{club.pk}/"

    listed = Client(app).get("/api/v1/clubs/", params={"search": "Mighty"}).json()
    members_as_boxer = boxer.get(f"{club_path}members/")
    requested = boxer.post(f"{club_path}membership-requests/")
    duplicate = boxer.post(f"{club_path}membership-requests/")
    queue = gym.get(f"{club_path}membership-requests/", params={"status": "pending"}).json()
    self_approve = boxer.post(f"/api/v1/membership-requests/{requested.json()['id']}/approve/")
    approved = gym.post(f"/api/v1/membership-requests/{requested.json()['id']}/approve/")
    approved_again = gym.post(f"/api/v1/membership-requests/{requested.json()['id']}/approve/")
    members = gym.get(f"{club_path}members/").json()
    me = boxer.get("/api/v1/boxers/me/").json()
    mine = boxer.get("/api/v1/membership-requests/").json()
    public_club = Client(app).get(club_path).json()

    assert [c["id"] for c in listed["results"]] == [str(club.pk)]
    assert members_as_boxer.status_code == 403
    assert requested.status_code == 201 and requested.json()["status"] == "pending"
    assert duplicate.status_code == 409
    assert [r["id"] for r in queue["results"]] == [requested.json()["id"]]
    assert self_approve.status_code == 403
    assert approved.status_code == 200 and approved.json()["status"] == "approved"
    assert approved_again.status_code == 409
    assert [b["id"] for b in members["boxers"]] == [profile_id]
    assert me["club"] == {"id": str(club.pk), "name": "Mighty Micks Gym"}
    assert [r["status"] for r in mine["results"]] == ["approved"]
    assert public_club["member_count"] == 1


def test_password_reset_through_the_mail_ends_every_session(app, mail_dir):
    person = Client(app)
    person.register("bianca@example.com", "Bianca Taylor")
    old_access, old_refresh = person.access, person.refresh

    asked = person.post("/api/v1/auth/password/reset/", {"email": "Bianca@Example.com"}, token="")
    unknown = person.post("/api/v1/auth/password/reset/", {"email": "nobody@example.com"}, token="")
    mails = poll(lambda: mails_to(mail_dir, "bianca@example.com"), timeout=30)  # sent by the worker
    assert mails, app.worker.log_path.read_text()[-3000:]
    token = RESET_LINK.search(mails[0]).group("token")
    weak = person.post(
        "/api/v1/auth/password/reset/confirm/", {"token": token, "new_password": "123"}, token=""
    )
    confirmed = person.post(
        "/api/v1/auth/password/reset/confirm/", {"token": token, "new_password": NEW_PASSWORD}, token=""
    )
    reused = person.post(
        "/api/v1/auth/password/reset/confirm/", {"token": token, "new_password": NEW_PASSWORD + "x"}, token=""
    )
    old_session = person.get("/api/v1/auth/me/", token=old_access)
    old_refresh_used = person.post("/api/v1/auth/refresh/", {"refresh": old_refresh}, token="")
    old_password = person.post(
        "/api/v1/auth/login/", {"email": "bianca@example.com", "password": PASSWORD}, token=""
    )
    new_login = person.login("bianca@example.com", NEW_PASSWORD)

    assert asked.status_code == unknown.status_code == 202
    assert asked.json() == unknown.json()
    assert len(mails) == 1 and "https://app.boxerconnect.test/reset-password?token=" in mails[0]
    assert mails_to(mail_dir, "nobody@example.com") == []
    assert weak.status_code == 400
    assert confirmed.status_code == 204
    assert reused.status_code == 400
    assert old_session.status_code == 401
    assert old_refresh_used.status_code == 401
    assert old_password.status_code == 401
    assert new_login.status_code == 200
    assert person.get("/api/v1/auth/me/").json()["email"] == "bianca@example.com"


def test_logout_all_kills_the_access_and_refresh_tokens_of_every_session(app):
    phone, laptop = Client(app), Client(app)
    phone.register("mary@example.com", "Mary Anne Creed", role="gym_owner")
    laptop.login("mary@example.com")

    both_alive = [c.get("/api/v1/auth/me/").status_code for c in (phone, laptop)]
    refreshed = laptop.post("/api/v1/auth/refresh/", {"refresh": laptop.refresh}, token="")
    laptop.access, laptop.refresh = refreshed.json()["access"], refreshed.json()["refresh"]
    logout_all = phone.post("/api/v1/auth/logout-all/")
    access_after = [c.get("/api/v1/auth/me/").status_code for c in (phone, laptop)]
    refresh_after = [
        c.post("/api/v1/auth/refresh/", {"refresh": c.refresh}, token="").status_code for c in (phone, laptop)
    ]
    relogin = Client(app).login("mary@example.com")

    assert both_alive == [200, 200]
    assert refreshed.status_code == 200
    assert logout_all.status_code == 204
    assert access_after == [401, 401]
    assert refresh_after == [401, 401]
    assert relogin.status_code == 200


def test_sparring_journey_across_two_clubs_with_notifications_and_mails(app, mail_dir):
    # Two gym owners sign up; their clubs (with coordinates) are set up before they log in.
    owners, clubs = [Client(app), Client(app)], []
    places = (("Cardiff Bay ABC", "51.4637", "-3.1644"), ("Newport Sporting ABC", "51.5842", "-2.9977"))
    emails = ("olwen@example.com", "osian@example.com")
    for owner, (name, lat, lon), email in zip(owners, places, emails, strict=True):
        owner.register(email, f"Owner of {name}", role="gym_owner")
        user = User.objects.get(email=email)
        clubs.append(ClubFactory(name=name, owner=user, latitude=Decimal(lat), longitude=Decimal(lon)))
        owner.login(email)
    coach_a, coach_b, boxer_x, boxer_y = (Client(app) for _ in range(4))
    coach_a.register("coach.anwen@example.com", "Anwen Coach", role="coach")
    coach_b.register("coach.bryn@example.com", "Bryn Coach", role="coach")
    profiles = []
    for boxer, email, name, weight, club, owner in (
        (boxer_x, "xander@example.com", "Xander Price", 70, clubs[0], owners[0]),
        (boxer_y, "yusuf@example.com", "Yusuf Khan", 72.5, clubs[1], owners[1]),
    ):
        boxer.register(email, name)
        profile = boxer.get("/api/v1/boxers/me/").json()
        boxer.patch(
            f"/api/v1/boxers/{profile['id']}/",
            {"gender": "male", "weight_kg": weight, "experience_level": "amateur"},
        )
        asked = boxer.post(f"/api/v1/clubs/{club.pk}/membership-requests/", {"message": "Hello coach"})
        approved = owner.post(f"/api/v1/membership-requests/{asked.json()['id']}/approve/")
        assert approved.status_code == 200, approved.text
        profiles.append(profile)
    x, y = profiles
    for coach, boxer, profile in ((coach_a, boxer_x, x), (coach_b, boxer_y, y)):
        link = coach.post("/api/v1/coach-links/", {"boxer": profile["id"], "rights": ["manage_sparring"]})
        assert boxer.post(f"/api/v1/coach-links/{link.json()['id']}/accept/").status_code == 200

    found = coach_a.get(f"/api/v1/boxers/{x['id']}/suggestions/").json()["results"]
    begins = datetime.now(UTC) + timedelta(days=3)
    proposed = coach_a.post(
        "/api/v1/sparring-requests/",
        {
            "from_boxer": x["id"],
            "to_boxer": y["id"],
            "proposed_start": begins.isoformat(),
            "proposed_end": (begins + timedelta(hours=2)).isoformat(),
            "venue_club": str(clubs[0].pk),
            "message": "Six rounds at ours?",
        },
    )
    incoming = coach_b.get("/api/v1/sparring-requests/", params={"direction": "incoming"}).json()
    b_notes = coach_b.get("/api/v1/notifications/").json()["results"]
    accepted = coach_b.post(
        f"/api/v1/sparring-requests/{proposed.json()['id']}/accept/", {"response_message": "Deal"}
    )
    a_notes = coach_a.get("/api/v1/notifications/", params={"unread": "true"}).json()["results"]
    x_notes = boxer_x.get("/api/v1/notifications/").json()["results"]
    mails_b = poll(
        lambda: [
            m
            for m in mails_to(mail_dir, "coach.bryn@example.com")
            if "Sparring request: Xander Price asks Yusuf Khan" in m
        ],
        timeout=30,
    )
    mails_a = poll(
        lambda: [
            m
            for m in mails_to(mail_dir, "coach.anwen@example.com")
            if "Yusuf Khan accepted sparring with Xander Price" in m
        ],
        timeout=30,
    )

    assert [item["boxer"]["id"] for item in found] == [y["id"]]
    assert 15 < found[0]["distance_km"] < 25 and "2.5 kg heavier" in found[0]["reasons"]
    assert proposed.status_code == 201, proposed.text
    assert [r["id"] for r in incoming["results"]] == [proposed.json()["id"]]
    assert b_notes[0]["kind"] == "sparring_requested" and b_notes[0]["actor"]["name"] == "Anwen Coach"
    assert accepted.status_code == 200 and accepted.json()["status"] == "accepted"
    assert [n["kind"] for n in a_notes][:1] == ["sparring_accepted"]
    assert "sparring_accepted" in [n["kind"] for n in x_notes]  # the boxer is told too (18+)
    assert mails_b and mails_a, app.worker.log_path.read_text()[-3000:]
    assert "Six rounds at ours?" in mails_b[0]
