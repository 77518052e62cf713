"""Authorization tables of sparring: every endpoint by every actor (pretix style).

The world: ADULT (a boxer of 25) and MINOR (16), both in the club CLUB owned by `club_owner`;
TARGET (an adult in another club) has a pending request from ADULT and has sent one to MINOR;
PARTNER (an adult) receives the new proposals. Actors: the adult boxer itself
(`boxer_adult`), the minor itself (`boxer_minor`), a coach whose active links to both carry
`manage_sparring`, a coach with an active link to ADULT without it, a coach with a pending
`manage_sparring` link to ADULT, the club owner, another gym owner, an unrelated boxer, an admin.
"""

from datetime import timedelta
from functools import partial

import pytest
from django.utils import timezone

from accounts.models import Notification
from boxers.models import Availability, CoachLinkStatus, SparringRequest
from tests.accounts.factories import AdminFactory, CoachFactory, GymOwnerFactory
from tests.boxers.factories import BoxerFactory, CoachLinkFactory
from tests.clubs.factories import ClubFactory
from tests.support import matrix

pytestmark = pytest.mark.django_db

ACTORS = [
    "boxer_adult",
    "boxer_minor",
    "coach_sparring",
    "coach_no_sparring",
    "coach_pending",
    "club_owner",
    "other_gym_owner",
    "other_boxer",
    "admin",
]
rows = partial(matrix.rows, ACTORS)
# Who acts for each boxer (the minor acts for nobody, not even itself).
ACTS_FOR_ADULT = {"boxer_adult": None, "coach_sparring": None, "club_owner": None, "admin": None}
ACTS_FOR_MINOR = {"coach_sparring": None, "club_owner": None, "admin": None}


def acting(names: dict, status: int, **overrides: int) -> dict:
    return {**dict.fromkeys(names, status), **overrides}


def _in(days: float) -> str:
    return (timezone.now() + timedelta(days=days)).isoformat()


class World:
    def __init__(self) -> None:
        today = timezone.localdate()
        club_owner = GymOwnerFactory()
        club = ClubFactory(owner=club_owner)
        self.adult = BoxerFactory(club=club, gender="male", date_of_birth=today - timedelta(days=25 * 365))
        self.minor = BoxerFactory(club=club, gender="male", date_of_birth=today - timedelta(days=16 * 365))
        self.target = BoxerFactory(club=ClubFactory(owner=GymOwnerFactory()), gender="male")
        self.partner = BoxerFactory(gender="male")  # no request with anyone yet
        coach_sparring = CoachFactory()
        for boxer in (self.adult, self.minor):
            CoachLinkFactory(coach=coach_sparring, boxer=boxer, rights=["manage_sparring"])
        coach_no_sparring = CoachLinkFactory(boxer=self.adult, rights=["edit_profile", "manage_fights"]).coach
        coach_pending = CoachLinkFactory(
            boxer=self.adult, status=CoachLinkStatus.PENDING, rights=["manage_sparring"]
        ).coach
        other_gym_owner = GymOwnerFactory()
        ClubFactory(owner=other_gym_owner)
        self.users = {
            "anonymous": None,
            "boxer_adult": self.adult.user,
            "boxer_minor": self.minor.user,
            "coach_sparring": coach_sparring,
            "coach_no_sparring": coach_no_sparring,
            "coach_pending": coach_pending,
            "club_owner": club_owner,
            "other_gym_owner": other_gym_owner,
            "other_boxer": BoxerFactory().user,
            "admin": AdminFactory(),
        }
        now = timezone.now()
        self.slot_adult = Availability.objects.create(
            boxer=self.adult, starts_at=now + timedelta(days=3), ends_at=now + timedelta(days=3, hours=1)
        )
        self.slot_minor = Availability.objects.create(
            boxer=self.minor, starts_at=now + timedelta(days=3), ends_at=now + timedelta(days=3, hours=1)
        )
        self.request = SparringRequest.objects.create(
            from_boxer=self.adult,
            to_boxer=self.target,
            created_by=self.adult.user,
            proposed_start=now + timedelta(days=2),
            proposed_end=now + timedelta(days=2, hours=1),
            expires_at=now + timedelta(days=1),
        )
        # A request TO the minor, from the target's side: the minor's actors answer it.
        self.to_minor = SparringRequest.objects.create(
            from_boxer=self.target,
            to_boxer=self.minor,
            created_by=self.target.user,
            proposed_start=now + timedelta(days=4),
            proposed_end=now + timedelta(days=4, hours=1),
            expires_at=now + timedelta(days=1),
        )
        self.notification = Notification.objects.create(recipient=self.adult.user, kind="sparring_accepted")

    def fill(self, text: str) -> str:
        return text.format(
            adult=self.adult.pk,
            minor=self.minor.pk,
            target=self.target.pk,
            partner=self.partner.pk,
            slot_adult=self.slot_adult.pk,
            slot_minor=self.slot_minor.pk,
            request=self.request.pk,
            to_minor=self.to_minor.pk,
            notification=self.notification.pk,
        )


SLOT = {"starts_at": "{in5}", "ends_at": "{in5h}"}
PROPOSAL_FROM_ADULT = {
    "from_boxer": "{adult}",
    "to_boxer": "{partner}",
    "proposed_start": "{in5}",
    "proposed_end": "{in5h}",
}
PROPOSAL_FROM_MINOR = {**PROPOSAL_FROM_ADULT, "from_boxer": "{minor}"}
MINOR_VIEWERS = {
    "boxer_minor": 200,
    "coach_sparring": 200,
    "coach_no_sparring": 200,
    "coach_pending": 200,
    "club_owner": 200,
    "other_gym_owner": 200,
    "admin": 200,
}

