"""aclaude's pool runs ``AclaudeResponseHandler``: no no-op ``resume_reading()`` per body chunk, and
flow control (a paused connection, a paused decompression) still resumes as aiohttp does it."""

from __future__ import annotations

import asyncio
import gzip
from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest
from _helpers import sse_of, text_stream
from _loopback_app import serve_app
from aiohttp import web
from aiohttp.client_proto import ResponseHandler

import aclaude
from aclaude._http.transport import AclaudeResponseHandler, ReadStampingHandler, read_stamping_connector
from aclaude.testing import FakeAnthropic


class _Resumes:
    """Counts aiohttp's own ``resume_reading()`` runs, and those that found reading paused."""

    def __init__(self) -> None:
        self.calls = 0
        self.paused = 0


@pytest.fixture
def resumes(monkeypatch: pytest.MonkeyPatch) -> Iterator[_Resumes]:
    counts = _Resumes()
    original = ResponseHandler.resume_reading

    def counting(self: ResponseHandler, resume_parser: bool = True) -> None:
        counts.calls += 1
        counts.paused += bool(self._reading_paused)
        original(self, resume_parser)

    monkeypatch.setattr(ResponseHandler, "resume_reading", counting)
    yield counts


async def test_a_stream_of_many_chunks_resumes_nothing(
    client: aclaude.Client, params: dict[str, Any], resumes: _Resumes
) -> None:
    # 200 deltas arrive as about 206 HTTP chunks; aiohttp 3.14's reader asks to resume reading
    # after each one it hands out. Nothing was paused, so aiohttp's resume never runs (at most
    # once at the end of the body, where aiohttp resumes without the parser).
    async with asyncio.timeout(10):
        message = await client.messages.create(**params, extra_headers={"x-fake-deltas": "200"})
    assert len(message.content[0].text) > 200  # type: ignore[union-attr]
    assert resumes.calls <= 2


def test_every_connection_of_the_pool_runs_the_handler() -> None:
    async def protocols() -> tuple[type, type]:
        plain = aclaude._http.transport._StampingConnector(limit=1)
        stamping = read_stamping_connector(1)
        try:
            return type(plain._factory()), type(stamping._factory())
        finally:
            await plain.close()
            await stamping.close()

    plain, stamping = asyncio.run(protocols())
    assert plain is AclaudeResponseHandler
    assert stamping is ReadStampingHandler


async def test_a_consumer_slower_than_the_server_gets_every_byte(
    api_key: str, params: dict[str, Any], resumes: _Resumes
) -> None:
    # About 4 MiB of deltas written at once while the consumer waits: aiohttp's buffer passes its
    # high-water mark and pauses the connection; reading on must resume it, or this hangs.
    deltas, size = 1000, 4000
    async with (
        FakeAnthropic() as server,
        aclaude.Client(api_key=api_key, base_url=server.url, max_retries=0) as client,
        asyncio.timeout(20),
    ):
        headers = {"x-fake-deltas": str(deltas), "x-fake-delta-bytes": str(size)}
        stream = client.messages.create(**params, stream=True, extra_headers=headers)
        await stream
        await asyncio.sleep(0.5)  # the server writes all of it meanwhile
        text = [event.delta.text async for event in stream if event.type == "content_block_delta"]  # type: ignore[union-attr]
    assert len(text) == deltas and sum(map(len, text)) == deltas * size
    assert resumes.paused >= 1


@pytest.fixture
async def gzip_server() -> AsyncIterator[str]:
    """A server answering with one gzip-compressed SSE body that expands to about 8 MiB: aiohttp
    decompresses it in steps and pauses between them while the reader's buffer is full."""
    body = gzip.compress(sse_of(text_stream(["x" * 8000] * 1000)))

    async def messages(request: web.Request) -> web.Response:
        await request.read()
        return web.Response(
            body=body, headers={"content-type": "text/event-stream", "content-encoding": "gzip"}
        )

    app = web.Application()
    app.router.add_post("/v1/messages", messages)
    async with serve_app(app) as url:
        yield url


async def test_a_paused_decompression_resumes(
    gzip_server: str, api_key: str, params: dict[str, Any], resumes: _Resumes
) -> None:
    async with (
        aclaude.Client(api_key=api_key, base_url=gzip_server, max_retries=0) as client,
        asyncio.timeout(20),
    ):
        stream = client.messages.create(**params, stream=True)
        await stream
        await asyncio.sleep(0.3)  # the whole compressed body arrives meanwhile
        message = await _drain_slowly(stream)
    assert len(message) == 1000 * 8000
    assert resumes.paused >= 1


async def _drain_slowly(stream: aclaude.EventStream) -> str:
    parts = []
    async for event in stream:
        if event.type == "content_block_delta":
            parts.append(event.delta.text)  # type: ignore[union-attr]
            if len(parts) % 100 == 0:
                await asyncio.sleep(0)  # let the loop run between bursts, as a real consumer does
    return "".join(parts)
