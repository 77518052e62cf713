"""Writes of sparring: availability slots and sparring/bout requests with their state machine.

Every transition is one conditional UPDATE (`WHERE status = ...`): of two concurrent accepts
exactly one wins, the other gets 409. Notifications are created in the same transaction as
the change (accounts.services.notify); their mails leave after commit. Callers (views,
admin, commands) have authorized the action (permissions: "acts for").
"""

import hashlib
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.models import Q
from django.utils import timezone
from rest_framework.exceptions import ValidationError

from accounts.models import NotificationKind, User
from accounts.services.notifications import notify
from boxerconnect.api.errors import BadRequest, Conflict
from boxers.models import Availability, Boxer, SparringKind, SparringRequest, SparringStatus
from boxers.sparring.selectors import acting_user_ids, compatibility, within_years
from clubs.models import Club

MAX_SESSION = timedelta(hours=8)
MAX_AHEAD = timedelta(days=180)


def _check_times(start: datetime, end: datetime, *, start_field: str, end_field: str) -> None:
    """A session or slot: ends after it starts, lasts at most 8 h, starts in the future and
    at most 180 days ahead."""
    now = timezone.now()
    if end <= start:
        raise ValidationError({end_field: ["Must be after the start."]})
    if end - start > MAX_SESSION:
        raise ValidationError({end_field: ["A session lasts at most 8 hours."]})
    if start <= now:
        raise ValidationError({start_field: ["Must be in the future."]})
    if start > now + MAX_AHEAD:
        raise ValidationError({start_field: ["Must be at most 180 days ahead."]})


# --- Availability -------------------------------------------------------------------------------


def _overlapping(boxer_id: UUID, start: datetime, end: datetime, exclude: UUID | None = None) -> bool:
    slots = Availability.objects.filter(boxer_id=boxer_id, starts_at__lt=end, ends_at__gt=start)
    if exclude is not None:
        slots = slots.exclude(pk=exclude)
    return slots.exists()


def _overlap_conflict() -> Conflict:
    return Conflict("This slot overlaps another slot of the boxer.", code="availability_overlap")


def _save_slot(slot: Availability) -> Availability:
    _check_times(slot.starts_at, slot.ends_at, start_field="starts_at", end_field="ends_at")
    # Serialise the boxer's slot writes (the row lock), then check: the exclusion constraint
    # (PostgreSQL) catches anything that still slips through.
    Boxer.objects.select_for_update().filter(pk=slot.boxer_id).values_list("pk", flat=True).first()
    if _overlapping(slot.boxer_id, slot.starts_at, slot.ends_at, exclude=slot.pk):
        raise _overlap_conflict()
    try:
        with transaction.atomic():
            slot.save()
    except IntegrityError:
        raise _overlap_conflict() from None
    return slot


@transaction.atomic
def availability_create(
    *, boxer: Boxer, starts_at: datetime, ends_at: datetime, club: Club | None = None, note: str = ""
) -> Availability:
    """A new slot of `boxer` (400 for a bad window, 409 if it overlaps another of its slots)."""
    return _save_slot(Availability(boxer=boxer, starts_at=starts_at, ends_at=ends_at, club=club, note=note))


@transaction.atomic
def availability_update(*, slot: Availability, data: dict[str, Any]) -> Availability:
    """Change the given fields of a slot (same rules as creating one)."""
    unknown = set(data) - {"starts_at", "ends_at", "club", "note"}
    if unknown:
        raise ValueError(f"not writable through availability_update: {sorted(unknown)}")
    for field, value in data.items():
        setattr(slot, field, value)
    return _save_slot(slot)


@transaction.atomic
def availability_delete(*, slot: Availability) -> None:
    Availability.objects.filter(pk=slot.pk).delete()


# --- Requests -----------------------------------------------------------------------------------


def _lock_pair(a: UUID, b: UUID) -> None:
    """Serialise the writes that decide whether a pair has an open request (PostgreSQL)."""
    if connection.vendor != "postgresql":
        return  # SQLite runs one write transaction at a time
    low, high = sorted((str(a), str(b)))
    key = int.from_bytes(hashlib.sha256(f"sparring:{low}|{high}".encode()).digest()[:8], "big", signed=True)
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [key])


def _open_between(a: UUID, b: UUID, now: datetime) -> Q:
    pair = Q(from_boxer_id=a, to_boxer_id=b) | Q(from_boxer_id=b, to_boxer_id=a)
    pending = Q(status=SparringStatus.PENDING, expires_at__gt=now)
    accepted = Q(status=SparringStatus.ACCEPTED, proposed_end__gt=now)
    return pair & (pending | accepted)


