"""A small club world shared by the clubs tests: one published club with every kind of actor."""

from types import SimpleNamespace

import pytest

from clubs.models import ClubCoachStatus
from tests.accounts.factories import AdminFactory, CoachFactory, GymOwnerFactory
from tests.boxers.factories import BoxerFactory
from tests.clubs.factories import ClubCoachFactory, ClubFactory, MembershipRequestFactory


@pytest.fixture
def world(db):
    """club (published, owned by `owner`), hidden (unpublished, same owner), other_club.

    boxer_in and member are boxers in club; boxer_out is in no club; applicant (a boxer in no
    club) has a pending request to club; coach_in coaches at club, coach_other at other_club
    (and is invited to hidden); coach_invited is invited to club and to hidden and coaches
    nowhere yet; free_coach is a coach in no club.
    """
    owner = GymOwnerFactory(name="Olwen Owner")
    other_owner = GymOwnerFactory()
    club = ClubFactory(name="Aber ABC", owner=owner, region="North Division")
    hidden = ClubFactory(name="Hidden ABC", owner=owner, is_published=False)
    other_club = ClubFactory(name="Other ABC", owner=other_owner)
    boxer_in = BoxerFactory(club=club)
    member = BoxerFactory(club=club)
    boxer_out = BoxerFactory()
    applicant = BoxerFactory()
    coach_in = ClubCoachFactory(club=club).coach
    coach_other = ClubCoachFactory(club=other_club).coach
    ClubCoachFactory(club=hidden, coach=coach_other, status=ClubCoachStatus.INVITED)
    coach_invited = ClubCoachFactory(club=club, status=ClubCoachStatus.INVITED).coach
    ClubCoachFactory(club=hidden, coach=coach_invited, status=ClubCoachStatus.INVITED)
    request = MembershipRequestFactory(user=applicant.user, club=club)
    return SimpleNamespace(
        club=club,
        hidden=hidden,
        other_club=other_club,
        member=member,
        request=request,
        free_coach=CoachFactory(),
        users={
            "anonymous": None,
            "boxer_in": boxer_in.user,
            "boxer_out": boxer_out.user,
            "coach_in": coach_in,
            "coach_other": coach_other,
            "owner": owner,
            "other_owner": other_owner,
            "admin": AdminFactory(),
            "applicant": applicant.user,
            "coach_invited": coach_invited,
        },
    )


@pytest.fixture(autouse=True)
def _demo_logins_file(settings, tmp_path):
    """seed_demo keeps its logins in a file: each test its own, never the checkout's."""
    settings.DEMO_LOGINS_FILE = tmp_path / "demo-logins.txt"
