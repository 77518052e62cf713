"""Notifications: created in the same transaction as the change they tell of, and mailed
(after commit) to each active recipient who wants mail.

Callers name the recipients; `notify` leaves out the actor (nobody is told of their own
action), duplicates and inactive users. What each event notifies, and to whom, is in
docs/sparring.md ("Notifications").
"""

from collections.abc import Iterable
from typing import Any
from uuid import UUID

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from accounts.models import Notification, NotificationKind, User
from accounts.services import mail

# What the mail of each kind says (its subject; the body adds the details from `data`).
SUBJECTS = {
    NotificationKind.SPARRING_REQUESTED: "Sparring request: {from_boxer_name} asks {to_boxer_name}",
    NotificationKind.SPARRING_ACCEPTED: "{to_boxer_name} accepted sparring with {from_boxer_name}",
    NotificationKind.SPARRING_DECLINED: "{to_boxer_name} declined sparring with {from_boxer_name}",
    NotificationKind.SPARRING_CANCELLED: "Sparring of {from_boxer_name} with {to_boxer_name} was cancelled",
    NotificationKind.SPARRING_EXPIRED: "Sparring request of {from_boxer_name} to {to_boxer_name} expired",
    NotificationKind.MEMBERSHIP_REQUESTED: "{user_name} asks to join {club_name}",
    NotificationKind.MEMBERSHIP_APPROVED: "Welcome to {club_name}",
    NotificationKind.MEMBERSHIP_REJECTED: "Your request to join {club_name} was declined",
    NotificationKind.COACH_LINK_REQUESTED: "{coach_name} asks to coach {boxer_name}",
    NotificationKind.COACH_LINK_ACCEPTED: "{boxer_name} accepted you as coach",
    NotificationKind.COACH_LINK_DECLINED: "{boxer_name} declined your coaching request",
    NotificationKind.COACH_INVITED: "{club_name} invites you to coach",
}


class _Missing(dict[str, Any]):
    def __missing__(self, key: str) -> str:
        return "someone"


def subject_of(kind: str, data: dict[str, Any]) -> str:
    return SUBJECTS[NotificationKind(kind)].format_map(_Missing(data))


@transaction.atomic
def notify(
    *, kind: str, recipients: Iterable[UUID | str | None], actor: User | None, data: dict[str, Any]
) -> list[Notification]:
    """Create one notification per recipient (the actor, duplicates and inactive users left
    out) and queue one mail each for those whose `email_notifications` is on."""
    actor_id = None if actor is None else str(actor.pk)
    ids = {str(r) for r in recipients if r is not None} - {actor_id}
    if not ids:
        return []
    users = list(
        User.objects.filter(pk__in=ids, is_active=True).only("id", "email", "name", "email_notifications")
    )
    created = Notification.objects.bulk_create(
        [Notification(recipient=user, kind=kind, actor_id=actor_id, data=data) for user in users]
    )
    subject = subject_of(kind, data)
    for user in users:
        if user.email_notifications:
            mail.send_on_commit(
                to=user.email,
                template="notification",
                context={
                    "name": user.name,
                    "subject": subject,
                    "actor": None if actor is None else actor.name,
                    "data": data,
                    "link": f"{settings.FRONTEND_URL}/notifications",
                },
            )
    return created


def notification_mark_read(*, notification: Notification) -> Notification:
    """Mark one notification read (idempotent: the first read time stays)."""
    if notification.read_at is None:
        notification.read_at = timezone.now()
        Notification.objects.filter(pk=notification.pk, read_at__isnull=True).update(
            read_at=notification.read_at
        )
    return notification


def notifications_mark_all_read(*, user_id: UUID | str) -> int:
    """Mark every unread notification of the user read; returns how many."""
    unread = Notification.objects.filter(recipient_id=UUID(str(user_id)), read_at__isnull=True)
    return unread.update(read_at=timezone.now())