def check_bout(from_boxer: Boxer, to_boxer: Boxer) -> None:
    """A bout is strict: same gender, weights within SPARRING_BOUT_MAX_WEIGHT_DIFF_KG, and
    for an under-18 an age gap of at most SPARRING_JUNIOR_MAX_AGE_GAP_YEARS (400 otherwise)."""
    fit = compatibility(from_boxer, to_boxer, timezone.localdate())
    problems = []
    if not from_boxer.gender or from_boxer.gender != to_boxer.gender:
        problems.append("a bout needs two boxers of the same gender")
    weight = fit["weight_diff_kg"]
    if weight is None or weight > settings.SPARRING_BOUT_MAX_WEIGHT_DIFF_KG:
        problems.append(f"a bout needs weights within {settings.SPARRING_BOUT_MAX_WEIGHT_DIFF_KG:g} kg")
    gap = settings.SPARRING_JUNIOR_MAX_AGE_GAP_YEARS
    dobs = (from_boxer.date_of_birth, to_boxer.date_of_birth)
    if fit["junior"] and (dobs[0] is None or dobs[1] is None or not within_years(dobs[0], dobs[1], gap)):
        problems.append(f"an under-18 may box someone at most {gap} years apart in age")
    if problems:
        raise BadRequest(f"Incompatible for a bout: {'; '.join(problems)}.", code="incompatible")


def _data(request: SparringRequest) -> dict[str, Any]:
    """What a notification about `request` carries (ids and names)."""
    return {
        "sparring_request_id": str(request.pk),
        "kind": request.kind,
        "from_boxer_id": str(request.from_boxer_id),
        "from_boxer_name": request.from_boxer.name,
        "to_boxer_id": str(request.to_boxer_id),
        "to_boxer_name": request.to_boxer.name,
        "proposed_start": request.proposed_start.isoformat(),
        "proposed_end": request.proposed_end.isoformat(),
    }


@transaction.atomic
def sparring_request_create(
    *,
    created_by: User,
    from_boxer: Boxer,
    to_boxer: Boxer,
    kind: str = SparringKind.SPARRING,
    proposed_start: datetime,
    proposed_end: datetime,
    venue_club: Club | None = None,
    message: str = "",
) -> SparringRequest:
    """`from_boxer`'s side proposes a session to `to_boxer`: a pending request, expiring at
    the earlier of its start and SPARRING_REQUEST_TTL_DAYS after creation. 400 for the same
    boxer twice, a bad time window or an incompatible bout; 409 while a pending request, or an
    accepted one not yet ended, exists between the two (either direction)."""
    if from_boxer.pk == to_boxer.pk:
        raise ValidationError({"to_boxer": ["A boxer cannot spar with itself."]})
    _check_times(proposed_start, proposed_end, start_field="proposed_start", end_field="proposed_end")
    if kind == SparringKind.BOUT:
        check_bout(from_boxer, to_boxer)
    now = timezone.now()
    _lock_pair(from_boxer.pk, to_boxer.pk)
    pair = Q(from_boxer_id=from_boxer.pk, to_boxer_id=to_boxer.pk) | Q(
        from_boxer_id=to_boxer.pk, to_boxer_id=from_boxer.pk
    )
    for stale in SparringRequest.objects.filter(pair, status=SparringStatus.PENDING, expires_at__lte=now):
        _mark_expired(stale, now)  # it reads as expired already; now the row says so too
    if SparringRequest.objects.filter(_open_between(from_boxer.pk, to_boxer.pk, now)).exists():
        raise Conflict("These boxers already have an open request between them.", code="open_request_exists")
    request = SparringRequest(
        kind=kind,
        from_boxer=from_boxer,
        to_boxer=to_boxer,
        proposed_start=proposed_start,
        proposed_end=proposed_end,
        venue_club=venue_club,
        message=message,
        created_by=created_by,
        expires_at=min(proposed_start, now + timedelta(days=settings.SPARRING_REQUEST_TTL_DAYS)),
    )
    try:
        with transaction.atomic():
            request.save()
    except IntegrityError:  # the one-pending-per-pair constraint (the lock makes this rare)
        raise Conflict(
            "These boxers already have an open request between them.", code="open_request_exists"
        ) from None
    notify(
        kind=NotificationKind.SPARRING_REQUESTED,
        recipients=acting_user_ids(to_boxer),
        actor=created_by,
        data={**_data(request), "message": message},
    )
    return request


def _reloaded(request: SparringRequest) -> SparringRequest:
    return SparringRequest.objects.select_related("from_boxer", "to_boxer").get(pk=request.pk)


