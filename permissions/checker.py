"""The checker: decisions for one actor, with facts from a per-request FactStore.

Callable from views (`authorizer_for(request)`), services and commands
(`Authorizer(actor_id)`). Every decision for a boxer or club resource needs at most the
actor's user fact, the resource's fact and (for boxers) the actor's link to it: all fetched
in one cache round trip, then memoised for the rest of the request.

`prime(request, view)` is the one place that works out which facts and read-model keys a
request needs (from what the view declares) and reads them all in that one round trip; the
authentication class, the permission class and the view then reuse what it read.
"""

from typing import Any
from uuid import UUID

from django.utils import timezone
from rest_framework import exceptions

from boxerconnect.api.errors import BadRequest
from boxerconnect.throttling import planned_counters
from permissions import denials
from permissions.actions import RESOURCE_OF, Action
from permissions.facts import ClubCoachObject, CoachLinkObject, MembershipObject, SparringObject, UserFact
from permissions.rules import (
    NOT_ACCEPTING_MEMBERS,
    Decision,
    acts_for,
    decide_boxer,
    decide_boxer_sparring,
    decide_club,
    decide_club_coach,
    decide_coach_link,
    decide_global,
    decide_membership,
    decide_sparring,
    role_may,
)
from permissions.store import FactRef, FactStore

# Boxer actions decided by the "acts for" rules (permissions.rules.decide_boxer_sparring).
BOXER_SPARRING_ACTIONS = frozenset(
    {Action.AVAILABILITY_VIEW, Action.AVAILABILITY_MANAGE, Action.SPARRING_REQUEST}
)
# Objects a view loads and passes to `check` for actions not checked on a boxer or club id.
LoadedObject = CoachLinkObject | MembershipObject | SparringObject | ClubCoachObject


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


def sparring_refs(actor_id: UUID | str | None, request: SparringObject) -> list[FactRef]:
    """The facts a decision on a sparring request reads: both sides and the actor's links."""
    refs = [] if actor_id is None else [FactRef.user(actor_id)]
    for boxer_id in (request.from_boxer_id, request.to_boxer_id):
        refs.append(FactRef.boxer(boxer_id))
        if actor_id is not None:
            refs.append(FactRef.link(actor_id, boxer_id))
    return refs


# Refusals the API answers with a 400 (a state of the resource, not the caller's rights).
_INVALID_STATES = {NOT_ACCEPTING_MEMBERS: "This club is not accepting new members at the moment."}


class Authorizer:
    """Answers "may this actor do this?"; anonymous when `actor_id` is None."""

    def __init__(self, actor_id: UUID | str | None, store: FactStore | None = None) -> None:
        self.actor_id = None if actor_id is None else str(actor_id)
        self.store = store if store is not None else FactStore()

    @property
    def actor(self) -> UserFact | None:
        if self.actor_id is None:
            return None
        fact: UserFact | None = self.store.get(FactRef.user(self.actor_id))
        return fact

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
        action: Action | str,
        resource_id: UUID | str | None = None,
        *,
        obj: LoadedObject | None = None,
    ) -> Decision:
        """Decide `action`; boxer/club actions take `resource_id`, link, membership,
        sparring-request and club-coach actions the loaded `obj`."""
        if type(action) is not Action:
            action = Action(action)
        kind = RESOURCE_OF[action]
        if kind is None:
            self.prefetch(action, [])
            return decide_global(self.actor, action)
        if kind == "sparring_request":
            if not isinstance(obj, SparringObject):
                raise ValueError(f"{action} needs the loaded request")
            return self._decide_sparring(action, obj)
        if kind in ("coach_link", "membership", "club_coach"):
            if obj is None:
                raise ValueError(f"{action} needs the loaded object")
            self.prefetch(action, [])
            if kind == "coach_link":
                assert isinstance(obj, CoachLinkObject)
                return decide_coach_link(self.actor, action, obj)
            if kind == "club_coach":
                assert isinstance(obj, ClubCoachObject)
                return decide_club_coach(self.actor, action, obj)
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
            if action in BOXER_SPARRING_ACTIONS:
                return decide_boxer_sparring(actor, action, resource, link, timezone.localdate())
            return decide_boxer(actor, action, resource, link)
        return decide_club(actor, action, resource)

    def _decide_sparring(self, action: Action, request: SparringObject) -> Decision:
        facts = self.store.get_many(sparring_refs(self.actor_id, request))
        actor = self.actor
        today = timezone.localdate()
        sides = []
        for boxer_id in (request.from_boxer_id, request.to_boxer_id):
            boxer = facts[FactRef.boxer(boxer_id)]
            link = facts[FactRef.link(self.actor_id, boxer_id)] if self.actor_id else None
            sides.append(acts_for(actor, boxer, link, today))
        return decide_sparring(actor, action, (sides[0], sides[1]))

    def require(
        self,
        action: Action | str,
        resource_id: UUID | str | None = None,
        *,
        obj: LoadedObject | None = None,
        detail: str | None = None,
    ) -> Decision:
        """`check`, raising what the API answers for a refusal: 404 for what the actor may
        not see, 400 for a refusal that is a state of the resource (a club not accepting
        members), 403 otherwise (with `detail`, or the rule's reason)."""
        decision = self.check(action, resource_id, obj=obj)
        if decision.allowed:
            return decision
        if not decision.visible:
            raise exceptions.NotFound()
        state = _INVALID_STATES.get(decision.code)
        if state is not None:
            raise BadRequest(state, code=decision.code)
        sentence, code = denials.denial(decision, Action(action), self.actor)
        raise exceptions.PermissionDenied(detail or sentence, code=code)

    def require_role(self, action: Action, detail: str | None = None) -> None:
        """403 unless the actor's role may ever attempt `action` (before any object is read)."""
        if not role_may(self.actor, action):
            sentence, code = denials.role_denial(action, self.actor)
            raise exceptions.PermissionDenied(detail or sentence, code=code)

    def require_fields(self, action_of: dict[str, Action], data: Any, resource_id: UUID | str) -> None:
        """403 (`admin_only`) when `data` writes a field whose declared action the actor may not
        do on the resource (e.g. `is_verified` of a boxer). The field actions are admin-only."""
        if not isinstance(data, dict):
            return
        refused = sorted(
            field
            for field, action in action_of.items()
            if field in data and not self.check(action, resource_id)
        )
        if refused:
            raise exceptions.PermissionDenied(*denials.admin_only(" and ".join(refused)))


