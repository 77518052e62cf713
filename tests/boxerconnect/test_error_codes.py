"""Every error code a client can act on: triggered once each through the API, with its status and
a sentence a person can read; the table in docs/api.md is the registry's, and the code base
raises no code the registry does not list."""

import json
import re
import uuid
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from accounts.models import Role
from boxerconnect.error_codes import BY_CODE, ERROR_CODES, markdown_table
from boxers.models import Boxer, CoachLinkStatus, SparringRequest
from clubs.models import ClubCoachStatus, MembershipStatus
from tests.accounts.factories import PASSWORD, AdminFactory, CoachFactory, GymOwnerFactory, UserFactory
from tests.boxerconnect.subproc import REPO, run_python
from tests.boxers.factories import BoxerFactory, CoachLinkFactory
from tests.clubs.factories import ClubCoachFactory, ClubFactory, MembershipRequestFactory

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.boxerconnect.urls_for_tests")]


class Caller:
    """What a trigger needs: clients (anonymous or as a user) and the settings fixture."""

    def __init__(self, api, client_for, settings) -> None:
        self.api, self.client_for, self.settings = api, client_for, settings


def membership_url(club) -> str:
    return f"/api/v1/clubs/{club.pk}/membership-requests/"


def _parse_error(c):
    return c.api.post("/api/v1/auth/login/", data='{"email": ', content_type="application/json")


def _bad_request(c):
    return Client().get("/health/live", CONTENT_LENGTH="twelve")


def _not_accepting_members(c):
    return c.client_for(BoxerFactory().user).post(membership_url(ClubFactory(accepting_members=False)))


def _not_authenticated(c):
    return c.api.get("/api/v1/auth/me/")


def _authentication_failed(c):
    body = {"email": UserFactory().email, "password": "wrong"}
    return c.api.post("/api/v1/auth/login/", body, format="json")


def _token_not_valid(c):
    c.api.credentials(HTTP_AUTHORIZATION="Bearer not-a-token")
    return c.api.get("/api/v1/auth/me/")


def _token_revoked(c):
    client = c.client_for(UserFactory())
    assert client.post("/api/v1/auth/logout-all/").status_code == 204
    return client.get("/api/v1/auth/me/")


def _permission_denied(c):
    link = CoachLinkFactory(rights=["manage_fights"])
    return c.client_for(link.coach).patch(f"/api/v1/boxers/{link.boxer.pk}/", {"bio": "x"}, format="json")


def _role_not_allowed(c):
    return c.client_for(CoachFactory()).post(membership_url(ClubFactory()))


def _boxer_profile_required(c):
    return c.client_for(UserFactory(role=Role.BOXER)).post(membership_url(ClubFactory()))


def _admin_only(c):
    boxer = BoxerFactory()
    return c.client_for(boxer.user).patch(f"/api/v1/boxers/{boxer.pk}/", {"is_verified": True}, format="json")


def _not_found(c):
    return c.api.get(f"/api/v1/boxers/{uuid.uuid4()}/")


def _method_not_allowed(c):
    boxer = BoxerFactory()
    return c.client_for(boxer.user).put(f"/api/v1/boxers/{boxer.pk}/", {}, format="json")


def _not_acceptable(c):
    return c.api.get("/api/v1/clubs/", HTTP_ACCEPT="application/xml")


def _profile_exists(c):
    boxer = BoxerFactory()
    return c.client_for(boxer.user).post("/api/v1/boxers/", {"name": "Again"}, format="json")


def _link_exists(c):
    link = CoachLinkFactory(status=CoachLinkStatus.PENDING)
    return c.client_for(link.coach).post("/api/v1/coach-links/", {"boxer": str(link.boxer.pk)}, format="json")


def _link_not_pending(c):
    link = CoachLinkFactory(status=CoachLinkStatus.ACTIVE)
    return c.client_for(link.boxer.user).post(f"/api/v1/coach-links/{link.pk}/accept/")


def _coach_in_another_club(c):
    club = ClubFactory(owner=GymOwnerFactory())
    coach = ClubCoachFactory().coach
    body = {"user": str(coach.pk)}
    return c.client_for(club.owner).post(f"/api/v1/clubs/{club.pk}/coaches/", body, format="json")


def _coach_already_invited(c):
    club = ClubFactory(owner=GymOwnerFactory())
    coach = ClubCoachFactory(club=club, status=ClubCoachStatus.INVITED).coach
    body = {"user": str(coach.pk)}
    return c.client_for(club.owner).post(f"/api/v1/clubs/{club.pk}/coaches/", body, format="json")


