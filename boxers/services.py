"""Writes to boxer profiles, fights and coach links. Every fact change is invalidated here."""

from django.db import transaction

from boxers.models import Boxer
from permissions.cache import invalidate


@transaction.atomic
def boxer_create(*, user, name: str, **fields) -> Boxer:
    """Create `user`'s boxer profile (one per user; the caller checks for an existing one)."""
    boxer = Boxer(user=user, name=name, **fields)
    boxer.full_clean(exclude=["user", "club"])
    boxer.save()
    invalidate(users=[user.pk], boxers=[boxer.pk])
    return boxer


@transaction.atomic
def boxer_set_club(*, boxer: Boxer, club) -> Boxer:
    """Move a boxer into `club` (None: leave). Only the membership flow and club tools call it."""
    boxer.club = club
    boxer.save(update_fields=["club", "updated_at"])
    invalidate(users=[boxer.user_id], boxers=[boxer.pk])
    return boxer