def _mark_expired(request: SparringRequest, now: datetime) -> bool:
    """Pending past its expiry → expired (one conditional UPDATE); tells the requesting side."""
    expired = SparringRequest.objects.filter(
        pk=request.pk, status=SparringStatus.PENDING, expires_at__lte=now
    ).update(status=SparringStatus.EXPIRED, updated_at=now)
    if expired:
        request = _reloaded(request)
        notify(
            kind=NotificationKind.SPARRING_EXPIRED,
            recipients=acting_user_ids(request.from_boxer),
            actor=None,
            data=_data(request),
        )
    return bool(expired)


def _refused(request: SparringRequest, now: datetime) -> Conflict:
    """Why a transition found the request in another state. A pending request past its expiry
    is marked expired first, in a transaction of its own: it commits although the caller's
    answer is a 409."""
    with transaction.atomic():
        expired = _mark_expired(request, now)
    if expired or _reloaded(request).status == SparringStatus.EXPIRED:
        return Conflict("This request has expired.", code="request_expired")
    return Conflict("This request is no longer pending.", code="request_not_pending")


def _respond(request: SparringRequest, user: User, status: str, response_message: str) -> SparringRequest:
    now = timezone.now()
    with transaction.atomic():
        if status == SparringStatus.ACCEPTED:
            _lock_pair(request.from_boxer_id, request.to_boxer_id)
        won = SparringRequest.objects.filter(
            pk=request.pk, status=SparringStatus.PENDING, expires_at__gt=now
        ).update(status=status, responded_by=user, response_message=response_message, updated_at=now)
        if won:
            request = _reloaded(request)
            accepted = status == SparringStatus.ACCEPTED
            notify(
                kind=NotificationKind.SPARRING_ACCEPTED if accepted else NotificationKind.SPARRING_DECLINED,
                recipients=acting_user_ids(request.from_boxer),
                actor=user,
                data={**_data(request), "message": response_message},
            )
            return request
    raise _refused(request, now)


def sparring_request_accept(
    *, request: SparringRequest, user: User, response_message: str = ""
) -> SparringRequest:
    """The requested side accepts a pending request (409 when not pending; past its expiry it
    becomes expired and the answer is 409)."""
    return _respond(request, user, SparringStatus.ACCEPTED, response_message)


def sparring_request_decline(
    *, request: SparringRequest, user: User, response_message: str = ""
) -> SparringRequest:
    """The requested side declines a pending request (409 as for accept)."""
    return _respond(request, user, SparringStatus.DECLINED, response_message)


def sparring_request_cancel(*, request: SparringRequest, user: User) -> SparringRequest:
    """The requesting side cancels: while pending, or accepted and not yet started (409 otherwise)."""
    now = timezone.now()
    cancellable = Q(status=SparringStatus.PENDING, expires_at__gt=now) | Q(
        status=SparringStatus.ACCEPTED, proposed_start__gt=now
    )
    with transaction.atomic():
        if SparringRequest.objects.filter(cancellable, pk=request.pk).update(
            status=SparringStatus.CANCELLED, updated_at=now
        ):
            request = _reloaded(request)
            notify(
                kind=NotificationKind.SPARRING_CANCELLED,
                recipients=acting_user_ids(request.to_boxer),
                actor=user,
                data=_data(request),
            )
            return request
    with transaction.atomic():
        _mark_expired(request, now)  # an expired pending request says so (it was not cancellable)
    raise Conflict(
        "Only a pending request, or an accepted one not yet started, can be cancelled.",
        code="request_not_cancellable",
    )


@transaction.atomic
def sparring_request_complete(*, request: SparringRequest, user: User) -> SparringRequest:
    """Either side marks an accepted session completed once it has ended (409 otherwise)."""
    now = timezone.now()
    if not SparringRequest.objects.filter(
        pk=request.pk, status=SparringStatus.ACCEPTED, proposed_end__lte=now
    ).update(status=SparringStatus.COMPLETED, updated_at=now):
        raise Conflict(
            "Only an accepted session that has ended can be completed.", code="request_not_completable"
        )
    return _reloaded(request)


def sparring_requests_expire(*, limit: int = 1000) -> int:
    """Mark pending requests past their expiry expired, each in its own transaction with its
    notification (the periodic job; reads show them expired already). Returns how many."""
    now = timezone.now()
    due = SparringRequest.objects.filter(status=SparringStatus.PENDING, expires_at__lte=now).order_by(
        "expires_at"
    )
    count = 0
    for request in due.select_related("from_boxer", "to_boxer")[:limit]:
        with transaction.atomic():
            count += _mark_expired(request, now)
    return count
