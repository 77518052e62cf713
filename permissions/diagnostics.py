"""What `manage.py permissions_cache` reports: cache counters, keys in Redis, and the
explanation of one decision (its reason and where each fact came from)."""

import os
from typing import Any
from uuid import UUID

from django.core.cache import caches
from django.core.management.base import CommandError

from accounts.models import User
from boxerconnect import metrics
from boxerconnect.cache import sentinel, stamped
from boxerconnect.cache.guarded import guarded
from boxerconnect.cache.keys import NONCE_KEY
from boxers.models import CoachLink
from clubs.models import ClubCoach, MembershipRequest
from permissions.actions import RESOURCE_OF, Action
from permissions.checker import Authorizer, LoadedObject
from permissions.facts import ClubCoachObject, CoachLinkObject, MembershipObject
from permissions.rules import role_may


def counters(metrics_dir: str | None) -> dict[str, Any]:
    """Cache counters of every worker (gunicorn's multiprocess files) or of this process."""
    if metrics_dir and not os.path.isdir(metrics_dir):
        raise CommandError(f"metrics directory {metrics_dir} does not exist")
    return metrics.cache_counters(metrics_dir)


def stats(metrics_dir: str | None) -> dict[str, Any]:
    """Counters, Redis keys and server figures, and this process's breaker and rotation state."""
    data = counters(metrics_dir)
    try:
        data["redis"] = redis_stats()
    except Exception as exc:  # an admin tool reports an unreachable cache, it does not crash
        data["redis"] = {"error": type(exc).__name__}
    data["breaker"] = guarded.breaker.state
    data["rotation_pending"] = stamped.rotation_pending()
    return data


def redis_stats() -> dict[str, Any]:
    """Permission keys (SCAN: fine in an admin command, never on a request path) and server stats."""
    backend = caches["guarded"]
    client = getattr(backend, "client", None)
    if client is None or not hasattr(client, "get_client"):
        return {"backend": type(backend).__name__, "keys": None}
    redis = client.get_client(write=False)
    keys = {"facts": 0, "generations": 0, "nonce": 0, "read_models": 0, "read_generations": 0}
    for pattern in ("perm:*", "read:*"):
        for raw in redis.scan_iter(match=backend.make_key(pattern), count=1000):
            name = raw.decode() if isinstance(raw, bytes) else raw
            if ":perm:f:" in name:
                keys["facts"] += 1
            elif ":perm:g:" in name:
                keys["generations"] += 1
            elif ":read:f:" in name:
                keys["read_models"] += 1
            elif ":read:g:" in name:
                keys["read_generations"] += 1
            elif name.endswith(":" + NONCE_KEY):
                keys["nonce"] += 1
    info = redis.info("stats")
    memory = redis.info("memory")
    return {
        "backend": type(backend).__name__,
        "primary": sentinel.primary_address(backend),  # with Sentinel: host:port it names now
        "keys": keys,
        "server": {
            "keyspace_hits": info.get("keyspace_hits"),
            "keyspace_misses": info.get("keyspace_misses"),
            "used_memory_human": memory.get("used_memory_human"),
        },
    }


def find_user(ref: str) -> User | None:
    if ref in ("-", "anonymous"):
        return None
    try:
        user = User.objects.filter(pk=UUID(ref)).first()
    except ValueError:
        user = User.objects.filter(email__iexact=ref.strip()).first()
    if user is None:
        raise CommandError(f"no user {ref!r} (give an email, a user id, or 'anonymous')")
    return user


def loaded_object(action: Action, resource: str) -> LoadedObject:
    """CoachLinkObject / MembershipObject / ClubCoachObject for actions on loaded rows."""
    try:
        pk = UUID(resource)
    except ValueError:
        raise CommandError(f"{resource!r} is not a UUID") from None
    if RESOURCE_OF[action] == "club_coach":
        row = ClubCoach.objects.filter(pk=pk).first()
        if row is None:
            raise CommandError(f"no club coach row {resource}")
        return ClubCoachObject(coach_id=str(row.coach_id), club_id=str(row.club_id), status=row.status)
    if RESOURCE_OF[action] == "coach_link":
        link = CoachLink.objects.select_related("boxer").filter(pk=pk).first()
        if link is None:
            raise CommandError(f"no coach link {resource}")
        return CoachLinkObject(coach_id=str(link.coach_id), boxer_owner_id=str(link.boxer.user_id))
    request = MembershipRequest.objects.select_related("club").filter(pk=pk).first()
    if request is None:
        raise CommandError(f"no membership request {resource}")
    owner = request.club.owner_id
    return MembershipObject(
        requester_id=str(request.user_id),
        club_owner_id=None if owner is None else str(owner),
        status=request.status,
    )


def explain(user_ref: str, action_name: str, resource: str | None) -> dict[str, Any]:
    try:
        action = Action(action_name)
    except ValueError:
        known = ", ".join(a.value for a in Action)
        raise CommandError(f"unknown action {action_name!r}; one of: {known}") from None
    user = find_user(user_ref)
    authorizer = Authorizer(None if user is None else user.pk)
    kind = RESOURCE_OF[action]
    if kind is not None and resource is None:
        raise CommandError(f"{action} is checked on a {kind}: give its id")
    if kind in ("boxer", "club"):
        assert resource is not None
        try:
            UUID(resource)
        except ValueError:
            raise CommandError(f"{resource!r} is not a UUID") from None
        decision = authorizer.check(action, resource)
    elif kind is not None:
        assert resource is not None
        decision = authorizer.check(action, obj=loaded_object(action, resource))
    else:
        decision = authorizer.check(action)
    facts = []
    for ref, source in authorizer.store.sources.items():
        value = authorizer.store.get(ref)
        facts.append(
            {
                "fact": ref.family,
                "ids": list(ref.ids),
                "source": source,
                "value": None if value is None else value.to_json(),
            }
        )
    if decision.allowed:
        http = 200
    elif user is None and not role_may(None, action):
        http = 401  # credentials are asked for before any object is looked up
    elif not decision.visible:
        http = 404
    else:
        http = 401 if user is None else 403
    return {
        "actor": None if user is None else {"id": str(user.pk), "email": user.email, "role": user.role},
        "action": action.value,
        "resource": resource,
        "allowed": decision.allowed,
        "visible": decision.visible,
        "reason": decision.reason,
        "http_status": http,
        "facts": facts,
    }
