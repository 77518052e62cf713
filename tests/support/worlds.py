"""Worlds for authorization tables: every kind of actor around a boxer or a club."""

from types import SimpleNamespace

from boxers.models import CoachLinkStatus
from tests.accounts.factories import AdminFactory, CoachFactory, GymOwnerFactory
from tests.boxers.factories import BoxerFactory, CoachLinkFactory, FightFactory
from tests.clubs.factories import ClubFactory

BOXER_ACTORS = [
    "anonymous",
    "owner",
    "other_boxer",
    "coach_edit",
    "coach_fights",
    "coach_norights",
    "coach_pending",
    "coach_unrelated",
    "club_owner",
    "other_gym_owner",
    "admin",
]


BOXER_STATES = ["public", "hidden", "deleted"]


def build_world(state: str = "public") -> SimpleNamespace:
    """`boxer` (owned by `owner`, member of `club` owned by `club_owner`) in `state`.

    coach_edit / coach_fights / coach_norights hold active links with edit_profile only,
    manage_fights only and no rights; coach_pending has a pending link asking for both;
    coach_unrelated has no link; other_gym_owner owns another club; `fight` is the boxer's.
    """
    club_owner = GymOwnerFactory(name="Cara Clubowner")
    club = ClubFactory(name="Aber ABC", owner=club_owner)
    other_gym_owner = GymOwnerFactory()
    ClubFactory(owner=other_gym_owner)
    boxer = BoxerFactory(name="Target Boxer", club=club)
    other_boxer = BoxerFactory(name="Other Boxer")
    links = {}
    for actor, status, rights in [
        ("coach_edit", CoachLinkStatus.ACTIVE, ["edit_profile"]),
        ("coach_fights", CoachLinkStatus.ACTIVE, ["manage_fights"]),
        ("coach_norights", CoachLinkStatus.ACTIVE, []),
        ("coach_pending", CoachLinkStatus.PENDING, ["edit_profile", "manage_fights"]),
    ]:
        links[actor] = CoachLinkFactory(boxer=boxer, status=status, rights=rights)
    fight = FightFactory(boxer=boxer)
    if state == "hidden":
        boxer.is_searchable = False
    elif state == "deleted":
        boxer.is_active = False
    boxer.save()
    users = {
        "anonymous": None,
        "owner": boxer.user,
        "other_boxer": other_boxer.user,
        **{actor: link.coach for actor, link in links.items()},
        "coach_unrelated": CoachFactory(),
        "club_owner": club_owner,
        "other_gym_owner": other_gym_owner,
        "admin": AdminFactory(),
    }
    return SimpleNamespace(
        state=state,
        boxer=boxer,
        other_boxer=other_boxer,
        club=club,
        fight=fight,
        links=links,
        users=users,
    )


CLUB_ACTORS = [
    "anonymous",
    "boxer_in",
    "boxer_out",
    "coach_in",
    "coach_other",
    "owner",
    "other_owner",
    "admin",
    "applicant",
    "coach_invited",
]
