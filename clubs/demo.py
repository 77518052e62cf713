"""A realistic demo data set (clubs, owners, coaches, boxers, fights, links, requests) for trying the API.

Everything is written through the services the API uses, so permission facts are invalidated
and the data obeys the same rules. Idempotent: users are found by their demo email, and each
step only adds what is missing (re-running creates nothing new).

Places: the 142 real Welsh clubs get the post town of their postcode as their city and, when
the list has no coordinates, the town's approximate centre (clubs/places.py, offline).
People: 44 boxers in ten clubs of four regions and four without a club, spread over both
genders, the five age groups (schools under 15 to masters 41+), the weights and the
experience levels the way a real amateur membership is, so that a boxer of most weights and
levels has a plausible sparring partner in another club nearby.

Logins: every demo user's password is kept in a git-ignored file (settings.DEMO_LOGINS_FILE,
`demo-logins.txt` beside manage.py). A re-run reuses the passwords found there, so the
logins of a local database stay the same from one run to the next; a login missing from
the file gets a new random password.
"""

import os
import random
import secrets
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.db import transaction
from django.utils import timezone

from accounts import services as account_services
from accounts.models import Role, User
from boxers import services as boxer_services
from boxers.demo import sparring_seed
from boxers.models import Boxer, CoachLink, CoachRight, ExperienceLevel, FightMethod, FightResult
from clubs import services
from clubs.importing import clubs_import, read_rows
from clubs.models import Club, ClubCoach, MembershipRequest, MembershipStatus
from clubs.places import TOWN_COORDINATES, nearest_town, town_for_postcode

WELSH_CLUBS = Path(__file__).resolve().parent / "data" / "welsh-boxing-clubs.json"
DOMAIN = "demo.example.org"

# The club each demo owner runs, one per region (its coaches and most boxers train there).
OWNERS = [
    ("owner.north", "Gareth Hughes", "Rhyl Youth ABC"),
    ("owner.south", "Sian Roberts", "Tiger Bay ABC"),
    ("owner.east", "Rhys Morgan", "Newport Sporting ABC"),
    ("owner.west", "Eleri Davies", "Port Talbot ABC"),
]
# (login, name, owner index of the club or None, head coach)
COACHES = [
    ("coach.dai", "Dai Pritchard", 0, True),
    ("coach.megan", "Megan Lloyd", 0, False),
    ("coach.owain", "Owain Price", 1, True),
    ("coach.ffion", "Ffion Evans", 2, True),
    ("coach.huw", "Huw Jenkins", 3, True),
    ("coach.cerys", "Cerys Thomas", None, False),  # not in a club yet: links only
]


@dataclass(frozen=True)
class DemoBoxer:
    login: str
    name: str
    club: str | None  # the club's name in the Welsh list; None: no club (yet)
    gender: str
    age: int  # on the day the data is seeded; the date of birth follows from it
    weight_kg: float
    height_cm: int
    level: str
    city: str = ""  # only for boxers without a club (the others live where they train)
    searchable: bool = True


