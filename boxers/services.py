"""Writes to boxer profiles, fights and coach links.

Cached permission facts and read models learn of every write through the cache's write
watcher (boxerconnect/cache/watch.py): a service only has to say so when it writes without
model signals (`rows_changed`).
"""

from collections.abc import Iterable
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Count, Q

from accounts.models import NotificationKind
from boxerconnect.api.errors import Conflict
from boxerconnect.cache.watch import rows_changed
from boxers.models import Boxer, CoachLink, CoachLinkStatus, CoachRight, Fight, FightResult

# Profile fields a caller may write through boxer_update (club, records and is_active have
# their own services; is_verified is here but the view lets only admins send it).
BOXER_WRITABLE = frozenset(
    {
        "name",
        "weight_kg",
        "height_cm",
        "date_of_birth",
        "gender",
        "city",
        "country",
        "experience_level",
        "bio",
        "is_searchable",
        "is_verified",
    }
)
FIGHT_WRITABLE = frozenset({"opponent_name", "date", "venue", "result", "method", "round", "notes"})


@transaction.atomic
def boxer_create(*, user, name: str, **fields) -> Boxer:
    """Create `user`'s boxer profile. One per user: a second raises Conflict (409)."""
    if Boxer.objects.filter(user_id=user.pk).exists():
        raise Conflict("This user already has a boxer profile.", code="profile_exists")
    boxer = Boxer(user=user, name=name, **fields)
    boxer.full_clean(exclude=["user", "club"])
    try:
        with transaction.atomic():
            boxer.save()
    except IntegrityError:  # a concurrent create won the race
        raise Conflict("This user already has a boxer profile.", code="profile_exists") from None
    return boxer


@transaction.atomic
def boxer_set_club(*, boxer: Boxer, club) -> Boxer:
    """Move a boxer into `club` (None: leave). Only the membership flow and club tools call it."""
    boxer.club = club
    boxer.save(update_fields=["club", "updated_at"])
    return boxer


@transaction.atomic
def boxer_update(*, boxer: Boxer, data: dict[str, Any]) -> Boxer:
    """Write the given profile fields (validated by the caller); omitted fields never change."""
    unknown = set(data) - BOXER_WRITABLE
    if unknown:
        raise ValueError(f"not writable through boxer_update: {sorted(unknown)}")
    for field, value in data.items():
        setattr(boxer, field, value)
    boxer.full_clean(exclude=["user", "club"])
    boxer.save(update_fields=[*data, "updated_at"])
    return boxer


@transaction.atomic
def boxer_verify(*, boxer: Boxer, verified: bool = True) -> Boxer:
    """Mark a profile verified (or not). Callers check boxer.verify (admins only)."""
    return boxer_update(boxer=boxer, data={"is_verified": verified})


@transaction.atomic
def boxer_delete(*, boxer: Boxer) -> Boxer:
    """Soft delete: the profile stays (data kept) but only its owner and admins see it."""
    boxer.is_active = False
    boxer.save(update_fields=["is_active", "updated_at"])
    return boxer


@transaction.atomic
def boxer_leave_club(*, boxer: Boxer) -> Boxer:
    """The boxer leaves its club (no-op without one)."""
    if boxer.club_id is None:
        return boxer
    return boxer_set_club(boxer=boxer, club=None)


@transaction.atomic
def boxer_recompute_record(*, boxer: Boxer) -> Boxer:
    """Set wins/losses/draws from the boxer's fights (one aggregate; no_contest counts for none).

    Locks the profile row so concurrent fight writes serialise their recomputations.
    """
    Boxer.objects.select_for_update().filter(pk=boxer.pk).values_list("pk", flat=True).first()
    record = Fight.objects.filter(boxer_id=boxer.pk).aggregate(
        wins=Count("pk", filter=Q(result=FightResult.WIN)),
        losses=Count("pk", filter=Q(result=FightResult.LOSS)),
        draws=Count("pk", filter=Q(result=FightResult.DRAW)),
    )
    Boxer.objects.filter(pk=boxer.pk).update(**record)
    rows_changed.send(sender=Boxer, rows=[boxer], fields=list(record))  # update() sends no signal
    boxer.wins, boxer.losses, boxer.draws = record["wins"], record["losses"], record["draws"]
    return boxer


@transaction.atomic
def fight_create(*, boxer: Boxer, created_by=None, **fields) -> Fight:
    """Record a fight (fields validated by the caller) and recompute the boxer's record."""
    unknown = set(fields) - FIGHT_WRITABLE
    if unknown:
        raise ValueError(f"not writable through fight_create: {sorted(unknown)}")
    fight = Fight(boxer=boxer, created_by=created_by, **fields)
    fight.full_clean(exclude=["boxer", "created_by"])
    fight.save()
    boxer_recompute_record(boxer=boxer)
    return fight


