"""A TCP proxy in front of PostgreSQL that adds latency and counts SQL statements.

Each chunk is delivered `delay` seconds after it arrived, in both directions, so a round
trip costs 2 x delay more while the stream stays pipelined (not throughput-limited). The
client → server stream is parsed as the PostgreSQL v3 protocol to count statements: one
per simple Query ('Q') or extended-protocol Execute ('E') message.

Usage from Python: `proxy = LatencyProxy(("127.0.0.1", 5432), delay=0.001); proxy.start()`
(a background thread with its own event loop); `proxy.port`, `proxy.statements`.
Standalone: python -m bench.latency_proxy --target 127.0.0.1:5432 --delay-ms 1 --port 6543
"""

import argparse
import asyncio
import struct
import threading
import time

UNTYPED_STARTUP_CODES = {80877103, 80877104}  # SSLRequest, GSSENCRequest: a startup follows


class StatementCounter:
    """Incremental parser of one client → server stream."""

    def __init__(self, proxy: "LatencyProxy") -> None:
        self.proxy = proxy
        self.buffer = b""
        self.startup = True

    def feed(self, data: bytes) -> None:
        self.buffer += data
        while True:
            if self.startup:
                if len(self.buffer) < 8:
                    return
                length, code = struct.unpack("!II", self.buffer[:8])
                if len(self.buffer) < length:
                    return
                self.buffer = self.buffer[length:]
                self.startup = code in UNTYPED_STARTUP_CODES
                continue
            if len(self.buffer) < 5:
                return
            kind = self.buffer[:1]
            (length,) = struct.unpack("!I", self.buffer[1:5])
            if len(self.buffer) < 1 + length:
                return
            self.buffer = self.buffer[1 + length :]
            if kind in (b"Q", b"E"):
                self.proxy.statements += 1


class LatencyProxy:
    def __init__(self, target: tuple[str, int], delay: float = 0.0, port: int = 0) -> None:
        self.target = target
        self.delay = delay
        self.port = port
        self.statements = 0
        self.connections = 0
        self._loop: asyncio.AbstractEventLoop | None = None
        self._ready = threading.Event()

    def reset(self) -> None:
        self.statements = 0

    def start(self) -> "LatencyProxy":
        threading.Thread(target=self._run, name="latency-proxy", daemon=True).start()
        if not self._ready.wait(10):
            raise RuntimeError("latency proxy did not start")
        return self

    def _run(self) -> None:
        self._loop = asyncio.new_event_loop()
        self._loop.run_until_complete(self._serve())

    async def _serve(self) -> None:
        server = await asyncio.start_server(self._handle, "127.0.0.1", self.port)
        self.port = server.sockets[0].getsockname()[1]
        self._ready.set()
        async with server:
            await server.serve_forever()

    async def _handle(self, client_reader, client_writer) -> None:
        self.connections += 1
        try:
            server_reader, server_writer = await asyncio.open_connection(*self.target)
        except OSError:
            client_writer.close()
            return
        counter = StatementCounter(self)
        await asyncio.gather(
            self._pipe(client_reader, server_writer, counter),
            self._pipe(server_reader, client_writer, None),
            return_exceptions=True,
        )

    async def _pipe(self, reader, writer, counter: StatementCounter | None) -> None:
        queue: asyncio.Queue = asyncio.Queue()

        async def deliver() -> None:
            while True:
                due, data = await queue.get()
                if data is None:
                    break
                wait = due - time.monotonic()
                if wait > 0:
                    await asyncio.sleep(wait)
                writer.write(data)
                await writer.drain()

        sender = asyncio.ensure_future(deliver())
        try:
            while True:
                data = await reader.read(65536)
                if not data:
                    break
                if counter is not None:
                    counter.feed(data)
                await queue.put((time.monotonic() + self.delay, data))
        finally:
            await queue.put((0.0, None))
            await asyncio.gather(sender, return_exceptions=True)
            writer.close()


def main() -> None:
    parser = argparse.ArgumentParser(description="PostgreSQL latency proxy")
    parser.add_argument("--target", default="127.0.0.1:5432")
    parser.add_argument("--delay-ms", type=float, default=1.0, help="added per direction")
    parser.add_argument("--port", type=int, default=6543)
    args = parser.parse_args()
    host, port = args.target.rsplit(":", 1)
    proxy = LatencyProxy((host, int(port)), args.delay_ms / 1000, args.port).start()
    print(f"proxying 127.0.0.1:{proxy.port} -> {args.target} (+{2 * args.delay_ms:g} ms per round trip)")
    try:
        while True:
            time.sleep(5)
            print(f"statements so far: {proxy.statements}")
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
