"""Several relay nodes sharing one real ``redis-server``: a reply started on node A, its socket
dropped mid-stream, resumed on node B (another process) from Redis: the rest arrives exactly
once, the upstream runs once on A and is not cancelled while B's browser reads it; a
conversation started on A continues on B. Redis down: the relay keeps working locally and says
so once in the log."""

from __future__ import annotations

from collections.abc import AsyncIterator

import aiohttp
import pytest
from _redis_support import RedisServer
from _relay_support import Frames, is_end, relay_node, serve_app, wait_until
from conftest import API_KEY

import aclaude
from aclaude.relay import RELAY_STATS, RedisStore, create_relay_app
from aclaude.testing import FakeAnthropic, Reply

TIMEOUT = 15.0
LONG = "".join(f"token{i} " for i in range(120))


@pytest.fixture
async def session() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as s:
        yield s


async def node_stats(session: aiohttp.ClientSession, url: str) -> dict[str, int]:
    async with session.get(url + "stats") as response:
        stats: dict[str, int] = await response.json()
        return stats


async def test_a_reconnect_lands_on_another_node(
    server: FakeAnthropic, redis_server: RedisServer, session: aiohttp.ClientSession
) -> None:
    # Long enough (about 2.4 s) that the drop and the reconnect happen mid-stream.
    server.enqueue(Reply.text(LONG, chunk_chars=5, delay_between=0.02))
    async with (
        relay_node(server.url, redis_server.url, grace=1.0) as node_a,
        relay_node(server.url, redis_server.url, grace=1.0) as node_b,
    ):
        seen = Frames()
        async with session.ws_connect(node_a + "ws") as ws:
            await ws.send_json({"prompt": "talk"})
            await seen.until(ws, lambda e: e["type"] == "content_block_delta", TIMEOUT)
        assert 0 < len(seen.text()) < len(LONG)
        async with session.ws_connect(node_b + "ws") as ws:
            await ws.send_json({"resume": seen.stream, "after": seen.seq})
            await seen.until(ws, is_end, TIMEOUT)  # fails on a gap or a repeat
        assert seen.text() == LONG
        assert seen.types().count("message_stop") == 1
        assert len(server.requests) == 1  # generated once, on A
        a, b = await node_stats(session, node_a), await node_stats(session, node_b)
        assert (a["streams_started"], a["streams_cancelled"], b["streams_started"]) == (1, 0, 0)
        assert (b["resumes"], b["resumes_remote"]) == (1, 1)

        # The conversation goes on from node B (its history is in Redis).
        server.enqueue(Reply.text("You asked me to talk."))
        conversation = seen.events[0]["conversation"]
        follow = Frames()
        async with session.ws_connect(node_b + "ws") as ws:
            await ws.send_json({"prompt": "What did I ask?", "conversation": conversation})
            await follow.until(ws, is_end, TIMEOUT)
        assert follow.text() == "You asked me to talk."
        messages = server.requests[1].json["messages"]
        assert [m["role"] for m in messages] == ["user", "assistant", "user"]
        assert messages[1]["content"][0]["text"] == LONG


async def test_no_reader_on_any_node_cancels_after_the_grace_period(
    server: FakeAnthropic, redis_server: RedisServer, session: aiohttp.ClientSession
) -> None:
    server.enqueue(Reply.text("x" * 300, chunk_chars=1, delay_between=0.05))
    async with relay_node(server.url, redis_server.url, grace=0.5) as node_a:
        seen = Frames()
        async with session.ws_connect(node_a + "ws") as ws:
            await ws.send_json({"prompt": "talk"})
            await seen.until(ws, lambda e: e["type"] == "content_block_delta", TIMEOUT)
        await wait_until(lambda: server.in_flight == 0, TIMEOUT, "node A to cancel the upstream")
        assert (await node_stats(session, node_a))["streams_cancelled"] == 1