M, F = "male", "female"
BEGINNER, AMATEUR, INTERMEDIATE, ADVANCED, PRO = (level.value for level in ExperienceLevel)
BOXERS = [
    # North Division: Rhyl (owner.north's club) and Wrexham, 45 km apart.
    DemoBoxer("boxer.tomos", "Tomos Williams", "Rhyl Youth ABC", M, 22, 63.5, 175, AMATEUR),
    DemoBoxer("boxer.alys", "Alys Parry", "Rhyl Youth ABC", F, 19, 57.0, 165, INTERMEDIATE),
    DemoBoxer("boxer.iwan", "Iwan Rees", "Rhyl Youth ABC", M, 16, 66.0, 176, BEGINNER),
    DemoBoxer("boxer.osian", "Osian Jones", "Rhyl Youth ABC", M, 13, 45.0, 158, BEGINNER),
    DemoBoxer("boxer.elin", "Elin Hughes", "Rhyl Youth ABC", F, 17, 60.0, 166, AMATEUR),
    DemoBoxer("boxer.ryan", "Ryan Edwards", "Wrexham ABC", M, 24, 64.0, 174, INTERMEDIATE),
    DemoBoxer("boxer.ffion", "Ffion Roberts", "Wrexham ABC", F, 21, 59.0, 168, AMATEUR),
    DemoBoxer("boxer.mali", "Mali Jones", "Wrexham ABC", F, 16, 61.0, 164, BEGINNER),
    DemoBoxer("boxer.cai", "Cai Morgan", "Wrexham ABC", M, 14, 47.0, 160, AMATEUR),
    DemoBoxer("boxer.kyle", "Kyle Davies", "Wrexham ABC", M, 16, 68.0, 177, AMATEUR),
    # South Division: Cardiff (Tiger Bay, owner.south's club; Splott), Pontypridd, Bridgend.
    DemoBoxer("boxer.nia", "Nia Edwards", "Tiger Bay ABC", F, 25, 60.0, 167, ADVANCED),
    DemoBoxer("boxer.emyr", "Emyr Powell", "Tiger Bay ABC", M, 28, 81.0, 183, AMATEUR),
    DemoBoxer("boxer.lowri", "Lowri Phillips", "Tiger Bay ABC", F, 15, 54.0, 161, BEGINNER),
    DemoBoxer("boxer.jordan", "Jordan Francis", "Tiger Bay ABC", M, 19, 71.0, 179, INTERMEDIATE),
    DemoBoxer("boxer.tyler", "Tyler Evans", "Tiger Bay ABC", M, 12, 42.0, 152, BEGINNER, searchable=False),
    DemoBoxer("boxer.kayleigh", "Kayleigh Morgan", "Splott Adventure ABC", F, 27, 62.0, 166, INTERMEDIATE),
    DemoBoxer("boxer.lewis", "Lewis Thomas", "Splott Adventure ABC", M, 31, 79.0, 181, INTERMEDIATE),
    DemoBoxer("boxer.jac", "Jac Powell", "Splott Adventure ABC", M, 13, 44.0, 155, AMATEUR),
    DemoBoxer("boxer.rhys", "Rhys Bevan", "Pontypridd ABC", M, 23, 72.0, 178, ADVANCED),
    DemoBoxer("boxer.sophie", "Sophie Rees", "Pontypridd ABC", F, 16, 55.0, 162, AMATEUR),
    DemoBoxer("boxer.dafydd", "Dafydd Lewis", "Pontypridd ABC", M, 45, 90.0, 182, AMATEUR),
    DemoBoxer("boxer.ben", "Ben Harris", "Welsh Warriors ABC", M, 26, 80.0, 180, BEGINNER),
    DemoBoxer("boxer.mark", "Mark Jenkins", "Welsh Warriors ABC", M, 47, 92.0, 184, BEGINNER),
    # East Division: Newport (owner.east's club) and Cwmbran.
    DemoBoxer("boxer.geraint", "Geraint James", "Newport Sporting ABC", M, 30, 69.0, 177, PRO),
    DemoBoxer("boxer.carys", "Carys Lewis", "Newport Sporting ABC", F, 24, 66.0, 170, INTERMEDIATE),
    DemoBoxer("boxer.dylan", "Dylan Owen", "Newport Sporting ABC", M, 33, 91.0, 186, AMATEUR),
    DemoBoxer("boxer.leah", "Leah Williams", "Newport Sporting ABC", F, 17, 57.0, 163, AMATEUR),
    DemoBoxer("boxer.connor", "Connor Price", "Cwmbran ABC", M, 29, 70.0, 176, ADVANCED),
    DemoBoxer("boxer.amber", "Amber Davies", "Cwmbran ABC", F, 22, 64.0, 169, ADVANCED),
    DemoBoxer("boxer.tom", "Tom Evans", "Cwmbran ABC", M, 35, 93.0, 185, INTERMEDIATE),
    DemoBoxer("boxer.megan", "Megan Hopkins", "Cwmbran ABC", F, 18, 58.0, 165, BEGINNER),
    DemoBoxer("boxer.paul", "Paul Rowlands", "Cwmbran ABC", M, 43, 89.0, 181, AMATEUR),
    # West Division: Port Talbot (owner.west's club) and Swansea.
    DemoBoxer("boxer.bethan", "Bethan Harris", "Port Talbot ABC", F, 20, 51.0, 158, ADVANCED),
    DemoBoxer("boxer.aled", "Aled Morris", "Port Talbot ABC", M, 26, 71.0, 178, INTERMEDIATE),
    DemoBoxer(
        "boxer.seren", "Seren Griffiths", "Port Talbot ABC", F, 14, 48.0, 157, BEGINNER, searchable=False
    ),
    DemoBoxer("boxer.liam", "Liam Jones", "Port Talbot ABC", M, 18, 75.0, 180, AMATEUR),
    DemoBoxer("boxer.chloe", "Chloe Evans", "Bonymaen ABC", F, 23, 53.0, 160, INTERMEDIATE),
    DemoBoxer("boxer.sion", "Siôn Davies", "Bonymaen ABC", M, 22, 73.0, 179, ADVANCED),
    DemoBoxer("boxer.ella", "Ella Thomas", "Bonymaen ABC", F, 13, 46.0, 154, AMATEUR),
    DemoBoxer("boxer.jake", "Jake Morgan", "Bonymaen ABC", M, 17, 76.0, 181, INTERMEDIATE),
    # Not in a club yet: each has asked to join one (PENDING_REQUESTS).
    DemoBoxer("boxer.rhodri", "Rhodri Walters", None, M, 27, 77.0, 180, AMATEUR, city="Swansea"),
    DemoBoxer("boxer.catrin", "Catrin Vaughan", None, F, 19, 59.0, 166, BEGINNER, city="Cardiff"),
    DemoBoxer("boxer.gethin", "Gethin Bowen", None, M, 21, 86.0, 184, BEGINNER, city="Newport"),
    DemoBoxer("boxer.harri", "Harri Owen", None, M, 20, 67.0, 175, BEGINNER, city="Rhyl"),
]
# (boxer login, owner index of the club it asks to join, its message) — left pending.
PENDING_REQUESTS = [
    ("boxer.rhodri", 3, "Moved to Swansea for work; 9 bouts with Aberavon, can train most evenings."),
    ("boxer.catrin", 1, "Complete beginner, keen to start competing next season."),
    ("boxer.gethin", 2, "Played rugby until last year, looking for a club to start boxing."),
    ("boxer.harri", 0, ""),
]
# (coach index, boxer login, rights) — accepted links.
LINKS = [
    (0, "boxer.tomos", [CoachRight.EDIT_PROFILE, CoachRight.MANAGE_FIGHTS, CoachRight.MANAGE_SPARRING]),
    (0, "boxer.iwan", [CoachRight.MANAGE_SPARRING]),  # 16: his coach acts for him
    (1, "boxer.kyle", [CoachRight.MANAGE_SPARRING]),
    (0, "boxer.alys", [CoachRight.MANAGE_FIGHTS]),
    (2, "boxer.nia", [CoachRight.EDIT_PROFILE, CoachRight.MANAGE_FIGHTS]),
    (3, "boxer.geraint", [CoachRight.MANAGE_FIGHTS]),
    (4, "boxer.bethan", [CoachRight.EDIT_PROFILE]),
    (5, "boxer.rhodri", [CoachRight.EDIT_PROFILE, CoachRight.MANAGE_FIGHTS]),
]
OPPONENTS = [
    "Kieran Doyle", "Sam Whitfield", "Jordan Clarke", "Liam Brennan", "Connor Nash", "Ryan Holt",
    "Ellie Shaw", "Grace Kinsella", "Ruby Lane", "Amy Fitzgerald", "Tegan Moss", "Holly Pryce",
]  # fmt: skip
VENUES = ["Cardiff Arena", "Swansea Leisure Centre", "Newport Centre", "Rhyl Pavilion", "Wrexham Glyndwr"]
# Bouts so far by experience level (fewest, most).
BOUTS = {BEGINNER: (0, 2), AMATEUR: (2, 6), INTERMEDIATE: (5, 9), ADVANCED: (8, 12), PRO: (10, 14)}


