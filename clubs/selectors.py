"""Reads of clubs, their members and membership requests (querysets for the API and admin)."""

from uuid import UUID

from django.db.models import Count, OuterRef, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.http import Http404

from boxers.models import Boxer
from clubs.models import Club, ClubCoach, ClubCoachStatus, MembershipRequest
from permissions.facts import UserFact
from permissions.selectors import boxer_scope, club_scope


def _with_counts(queryset: QuerySet[Club]) -> QuerySet[Club]:
    """Owner joined and member_count annotated: one query for a whole page. The count is a
    subquery per club of the page (on the boxers' club index), not a join grouped over every
    boxer: a page costs its clubs' members, whatever the number of boxers (issue 16)."""
    members = (
        Boxer.objects.filter(club_id=OuterRef("pk"), is_active=True)
        .order_by()
        .values("club_id")
        .annotate(n=Count("*"))
        .values("n")
    )
    return queryset.select_related("owner").annotate(member_count=Coalesce(Subquery(members), 0))


def club_list() -> QuerySet[Club]:
    """Published clubs (what anyone may view), ordered by name: the public directory."""
    return _with_counts(Club.objects.filter(club_scope(None))).order_by("name", "id")


def club_list_owned(*, user_id: UUID | str) -> QuerySet[Club]:
    """Clubs `user_id` owns, published or not."""
    return _with_counts(Club.objects.filter(owner_id=UUID(str(user_id)))).order_by("name", "id")


def club_get(*, club_id: UUID | str) -> Club:
    """One club with owner and member_count; raises Club.DoesNotExist."""
    return _with_counts(Club.objects.all()).get(pk=club_id)


def club_regions() -> list[str]:
    """Distinct non-empty regions of published clubs, sorted."""
    rows = (
        Club.objects.filter(is_published=True)
        .exclude(region="")
        .order_by("region")
        .values_list("region", flat=True)
        .distinct()
    )
    return list(rows)


def club_member_boxers(*, club_id: UUID | str, actor: UserFact | None) -> QuerySet[Boxer]:
    """Boxer profiles in the club that `actor` may view, by name: the list applies
    `boxer_scope`, the rule of boxer.view (hidden profiles only to those who may see them,
    soft-deleted ones only to their owner and admins)."""
    return Boxer.objects.filter(boxer_scope(actor), club_id=club_id).order_by("name", "id")


def club_coaches(*, club_id: UUID | str) -> QuerySet[ClubCoach]:
    """The club's coaches who accepted (invitations are no one's business yet) and whose
    accounts are active, head coaches first, with their users."""
    coaches = ClubCoach.objects.filter(
        club_id=club_id, status=ClubCoachStatus.ACTIVE, coach__is_active=True
    ).select_related("coach")
    return coaches.order_by("-is_head", "created_at")


def club_coach_get(*, club_id: UUID | str, coach_id: UUID | str) -> ClubCoach:
    """The (club, coach) row, an invitation or an active coach, with its club; Http404."""
    row = (
        ClubCoach.objects.select_related("club").filter(club_id=club_id, coach_id=UUID(str(coach_id))).first()
    )
    if row is None:
        raise Http404
    return row


def membership_request_list_for_club(*, club_id: UUID | str) -> QuerySet[MembershipRequest]:
    return (
        MembershipRequest.objects.filter(club_id=club_id)
        .select_related("club", "user", "user__boxer")
        .order_by("-created_at", "id")
    )


def membership_request_list_for_user(*, user_id: UUID | str) -> QuerySet[MembershipRequest]:
    return (
        MembershipRequest.objects.filter(user_id=user_id)
        .select_related("club", "user", "user__boxer")
        .order_by("-created_at", "id")
    )


def membership_request_all() -> QuerySet[MembershipRequest]:
    """Every request with what its serializer and permission object read (views scope by check)."""
    return MembershipRequest.objects.select_related("club", "user", "user__boxer")
