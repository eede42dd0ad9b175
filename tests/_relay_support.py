"""Serving an aiohttp app on 127.0.0.1 for the relay tests (real sockets, ephemeral port)."""

from __future__ import annotations

import asyncio
import contextlib
import json
import subprocess
import sys
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import aiohttp
from aiohttp import web

__all__ = ["Frames", "SwitchProxy", "is_end", "relay_node", "serve_app", "wait_until"]


@contextlib.asynccontextmanager
async def serve_app(app: web.Application) -> AsyncIterator[str]:
    """Serve ``app``; yields its base URL with a trailing slash."""
    runner = web.AppRunner(app, shutdown_timeout=2.0)
    await runner.setup()
    try:
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        host, port = runner.addresses[0][:2]
        yield f"http://{host}:{port}/"
    finally:
        await runner.cleanup()


async def wait_until(condition: Callable[[], bool], timeout: float, what: str) -> None:
    """Poll ``condition`` every 10 ms; fail the test after ``timeout`` seconds."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not condition():
        if loop.time() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        await asyncio.sleep(0.01)


class Frames:
    """What a browser stand-in received from the relay: frames checked for their numbering."""

    def __init__(self) -> None:
        self.stream: str | None = None
        self.seq = 0
        self.events: list[dict[str, Any]] = []
        self.raw: list[str] = []

    def add(self, data: str) -> list[dict[str, Any]]:
        """Take one frame; its events. Fails on a gap or a repeat in the numbering."""
        self.raw.append(data)
        frame = json.loads(data)
        batch: list[dict[str, Any]] = frame["events"]
        if frame["stream"] is None:
            return batch
        if self.stream is None or batch[0]["type"] == "relay_start":
            self.stream, self.seq = frame["stream"], 0
        assert frame["stream"] == self.stream, frame
        assert frame["seq"] == self.seq + len(batch), (self.seq, frame)
        self.seq = frame["seq"]
        self.events.extend(batch)
        return batch

    async def until(
        self, ws: aiohttp.ClientWebSocketResponse[Any], stop: Callable[[dict[str, Any]], bool], timeout: float
    ) -> None:
        """Read frames until an event satisfies ``stop``."""
        async with asyncio.timeout(timeout):
            while True:
                msg = await ws.receive()
                assert msg.type is aiohttp.WSMsgType.TEXT, msg
                if any(stop(e) for e in self.add(msg.data)):
                    return

    def text(self) -> str:
        return "".join(
            e["delta"]["text"]
            for e in self.events
            if e["type"] == "content_block_delta" and e["delta"]["type"] == "text_delta"
        )

    def types(self) -> list[str]:
        return [e["type"] for e in self.events]


def is_end(event: dict[str, Any]) -> bool:
    """The end of a reply (``relay_end``)."""
    return bool(event["type"] == "relay_end")


class SwitchProxy:
    """A TCP proxy on 127.0.0.1 standing in for a load balancer and a flaky network: each new
    connection goes to ``target`` (a port, changeable), and ``drop()`` cuts every connection
    at once (both sides aborted: no close frame, as when a phone loses its network)."""

    def __init__(self, target: int) -> None:
        self.target = target
        self.connections = 0
        self._server: asyncio.Server | None = None
        self._transports: set[asyncio.WriteTransport] = set()
        self._tasks: set[asyncio.Task[None]] = set()

    @property
    def url(self) -> str:
        assert self._server is not None
        port = self._server.sockets[0].getsockname()[1]
        return f"http://127.0.0.1:{port}/"

    async def __aenter__(self) -> SwitchProxy:
        self._server = await asyncio.start_server(self._accept, "127.0.0.1", 0)
        return self

    async def __aexit__(self, *exc: object) -> None:
        assert self._server is not None
        self._server.close()
        self.drop()
        if self._tasks:
            await asyncio.wait(self._tasks, timeout=5)
        await self._server.wait_closed()

    def drop(self) -> None:
        for transport in list(self._transports):
            transport.abort()
        self._transports.clear()

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        try:
            up_reader, up_writer = await asyncio.open_connection("127.0.0.1", self.target)
        except OSError:
            writer.transport.abort()
            return
        pair = (writer.transport, up_writer.transport)
        self._transports.update(pair)
        tasks = [
            asyncio.ensure_future(_pipe(reader, up_writer)),
            asyncio.ensure_future(_pipe(up_reader, writer)),
        ]
        self._tasks.update(tasks)
        try:
            await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for transport in pair:
                transport.abort()
                self._transports.discard(transport)
            for task in tasks:
                task.cancel()
            await asyncio.wait(tasks)
            self._tasks.difference_update(tasks)


async def _pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    with contextlib.suppress(ConnectionError, OSError):
        while data := await reader.read(65536):
            writer.write(data)
            await writer.drain()


@contextlib.asynccontextmanager
async def relay_node(api_url: str, redis_url: str | None, grace: float = 10.0) -> AsyncIterator[str]:
    """A relay in its own process (``tests/relay/_relay_node.py``); yields its base URL."""
    script = Path(__file__).parent / "relay" / "_relay_node.py"
    args = [sys.executable, str(script), "--api-url", api_url, "--grace", str(grace)]
    if redis_url is not None:
        args += ["--redis-url", redis_url]
    process = await asyncio.create_subprocess_exec(
        *args, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL
    )
    try:
        assert process.stdout is not None
        line = (await asyncio.wait_for(process.stdout.readline(), 20)).decode()
        assert line.startswith("relay listening on "), line
        yield line.split()[-1]
    finally:
        if process.returncode is None:
            process.terminate()
        await asyncio.wait_for(process.wait(), 10)
