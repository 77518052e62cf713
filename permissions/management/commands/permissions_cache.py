"""`manage.py permissions_cache stats|rotate|explain`: inspect and reset the permission cache."""

import json
import os
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from boxerconnect.cache import stamped
from boxerconnect.cache.guarded import CacheUnavailable
from permissions.diagnostics import explain, stats


class Command(BaseCommand):
    help = "Permission cache: stats (hit rate, keys, breaker), rotate (invalidate all), explain a decision."

    def add_arguments(self, parser: CommandParser) -> None:
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

    def handle(self, *args: Any, **options: Any) -> None:
        getattr(self, f"_{options['subcommand']}")(options)

    def _emit(self, data: dict[str, Any], as_json: bool, lines: list[str]) -> None:
        self.stdout.write(json.dumps(data, indent=2, sort_keys=True) if as_json else "\n".join(lines))

    def _stats(self, options: dict[str, Any]) -> None:
        data = stats(options["metrics_dir"])
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
            if redis.get("primary"):
                lines.append(f"primary (named by the sentinels): {redis['primary']}")
        self._emit(data, options["json"], lines)

    def _rotate(self, options: dict[str, Any]) -> None:
        try:
            stamped.rotate()
        except CacheUnavailable as exc:
            raise CommandError(f"cache unreachable, nothing rotated: {exc}") from None
        self.stdout.write("rotated: every cached permission fact and read model is now invalid")

    def _explain(self, options: dict[str, Any]) -> None:
        data = explain(options["user"], options["action"], options["resource"])
        verdict = "ALLOWED" if data["allowed"] else ("HIDDEN" if not data["visible"] else "DENIED")
        lines = [f"{verdict} (HTTP {data['http_status']}): {data['reason']}", "facts:"]
        for fact in data["facts"]:
            lines.append(f"  {fact['fact']} {'/'.join(fact['ids'])} from {fact['source']}: {fact['value']}")
        self._emit(data, options["json"], lines)
