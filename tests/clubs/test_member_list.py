"""GET /clubs/{id}/members/ as each role: the list applies the single view's rule (list =
check). Hidden (not searchable) and soft-deleted profiles are listed only to those allowed
`boxer.view` on them; coaches only once they accepted, and while their account is active.
(The property test in tests/permissions/test_scopes_property.py holds the boxers listed equal
to the single check on random worlds.)"""

import pytest

from boxers.models import CoachLinkStatus
from clubs.models import ClubCoachStatus
from tests.accounts.factories import CoachFactory
from tests.boxers.factories import BoxerFactory, CoachLinkFactory
from tests.clubs.factories import ClubCoachFactory


@pytest.fixture
def members(world):
    """The club world's members plus a hidden one (coach_in holds an active link to it), a
    soft-deleted one, one whose account was deactivated; and coaches: one deactivated."""
    club = world.club
    extra = {
        "hidden": BoxerFactory(club=club, name="Hidden Member", is_searchable=False),
        "deleted": BoxerFactory(club=club, name="Deleted Member", is_active=False),
        "deactivated": BoxerFactory(club=club, name="Deactivated Member", user__is_active=False),
    }
    CoachLinkFactory(coach=world.users["coach_in"], boxer=extra["hidden"], status=CoachLinkStatus.ACTIVE)
    ClubCoachFactory(club=club, coach=CoachFactory(is_active=False), status=ClubCoachStatus.ACTIVE)
    world.users["hidden member"] = extra["hidden"].user
    world.users["deleted member"] = extra["deleted"].user
    return extra


PUBLIC = {"boxer_in", "member"}
# Who sees which members (besides the public two): DESIGN.md's boxer.view rows.
SEEN = {
    "owner": PUBLIC | {"hidden", "deactivated"},  # the club's owner: its active profiles
    "admin": PUBLIC | {"hidden", "deleted", "deactivated"},
    "coach_in": PUBLIC | {"hidden"},  # through its active link
    "boxer_in": PUBLIC,
    "hidden member": PUBLIC | {"hidden"},  # its own
    "deleted member": PUBLIC | {"deleted"},  # its own, though deleted
}


@pytest.mark.parametrize("actor", sorted(SEEN))
def test_the_member_list_shows_each_caller_only_the_profiles_it_may_view(client_for, world, members, actor):
    names = {
        "boxer_in": world.users["boxer_in"].boxer.name,
        "member": world.member.name,
        **{key: boxer.name for key, boxer in members.items()},
    }
    client = client_for(world.users[actor])

    response = client.get(f"/api/v1/clubs/{world.club.pk}/members/")

    assert response.status_code == 200, response.content
    listed = {boxer["name"] for boxer in response.json()["boxers"]}
    assert listed == {names[key] for key in SEEN[actor]}
    for boxer in response.json()["boxers"]:  # each one listed opens for this caller
        assert client.get(f"/api/v1/boxers/{boxer['id']}/").status_code == 200
    coaches = {coach["id"] for coach in response.json()["coaches"]}
    assert coaches == {str(world.users["coach_in"].pk)}  # not the invited, not the deactivated


@pytest.mark.parametrize("actor", ["coach_invited", "coach_other", "boxer_out", "other_owner"])
def test_callers_outside_the_club_get_no_list(client_for, world, members, actor):
    assert client_for(world.users[actor]).get(f"/api/v1/clubs/{world.club.pk}/members/").status_code == 403