TABLE = [
    # Availability of an adult: every signed-in caller who sees it; those who act for it manage it.
    *rows("GET", "/api/v1/boxers/{adult}/availability/", 200),
    *rows("POST", "/api/v1/boxers/{adult}/availability/", 403, payload=SLOT, **acting(ACTS_FOR_ADULT, 201)),
    *rows(
        "PATCH",
        "/api/v1/boxers/{adult}/availability/{slot_adult}/",
        403,
        payload={"note": "bring headguards"},
        **acting(ACTS_FOR_ADULT, 200),
    ),
    *rows("DELETE", "/api/v1/boxers/{adult}/availability/{slot_adult}/", 403, **acting(ACTS_FOR_ADULT, 204)),
    # An under-18's availability: its own user, those who act for it, coaches, gym owners, admins.
    *rows("GET", "/api/v1/boxers/{minor}/availability/", 403, **MINOR_VIEWERS),
    *rows("POST", "/api/v1/boxers/{minor}/availability/", 403, payload=SLOT, **acting(ACTS_FOR_MINOR, 201)),
    *rows("DELETE", "/api/v1/boxers/{minor}/availability/{slot_minor}/", 403, **acting(ACTS_FOR_MINOR, 204)),
    # A slot of another boxer under this boxer's URL is not found.
    *rows(
        "DELETE",
        "/api/v1/boxers/{adult}/availability/{slot_minor}/",
        403,
        **acting(ACTS_FOR_ADULT, 404),
    ),
    # Suggestions: those who act for the boxer.
    *rows("GET", "/api/v1/boxers/{adult}/suggestions/", 403, **acting(ACTS_FOR_ADULT, 200)),
    *rows("GET", "/api/v1/boxers/{minor}/suggestions/", 403, **acting(ACTS_FOR_MINOR, 200)),
    # Requests: proposed by those who act for the requesting boxer.
    *rows("GET", "/api/v1/sparring-requests/", 200),
    *rows(
        "POST", "/api/v1/sparring-requests/", 403, payload=PROPOSAL_FROM_ADULT, **acting(ACTS_FOR_ADULT, 201)
    ),
    *rows(
        "POST", "/api/v1/sparring-requests/", 403, payload=PROPOSAL_FROM_MINOR, **acting(ACTS_FOR_MINOR, 201)
    ),
    # The adult's request to TARGET: its side sees and cancels it; only TARGET's side answers.
    *rows("GET", "/api/v1/sparring-requests/{request}/", 404, **acting(ACTS_FOR_ADULT, 200)),
    *rows(
        "POST", "/api/v1/sparring-requests/{request}/accept/", 404, **acting(ACTS_FOR_ADULT, 403, admin=200)
    ),
    *rows(
        "POST", "/api/v1/sparring-requests/{request}/decline/", 404, **acting(ACTS_FOR_ADULT, 403, admin=200)
    ),
    *rows("POST", "/api/v1/sparring-requests/{request}/cancel/", 404, **acting(ACTS_FOR_ADULT, 200)),
    # Completing a pending request is a state conflict for the parties, invisible to others.
    *rows("POST", "/api/v1/sparring-requests/{request}/complete/", 404, **acting(ACTS_FOR_ADULT, 409)),
    # A request to the minor: those who act for the minor answer it; the minor itself does not.
    *rows("GET", "/api/v1/sparring-requests/{to_minor}/", 404, **acting(ACTS_FOR_MINOR, 200)),
    *rows("POST", "/api/v1/sparring-requests/{to_minor}/accept/", 404, **acting(ACTS_FOR_MINOR, 200)),
    *rows(
        "POST", "/api/v1/sparring-requests/{to_minor}/cancel/", 404, **acting(ACTS_FOR_MINOR, 403, admin=200)
    ),
    # Notifications: the caller's own.
    *rows("GET", "/api/v1/notifications/", 200),
    *rows("GET", "/api/v1/notifications/unread-count/", 200),
    *rows("POST", "/api/v1/notifications/read-all/", 204),
    *rows("POST", "/api/v1/notifications/{notification}/read/", 404, boxer_adult=204),
]


def _payload(payload, world: World):
    if payload is None:
        return None
    times = {"{in5}": _in(5), "{in5h}": _in(5.1)}
    return {key: times.get(value) or world.fill(value) for key, value in payload.items()}


@pytest.mark.parametrize(("method", "url", "actor", "expected", "payload"), TABLE)
def test_sparring_authorization_table(client_for, method, url, actor, expected, payload):
    world = World()
    client = client_for(world.users[actor])

    response = client.generic(
        method, world.fill(url), data=_json(_payload(payload, world)), content_type="application/json"
    )

    assert response.status_code == expected, response.content
    if expected == 401:
        assert "WWW-Authenticate" in response


def _json(payload) -> str:
    import json

    return "" if payload is None else json.dumps(payload)


def test_the_list_shows_each_actor_exactly_the_requests_it_acts_for(client_for):
    world = World()
    visible = {}
    for name, user in world.users.items():
        if user is None:
            continue
        body = client_for(user).get("/api/v1/sparring-requests/").json()
        visible[name] = {item["id"] for item in body["results"]}

    mine, minors = str(world.request.pk), str(world.to_minor.pk)
    assert visible == {
        "boxer_adult": {mine},
        "boxer_minor": set(),  # an under-18 is represented by its coach and club
        "coach_sparring": {mine, minors},
        "coach_no_sparring": set(),
        "coach_pending": set(),
        "club_owner": {mine, minors},
        "other_gym_owner": set(),
        "other_boxer": set(),
        "admin": {mine, minors},
    }
