"""The fake API's shared pacing scheduler (``aclaude.testing._paced_writer``): every paced stream
keeps its schedule, its bytes are valid HTTP chunks after the headers, and a client that leaves
mid-stream is dropped without disturbing the others."""

from __future__ import annotations

import asyncio
import random
from collections.abc import AsyncIterator

import aiohttp
import pytest
from _loopback_app import serve_app
from aiohttp import web

import aclaude
from aclaude.testing._paced_writer import _SCHEDULERS, send_paced
from aclaude.testing._pacing import WRITE_LOG
from aclaude.testing._sse_render import render_event

TTFT, ITL, DELTAS = 0.03, 0.01, 5
PACED = {"x-fake-pacing": f"ttft={TTFT},itl={ITL}", "x-fake-deltas": str(DELTAS)}


async def test_many_streams_each_keep_their_schedule(
    client: aclaude.Client, params: dict[str, object], write_log: None
) -> None:
    async def one() -> tuple[str, list[str]]:
        stream = client.messages.create(**params, stream=True, extra_headers=PACED)
        types = [event.type async for event in stream]
        return stream.request_id or "", types

    async with asyncio.timeout(30):
        results = await asyncio.gather(*[one() for _ in range(40)])
    for request_id, types in results:
        assert types.count("content_block_delta") == DELTAS
        assert types[0] == "message_start" and types[-1] == "message_stop"
        received, writes = WRITE_LOG.entries[request_id]
        assert len(writes) == len(types)  # every event logged once
        deltas = [at for is_delta, at in writes if is_delta]
        # Never early: delta i is due TTFT + i * ITL after the request arrived (absolute
        # deadlines; a late tick may write it later, never sooner).
        for i, written in enumerate(deltas):
            assert written >= received + TTFT + i * ITL - 1e-6
        # The closing events go with the last delta, in the same write.
        assert [at for _, at in writes[-3:]] == [deltas[-1]] * 3
    assert not _SCHEDULERS[asyncio.get_running_loop()]._heap  # nothing left behind


def _pieces(deltas: int) -> list[bytes]:
    delta = {"type": "content_block_delta", "index": 0, "delta": {"type": "text_delta", "text": "hi"}}
    return [render_event(delta) for _ in range(deltas)] + [render_event({"type": "message_stop"})]


@pytest.fixture
async def raw_paced_server() -> AsyncIterator[str]:
    """A bare aiohttp app whose only handler paces a body that starts with a delta: nothing
    written through aiohttp but the headers (``prepare``) and the end (``write_eof``)."""

    async def handler(request: web.Request) -> web.StreamResponse:
        resp = web.StreamResponse(headers={"content-type": "text/event-stream"})
        resp.enable_chunked_encoding()
        await resp.prepare(request)
        await send_paced(
            request,
            resp,
            _pieces(3),
            ttft=0.0,
            itl=0.005,
            jitter=0.5,
            rng=random.Random(1),
            received=asyncio.get_running_loop().time(),
            log=None,
        )
        await resp.write_eof()
        return resp

    app = web.Application()
    app.router.add_get("/", handler)
    async with serve_app(app) as url:
        yield url + "/"


async def test_the_body_is_valid_chunks_between_aiohttps_headers_and_end(raw_paced_server: str) -> None:
    async with asyncio.timeout(10), aiohttp.ClientSession() as session:
        async with session.get(raw_paced_server) as resp:
            assert resp.status == 200 and resp.headers["content-type"] == "text/event-stream"
            body = await resp.read()
    assert body == b"".join(_pieces(3))


async def test_a_client_that_leaves_is_dropped_and_the_others_go_on(
    server: object, client: aclaude.Client, params: dict[str, object]
) -> None:
    slow = {"x-fake-pacing": "ttft=0,itl=0.05", "x-fake-deltas": "200"}
    async with asyncio.timeout(30):
        leaving = client.messages.create(**params, stream=True, extra_headers=slow)
        async with leaving:
            async for event in leaving:
                if event.type == "content_block_delta":
                    break  # closes the connection mid-stream
        staying = client.messages.create(**params, stream=True, extra_headers=PACED)
        text = [event.type async for event in staying]
        assert text.count("content_block_delta") == DELTAS
        # The dropped stream leaves the heap at its next due time (at most one ITL later).
        heap = _SCHEDULERS[asyncio.get_running_loop()]._heap
        for _ in range(300):  # bounded: 3 s at most, within the timeout
            if not heap:
                break
            await asyncio.sleep(0.01)
        assert not heap
