"""A realistic demo data set (clubs, owners, coaches, boxers, fights, links, requests) for trying the API.

Everything is written through the services the API uses, so permission facts are invalidated
and the data obeys the same rules. Idempotent: users are found by their demo email, and each
step only adds what is missing (re-running creates nothing new; it only resets the demo users'
passwords so the printed logins work).
"""

import random
import secrets
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from django.contrib.auth.password_validation import validate_password
from django.db import transaction
from django.utils import timezone

from accounts import services as account_services
from accounts.models import Role, User
from boxers import services as boxer_services
from boxers.models import Boxer, CoachLink, CoachRight, FightMethod, FightResult
from clubs import services
from clubs.importing import clubs_import, read_rows
from clubs.models import Club, ClubCoach, MembershipRequest, MembershipStatus

WELSH_CLUBS = Path(__file__).resolve().parent / "data" / "welsh-boxing-clubs.json"
DOMAIN = "demo.example.org"
REGIONS = ["North Division", "South Division", "East Division", "West Division"]

OWNERS = [
    ("owner.north", "Gareth Hughes"),
    ("owner.south", "Sian Roberts"),
    ("owner.east", "Rhys Morgan"),
    ("owner.west", "Eleri Davies"),
]
COACHES = [
    ("coach.dai", "Dai Pritchard", 0, True),
    ("coach.megan", "Megan Lloyd", 0, False),
    ("coach.owain", "Owain Price", 1, True),
    ("coach.ffion", "Ffion Evans", 2, True),
    ("coach.huw", "Huw Jenkins", 3, True),
    ("coach.cerys", "Cerys Thomas", None, False),  # not in a club yet: links only
]
# (login, name, owner index of the club or None, weight, level, gender)
BOXERS = [
    ("boxer.tomos", "Tomos Williams", 0, 63.5, "amateur", "male"),
    ("boxer.alys", "Alys Parry", 0, 57.0, "intermediate", "female"),
    ("boxer.iwan", "Iwan Rees", 0, 75.0, "beginner", "male"),
    ("boxer.nia", "Nia Edwards", 1, 60.0, "advanced", "female"),
    ("boxer.emyr", "Emyr Powell", 1, 81.0, "amateur", "male"),
    ("boxer.lowri", "Lowri Phillips", 1, 54.0, "beginner", "female"),
    ("boxer.geraint", "Geraint James", 2, 69.0, "professional", "male"),
    ("boxer.carys", "Carys Lewis", 2, 66.0, "intermediate", "female"),
    ("boxer.dylan", "Dylan Owen", 2, 91.0, "amateur", "male"),
    ("boxer.bethan", "Bethan Harris", 3, 51.0, "advanced", "female"),
    ("boxer.aled", "Aled Morris", 3, 71.0, "intermediate", "male"),
    ("boxer.seren", "Seren Griffiths", 3, 64.0, "beginner", "female"),
    ("boxer.rhodri", "Rhodri Walters", None, 77.0, "amateur", "male"),
    ("boxer.catrin", "Catrin Vaughan", None, 59.0, "beginner", "female"),
    ("boxer.gethin", "Gethin Bowen", None, 86.0, "beginner", "male"),
]
# (boxer index, owner index of the club it asks to join) — left pending for the demo.
PENDING_REQUESTS = [(12, 0), (13, 1), (14, 3), (2, 2)]
# (coach index, boxer index, rights) — accepted links.
LINKS = [
    (0, 0, [CoachRight.EDIT_PROFILE, CoachRight.MANAGE_FIGHTS]),
    (0, 1, [CoachRight.MANAGE_FIGHTS]),
    (2, 3, [CoachRight.EDIT_PROFILE, CoachRight.MANAGE_FIGHTS]),
    (3, 6, [CoachRight.MANAGE_FIGHTS]),
    (4, 9, [CoachRight.EDIT_PROFILE]),
    (5, 12, [CoachRight.EDIT_PROFILE, CoachRight.MANAGE_FIGHTS]),
]
OPPONENTS = [
    "Kieran Doyle", "Sam Whitfield", "Jordan Clarke", "Liam Brennan", "Connor Nash", "Ryan Holt",
    "Ellie Shaw", "Grace Kinsella", "Ruby Lane", "Amy Fitzgerald", "Tegan Moss", "Holly Pryce",
]  # fmt: skip
VENUES = ["Cardiff Arena", "Swansea Leisure Centre", "Newport Centre", "Rhyl Pavilion", "Wrexham Glyndwr"]


@dataclass(frozen=True)
class Login:
    role: str
    email: str
    password: str
    name: str


def _password(fixed: str | None) -> str:
    return fixed if fixed is not None else secrets.token_urlsafe(15)