@transaction.atomic
def fight_update(*, fight: Fight, data: dict[str, Any]) -> Fight:
    """Change the given fight fields and recompute the boxer's record."""
    unknown = set(data) - FIGHT_WRITABLE
    if unknown:
        raise ValueError(f"not writable through fight_update: {sorted(unknown)}")
    for field, value in data.items():
        setattr(fight, field, value)
    fight.full_clean(exclude=["boxer", "created_by"])
    fight.save(update_fields=[*data, "updated_at"])
    boxer_recompute_record(boxer=fight.boxer)
    return fight


@transaction.atomic
def fight_delete(*, fight: Fight) -> None:
    """Delete a fight and recompute the boxer's record."""
    boxer = fight.boxer
    fight.delete()
    boxer_recompute_record(boxer=boxer)


def _clean_rights(rights: Iterable[str]) -> list[str]:
    values = sorted(set(rights))
    invalid = [r for r in values if r not in CoachRight.values]
    if invalid:
        raise ValueError(f"unknown coach rights: {invalid}")
    return values


@transaction.atomic
def coach_link_request(*, coach, boxer: Boxer, rights: Iterable[str]) -> CoachLink:
    """A coach asks to act for `boxer` with `rights`: a pending link. 409 if one exists."""
    if CoachLink.objects.filter(coach_id=coach.pk, boxer_id=boxer.pk).exists():
        raise Conflict("A link between this coach and boxer already exists.", code="link_exists")
    link = CoachLink(coach=coach, boxer=boxer, status=CoachLinkStatus.PENDING, rights=_clean_rights(rights))
    try:
        with transaction.atomic():
            link.save()
    except IntegrityError:
        raise Conflict("A link between this coach and boxer already exists.", code="link_exists") from None
    _notify_link(NotificationKind.COACH_LINK_REQUESTED, link, recipient=boxer.user_id, actor=coach)
    return link


def _notify_link(kind: str, link: CoachLink, *, recipient: Any, actor: Any) -> None:
    from accounts.services.notifications import notify  # accounts' services create profiles

    data = {
        "coach_link_id": str(link.pk),
        "coach_id": str(link.coach_id),
        "coach_name": link.coach.name,
        "boxer_id": str(link.boxer_id),
        "boxer_name": link.boxer.name,
        "rights": list(link.rights),
    }
    notify(kind=kind, recipients=[recipient], actor=actor, data=data)


@transaction.atomic
def coach_link_accept(
    *, link: CoachLink, rights: Iterable[str] | None = None, actor: Any = None
) -> CoachLink:
    """Activate a pending link, optionally with fewer rights than requested (never more); the
    coach is notified (`actor`: who accepted).

    Raises Conflict if the link is not pending and ValueError if `rights` widens the request.
    """
    link = CoachLink.objects.select_for_update().select_related("coach", "boxer").get(pk=link.pk)
    if link.status != CoachLinkStatus.PENDING:
        raise Conflict("Only a pending link can be accepted.", code="link_not_pending")
    if rights is not None:
        granted = _clean_rights(rights)
        wider = set(granted) - set(link.rights)
        if wider:
            raise ValueError(f"rights not requested by the coach: {sorted(wider)}")
        link.rights = granted
    link.status = CoachLinkStatus.ACTIVE
    link.save(update_fields=["status", "rights", "updated_at"])
    _notify_link(NotificationKind.COACH_LINK_ACCEPTED, link, recipient=link.coach_id, actor=actor)
    return link


@transaction.atomic
def coach_link_decline(*, link: CoachLink, actor: Any = None) -> None:
    """Refuse a pending link: it is removed, the coach notified. Conflict if the link is active."""
    locked = CoachLink.objects.select_for_update().select_related("coach", "boxer").filter(pk=link.pk).first()
    if locked is None:
        return
    if locked.status != CoachLinkStatus.PENDING:
        raise Conflict("Only a pending link can be declined; remove an active one.", code="link_not_pending")
    _notify_link(NotificationKind.COACH_LINK_DECLINED, locked, recipient=locked.coach_id, actor=actor)
    locked.delete()


@transaction.atomic
def coach_link_set_rights(*, link: CoachLink, rights: Iterable[str]) -> CoachLink:
    """Replace the link's rights (on an active link they apply from the next request)."""
    link.rights = _clean_rights(rights)
    link.save(update_fields=["rights", "updated_at"])
    return link


@transaction.atomic
def coach_link_remove(*, link: CoachLink) -> None:
    """Delete the link; the coach's rights end on the next request."""
    CoachLink.objects.filter(pk=link.pk).delete()
