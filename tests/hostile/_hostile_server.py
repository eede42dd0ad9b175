"""A malicious HTTP server for the hostile-server tests: raw asyncio on 127.0.0.1, no aiohttp.

Each connection runs a scripted ``Script(reader, writer)``: it reads the request itself and
writes whatever bytes it likes (endless events, a gzip bomb, 103 responses forever ...). Every
script stops when the client goes away and after ``MAX_SCRIPT_SECONDS`` at the latest, so a
client that does not give up cannot hang the test run.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import json
import zlib
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from typing import Any

__all__ = [
    "HostileServer",
    "Script",
    "chunk",
    "gzip_bomb",
    "hostile_server",
    "nested",
    "read_request",
    "response_head",
    "sse_event",
]

Script = Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]]

MAX_SCRIPT_SECONDS = 20.0


# Requests read by the scripts of the server running now (one at a time per test).
_requests = [0]


async def read_request(reader: asyncio.StreamReader) -> tuple[bytes, bytes]:
    """One request's head and body (by content-length)."""
    head = await reader.readuntil(b"\r\n\r\n")
    _requests[0] += 1
    length = 0
    for line in head.split(b"\r\n"):
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value.strip())
    body = await reader.readexactly(length) if length else b""
    return head, body


def response_head(
    status: int = 200,
    content_type: str = "text/event-stream",
    *,
    extra: dict[str, str] | None = None,
    length: int | None = None,
) -> bytes:
    """A status line and headers; chunked unless ``length`` is given."""
    reason = {200: "OK", 103: "Early Hints", 500: "Internal Server Error", 529: "Overloaded"}
    lines = [f"HTTP/1.1 {status} {reason.get(status, 'X')}", f"content-type: {content_type}"]
    lines.append(f"content-length: {length}" if length is not None else "transfer-encoding: chunked")
    lines.append("request-id: req_hostile")
    lines += [f"{k}: {v}" for k, v in (extra or {}).items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


def chunk(data: bytes) -> bytes:
    """One chunk of a chunked body (``b""`` makes the terminating chunk)."""
    return f"{len(data):x}\r\n".encode() + data + b"\r\n"


def sse_event(obj: Any, name: str | None = None) -> bytes:
    data = obj if isinstance(obj, bytes) else json.dumps(obj, separators=(",", ":")).encode()
    event = f"event: {name or obj.get('type', 'message')}\n".encode() if not isinstance(obj, bytes) else b""
    return event + b"data: " + data + b"\n\n"


def nested(depth: int = 50_000) -> bytes:
    """JSON nested ``depth`` levels deep: msgspec gives up at about 1,000 levels on Python
    3.10-3.12, and between 5,000 and 20,000 on 3.13."""
    return b"[" * depth + b"]" * depth


@functools.lru_cache(maxsize=4)
def gzip_bomb(expanded: int, unit: bytes = b"\n") -> bytes:
    """gzip of ``expanded`` bytes of ``unit`` (about a thousandth of the size), made 1 MiB at
    a time (the expanded bytes are never held) and kept for the next test."""
    compressor = zlib.compressobj(6, zlib.DEFLATED, 31)  # 31: the gzip container
    block = unit * (1024 * 1024 // len(unit))
    out = [compressor.compress(block) for _ in range(expanded // len(block))]
    out.append(compressor.flush())
    return b"".join(out)


class HostileServer:
    """``await server.start(script)``; ``server.url``; ``server.connections`` counts accepts."""

    def __init__(self) -> None:
        self._server: asyncio.AbstractServer | None = None
        self._script: Script | None = None
        self._tasks: set[asyncio.Task[None]] = set()
        self._writers: set[asyncio.StreamWriter] = set()
        self.connections = 0
        self.url = ""

    @property
    def requests(self) -> int:
        """Requests the scripts have read."""
        return _requests[0]

    async def start(self, script: Script) -> HostileServer:
        self._script = script
        _requests[0] = 0
        self._server = await asyncio.start_server(self._handle, "127.0.0.1", 0)
        port = self._server.sockets[0].getsockname()[1]
        self.url = f"http://127.0.0.1:{port}"
        return self

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        task = asyncio.current_task()
        assert task is not None and self._script is not None
        self._tasks.add(task)  # type: ignore[arg-type]
        self._writers.add(writer)
        try:
            with contextlib.suppress(
                ConnectionError, asyncio.IncompleteReadError, asyncio.TimeoutError, OSError
            ):
                await asyncio.wait_for(self._script(reader, writer), MAX_SCRIPT_SECONDS)
        finally:
            writer.close()
            with contextlib.suppress(ConnectionError, OSError):
                await writer.wait_closed()
            self._tasks.discard(task)  # type: ignore[arg-type]
            self._writers.discard(writer)

    async def close(self) -> None:
        if self._server is not None:
            self._server.close()
            # Scripts still writing fail on their next write (never cancelled: asyncio logs a
            # cancelled connection handler as an error).
            for writer in list(self._writers):
                writer.transport.abort()
            if self._tasks:
                await asyncio.wait(list(self._tasks))
            await self._server.wait_closed()


@contextlib.asynccontextmanager
async def hostile_server(script: Script) -> AsyncIterator[HostileServer]:
    server = HostileServer()
    await server.start(script)
    try:
        yield server
    finally:
        await server.close()


def repeat(items: list[bytes]) -> Iterator[bytes]:
    while True:
        yield from items
