"""DRF integration: views declare the action they need; one permission class enforces it.

A view sets `required_action` (or `required_actions`, a dict by HTTP method) and, for
boxer/club actions, `resource_kwarg` (the URL kwarg holding the resource id, default "pk").
Link, membership, sparring-request and club-coach actions are checked on the loaded
object: the view's `permission_object(obj)` returns a CoachLinkObject, MembershipObject,
SparringObject or ClubCoachObject. A view may declare field-level actions (`field_actions =
{"is_verified": Action.BOXER_VERIFY}`): a write that sends such a field also needs that
action on the resource.
Anonymous callers whose role may never attempt the action → 401 (DRF answers it, with
`WWW-Authenticate`), decided before any object is looked up: a hidden object and a missing
one look the same to them. Invisible → 404 (the object's existence is not revealed);
visible but not allowed → 403.
"""

from typing import Any

from rest_framework.exceptions import NotFound
from rest_framework.permissions import SAFE_METHODS, BasePermission

from permissions.actions import RESOURCE_OF, Action
from permissions.checker import authorizer_for, required_action, resource_id_of
from permissions.denials import denial
from permissions.rules import Decision, role_may

OBJECT_KINDS = ("coach_link", "membership", "sparring_request", "club_coach")


class ActionPermission(BasePermission):
    """Allows the request when the permissions checker allows the view's declared action."""

    message = "You do not have permission to perform this action."
    code = "permission_denied"

    def has_permission(self, request: Any, view: Any) -> bool:
        action = required_action(view, request)
        if action is None:
            return False  # an undeclared method is closed, not open
        authorizer = authorizer_for(request)
        if authorizer.actor_id is None and not role_may(None, action):
            return False  # anonymous: DRF answers 401 before any object is read
        if RESOURCE_OF[action] in OBJECT_KINDS:
            return True  # decided on the object in has_object_permission
        resource_id = resource_id_of(view, action)
        if not self._enforce(authorizer.check(action, resource_id), request, action):
            return False
        field_actions = getattr(view, "field_actions", None)
        if field_actions and request.method not in SAFE_METHODS:
            authorizer.require_fields(field_actions, request.data, resource_id)
        return True

    def has_object_permission(self, request: Any, view: Any, obj: Any) -> bool:
        action = required_action(view, request)
        if action is None or RESOURCE_OF[action] not in OBJECT_KINDS:
            return True
        decision = authorizer_for(request).check(action, obj=view.permission_object(obj))
        return self._enforce(decision, request, action)

    def _enforce(self, decision: Decision, request: Any, action: Action) -> bool:
        if not decision.visible:
            raise NotFound()
        if not decision.allowed:
            # DRF answers 403 with these (401 instead for an anonymous caller).
            self.message, self.code = denial(decision, action, authorizer_for(request).actor)
        return decision.allowed
