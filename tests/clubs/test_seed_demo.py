"""seed_demo: refuses without DEBUG, builds a realistic demo world through services, idempotent,
prints its logins and keeps them stable from run to run."""

import re
import stat
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from accounts.models import Notification, Role, User
from boxers.models import (
    Availability,
    Boxer,
    CoachLink,
    CoachLinkStatus,
    Fight,
    SparringRequest,
)
from clubs.models import Club, ClubCoach, MembershipRequest, MembershipStatus

pytestmark = pytest.mark.django_db


def seed(*args):
    out = StringIO()
    call_command("seed_demo", *args, stdout=out)
    return out.getvalue()


def snapshot():
    return {
        "users": User.objects.count(),
        "clubs": Club.objects.count(),
        "owned": Club.objects.filter(owner__isnull=False).count(),
        "coaches": ClubCoach.objects.count(),
        "boxers": Boxer.objects.count(),
        "members": Boxer.objects.filter(club__isnull=False).count(),
        "fights": Fight.objects.count(),
        "links": CoachLink.objects.filter(status=CoachLinkStatus.ACTIVE).count(),
        "pending": MembershipRequest.objects.filter(status=MembershipStatus.PENDING).count(),
        "requests": MembershipRequest.objects.count(),
        "sparring": SparringRequest.objects.count(),
        "slots": Availability.objects.count(),
        "notifications": Notification.objects.count(),
    }


def test_refuses_when_debug_is_off(settings):
    settings.DEBUG = False

    with pytest.raises(CommandError, match="DEBUG is off"):
        seed()

    assert not User.objects.exists()


def test_builds_a_realistic_world_and_rerunning_changes_nothing(settings):
    settings.DEBUG = True

    seed()
    first = snapshot()
    seed()

    assert snapshot() == first
    assert first["clubs"] == 142
    assert first["owned"] == 4
    assert first["coaches"] == 5
    assert first["links"] == 8
    assert first["pending"] == 4
    assert first["boxers"] == 44
    assert first["members"] == 40
    assert first["fights"] >= 4 * first["boxers"]
    regions = set(Club.objects.filter(owner__isnull=False).values_list("region", flat=True))
    assert len(regions) == 4
    for boxer in Boxer.objects.all():
        results = list(boxer.fights.values_list("result", flat=True))
        assert (boxer.wins, boxer.losses, boxer.draws) == (
            results.count("win"),
            results.count("loss"),
            results.count("draw"),
        )


def test_printed_logins_work_and_random_passwords_are_strong_and_distinct(api):
    output = seed("--force")

    logins = re.findall(r"^\s+(\w+)\s+(\S+@demo\.example\.org)\s+(\S+)$", output, re.MULTILINE)
    assert len(logins) == User.objects.count()
    passwords = [password for _, _, password in logins]
    assert len(set(passwords)) == len(passwords)
    assert min(len(p) for p in passwords) >= 16
    role, email, password = next(login for login in logins if login[0] == "gym_owner")
    response = api.post("/api/v1/auth/login/", {"email": email, "password": password}, format="json")
    assert response.status_code == 200
    assert response.json()["user"]["role"] == role


def test_password_flag_sets_one_password_for_every_login(api):
    output = seed("--force", "--password", "Demo-Boxing-2026!")

    assert output.count("Demo-Boxing-2026!") == User.objects.count()
    response = api.post(
        "/api/v1/auth/login/",
        {"email": "boxer.nia@demo.example.org", "password": "Demo-Boxing-2026!"},
        format="json",
    )
    assert response.status_code == 200


def test_weak_password_flag_is_a_command_error():
    with pytest.raises(CommandError, match="password"):
        seed("--force", "--password", "123")


def test_demo_owner_sees_pending_requests_and_members_through_the_api(client_for):
    seed("--force")
    owner = User.objects.get(email="owner.north@demo.example.org")
    club = Club.objects.get(owner=owner)
    client = client_for(owner)

    members = client.get(f"/api/v1/clubs/{club.pk}/members/").json()
    pending = client.get(f"/api/v1/clubs/{club.pk}/membership-requests/?status=pending").json()

    assert len(members["boxers"]) >= 2
    assert {c["is_head"] for c in members["coaches"]} == {True, False}
    assert pending["count"] == 1


# --- Stable logins ---------------------------------------------------------------------------

LOGIN_LINE = re.compile(r"^\s+(\w+)\s+(\S+@demo\.example\.org)\s+(\S+)$", re.MULTILINE)


def printed_logins(output: str) -> dict[str, str]:
    return {email: password for _, email, password in LOGIN_LINE.findall(output)}


def can_log_in(api, email: str, password: str) -> bool:
    response = api.post("/api/v1/auth/login/", {"email": email, "password": password}, format="json")
    return response.status_code == 200


def test_two_runs_give_the_same_working_logins_and_write_them_to_the_file(api, settings):
    first = printed_logins(seed("--force"))
    second = printed_logins(seed("--force"))

    assert second == first
    assert len(first) == User.objects.count()
    written = settings.DEMO_LOGINS_FILE.read_text()
    for email, password in first.items():
        assert re.search(rf"^\w+\s+{re.escape(email)}\s+{re.escape(password)}$", written, re.MULTILINE)
    for role in Role.values:
        email = User.objects.filter(role=role, email__endswith="@demo.example.org").first().email
        assert can_log_in(api, email, first[email]), role


def test_the_logins_file_is_readable_by_its_owner_only(settings):
    seed("--force")

    mode = stat.S_IMODE(settings.DEMO_LOGINS_FILE.stat().st_mode)

    assert mode == 0o600


def test_a_login_missing_from_the_file_gets_a_new_password_and_the_others_stay(api, settings):
    first = printed_logins(seed("--force"))
    path = settings.DEMO_LOGINS_FILE
    path.write_text(
        "".join(line + "\n" for line in path.read_text().splitlines() if "boxer.nia@" not in line)
    )

    second = printed_logins(seed("--force"))

    nia = "boxer.nia@demo.example.org"
    assert second[nia] != first[nia]
    assert {e: p for e, p in second.items() if e != nia} == {e: p for e, p in first.items() if e != nia}
    assert can_log_in(api, nia, second[nia])
    assert not can_log_in(api, nia, first[nia])


def test_a_password_changed_since_is_set_back_so_the_file_stays_true(api):
    logins = printed_logins(seed("--force"))
    user = User.objects.get(email="owner.west@demo.example.org")
    user.set_password("Changed-Since-2026")
    user.save()

    seed("--force")

    assert can_log_in(api, user.email, logins[user.email])