def _not_invited(c):
    row = ClubCoachFactory()  # accepted already
    return c.client_for(row.coach).post(f"/api/v1/clubs/{row.club_id}/coaches/{row.coach_id}/accept/")


def _already_member(c):
    club = ClubFactory()
    return c.client_for(BoxerFactory(club=club).user).post(membership_url(club))


def _membership_pending(c):
    request = MembershipRequestFactory(user=BoxerFactory().user)
    return c.client_for(request.user).post(membership_url(request.club))


def _membership_not_pending(c):
    club = ClubFactory(owner=GymOwnerFactory())
    request = MembershipRequestFactory(user=BoxerFactory().user, club=club, status=MembershipStatus.APPROVED)
    return c.client_for(club.owner).post(f"/api/v1/membership-requests/{request.pk}/approve/")


def _requester_without_profile(c):
    club = ClubFactory(owner=GymOwnerFactory())
    request = MembershipRequestFactory(user=BoxerFactory().user, club=club)
    Boxer.objects.filter(user=request.user).delete()  # the profile is gone since the request
    return c.client_for(club.owner).post(f"/api/v1/membership-requests/{request.pk}/approve/")


def _last_active_admin(c):
    admin = AdminFactory()
    return c.client_for(admin).patch(f"/api/v1/admin/users/{admin.pk}/", {"is_active": False}, format="json")


def _request_too_large(c):
    c.settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 10
    return c.api.post("/test/echo/", data='{"name": "0123456789"}', content_type="application/json")


def _unsupported_media_type(c):
    return c.api.post("/test/echo/", data="name=Tyson", content_type="text/plain")


def _throttled(c):
    user = UserFactory()
    for _ in range(5):
        c.api.post("/api/v1/auth/login/", {"email": user.email, "password": "wrong"}, format="json")
    return c.api.post("/api/v1/auth/login/", {"email": user.email, "password": PASSWORD}, format="json")


def _metrics_not_public(c):
    c.settings.METRICS_TOKEN = ""
    c.settings.METRICS_PUBLIC = False
    return c.api.get("/metrics")


def _server_error(c):
    return Client(raise_request_exception=False).get("/test/boom/")


_OUTAGE = """
import django
django.setup()
from django.test import Client
from django.utils import timezone
response = Client(raise_request_exception=False).get("/api/v1/clubs/")
print(response.status_code, response.content.decode())
"""


def _database_unavailable(c):
    from tests.support.servers import free_port

    result = run_python(
        _OUTAGE,
        DATABASE_URL=f"postgres://postgres@127.0.0.1:{free_port()}/boxerconnect",
        DB_CONNECT_TIMEOUT="1",
        DJANGO_SECURE_SSL_REDIRECT="false",
        REDIS_URL=None,
    )
    assert result.returncode == 0, result.stderr
    status, body = result.stdout.strip().splitlines()[-1].split(" ", 1)
    return int(status), json.loads(body)


# --- Sparring ---------------------------------------------------------------------------------


def _in(days: float) -> str:
    return (timezone.now() + timedelta(days=days)).isoformat()


def _request_body(a, b, kind="sparring") -> dict:
    return {
        "from_boxer": str(a.pk),
        "to_boxer": str(b.pk),
        "kind": kind,
        "proposed_start": _in(2),
        "proposed_end": _in(2.05),
    }


def _pair():
    return BoxerFactory(gender="male"), BoxerFactory(gender="male")


def _proposed(c):
    a, b = _pair()
    response = c.client_for(a.user).post("/api/v1/sparring-requests/", _request_body(a, b), format="json")
    assert response.status_code == 201, response.content
    return a, b, response.json()["id"]


def _incompatible(c):
    a, b = BoxerFactory(gender="male"), BoxerFactory(gender="female")
    return c.client_for(a.user).post("/api/v1/sparring-requests/", _request_body(a, b, "bout"), format="json")


def _incomplete_profile(c):
    boxer = BoxerFactory(gender="male", weight_kg=None)
    return c.client_for(boxer.user).get(f"/api/v1/boxers/{boxer.pk}/suggestions/")


def _availability_overlap(c):
    boxer = BoxerFactory()
    client, url = c.client_for(boxer.user), f"/api/v1/boxers/{boxer.pk}/availability/"
    assert client.post(url, {"starts_at": _in(1), "ends_at": _in(1.1)}, format="json").status_code == 201
    return client.post(url, {"starts_at": _in(1.05), "ends_at": _in(1.15)}, format="json")