def _user(login: str, name: str, role: str, password: str, logins: list[Login]) -> User:
    email = f"{login}@{DOMAIN}"
    user = User.objects.filter(email=email).first()
    if user is None:
        user = account_services.user_create(email=email, name=name, role=role, password=password)
    else:
        validate_password(password, user=user)
        user.set_password(password)  # a password is no permission fact: nothing to invalidate
        user.save(update_fields=["password", "updated_at"])
    logins.append(Login(role=role, email=email, password=password, name=name))
    return user


def _owner_clubs() -> list[Club]:
    """One published club per region (alphabetically first), for the four demo owners."""
    clubs = []
    for region in REGIONS:
        club = Club.objects.filter(region=region, is_published=True).order_by("name", "id").first()
        if club is None:
            club = services.club_create(name=f"Demo {region} ABC", region=region, is_published=True)
        clubs.append(club)
    return clubs


def _fights(boxer: Boxer, rng: random.Random, coach: User | None) -> None:
    if boxer.fights.exists():
        return
    today = timezone.localdate()
    for n in range(rng.randint(2, 7)):
        result = rng.choices(list(FightResult), weights=[5, 3, 1, 1])[0]
        method = (
            FightMethod.NO_CONTEST
            if result == FightResult.NO_CONTEST
            else rng.choice([FightMethod.UNANIMOUS_DECISION, FightMethod.SPLIT_DECISION, FightMethod.TKO])
        )
        stopped = method == FightMethod.TKO
        boxer_services.fight_create(
            boxer=boxer,
            created_by=coach,
            opponent_name=rng.choice(OPPONENTS),
            date=today - timedelta(days=40 + 45 * n + rng.randint(0, 20)),
            venue=rng.choice(VENUES),
            result=result,
            method=method,
            round=rng.randint(1, 3) if stopped else 3,
            notes="",
        )


@transaction.atomic
def demo_seed(*, password: str | None = None) -> list[Login]:
    """Create (or complete) the demo data set; return the demo logins with their passwords."""
    rng = random.Random(20260101)  # deterministic demo data, not secrets
    logins: list[Login] = []
    clubs_import(rows=read_rows(WELSH_CLUBS), publish=True, country="Wales")

    _user("admin", "Demo Admin", Role.ADMIN, _password(password), logins)
    owners = [_user(login, name, Role.GYM_OWNER, _password(password), logins) for login, name in OWNERS]
    clubs = _owner_clubs()
    for owner, club in zip(owners, clubs, strict=True):
        if club.owner_id != owner.pk:
            services.club_set_owner(club=club, user=owner)

    coaches = []
    for login, name, club_index, is_head in COACHES:
        coach = _user(login, name, Role.COACH, _password(password), logins)
        if club_index is not None and not ClubCoach.objects.filter(coach=coach).exists():
            # The owner invites, the coach accepts: as through the API.
            invitation = services.club_coach_invite(club=clubs[club_index], user_id=coach.pk, is_head=is_head)
            services.club_coach_accept(club_coach=invitation)
        coaches.append(coach)

    boxers = []
    for login, name, club_index, weight, level, gender in BOXERS:
        user = _user(login, name, Role.BOXER, _password(password), logins)
        boxer = Boxer.objects.filter(user=user).first() or boxer_services.boxer_create(
            user=user, name=name, weight_kg=weight, experience_level=level, gender=gender,
            city="", country="Wales", bio=f"{name} boxes out of Wales.",
        )  # fmt: skip
        if club_index is not None and boxer.club_id is None:
            # Joining goes through the membership flow, as in the API.
            club = clubs[club_index]
            request = services.membership_request_create(user=user, club=club)
            services.membership_request_approve(request=request, reviewer=owners[club_index])
            boxer.refresh_from_db()
        boxers.append(boxer)

    for coach_index, boxer_index, rights in LINKS:
        coach, boxer = coaches[coach_index], boxers[boxer_index]
        if not CoachLink.objects.filter(coach=coach, boxer=boxer).exists():
            link = boxer_services.coach_link_request(coach=coach, boxer=boxer, rights=rights)
            boxer_services.coach_link_accept(link=link)

    for index, boxer in enumerate(boxers):
        linked = [coaches[c] for c, b, _ in LINKS if b == index]
        _fights(boxer, rng, linked[0] if linked else None)

    for boxer_index, club_index in PENDING_REQUESTS:
        user, club = boxers[boxer_index].user, clubs[club_index]
        exists = MembershipRequest.objects.filter(
            user=user, club=club, status=MembershipStatus.PENDING
        ).exists()
        if not exists and boxers[boxer_index].club_id != club.pk:
            services.membership_request_create(user=user, club=club)
    return logins
