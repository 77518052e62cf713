"""Writes to clubs, club coaches and membership requests (cached facts and read models learn of
them through the cache's write watcher, boxerconnect/cache/watch.py).

Services raise DRF exceptions (ValidationError → 400, Conflict → 409, NotFound → 404) so the
API, the Django admin and commands share one set of rules; callers outside HTTP catch
`rest_framework.exceptions.APIException`.
"""

from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from rest_framework.exceptions import NotFound, ValidationError

from accounts import services as account_services
from accounts.models import NotificationKind, Role, User
from boxerconnect.api.errors import Conflict
from boxers.models import Boxer
from boxers.services import boxer_create, boxer_set_club
from clubs.models import Club, ClubCoach, ClubCoachStatus, MembershipRequest, MembershipStatus

PROFILE_FIELDS = (
    "name",
    "region",
    "city",
    "country",
    "postcode",
    "address",
    "latitude",
    "longitude",
    "contact_name",
    "contact_email",
    "contact_phone",
    "website",
    "description",
    "accepting_members",
    "is_published",
)
ADMIN_FIELDS = ("owner", "is_verified")


def _check_owner(user: User | None, field: str = "owner") -> None:
    if user is not None and user.role != Role.GYM_OWNER:
        raise ValidationError({field: ["The owner must be a user with role gym_owner."]})


@transaction.atomic
def club_create(*, name: str, owner: User | None = None, **fields: Any) -> Club:
    """Create a club (admin)."""
    _check_owner(owner)
    club = Club(name=name, owner=owner, **fields)
    club.full_clean()
    club.save()
    return club


@transaction.atomic
def club_update(*, club: Club, data: dict[str, Any], owner_field: str = "owner") -> Club:
    """Apply `data` (profile fields, and `owner`/`is_verified` which the caller has authorized)."""
    club = Club.objects.select_for_update().get(pk=club.pk)
    if "owner" in data:
        _check_owner(data["owner"], field=owner_field)
    for name, value in data.items():
        if name not in PROFILE_FIELDS + ADMIN_FIELDS:
            raise ValueError(f"{name} is not a writable club field")
        setattr(club, name, value)
    club.full_clean()
    club.save(update_fields=[*data, "updated_at"])
    return club


def club_set_owner(*, club: Club, user: User | None) -> Club:
    """Give the club to `user` (a gym owner) or to nobody (None)."""
    return club_update(club=club, data={"owner": user}, owner_field="user")


@transaction.atomic
def club_delete(*, club: Club) -> None:
    """Delete a club; member boxers keep their profiles (club becomes null), coaches are detached."""
    club.delete()  # Boxer.club is SET_NULL; ClubCoach and requests cascade


@transaction.atomic
def club_remove_boxer(*, club: Club, boxer_id) -> None:
    """Take a boxer out of the club (404 if the boxer is not a member)."""
    boxer = Boxer.objects.select_for_update().filter(pk=boxer_id, club_id=club.pk).first()
    if boxer is None:
        raise NotFound("No such boxer in this club.")
    boxer_set_club(boxer=boxer, club=None)


def _coaching_elsewhere(coach_id: Any, club: Club) -> bool:
    active = ClubCoach.objects.filter(coach_id=coach_id, status=ClubCoachStatus.ACTIVE)
    return active.exclude(club_id=club.pk).exists()


