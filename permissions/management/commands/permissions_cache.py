"""`manage.py permissions_cache stats|rotate|explain`: inspect and reset the permission cache."""

import json
import os
from uuid import UUID

from django.core.cache import caches
from django.core.management.base import BaseCommand, CommandError

from accounts.models import User
from boxerconnect import metrics
from boxerconnect.breaker import CacheUnavailable, guarded
from boxers.models import CoachLink
from clubs.models import MembershipRequest
from permissions import cache as perm_cache
from permissions.actions import RESOURCE_OF, Action
from permissions.checker import Authorizer
from permissions.facts import CoachLinkObject, MembershipObject


def counters(metrics_dir: str | None) -> dict:
    """Cache counters of every worker (gunicorn's multiprocess files) or of this process."""
    if metrics_dir and not os.path.isdir(metrics_dir):
        raise CommandError(f"metrics directory {metrics_dir} does not exist")
    return metrics.cache_counters(metrics_dir)


def redis_stats() -> dict:
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
            elif name.endswith(":" + perm_cache.NONCE_KEY):
                keys["nonce"] += 1
    info = redis.info("stats")
    memory = redis.info("memory")
    return {
        "backend": type(backend).__name__,
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
        query = {"pk": UUID(ref)}
    except ValueError:
        query = {"email__iexact": ref.strip()}
    user = User.objects.filter(**query).first()
    if user is None:
        raise CommandError(f"no user {ref!r} (give an email, a user id, or 'anonymous')")
    return user


def loaded_object(action: Action, resource: str):
    """CoachLinkObject / MembershipObject for link and membership actions."""
    try:
        pk = UUID(resource)
    except ValueError:
        raise CommandError(f"{resource!r} is not a UUID") from None
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


def explain(user_ref: str, action_name: str, resource: str | None) -> dict:
    try:
        action = Action(action_name)
    except ValueError:
        known = ", ".join(a.value for a in Action)
        raise CommandError(f"unknown action {action_name!r}; one of: {known}") from None
    user = find_user(user_ref)
    authorizer = Authorizer(None if user is None else user.pk)
    kind = RESOURCE_OF[action]
    if kind is not None and not resource:
        raise CommandError(f"{action} is checked on a {kind}: give its id")
    if kind in ("boxer", "club"):
        try:
            UUID(resource)
        except ValueError:
            raise CommandError(f"{resource!r} is not a UUID") from None
        decision = authorizer.check(action, resource)
    elif kind is not None:
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


class Command(BaseCommand):
    help = "Permission cache: stats (hit rate, keys, breaker), rotate (invalidate all), explain a decision."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="subcommand", required=True)
        stats = sub.add_parser("stats", help="hit/miss/bypass counts, keys, server stats, breaker state")
        stats.add_argument(
            "--metrics-dir",
            default=os.environ.get("PROMETHEUS_MULTIPROC_DIR") or None,
            help="gunicorn's PROMETHEUS_MULTIPROC_DIR, to sum every worker's counters "
            "(default: that env var if set, else this process's counters)",
        )
        stats.add_argument("--json", action="store_true", help="machine-readable output")
        sub.add_parser("rotate", help="invalidate every cached permission fact and read model at once (O(1))")
        exp = sub.add_parser("explain", help="decide one action and show the facts used and their source")
        exp.add_argument("user", help="email, user id, or 'anonymous'")
        exp.add_argument("action", help="an Action value, e.g. boxer.update")
        exp.add_argument("resource", nargs="?", help="boxer/club/coach link/membership request id")
        exp.add_argument("--json", action="store_true", help="machine-readable output")

    def handle(self, *args, **options):
        return getattr(self, f"_{options['subcommand']}")(options)

    def _emit(self, data: dict, as_json: bool, lines: list[str]) -> None:
        self.stdout.write(json.dumps(data, indent=2, sort_keys=True) if as_json else "\n".join(lines))

    def _stats(self, options) -> None:
        data = counters(options["metrics_dir"])
        try:
            data["redis"] = redis_stats()
        except Exception as exc:  # an admin tool reports an unreachable cache, it does not crash
            data["redis"] = {"error": type(exc).__name__}
        data["breaker"] = guarded.breaker.state
        data["rotation_pending"] = perm_cache.rotation_pending()
        events = data["events"]
        rate = "n/a" if data["hit_rate"] is None else f"{data['hit_rate']:.1%}"
        redis = data["redis"]
        lines = [
            f"counters ({data['source']}):",
            f"  hit {events['hit']}  miss {events['miss']}  bypass {events['bypass']}  hit rate {rate}",
            f"  round trips {data['round_trips']}",
            *(
                f"  read model {model}: hit {m['events']['hit']}  miss {m['events']['miss']}  "
                f"bypass {m['events']['bypass']}  hit rate "
                + ("n/a" if m["hit_rate"] is None else f"{m['hit_rate']:.1%}")
                for model, m in data["read_models"].items()
            ),
            f"breaker: {data['breaker']} (this process); "
            f"reported by workers: {data['breaker_reported'] or 'n/a'}",
            f"rotation pending (this process): {data['rotation_pending']}",
        ]
        if "error" in redis:
            lines.append(f"redis: unreachable ({redis['error']})")
        elif redis["keys"] is None:
            lines.append(f"cache backend {redis['backend']}: key counts not available")
        else:
            keys, server = redis["keys"], redis["server"]
            lines += [
                f"keys: {keys['facts']} facts, {keys['generations']} generations, nonce {keys['nonce']}, "
                f"{keys['read_models']} read models, {keys['read_generations']} read-model generations",
                f"server: keyspace hits {server['keyspace_hits']}, misses {server['keyspace_misses']}, "
                f"memory {server['used_memory_human']}",
            ]
        self._emit(data, options["json"], lines)

    def _rotate(self, options) -> None:
        try:
            perm_cache.rotate()
        except CacheUnavailable as exc:
            raise CommandError(f"cache unreachable, nothing rotated: {exc}") from None
        self.stdout.write("rotated: every cached permission fact and read model is now invalid")

    def _explain(self, options) -> None:
        data = explain(options["user"], options["action"], options["resource"])
        verdict = "ALLOWED" if data["allowed"] else ("HIDDEN" if not data["visible"] else "DENIED")
        lines = [f"{verdict} (HTTP {data['http_status']}): {data['reason']}", "facts:"]
        for fact in data["facts"]:
            lines.append(f"  {fact['fact']} {'/'.join(fact['ids'])} from {fact['source']}: {fact['value']}")
        self._emit(data, options["json"], lines)