async def test_redis_down_falls_back_to_local_and_logs_once(
    server: FakeAnthropic,
    redis_server: RedisServer,
    session: aiohttp.ClientSession,
    caplog: pytest.LogCaptureFixture,
) -> None:
    redis_server.stop()
    store = RedisStore(redis_server.url, socket_timeout=0.5)
    try:
        async with aclaude.Client(api_key=API_KEY, base_url=server.url, max_retries=0) as client:
            app = create_relay_app(client, model="claude-test", store=store, resume_grace=5.0)
            async with serve_app(app) as url:
                for _ in range(3):
                    server.enqueue(Reply.text("still here", chunk_chars=3))
                    seen = Frames()
                    async with session.ws_connect(url + "ws") as ws:
                        await ws.send_json({"prompt": "hi"})
                        await seen.until(ws, is_end, TIMEOUT)
                        assert seen.text() == "still here"
                        # Resume works on this node (memory), Redis or not.
                        again = Frames()
                        again.stream, again.seq = seen.stream, 2
                        await ws.send_json({"resume": seen.stream, "after": 2})
                        await again.until(ws, is_end, TIMEOUT)
                        assert again.events == seen.events[2:]
                assert app[RELAY_STATS].resumes == 3
    finally:
        await store.close()
    warnings = [
        r for r in caplog.records if r.name == "aclaude.relay" and "Redis unavailable" in r.getMessage()
    ]
    assert len(warnings) == 1, [r.getMessage() for r in warnings]
    assert store.failures >= 1


async def test_redis_lost_mid_reply_the_reply_goes_on_locally(
    server: FakeAnthropic,
    redis_server: RedisServer,
    session: aiohttp.ClientSession,
    caplog: pytest.LogCaptureFixture,
) -> None:
    store = RedisStore(redis_server.url, socket_timeout=0.5)
    try:
        async with aclaude.Client(api_key=API_KEY, base_url=server.url, max_retries=0) as client:
            app = create_relay_app(client, model="claude-test", store=store, resume_grace=5.0)
            async with serve_app(app) as url:
                server.enqueue(Reply.text(LONG, chunk_chars=5, delay_between=0.01))
                seen = Frames()
                async with session.ws_connect(url + "ws") as ws:
                    await ws.send_json({"prompt": "talk"})
                    await seen.until(ws, lambda e: e["type"] == "content_block_delta", TIMEOUT)
                    redis_server.stop()  # mid-reply: mirroring fails, the reply does not
                    await seen.until(ws, is_end, TIMEOUT)
                assert seen.text() == LONG
                again = Frames()
                again.stream, again.seq = seen.stream, seen.seq - 2
                async with session.ws_connect(url + "ws") as ws:
                    await ws.send_json({"resume": seen.stream, "after": seen.seq - 2})
                    await again.until(ws, is_end, TIMEOUT)
                assert again.events == seen.events[-2:]
    finally:
        await store.close()
    assert store.failures >= 1
    warnings = [r for r in caplog.records if "Redis unavailable" in r.getMessage()]
    assert len(warnings) == 1
    assert not [r for r in caplog.records if r.levelname == "ERROR"]  # no task failed


async def test_stop_on_another_node_stops_the_upstream(
    server: FakeAnthropic, redis_server: RedisServer, session: aiohttp.ClientSession
) -> None:
    server.enqueue(Reply.text("y" * 400, chunk_chars=1, delay_between=0.03))  # about 12 s
    async with (
        relay_node(server.url, redis_server.url, grace=5.0) as node_a,
        relay_node(server.url, redis_server.url, grace=5.0) as node_b,
    ):
        seen = Frames()
        async with session.ws_connect(node_a + "ws") as ws:
            await ws.send_json({"prompt": "talk"})
            await seen.until(ws, lambda e: e["type"] == "content_block_delta", TIMEOUT)
        async with session.ws_connect(node_b + "ws") as ws:
            await ws.send_json({"resume": seen.stream, "after": seen.seq})
            await seen.until(ws, lambda e: e["type"] == "content_block_delta", TIMEOUT)
            await ws.send_json({"stop": True})
            await seen.until(ws, is_end, TIMEOUT)
        assert seen.events[-1]["stop_reason"] == "cancelled"
        assert len(seen.text()) < 400
        await wait_until(lambda: server.in_flight == 0, TIMEOUT, "node A to close the upstream")
        assert (await node_stats(session, node_a))["streams_cancelled"] == 1