def _open_request_exists(c):
    a, b, _ = _proposed(c)
    return c.client_for(b.user).post("/api/v1/sparring-requests/", _request_body(b, a), format="json")


def _request_not_pending(c):
    _, b, pk = _proposed(c)
    c.client_for(b.user).post(f"/api/v1/sparring-requests/{pk}/decline/")
    return c.client_for(b.user).post(f"/api/v1/sparring-requests/{pk}/accept/")


def _request_expired(c):
    _, b, pk = _proposed(c)
    SparringRequest.objects.filter(pk=pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    return c.client_for(b.user).post(f"/api/v1/sparring-requests/{pk}/accept/")


def _request_not_cancellable(c):
    a, b, pk = _proposed(c)
    c.client_for(b.user).post(f"/api/v1/sparring-requests/{pk}/decline/")
    return c.client_for(a.user).post(f"/api/v1/sparring-requests/{pk}/cancel/")


def _request_not_completable(c):
    a, _, pk = _proposed(c)
    return c.client_for(a.user).post(f"/api/v1/sparring-requests/{pk}/complete/")


TRIGGERS = {
    "incompatible": _incompatible,
    "incomplete_profile": _incomplete_profile,
    "availability_overlap": _availability_overlap,
    "open_request_exists": _open_request_exists,
    "request_not_pending": _request_not_pending,
    "request_expired": _request_expired,
    "request_not_cancellable": _request_not_cancellable,
    "request_not_completable": _request_not_completable,
    "parse_error": _parse_error,
    "bad_request": _bad_request,
    "not_accepting_members": _not_accepting_members,
    "not_authenticated": _not_authenticated,
    "authentication_failed": _authentication_failed,
    "token_not_valid": _token_not_valid,
    "token_revoked": _token_revoked,
    "metrics_not_public": _metrics_not_public,
    "permission_denied": _permission_denied,
    "role_not_allowed": _role_not_allowed,
    "boxer_profile_required": _boxer_profile_required,
    "admin_only": _admin_only,
    "not_found": _not_found,
    "method_not_allowed": _method_not_allowed,
    "not_acceptable": _not_acceptable,
    "profile_exists": _profile_exists,
    "link_exists": _link_exists,
    "link_not_pending": _link_not_pending,
    "coach_in_another_club": _coach_in_another_club,
    "coach_already_invited": _coach_already_invited,
    "not_invited": _not_invited,
    "already_member": _already_member,
    "membership_pending": _membership_pending,
    "membership_not_pending": _membership_not_pending,
    "requester_without_profile": _requester_without_profile,
    "last_active_admin": _last_active_admin,
    "request_too_large": _request_too_large,
    "unsupported_media_type": _unsupported_media_type,
    "throttled": _throttled,
    "server_error": _server_error,
    "database_unavailable": _database_unavailable,
}


def test_every_listed_code_has_its_trigger_here():
    assert set(TRIGGERS) == set(BY_CODE)


@pytest.mark.parametrize("code", [e.code for e in ERROR_CODES])
def test_each_code_is_answered_with_its_status_and_a_sentence(code, api, client_for, settings):
    outcome = TRIGGERS[code](Caller(api, client_for, settings))

    if not isinstance(outcome, tuple):
        outcome = (outcome.status_code, json.loads(outcome.content))
    status, body = outcome
    assert (status, body["code"]) == (BY_CODE[code].status, code), body
    detail = body["detail"]
    assert re.fullmatch(r"[A-Z].*[.)]", detail), detail  # a sentence, not an internal reason
    assert not re.search(r"\b(role \w+ may not|[a-z_]+\.[a-z_]+)\b", detail.replace("api/v1", "")), detail


# --- The words of the refusals the issue named -------------------------------------------------


def test_a_coach_asking_to_join_a_club_is_told_who_can(client_for):
    response = client_for(CoachFactory()).post(membership_url(ClubFactory()))

    assert response.json() == {
        "detail": "A coach account cannot request to join a club: only a user with a boxer profile can.",
        "code": "role_not_allowed",
    }


def test_a_boxer_adding_its_own_fight_is_told_who_records_fights(client_for):
    boxer = BoxerFactory()

    response = client_for(boxer.user).post(
        f"/api/v1/boxers/{boxer.pk}/fights/",
        {"opponent_name": "Kieran Doyle", "date": "2026-01-10", "result": "win"},
        format="json",
    )

    assert response.status_code == 403
    assert response.json() == {
        "detail": (
            "A boxer account cannot record, change or delete fights, not even its own: only a coach "
            "with the manage_fights right, the owner of the boxer's club or an admin can."
        ),
        "code": "role_not_allowed",
    }


def test_a_coach_changing_its_own_link_rights_is_told_who_may(client_for):
    link = CoachLinkFactory()

    response = client_for(link.coach).patch(f"/api/v1/coach-links/{link.pk}/", {"rights": []}, format="json")

    assert response.json() == {
        "detail": "Only the boxer or an admin can accept, decline or change the rights of this coach link.",
        "code": "permission_denied",
    }


def test_an_anonymous_write_is_still_401_not_a_403_with_a_role_sentence(api):
    boxer = BoxerFactory()

    response = api.post(f"/api/v1/boxers/{boxer.pk}/fights/", {}, format="json")

    assert (response.status_code, response.json()["code"]) == (401, "not_authenticated")


def test_the_three_conflicts_of_the_membership_flow_are_told_apart(client_for):
    club = ClubFactory(owner=GymOwnerFactory())
    member = BoxerFactory(club=club)
    applicant = BoxerFactory()
    owner = client_for(club.owner)

    already = client_for(member.user).post(membership_url(club))
    first = client_for(applicant.user).post(membership_url(club))
    pending = client_for(applicant.user).post(membership_url(club))
    owner.post(f"/api/v1/membership-requests/{first.json()['id']}/approve/")
    reviewed = owner.post(f"/api/v1/membership-requests/{first.json()['id']}/reject/")

    assert [r.status_code for r in (already, pending, reviewed)] == [409, 409, 409]
    assert [r.json()["code"] for r in (already, pending, reviewed)] == [
        "already_member",
        "membership_pending",
        "membership_not_pending",
    ]
    assert reviewed.json()["detail"] == "This request is no longer pending (it is approved)."


# --- One list ---------------------------------------------------------------------------------


def test_docs_api_md_prints_the_registry_as_it_is():
    docs = (REPO / "docs/api.md").read_text()

    listed = set(re.findall(r"^\| `([a-z_]+)` \| (\d{3}) \|", docs, re.MULTILINE))

    assert listed == {(e.code, str(e.status)) for e in ERROR_CODES}
    # Word for word; print it with
    # .venv/bin/python -c "from boxerconnect.error_codes import markdown_table as t; print(t())"
    assert markdown_table() in docs


def test_the_openapi_description_carries_the_table(api):
    description = api.get("/api/schema/?format=json").json()["info"]["description"]

    for error in ERROR_CODES:
        assert f"| `{error.code}` | {error.status} |" in description


# Codes that appear in the source but are no error body a client gets: validation-error codes
# (inside DRF's field errors), the 308 of a missing slash, and Conflict's bare default.
NOT_BODY_CODES = {"invalid", "unique", "trailing_slash_required", "conflict"}
_RAISED = re.compile(r'(?:\bcode=|default_code = |"code": )"([a-z_]+)"')
_CONSTANT = re.compile(r'^[A-Z_]+ = "([a-z_]+)"$', re.MULTILINE)


def test_the_code_base_raises_no_code_the_registry_does_not_list():
    raised = set()
    for path in REPO.glob("*/**/*.py"):
        if {"tests", "bench", "fuzz", "load", ".venv", "migrations"} & set(path.relative_to(REPO).parts):
            continue
        text = path.read_text()
        raised |= set(_RAISED.findall(text))
    for name in ("permissions/rules.py", "permissions/denials.py"):
        constants = set(_CONSTANT.findall((REPO / name).read_text()))
        raised |= constants - {"admin", "edit_profile", "manage_fights", "manage_sparring"}

    assert len(raised) > 15  # the scan itself works
    assert raised - BY_CODE.keys() - NOT_BODY_CODES == set()


def test_every_conflict_is_raised_with_a_specific_code():
    bare = []
    for path in REPO.glob("*/**/*.py"):
        if ".venv" in path.relative_to(REPO).parts:
            continue
        for call in re.findall(r"raise Conflict\((.*?)\)(?: from|\n)", path.read_text(), re.DOTALL):
            if "code=" not in call:
                bare.append(f"{path.relative_to(REPO)}: Conflict({call})")

    assert bare == []
