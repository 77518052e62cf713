"""Reads of boxer profiles, fights and coach links (querysets shaped for the API)."""

from uuid import UUID

from django.db.models import Exists, OuterRef, QuerySet
from django.http import Http404

from boxers.models import Boxer, CoachLink, Fight
from permissions.facts import UserFact
from permissions.selectors import boxer_scope, coach_link_scope


def boxer_search_queryset() -> QuerySet[Boxer]:
    """The public directory (what anyone may view: searchable, active profiles of active
    users), with their club."""
    return Boxer.objects.filter(boxer_scope(None)).select_related("club")


def boxer_get(*, boxer_id: UUID | str) -> Boxer:
    """One profile (deleted or hidden too: the caller has checked visibility), or Http404."""
    boxer = Boxer.objects.select_related("club").filter(pk=boxer_id).first()
    if boxer is None:
        raise Http404
    return boxer


def boxer_of_user(*, user_id: UUID | str) -> Boxer | None:
    """The user's own profile (soft-deleted included), or None."""
    return Boxer.objects.select_related("club").filter(user_id=user_id).first()


def fight_list(*, boxer_id: UUID | str) -> QuerySet[Fight]:
    """A boxer's fights, newest first (date, then creation time; id breaks exact ties)."""
    return Fight.objects.filter(boxer_id=boxer_id).order_by("-date", "-created_at", "-id")


def fight_get(*, boxer_id: UUID | str, fight_id: UUID | str) -> Fight:
    """One fight of this boxer, or Http404 (also when the fight belongs to another boxer)."""
    fight = Fight.objects.filter(pk=fight_id, boxer_id=boxer_id).first()
    if fight is None:
        raise Http404
    return fight


def _with_boxer_visibility(links: QuerySet[CoachLink], actor: UserFact | None) -> QuerySet[CoachLink]:
    """Annotate `boxer_visible`: may `actor` view the link's profile (boxer_scope, the rule of
    boxer.view, in the same query)? A link names its boxer only to those who may."""
    viewable = Boxer.objects.filter(boxer_scope(actor), pk=OuterRef("boxer_id"))
    return links.annotate(boxer_visible=Exists(viewable))


def coach_link_list(*, actor: UserFact | None) -> QuerySet[CoachLink]:
    """Links the actor may see (coach_link_scope), newest first, with coach and boxer loaded
    and `boxer_visible` annotated."""
    links = CoachLink.objects.filter(coach_link_scope(actor)).select_related("coach", "boxer")
    return _with_boxer_visibility(links, actor).order_by("-created_at", "-id")


def coach_link_get(*, link_id: UUID | str, actor: UserFact | None) -> CoachLink:
    """One link with its coach and boxer and `boxer_visible` for `actor` (visibility of the
    link itself is checked by the caller), or Http404."""
    links = CoachLink.objects.select_related("coach", "boxer").filter(pk=link_id)
    link = _with_boxer_visibility(links, actor).first()
    if link is None:
        raise Http404
    return link
