"""Serving an aiohttp app on 127.0.0.1 for the relay tests (real sockets, ephemeral port)."""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator, Callable
from typing import Any

import aiohttp
from aiohttp import web

__all__ = ["Frames", "is_end", "serve_app", "wait_until"]


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