@dataclass(frozen=True)
class Login:
    role: str
    email: str
    password: str
    name: str


# --- Logins file ------------------------------------------------------------------------------

_HEADER = """\
# BoxerConnect demo logins, written by `manage.py seed_demo` (development data only; this file
# is git-ignored). seed_demo reuses these passwords, so they stay valid from run to run;
# delete a line (or the file) to get a new random password.
"""


def read_logins_file(path: Path) -> dict[str, str]:
    """email → password from a logins file (missing file: empty)."""
    if not path.is_file():
        return {}
    passwords = {}
    for line in path.read_text().splitlines():
        fields = line.split()
        if len(fields) == 3 and not line.startswith("#"):
            passwords[fields[1]] = fields[2]
    return passwords


def write_logins_file(path: Path, logins: list["Login"]) -> None:
    """Write the logins, readable by the file's owner only."""
    width = max(len(login.email) for login in logins)
    lines = [f"{login.role:<10} {login.email:<{width}}  {login.password}" for login in logins]
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w") as handle:
        handle.write(_HEADER + "\n".join(lines) + "\n")


# --- Builders ---------------------------------------------------------------------------------


class _Passwords:
    """The password of each demo login: the one asked for, else the file's, else a new one."""

    def __init__(self, fixed: str | None, known: dict[str, str]) -> None:
        self.fixed = fixed
        self.known = known

    def __call__(self, email: str) -> str:
        if self.fixed is not None:
            return self.fixed
        return self.known.get(email) or secrets.token_urlsafe(15)


