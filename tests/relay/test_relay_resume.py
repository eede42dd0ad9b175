"""Resume after a drop, on one node: numbered frames, the missed events then the live rest
exactly once, the upstream neither restarted nor cancelled within the grace period, cancelled
after it; the buffers' bounds (``ReplyLog`` directly, and through the app)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest
from _relay_support import Frames, is_end, serve_app, wait_until
from aiohttp import web
from conftest import API_KEY

import aclaude
from aclaude.relay import RELAY_STATS, RelayStats, create_relay_app
from aclaude.relay._replay import Budget, ReplyLog
from aclaude.testing import FakeAnthropic, Reply

TIMEOUT = 10.0
LONG = "".join(f"word{i} " for i in range(150))


@pytest.fixture
async def session() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as s:
        yield s


def auth_by_header(request: web.Request) -> str | None:
    token = request.headers.get("Authorization", "")
    return token.removeprefix("Bearer ") or None


async def make_app(server: FakeAnthropic, **options: Any) -> AsyncIterator[tuple[str, RelayStats]]:
    async with aclaude.Client(api_key=API_KEY, base_url=server.url, max_retries=0) as client:
        app = create_relay_app(client, model="claude-test", **options)
        async with serve_app(app) as url:
            yield url, app[RELAY_STATS]


@pytest.fixture
async def relay(server: FakeAnthropic) -> AsyncIterator[tuple[str, RelayStats]]:
    async for pair in make_app(server, resume_grace=5.0, authenticate=auth_by_header):
        yield pair


ALICE = {"Authorization": "Bearer alice"}


async def test_resume_after_a_drop_gets_the_rest_exactly_once(
    relay: tuple[str, RelayStats], server: FakeAnthropic, session: aiohttp.ClientSession
) -> None:
    url, stats = relay
    server.enqueue(Reply.text(LONG, chunk_chars=7, delay_between=0.005))
    seen = Frames()
    async with session.ws_connect(url + "ws", headers=ALICE) as ws:
        await ws.send_json({"prompt": "talk"})
        await seen.until(ws, lambda e: e["type"] == "content_block_delta" and len(seen.text()) > 100, TIMEOUT)
    # The socket is gone mid-reply; the upstream goes on (the grace period), filling the buffer.
    assert 100 < len(seen.text()) < len(LONG)
    await asyncio.sleep(0.2)
    assert server.in_flight == 1 and stats.streams_cancelled == 0
    async with session.ws_connect(url + "ws", headers=ALICE) as ws:
        await ws.send_json({"resume": seen.stream, "after": seen.seq})
        await seen.until(ws, is_end, TIMEOUT)  # Frames fails on a gap or a repeat
    assert seen.text() == LONG
    assert seen.types().count("message_stop") == 1 and seen.types()[-1] == "relay_end"
    assert len(server.requests) == 1  # not restarted, not paid twice
    assert (stats.resumes, stats.streams_started, stats.streams_cancelled) == (1, 1, 0)


async def test_resume_from_an_earlier_point_repeats_nothing_else(
    relay: tuple[str, RelayStats], server: FakeAnthropic, session: aiohttp.ClientSession
) -> None:
    # A browser whose last frames were lost in the drop asks from an earlier seq: it gets
    # exactly the events after it, the same bytes as the first time.
    url, _stats = relay
    server.enqueue(Reply.text("one two three four five six", chunk_chars=3))
    first = Frames()
    async with session.ws_connect(url + "ws", headers=ALICE) as ws:
        await ws.send_json({"prompt": "count"})
        await first.until(ws, is_end, TIMEOUT)
    again = Frames()
    again.stream, again.seq = first.stream, 3
    async with session.ws_connect(url + "ws", headers=ALICE) as ws:
        await ws.send_json({"resume": first.stream, "after": 3})
        await again.until(ws, is_end, TIMEOUT)
    assert again.events == first.events[3:]


async def test_no_client_past_the_grace_period_cancels_the_upstream(
    server: FakeAnthropic, session: aiohttp.ClientSession
) -> None:
    async for url, stats in make_app(server, resume_grace=0.3):
        server.enqueue(Reply.text("x" * 400, chunk_chars=1, delay_between=0.05))
        seen = Frames()
        async with session.ws_connect(url + "ws") as ws:
            await ws.send_json({"prompt": "talk"})
            await seen.until(ws, lambda e: e["type"] == "content_block_delta", TIMEOUT)
        await wait_until(lambda: server.in_flight == 0, 5.0, "the upstream to be cancelled")
        assert stats.streams_cancelled == 1 and stats.streams_open == 0
        await wait_until(lambda s=stats: s.resume_bytes == 0, 5.0, "the buffer to be given back")  # type: ignore[misc]
        async with session.ws_connect(url + "ws") as ws:
            await ws.send_json({"resume": seen.stream, "after": seen.seq})
            msg = await asyncio.wait_for(ws.receive_json(), TIMEOUT)
        assert msg["events"][0]["error"]["type"] == "resume_unavailable"


async def test_stop_cancels_at_once(
    relay: tuple[str, RelayStats], server: FakeAnthropic, session: aiohttp.ClientSession
) -> None:
    url, stats = relay
    server.enqueue(Reply.text("x" * 400, chunk_chars=1, delay_between=0.05))
    seen = Frames()
    async with session.ws_connect(url + "ws", headers=ALICE) as ws:
        await ws.send_json({"prompt": "talk"})
        await seen.until(ws, lambda e: e["type"] == "content_block_delta", TIMEOUT)
        await ws.send_json({"stop": True})
        await seen.until(ws, is_end, TIMEOUT)
        await wait_until(lambda: server.in_flight == 0, 5.0, "the upstream to be cancelled")
    assert stats.streams_cancelled == 1


async def test_another_principal_cannot_resume(
    relay: tuple[str, RelayStats], server: FakeAnthropic, session: aiohttp.ClientSession
) -> None:
    url, stats = relay
    server.enqueue(Reply.text("secret reply", chunk_chars=3))
    seen = Frames()
    async with session.ws_connect(url + "ws", headers=ALICE) as ws:
        await ws.send_json({"prompt": "hi"})
        await seen.until(ws, is_end, TIMEOUT)
    async with session.ws_connect(url + "ws", headers={"Authorization": "Bearer mallory"}) as ws:
        await ws.send_json({"resume": seen.stream, "after": 0})
        msg = await asyncio.wait_for(ws.receive_json(), TIMEOUT)
    assert msg == {"stream": None, "seq": 0, "events": [
        {"type": "error", "error": {"type": "not_found_error", "message": "unknown stream"}}
    ]}  # fmt: skip
    assert stats.resumes == 0


@pytest.mark.parametrize(
    "message", [{"resume": 3, "after": 0}, {"resume": "x", "after": -1}, {"resume": "x"}]
)
async def test_bad_or_unknown_resumes_get_an_error(
    relay: tuple[str, RelayStats], session: aiohttp.ClientSession, message: dict[str, Any]
) -> None:
    url, _stats = relay
    async with session.ws_connect(url + "ws", headers=ALICE) as ws:
        await ws.send_json(message)
        msg = await asyncio.wait_for(ws.receive_json(), TIMEOUT)
    assert msg["stream"] is None
    assert msg["events"][0]["error"]["type"] in ("invalid_request_error", "resume_unavailable")


async def test_resume_buffer_is_bounded_per_reply(
    server: FakeAnthropic, session: aiohttp.ClientSession
) -> None:
    async for url, stats in make_app(server, max_resume_bytes=2000, resume_grace=5.0):
        server.enqueue(Reply.text(LONG, chunk_chars=2))
        seen = Frames()
        async with session.ws_connect(url + "ws") as ws:
            await ws.send_json({"prompt": "talk"})
            await seen.until(ws, is_end, TIMEOUT)
            # Everything was sent; only the last ~2000 bytes are kept for a resume.
            assert stats.resume_bytes <= 2000
            await ws.send_json({"resume": seen.stream, "after": 1})
            msg = await asyncio.wait_for(ws.receive_json(), TIMEOUT)
            assert msg["events"][0]["error"]["type"] == "resume_unavailable"
            tail = Frames()
            tail.stream, tail.seq = seen.stream, seen.seq - 3
            await ws.send_json({"resume": seen.stream, "after": seen.seq - 3})
            await tail.until(ws, is_end, TIMEOUT)
            assert tail.events == seen.events[-3:]


# -- ReplyLog, directly ---------------------------------------------------------------------------


async def test_reply_log_keeps_unsent_events_and_trims_sent_ones() -> None:
    budget = Budget(limit=10_000)
    log = ReplyLog(max_pending=100, max_bytes=50, budget=budget)
    for _ in range(5):
        await log.append(b"x" * 20, attached=True)  # 100 bytes pending: at the bound
    assert log.since(0) == (5, [b"x" * 20] * 5)
    assert budget.pending == 100 and budget.held == 100  # unsent events are never dropped
    waiting = asyncio.ensure_future(log.append(b"y" * 20, attached=True))
    await asyncio.sleep(0.01)
    assert not waiting.done()  # backpressure: over max_pending
    log.sent(5)
    assert await asyncio.wait_for(waiting, 1) == 6
    # Sent events beyond max_bytes are dropped, oldest first.
    assert log.held_bytes <= 50 and log.first_available == 5
    assert log.since(0) is None and log.since(4) == (6, [b"x" * 20, b"y" * 20])
    assert budget.pending == 20
    log.close()
    log.discard()
    assert budget.held == 0 and budget.pending == 0


async def test_reply_log_total_budget_trims_across_replies() -> None:
    budget = Budget(limit=100)
    logs = [ReplyLog(max_pending=1000, max_bytes=1000, budget=budget) for _ in range(3)]
    for log in logs:
        for _ in range(4):
            seq = await log.append(b"z" * 10, attached=True)
            log.sent(seq)
    for log in logs:
        for _ in range(4):
            seq = await log.append(b"z" * 10, attached=True)
            log.sent(seq)
    assert budget.held <= 100 and budget.peak <= 110


async def test_a_detached_unmirrored_reply_waits_for_its_browser() -> None:
    log = ReplyLog(max_pending=30, max_bytes=1000, budget=Budget(limit=10_000))
    await log.append(b"a" * 20, attached=False)
    blocked = asyncio.ensure_future(log.append(b"b" * 20, attached=False))
    await asyncio.sleep(0.01)
    assert not blocked.done()
    log.mirrored = True  # a store has every event: another node may serve the browser
    log.close()  # wakes the waiter; it re-checks and passes
    await asyncio.wait_for(blocked, 1)


async def test_dropped_replies_still_count_against_the_principal(
    server: FakeAnthropic, session: aiohttp.ClientSession
) -> None:
    # Drop and reconnect cannot multiply upstream streams: a reply in its grace period counts.
    async for url, stats in make_app(server, max_streams_per_principal=2, resume_grace=5.0):
        server.enqueue(*(Reply.text("z" * 200, chunk_chars=1, delay_between=0.05) for _ in range(3)))
        for _ in range(2):
            seen = Frames()
            async with session.ws_connect(url + "ws") as ws:
                await ws.send_json({"prompt": "talk"})
                await seen.until(ws, lambda e: e["type"] == "content_block_delta", TIMEOUT)
        async with session.ws_connect(url + "ws") as ws:
            await ws.send_json({"prompt": "a third"})
            msg = await asyncio.wait_for(ws.receive_json(), TIMEOUT)
        assert msg["events"][0]["error"] == {
            "type": "rate_limit_error",
            "message": "too many replies streaming at once",
        }
        assert len(server.requests) == 2 and stats.refused_limit == 1
