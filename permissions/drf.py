"""DRF integration: views declare the action they need; one permission class enforces it.

A view sets `required_action` (or `required_actions`, a dict by HTTP method) and, for
boxer/club actions, `resource_kwarg` (the URL kwarg holding the resource id, default "pk").
Link and membership actions are checked on the loaded object: the view's
`permission_object(obj)` returns a CoachLinkObject or MembershipObject.
Invisible → 404 (the object's existence is not revealed); visible but not allowed → 403.
"""

from rest_framework.exceptions import NotFound
from rest_framework.permissions import BasePermission

from permissions.actions import RESOURCE_OF, Action
from permissions.checker import authorizer_for, refs_for
from permissions.denials import denial


def required_action(view, request) -> Action | None:
    actions = getattr(view, "required_actions", None)
    if actions is not None:
        return actions.get(request.method) or (
            actions.get("GET") if request.method in ("HEAD", "OPTIONS") else None
        )
    return getattr(view, "required_action", None)


def resource_id_of(view, action: Action):
    if RESOURCE_OF[action] not in ("boxer", "club"):
        return None
    return view.kwargs.get(getattr(view, "resource_kwarg", "pk"))


def view_refs(request, view, actor_id):
    """Facts the view's permission check will need: prefetched with the user fact.

    A view whose resource is not in its URL may define `permission_refs(request, actor_id)`.
    """
    custom = getattr(view, "permission_refs", None)
    if custom is not None:
        return custom(request, actor_id)
    action = required_action(view, request)
    if action is None:
        return []
    return refs_for(actor_id, action, resource_id_of(view, action))


def view_read_keys(request, view) -> list[str]:
    """Read-model keys (permissions/readcache.py) the view will look up: read along with the
    facts, so a warm request is one round trip. A view opts in with `read_model_keys(request)`.
    """
    keys = getattr(view, "read_model_keys", None)
    return [] if keys is None else keys(request)


class ActionPermission(BasePermission):
    """Allows the request when the permissions checker allows the view's declared action."""

    message = "You do not have permission to perform this action."
    code = "permission_denied"

    def has_permission(self, request, view) -> bool:
        action = required_action(view, request)
        if action is None:
            return False  # an undeclared method is closed, not open
        kind = RESOURCE_OF[action]
        if kind in ("coach_link", "membership"):
            return True  # decided on the object in has_object_permission
        decision = authorizer_for(request).check(action, resource_id_of(view, action))
        return self._enforce(decision, request, action)

    def has_object_permission(self, request, view, obj) -> bool:
        action = required_action(view, request)
        if action is None or RESOURCE_OF[action] not in ("coach_link", "membership"):
            return True
        decision = authorizer_for(request).check(action, obj=view.permission_object(obj))
        return self._enforce(decision, request, action)

    def _enforce(self, decision, request, action) -> bool:
        if not decision.visible:
            raise NotFound()
        if not decision.allowed:
            # DRF answers 403 with these (401 instead for an anonymous caller).
            self.message, self.code = denial(decision, action, authorizer_for(request).actor)
        return decision.allowed