def authorizer_for(request: Any) -> Authorizer:
    """The request's Authorizer (one per request; its FactStore is the request memo)."""
    http_request = getattr(request, "_request", request)
    user = getattr(request, "user", None)
    actor_id = user.pk if user is not None and user.is_authenticated else None
    current: Authorizer | None = getattr(http_request, "_bc_authorizer", None)
    if current is None or current.actor_id != (None if actor_id is None else str(actor_id)):
        current = Authorizer(actor_id, store_for(http_request))
        http_request._bc_authorizer = current
    return current


def store_for(request: Any) -> FactStore:
    """The request's fact memo (shared by authentication, authorization and read models)."""
    http_request = getattr(request, "_request", request)
    store: FactStore | None = getattr(http_request, "_bc_facts", None)
    if store is None:
        store = http_request._bc_facts = FactStore()
    return store


# --- What a view declares, and the one read that serves it -----------------------------------


def required_action(view: Any, request: Any) -> Action | None:
    """The action a view declares for the request's method (`required_action(s)`)."""
    actions = getattr(view, "required_actions", None)
    if actions is not None:
        action: Action | None = actions.get(request.method) or (
            actions.get("GET") if request.method in ("HEAD", "OPTIONS") else None
        )
        return action
    declared: Action | None = getattr(view, "required_action", None)
    return declared


def resource_id_of(view: Any, action: Action) -> Any:
    """The boxer/club id a view's action is checked on (URL kwarg `resource_kwarg`, "pk")."""
    if RESOURCE_OF[action] not in ("boxer", "club"):
        return None
    return view.kwargs.get(getattr(view, "resource_kwarg", "pk"))


def _view_refs(request: Any, view: Any, actor_id: UUID | str | None) -> list[FactRef]:
    custom = getattr(view, "permission_refs", None)
    if custom is not None:
        refs: list[FactRef] = custom(request, actor_id)
        return refs
    action = required_action(view, request)
    if action is None:
        return []
    return refs_for(actor_id, action, resource_id_of(view, action))


def prime(request: Any, view: Any = None, actor_id: UUID | str | None = None) -> UserFact | None:
    """Read, in one round trip, every fact and read-model key this request will need; return
    the actor's user fact (None: anonymous, or a user that does not exist).

    Once per request: the authentication class primes with the token's user, the base view
    (boxerconnect/api) primes anonymous requests; later calls only return the actor's fact.
    What the view declares decides the rest: its action on its resource (or
    `permission_refs(request, actor_id)`), `read_model_keys(request)` (per-caller keys use
    `primed_actor_id(request)`: the token's user is known here, before `request.user` is),
    and its throttles' counters (counted in
    the same round trip: boxerconnect/throttling.py).
    """
    http_request = getattr(request, "_request", request)
    store = store_for(request)
    actor = FactRef.user(actor_id) if actor_id is not None else None
    if not getattr(http_request, "_bc_primed", False):
        http_request._bc_primed = True
        if view is None:
            view = (getattr(request, "parser_context", None) or {}).get("view")
        refs = [actor] if actor is not None else []
        http_request._bc_actor_id = None if actor_id is None else str(actor_id)
        if view is not None:
            refs += _view_refs(request, view, actor_id)
            read_model_keys = getattr(view, "read_model_keys", None)
            if read_model_keys is not None:
                store.read_along(read_model_keys(request))
            store.count_along(planned_counters(request, view, actor_id))
            http_request._bc_counted = store.counted
        store.get_many(refs)
    if actor is None:
        return None
    fact: UserFact | None = store.get(actor)
    return fact


def primed_actor_id(request: Any) -> str | None:
    """The id of the user `prime` read the request's facts for (its token's user; None:
    anonymous): what a per-caller read model is keyed on, before authentication is over."""
    http_request = getattr(request, "_request", request)
    actor_id: str | None = getattr(http_request, "_bc_actor_id", None)
    return actor_id
