"""A Redis Sentinel deployment a test owns: a primary, a replica and three sentinels, each a
real `redis-server` on its own free loopback port, with passwords on both the data nodes and
the sentinels. Fast settings (down-after 1 s, failover-timeout 2 s) keep failovers short."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import tempfile
import time
import uuid
from pathlib import Path

import pytest
import redis

from tests.support.servers import free_port

DATA_PASSWORD = "data-pass"
SENTINEL_PASSWORD = "sentinel-pass"
DOWN_AFTER_MS = 1000
FAILOVER_TIMEOUT_MS = 2000


def _wait(predicate, *, timeout: float, what: str, interval: float = 0.05):
    deadline = time.monotonic() + timeout
    while True:
        try:
            value = predicate()
        except (redis.RedisError, AssertionError, StopIteration):  # not yet (sentinels disagree...)
            value = None
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:.0f}s waiting for {what}")
        time.sleep(interval)


def _pairs(flat: list) -> dict[str, str]:
    """A sentinel reply [name, value, name, value...] as a dict of strings."""
    items = [item.decode() if isinstance(item, bytes) else str(item) for item in flat]
    return dict(zip(items[::2], items[1::2], strict=True))


class _Process:
    def __init__(self, binary: str, args: list[str], port: int, password: str) -> None:
        self.port = port
        self._binary, self._args, self._password = binary, args, password
        self._start(args)

    def _start(self, args: list[str]) -> None:
        self.proc = subprocess.Popen(
            [self._binary, *args], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        _wait(lambda: self.client().ping(), timeout=10, what=f"redis on port {self.port}")

    def restart_as_replica_of(self, primary: _Process) -> None:
        """Start a killed data node again (empty), replicating `primary`."""
        args = list(self._args)
        if "--replicaof" in args:
            index = args.index("--replicaof")
            del args[index : index + 3]
        self._start([*args, "--replicaof", "127.0.0.1", str(primary.port)])

    def client(self) -> redis.Redis:
        return redis.Redis(
            port=self.port, password=self._password, socket_timeout=1, socket_connect_timeout=1
        )

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.port}"

    @property
    def alive(self) -> bool:
        return self.proc.poll() is None

    def kill(self) -> None:
        """SIGKILL: no shutdown, no last write, like a crashed host."""
        if self.alive:
            os.kill(self.proc.pid, signal.SIGKILL)
            self.proc.wait(timeout=10)

    def stop(self) -> None:
        if self.alive:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.kill()


class SentinelCluster:
    """primary + replica + 3 sentinels; `servers` are the two data nodes (either may be the
    primary after a failover: ask `primary()`)."""

    def __init__(self) -> None:
        # A name of its own: a process keeps django-redis pools by URL (which holds the name),
        # so a later cluster must not reach an earlier one's pool and sentinels.
        self.service = f"bc-primary-{uuid.uuid4().hex[:8]}"
        binary = shutil.which("redis-server")
        if binary is None:
            pytest.fail("redis-server is not installed (apt-get install redis-server)")
        self.dir = Path(tempfile.mkdtemp(prefix="bc-sentinel-"))
        self.servers: list[_Process] = []
        self.sentinels: list[_Process] = []
        try:
            primary_port = free_port()
            self.servers.append(self._data_node(binary, primary_port, replica_of=None))
            self.servers.append(self._data_node(binary, free_port(), replica_of=primary_port))
            for _ in range(3):
                self.sentinels.append(self._sentinel(binary, free_port(), primary_port))
            self.wait_until_ready()
        except BaseException:
            self.stop()
            raise

    def _data_node(self, binary: str, port: int, replica_of: int | None) -> _Process:
        node_dir = self.dir / f"data-{port}"
        node_dir.mkdir()
        args = [
            "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
            "--dir", str(node_dir), "--requirepass", DATA_PASSWORD, "--masterauth", DATA_PASSWORD,
        ]  # fmt: skip
        if replica_of is not None:
            args += ["--replicaof", "127.0.0.1", str(replica_of)]
        return _Process(binary, args, port, DATA_PASSWORD)

    def _sentinel(self, binary: str, port: int, primary_port: int) -> _Process:
        conf = self.dir / f"sentinel-{port}.conf"
        conf.write_text(
            f"port {port}\n"
            "bind 127.0.0.1\n"
            f"dir {self.dir}\n"
            f"requirepass {SENTINEL_PASSWORD}\n"
            f"sentinel sentinel-pass {SENTINEL_PASSWORD}\n"
            f"sentinel monitor {self.service} 127.0.0.1 {primary_port} 2\n"
            f"sentinel auth-pass {self.service} {DATA_PASSWORD}\n"
            f"sentinel down-after-milliseconds {self.service} {DOWN_AFTER_MS}\n"
            f"sentinel failover-timeout {self.service} {FAILOVER_TIMEOUT_MS}\n"
            f"sentinel parallel-syncs {self.service} 1\n"
        )
        return _Process(binary, [str(conf), "--sentinel"], port, SENTINEL_PASSWORD)

    # --- What the sentinels say ----------------------------------------------------------------

    @property
    def sentinel_list(self) -> str:
        """REDIS_SENTINELS for the app."""
        return ",".join(s.address for s in self.sentinels)

    @property
    def sentinel_addresses(self) -> list[tuple[str, int]]:
        return [("127.0.0.1", s.port) for s in self.sentinels]

    def primary(self) -> _Process:
        """The data node every live sentinel names as primary (they must agree)."""
        named = {
            tuple(s.client().execute_command("SENTINEL", "GET-MASTER-ADDR-BY-NAME", self.service))
            for s in self.sentinels
            if s.alive
        }
        assert len(named) == 1, f"sentinels disagree: {named}"
        (_, port) = next(iter(named))
        return next(node for node in self.servers if node.port == int(port))

    def replica(self) -> _Process:
        primary = self.primary()
        return next(node for node in self.servers if node is not primary)

    def _ready(self) -> bool:
        for s in self.sentinels:
            state = s.client().sentinel_masters()[self.service]
            replicas = [_pairs(r) for r in s.client().execute_command("SENTINEL", "REPLICAS", self.service)]
            if state["num-other-sentinels"] < 2 or not state["is_master"] or state["is_sdown"]:
                return False
            if not any(r["master-link-status"] == "ok" and "s_down" not in r["flags"] for r in replicas):
                return False
        replica = next(node for node in self.servers if node.port != int(self.primary().port))
        info = replica.client().info("replication")
        return info["role"] == "slave" and info["master_link_status"] == "up"

    def revive(self) -> None:
        """Start every killed data node again, as a replica of the current primary (a test
        that needs a failover after one that killed a node)."""
        primary = self.primary()
        for node in self.servers:
            if not node.alive:
                node.restart_as_replica_of(primary)

    def wait_until_ready(self, timeout: float = 30) -> None:
        """Every sentinel sees the primary up, the other two sentinels and a synced replica
        (what a failover needs), and they agree on the primary."""
        _wait(self._ready, timeout=timeout, what="the sentinels to see the primary, each other and a replica")

    def wait_for_new_primary(self, old: _Process, timeout: float = 30) -> _Process:
        """Until every live sentinel names another node than `old`; that node answers as primary."""
        new = _wait(
            lambda: (node := self.primary()) is not old and node,
            timeout=timeout,
            what=f"a failover away from {old.address}",
        )
        _wait(
            lambda: new.client().info("replication")["role"] == "master",
            timeout=timeout,
            what="the new primary's role",
        )
        return new

    def failover(self) -> None:
        """`SENTINEL FAILOVER`: a manual failover, the old primary still up (demoted later)."""
        self.sentinels[0].client().execute_command("SENTINEL", "FAILOVER", self.service)

    def stop(self) -> None:
        for process in [*self.sentinels, *self.servers]:
            process.stop()
        shutil.rmtree(self.dir, ignore_errors=True)