def _user(login: str, name: str, role: str, passwords: _Passwords, logins: list[Login]) -> User:
    email = f"{login}@{DOMAIN}"
    password = passwords(email)
    user = User.objects.filter(email=email).first()
    if user is None:
        user = account_services.user_create(email=email, name=name, role=role, password=password)
    elif not user.check_password(password):
        validate_password(password, user=user)
        user.set_password(password)  # a password is no permission fact: nothing to invalidate
        user.save(update_fields=["password", "updated_at"])
    logins.append(Login(role=role, email=email, password=password, name=name))
    return user


def _located_rows() -> list[dict]:
    """The Welsh club list, each row without coordinates given its post town's centre."""
    rows = read_rows(WELSH_CLUBS)
    for row in rows:
        town = town_for_postcode(row.get("postcode") or "")
        if row.get("latitude") is None and town in TOWN_COORDINATES:
            row["latitude"], row["longitude"] = TOWN_COORDINATES[town]
    return rows


def _club_city(club: Club) -> str | None:
    """The post town of the club's postcode, else the listed town its coordinates are in."""
    town = town_for_postcode(club.postcode)
    if town is None and club.latitude is not None and club.longitude is not None:
        town = nearest_town((float(club.latitude), float(club.longitude)))
    return town


def _fill_cities() -> None:
    for club in Club.objects.filter(city=""):
        city = _club_city(club)
        if city:
            services.club_update(club=club, data={"city": city})


def _club(name: str) -> Club:
    club = Club.objects.filter(name=name, is_published=True).order_by("created_at", "id").first()
    if club is None:  # the list changed: a stand-in keeps the demo working
        club = services.club_create(name=name, is_published=True, country="Wales")
    return club


def _birth_date(today: date, age: int, index: int) -> date:
    """A date of birth `age` full years ago, its birthday 20-340 days past (spread by `index`)."""
    try:
        anniversary = today.replace(year=today.year - age)
    except ValueError:  # 29 February
        anniversary = today.replace(year=today.year - age, day=28)
    return anniversary - timedelta(days=20 + (index * 67) % 320)


def _profile_fields(spec: DemoBoxer, club: Club | None, today: date, index: int) -> dict:
    return {
        "weight_kg": Decimal(str(spec.weight_kg)),
        "height_cm": spec.height_cm,
        "date_of_birth": _birth_date(today, spec.age, index),
        "gender": spec.gender,
        "city": club.city if club is not None and club.city else spec.city,
        "country": "Wales",
        "experience_level": spec.level,
        "is_searchable": spec.searchable,
    }


def _boxer(user: User, spec: DemoBoxer, club: Club | None, today: date, index: int) -> Boxer:
    wanted = _profile_fields(spec, club, today, index)
    boxer = Boxer.objects.filter(user=user).first()
    if boxer is None:
        return boxer_services.boxer_create(
            user=user, name=spec.name, bio=f"{spec.name} boxes out of Wales.", **wanted
        )
    # An existing profile keeps what it has: only empty fields are filled in.
    missing = {name: value for name, value in wanted.items() if getattr(boxer, name) in (None, "")}
    if missing:
        boxer = boxer_services.boxer_update(boxer=boxer, data=missing)
    return boxer


