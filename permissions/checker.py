"""The checker: decisions for one actor, with facts from a per-request FactStore.

Callable from views (`authorizer_for(request)`), services and commands
(`Authorizer(actor_id)`). Every decision for a boxer or club resource needs at most the
actor's user fact, the resource's fact and (for boxers) the actor's link to it: all fetched
in one cache round trip, then memoised for the rest of the request.
"""

from uuid import UUID

from permissions.actions import RESOURCE_OF, Action
from permissions.cache import FactRef, FactStore
from permissions.facts import CoachLinkObject, MembershipObject, UserFact
from permissions.rules import (
    Decision,
    decide_boxer,
    decide_club,
    decide_coach_link,
    decide_global,
    decide_membership,
)


def refs_for(actor_id: UUID | str | None, action: Action, resource_id: UUID | str | None) -> list[FactRef]:
    """Every fact a decision on (action, resource) may read, for one batched lookup."""
    refs = [] if actor_id is None else [FactRef.user(actor_id)]
    kind = RESOURCE_OF[action]
    if resource_id is None:
        return refs
    if kind == "boxer":
        refs.append(FactRef.boxer(resource_id))
        if actor_id is not None:
            refs.append(FactRef.link(actor_id, resource_id))
    elif kind == "club":
        refs.append(FactRef.club(resource_id))
    return refs


class Authorizer:
    """Answers "may this actor do this?"; anonymous when `actor_id` is None."""

    def __init__(self, actor_id: UUID | str | None, store: FactStore | None = None) -> None:
        self.actor_id = None if actor_id is None else str(actor_id)
        self.store = store if store is not None else FactStore()

    @property
    def actor(self) -> UserFact | None:
        if self.actor_id is None:
            return None
        return self.store.get(FactRef.user(self.actor_id))

    def prefetch(self, action: Action, resource_ids: list[UUID | str]) -> None:
        """Load the facts for `action` on many resources in one round trip."""
        refs: list[FactRef] = []
        for resource_id in resource_ids:
            refs += refs_for(self.actor_id, action, resource_id)
        if not resource_ids:
            refs = refs_for(self.actor_id, action, None)
        self.store.get_many(refs)

    def check(
        self,
        action: Action,
        resource_id: UUID | str | None = None,
        *,
        obj: CoachLinkObject | MembershipObject | None = None,
    ) -> Decision:
        """Decide `action`; boxer/club actions take `resource_id`, link/membership `obj`."""
        if type(action) is not Action:
            action = Action(action)
        kind = RESOURCE_OF[action]
        if kind is None:
            self.prefetch(action, [])
            return decide_global(self.actor, action)
        if kind in ("coach_link", "membership"):
            if obj is None:
                raise ValueError(f"{action} needs the loaded object")
            self.prefetch(action, [])
            if kind == "coach_link":
                assert isinstance(obj, CoachLinkObject)
                return decide_coach_link(self.actor, action, obj)
            assert isinstance(obj, MembershipObject)
            return decide_membership(self.actor, action, obj)
        if resource_id is None:
            raise ValueError(f"{action} needs a {kind} id")
        refs = refs_for(self.actor_id, action, resource_id)  # [user,] resource[, link]
        facts = self.store.get_many(refs)
        actor = facts[refs[0]] if self.actor_id else None
        resource = facts[refs[1 if self.actor_id else 0]]
        if kind == "boxer":
            link = facts[refs[2]] if self.actor_id else None
            return decide_boxer(actor, action, resource, link)
        return decide_club(actor, action, resource)


def authorizer_for(request) -> Authorizer:
    """The request's Authorizer (one per request; its FactStore is the request memo)."""
    http_request = getattr(request, "_request", request)
    user = getattr(request, "user", None)
    actor_id = user.pk if user is not None and user.is_authenticated else None
    current = getattr(http_request, "_bc_authorizer", None)
    if current is None or current.actor_id != (None if actor_id is None else str(actor_id)):
        current = Authorizer(actor_id, store_for(http_request))
        http_request._bc_authorizer = current
    return current


def store_for(request) -> FactStore:
    """The request's fact memo (shared by authentication and authorization)."""
    http_request = getattr(request, "_request", request)
    store = getattr(http_request, "_bc_facts", None)
    if store is None:
        store = http_request._bc_facts = FactStore()
    return store
