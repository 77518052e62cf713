"""Tools for live-server tests: a stoppable TCP proxy, a bounded load loop, metric readers."""

from __future__ import annotations

import asyncio
import contextlib
import statistics
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import requests
from prometheus_client.parser import text_string_to_metric_families

# --- Polling ------------------------------------------------------------------------------


def poll(predicate: Callable[[], object], *, timeout: float, interval: float = 0.05) -> object:
    """Call `predicate` until it returns something truthy or `timeout` passes; return the
    last value (falsy on timeout). Exceptions count as "not yet"."""
    deadline = time.monotonic() + timeout
    value: object = None
    while True:
        try:
            value = predicate()
        except Exception:
            value = None
        if value or time.monotonic() >= deadline:
            return value
        time.sleep(interval)


# --- A TCP proxy the test can cut and restore ---------------------------------------------


class TcpProxy:
    """Forwards 127.0.0.1:<port> to a target; `stop()` closes the listener AND every open
    connection (the database "vanishes"), `start()` listens again on the same port.

    Runs an asyncio loop in a daemon thread so tests can drive it synchronously.
    """

    def __init__(self, target_host: str, target_port: int, port: int = 0) -> None:
        self.target = (target_host, target_port)
        self.port = port
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="tcp-proxy", daemon=True)
        self._thread.start()
        self._server: asyncio.base_events.Server | None = None
        self._writers: set[asyncio.StreamWriter] = set()
        self.connections_accepted = 0

    def _run(self, coro, timeout: float = 10):
        return asyncio.run_coroutine_threadsafe(coro, self._loop).result(timeout)

    @property
    def running(self) -> bool:
        return self._server is not None

    def start(self) -> None:
        self._run(self._start())

    def stop(self) -> None:
        self._run(self._stop())

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self.stop()
            self._run(self._cancel_handlers())
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=5)
        self._loop.close()

    async def _cancel_handlers(self) -> None:
        tasks = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    async def _start(self) -> None:
        if self._server is not None:
            return
        self._server = await asyncio.start_server(self._handle, "127.0.0.1", self.port, reuse_address=True)
        self.port = self._server.sockets[0].getsockname()[1]

    async def _stop(self) -> None:
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
            self._server = None
        for writer in list(self._writers):
            writer.transport.abort()
        self._writers.clear()

    async def _handle(self, client_reader: asyncio.StreamReader, client_writer: asyncio.StreamWriter) -> None:
        self.connections_accepted += 1
        try:
            upstream_reader, upstream_writer = await asyncio.open_connection(*self.target)
        except OSError:
            client_writer.transport.abort()
            return
        self._writers |= {client_writer, upstream_writer}

        async def pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            try:
                while data := await reader.read(65536):
                    writer.write(data)
                    await writer.drain()
            except (ConnectionError, OSError):
                pass
            finally:
                writer.transport.abort()

        await asyncio.gather(pipe(client_reader, upstream_writer), pipe(upstream_reader, client_writer))
        self._writers -= {client_writer, upstream_writer}


# --- A bounded load loop ------------------------------------------------------------------


@dataclass(frozen=True)
class Sample:
    started: float  # time.monotonic() when the request was sent
    elapsed: float  # seconds until the response (or the error)
    name: str
    status: int  # 0: no HTTP response at all (connection error, client timeout)
    body: object = None


@dataclass
class LoadLoop:
    """Threads that send requests from `make_request` until stopped, bounded in time and count.

    `make_request(session, i)` returns `(name, response)`; `check(name, response)` may return
    the part of the body worth keeping (e.g. `allowed`). Use as a context manager:
    the loop runs inside the `with` block and stops at its end.
    """

    base_url: str
    make_request: Callable[[requests.Session, int], tuple[str, requests.Response]]
    threads: int = 4
    max_seconds: float = 60.0
    max_requests: int = 20000
    client_timeout: float = 10.0
    keep: Callable[[str, requests.Response], object] = lambda name, response: None
    samples: list[Sample] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._count = 0
        self._workers: list[threading.Thread] = []

    def __enter__(self) -> LoadLoop:
        self._deadline = time.monotonic() + self.max_seconds
        for n in range(self.threads):
            worker = threading.Thread(target=self._work, name=f"load-{n}", daemon=True)
            worker.start()
            self._workers.append(worker)
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        for worker in self._workers:
            worker.join(timeout=self.client_timeout + 5)

    def _next_index(self) -> int | None:
        with self._lock:
            if self._count >= self.max_requests:
                return None
            self._count += 1
            return self._count

    def _work(self) -> None:
        session = requests.Session()
        while not self._stop.is_set() and time.monotonic() < self._deadline:
            index = self._next_index()
            if index is None:
                return
            started = time.monotonic()
            try:
                name, response = self.make_request(session, index)
                body = self.keep(name, response)
                status = response.status_code
            except Exception as exc:  # no HTTP answer, or an answer that is not JSON
                name, status, body = "error", 0, type(exc).__name__
            sample = Sample(started, time.monotonic() - started, name, status, body)
            with self._lock:
                self.samples.append(sample)

    # Views of the samples collected so far.

    def since(self, moment: float) -> list[Sample]:
        with self._lock:
            return [s for s in self.samples if s.started >= moment]

    def wait_for(self, count: int, *, after: float, timeout: float = 30) -> list[Sample]:
        """Wait until `count` samples started after `after` have completed."""
        poll(lambda: len(self.since(after)) >= count, timeout=timeout)
        return self.since(after)


def server_errors(samples: list[Sample]) -> list[Sample]:
    """Samples with no HTTP answer or a 5xx answer."""
    return [s for s in samples if s.status == 0 or s.status >= 500]


def percentile(values: list[float], pct: float) -> float:
    if not values:
        return 0.0
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=100, method="inclusive")[int(pct) - 1]


# --- Prometheus text --------------------------------------------------------------------


def metric_value(text: str, name: str, **labels: str) -> float:
    """Sum of the samples called `name` whose labels include `labels` (0 when absent)."""
    total = 0.0
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if sample.name == name and all(sample.labels.get(k) == v for k, v in labels.items()):
                total += sample.value
    return total