def _join(boxer: Boxer, club: Club, reviewer: User) -> None:
    """Join through the membership flow, as in the API (approved by the owner or an admin)."""
    request = services.membership_request_create(user=boxer.user, club=club)
    services.membership_request_approve(request=request, reviewer=reviewer)
    boxer.refresh_from_db()


def _fights(boxer: Boxer, spec: DemoBoxer, coach: User | None) -> None:
    if boxer.fights.exists():
        return
    rng = random.Random(spec.login)  # deterministic demo data, not secrets
    today = timezone.localdate()
    for n in range(rng.randint(*BOUTS[spec.level])):
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
            date=today - timedelta(days=30 + 40 * n + rng.randint(0, 20)),
            venue=rng.choice(VENUES),
            result=result,
            method=method,
            round=rng.randint(1, 3) if stopped else 3,
            notes="",
        )


@transaction.atomic
def demo_seed(*, password: str | None = None, logins_file: Path | None = None) -> list[Login]:
    """Create (or complete) the demo data set; return the demo logins with their passwords.

    Passwords: `password` for every login if given, else the one `logins_file` (default
    settings.DEMO_LOGINS_FILE) holds for it, else a new random one. The file is rewritten
    with the logins returned.
    """
    logins_file = Path(logins_file or settings.DEMO_LOGINS_FILE)
    passwords = _Passwords(password, read_logins_file(logins_file))
    today = timezone.localdate()
    logins: list[Login] = []
    clubs_import(rows=_located_rows(), publish=True, country="Wales")
    _fill_cities()

    admin = _user("admin", "Demo Admin", Role.ADMIN, passwords, logins)
    owners = [_user(login, name, Role.GYM_OWNER, passwords, logins) for login, name, _ in OWNERS]
    owned = [_club(club_name) for _, _, club_name in OWNERS]
    for owner, club in zip(owners, owned, strict=True):
        if club.owner_id != owner.pk:
            services.club_set_owner(club=club, user=owner)

    coaches = []
    for login, name, club_index, is_head in COACHES:
        coach = _user(login, name, Role.COACH, passwords, logins)
        if club_index is not None and not ClubCoach.objects.filter(coach=coach).exists():
            # The owner invites, the coach accepts: as through the API.
            invitation = services.club_coach_invite(club=owned[club_index], user_id=coach.pk, is_head=is_head)
            services.club_coach_accept(club_coach=invitation)
        coaches.append(coach)

    boxers: dict[str, Boxer] = {}
    for index, spec in enumerate(BOXERS):
        user = _user(spec.login, spec.name, Role.BOXER, passwords, logins)
        home = _club(spec.club) if spec.club else None
        boxer = _boxer(user, spec, home, today, index)
        if home is not None and boxer.club_id is None:
            _join(boxer, home, reviewer=home.owner or admin)
        boxers[spec.login] = boxer

    for coach_index, login, rights in LINKS:
        coach, boxer = coaches[coach_index], boxers[login]
        if not CoachLink.objects.filter(coach=coach, boxer=boxer).exists():
            link = boxer_services.coach_link_request(coach=coach, boxer=boxer, rights=rights)
            boxer_services.coach_link_accept(link=link)

    for spec in BOXERS:
        linked = [coaches[c] for c, login, _ in LINKS if login == spec.login]
        _fights(boxers[spec.login], spec, linked[0] if linked else None)

    for login, club_index, message in PENDING_REQUESTS:
        boxer, club = boxers[login], owned[club_index]
        exists = MembershipRequest.objects.filter(
            user=boxer.user, club=club, status=MembershipStatus.PENDING
        ).exists()
        if not exists and boxer.club_id != club.pk:
            services.membership_request_create(user=boxer.user, club=club, message=message)

    users = {spec.login: boxers[spec.login].user for spec in BOXERS}
    users.update({login: coach for (login, *_), coach in zip(COACHES, coaches, strict=True)})
    users.update({login: owner for (login, *_), owner in zip(OWNERS, owners, strict=True)})
    sparring_seed(boxers=boxers, users=users)

    write_logins_file(logins_file, logins)
    return logins