@transaction.atomic
def club_coach_invite(
    *, club: Club, user_id: Any, is_head: bool = False, invited_by: User | None = None
) -> ClubCoach:
    """Invite a coach (role coach, 400 otherwise) to the club. The invitation grants nothing
    until the coach accepts it (`club_coach_accept`). 409 if the coach is active at another
    club, or already invited to or coaching at this one; invitations from several clubs may
    wait side by side. The coach is notified (`coach_invited`) in the same transaction."""
    user = User.objects.filter(pk=user_id).first()
    if user is None or user.role != Role.COACH:
        raise ValidationError({"user": ["The user must exist and have role coach."]})
    if _coaching_elsewhere(user.pk, club):
        raise Conflict("This coach already belongs to another club.", code="coach_in_another_club")
    if ClubCoach.objects.filter(coach_id=user.pk, club_id=club.pk).exists():
        raise Conflict(
            "This coach is already invited to or coaching at this club.", code="coach_already_invited"
        )
    try:
        with transaction.atomic():
            invitation = ClubCoach.objects.create(
                club=club, coach=user, is_head=is_head, status=ClubCoachStatus.INVITED
            )
            account_services.notify(
                kind=NotificationKind.COACH_INVITED,
                recipients=[user.pk],
                actor=invited_by,
                data={"club_id": str(club.pk), "club_name": club.name, "is_head": is_head},
            )
            return invitation
    except IntegrityError as exc:  # a concurrent invitation from this club won
        raise Conflict(
            "This coach is already invited to or coaching at this club.", code="coach_already_invited"
        ) from exc


@transaction.atomic
def club_coach_accept(*, club_coach: ClubCoach) -> ClubCoach:
    """The invited coach accepts: it coaches at the club from its next request. 409 if the row
    is no invitation (any more), or the coach is active at another club (leave it first; the
    one-active-club constraint settles two concurrent accepts)."""
    row = ClubCoach.objects.select_for_update().filter(pk=club_coach.pk).first()
    if row is None:
        raise NotFound("No such invitation.")
    if row.status != ClubCoachStatus.INVITED:
        raise Conflict("There is no pending invitation to accept.", code="not_invited")
    if _coaching_elsewhere(row.coach_id, row.club):
        raise Conflict("This coach already belongs to another club.", code="coach_in_another_club")
    row.status = ClubCoachStatus.ACTIVE
    try:
        with transaction.atomic():
            row.save(update_fields=["status"])
    except IntegrityError as exc:
        raise Conflict("This coach already belongs to another club.", code="coach_in_another_club") from exc
    return row


@transaction.atomic
def club_coach_decline(*, club_coach: ClubCoach) -> None:
    """The invited coach refuses: the invitation is removed. 409 once accepted (leave instead)."""
    row = ClubCoach.objects.select_for_update().filter(pk=club_coach.pk).first()
    if row is None:
        return
    if row.status != ClubCoachStatus.INVITED:
        raise Conflict(
            "There is no pending invitation to decline; leave the club instead.", code="not_invited"
        )
    row.delete()


@transaction.atomic
def club_coach_leave(*, club_coach: ClubCoach) -> None:
    """The coach leaves the club (or drops an invitation): its rights there end on its next request."""
    ClubCoach.objects.filter(pk=club_coach.pk).delete()


@transaction.atomic
def club_coach_remove(*, club: Club, user_id: Any) -> None:
    """The club removes a coach or withdraws an invitation (404 if the user has neither)."""
    deleted, _ = ClubCoach.objects.filter(club_id=club.pk, coach_id=user_id).delete()
    if not deleted:
        raise NotFound("No such coach in this club.")


@transaction.atomic
def membership_request_create(*, user: User, club: Club, message: str = "") -> MembershipRequest:
    """A boxer asks to join `club`, with an optional message to its owner (at most 1000
    characters): 409 if already a member or a request is pending.

    The caller has authorized membership.request (boxer profile, club accepting members).
    """
    boxer = Boxer.objects.filter(user_id=user.pk).first()
    if boxer is None:
        raise ValidationError({"non_field_errors": ["A boxer profile is required to join a club."]})
    if boxer.club_id == club.pk:
        raise Conflict("You are already a member of this club.", code="already_member")
    pending = MembershipRequest.objects.filter(
        user_id=user.pk, club_id=club.pk, status=MembershipStatus.PENDING
    )
    if pending.exists():
        raise Conflict(
            "You have already asked to join this club; the request is waiting for the club owner.",
            code="membership_pending",
        )
    try:
        with transaction.atomic():
            request = MembershipRequest.objects.create(user=user, club=club, message=message)
    except IntegrityError as exc:  # a concurrent request won the one-pending constraint
        raise Conflict(
            "You have already asked to join this club; the request is waiting for the club owner.",
            code="membership_pending",
        ) from exc
    account_services.notify(
        kind=NotificationKind.MEMBERSHIP_REQUESTED,
        recipients=[club.owner_id],
        actor=user,
        data={
            **_membership_data(request),
            "user_id": str(user.pk),
            "user_name": user.name,
            "message": message,
        },
    )
    return request


