"""Reads for accounts: user lookups, the admin user list and the admin stats."""

from django.db.models import Count, Q, QuerySet
from django.http import Http404

from accounts.models import Notification, Role, User
from boxers.models import Boxer
from clubs.models import Club, MembershipRequest, MembershipStatus


def user_get(*, user_id) -> User:
    """The full user row (request.user only carries the cached auth fields)."""
    return User.objects.get(pk=user_id)


def user_list(*, search: str = "") -> QuerySet[User]:
    """All users, newest last by email order; `search` matches name or email (icontains)."""
    qs = User.objects.all().order_by("email")
    if search:
        qs = qs.filter(Q(name__icontains=search) | Q(email__icontains=search))
    return qs


def admin_stats() -> dict:
    """Counts for the admin dashboard (boxers: profiles not soft-deleted)."""
    by_role = dict(User.objects.order_by().values_list("role").annotate(n=Count("id")))
    boxers = Boxer.objects.filter(is_active=True)
    return {
        "users": sum(by_role.values()),
        "users_by_role": {role: by_role.get(role, 0) for role in Role.values},
        "active_users": User.objects.filter(is_active=True).count(),
        "boxers": boxers.count(),
        "verified_boxers": boxers.filter(is_verified=True).count(),
        "clubs": Club.objects.count(),
        "published_clubs": Club.objects.filter(is_published=True).count(),
        "pending_membership_requests": MembershipRequest.objects.filter(
            status=MembershipStatus.PENDING
        ).count(),
    }


def notification_list(*, user_id, unread_only: bool = False) -> QuerySet[Notification]:
    """The user's notifications (scoped to their recipient), newest first, with their actor."""
    found = Notification.objects.filter(recipient_id=user_id).select_related("actor")
    if unread_only:
        found = found.filter(read_at__isnull=True)
    return found.order_by("-created_at", "-id")


def notification_unread_count(*, user_id) -> int:
    return Notification.objects.filter(recipient_id=user_id, read_at__isnull=True).count()


def notification_get(*, user_id, notification_id) -> Notification:
    """One notification of this user, or Http404 (also for anyone else's)."""
    found = Notification.objects.filter(pk=notification_id, recipient_id=user_id).first()
    if found is None:
        raise Http404
    return found