def _membership_data(request: MembershipRequest) -> dict[str, Any]:
    return {
        "membership_request_id": str(request.pk),
        "club_id": str(request.club_id),
        "club_name": request.club.name,
    }


def request_status(request: MembershipRequest) -> str:
    """The request's status as stored now (another reviewer may just have changed it)."""
    current = MembershipRequest.objects.filter(pk=request.pk).values_list("status", flat=True).first()
    return current or "gone"


def _transition(request: MembershipRequest, status: str, **changes: Any) -> MembershipRequest:
    """Move a pending request to `status` with one conditional UPDATE (409 if no longer pending)."""
    updated = MembershipRequest.objects.filter(pk=request.pk, status=MembershipStatus.PENDING).update(
        status=status, **changes
    )
    if not updated:
        raise Conflict(
            f"This request is no longer pending (it is {request_status(request)}).",
            code="membership_not_pending",
        )
    request.refresh_from_db()
    return request


@transaction.atomic
def membership_request_approve(*, request: MembershipRequest, reviewer: User | None) -> MembershipRequest:
    """Approve a pending request: the boxer joins the club, leaving any other (409 if not pending)."""
    request = _transition(
        request, MembershipStatus.APPROVED, reviewed_by=reviewer, reviewed_at=timezone.now()
    )
    boxer = Boxer.objects.select_for_update().filter(user_id=request.user_id).first()
    if boxer is None:
        raise Conflict(
            "The requester no longer has a boxer profile, so they cannot join the club.",
            code="requester_without_profile",
        )
    boxer_set_club(boxer=boxer, club=request.club)
    account_services.notify(
        kind=NotificationKind.MEMBERSHIP_APPROVED,
        recipients=[request.user_id],
        actor=reviewer,
        data=_membership_data(request),
    )
    return request


@transaction.atomic
def membership_request_reject(
    *, request: MembershipRequest, reviewer: User | None, notes: str = ""
) -> MembershipRequest:
    """Reject a pending request with optional notes (409 if not pending)."""
    request = _transition(
        request, MembershipStatus.REJECTED, reviewed_by=reviewer, reviewed_at=timezone.now(), notes=notes
    )
    account_services.notify(
        kind=NotificationKind.MEMBERSHIP_REJECTED,
        recipients=[request.user_id],
        actor=reviewer,
        data={**_membership_data(request), "notes": notes},
    )
    return request


@transaction.atomic
def membership_request_cancel(*, request: MembershipRequest) -> MembershipRequest:
    """The requester withdraws a pending request (409 if not pending)."""
    return _transition(request, MembershipStatus.CANCELLED)


@transaction.atomic
def club_boxer_account_create(
    *, club: Club, email: str, name: str, **boxer_fields: Any
) -> tuple[User, Boxer]:
    """A club owner creates a boxer user and profile in `club`; the user sets its own password.

    No password is chosen here: the user gets a set-password email (the reset-token flow),
    sent on commit. A taken email is a 400 on `email` (accounts.services.user_create).
    """
    user = account_services.user_create(email=email, name=name, role=Role.BOXER)
    boxer = boxer_create(user=user, name=name, **boxer_fields)
    boxer_set_club(boxer=boxer, club=club)
    account_services.send_set_password_email(user=user)
    return user, boxer
