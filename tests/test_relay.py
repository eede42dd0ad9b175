"""The websocket relay (``aclaude.relay``) with an aiohttp websocket client: the protocol, bytes
forwarded as received, errors, backpressure against a slow browser, and cancellation.

The slow-consumer tests stream 200,000 deltas (about 18 MB of event data) into a browser stand-in
that stops reading. The relay must stop reading upstream instead of buffering: its buffer stays
under ``max_pending_bytes``, what it read plateaus far below the stream's size, and (in its own
process) its resident memory barely moves. Closing the websocket must close the upstream
request at once, which the fake API sees as a disconnect.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import subprocess
import sys
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from _relay_support import serve_app, wait_until
from conftest import API_KEY

import aclaude
from aclaude.relay import RELAY_STATS, RelayStats, create_relay_app
from aclaude.testing import FakeAnthropic, Reply

ROOT = Path(__file__).resolve().parent.parent
RELAY_EXAMPLE = ROOT / "examples" / "relay" / "app.py"
TIMEOUT = 10.0
BIG_STREAM_DELTAS = 200_000


@pytest.fixture(autouse=True)
def _relay_logs_no_error(caplog: pytest.LogCaptureFixture) -> Iterator[None]:
    """A relay task that failed unexpectedly is logged, not raised: make it fail the test."""
    yield
    errors = [r for r in caplog.records if r.name.startswith("aclaude.relay") and r.levelno >= logging.ERROR]
    assert not errors, errors


@pytest.fixture
async def session() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as s:
        yield s


@pytest.fixture
async def relay(server: FakeAnthropic) -> AsyncIterator[tuple[str, RelayStats]]:
    async with aclaude.Client(api_key=API_KEY, base_url=server.url, max_retries=0) as client:
        app = create_relay_app(client, model="claude-test", max_tokens=77, system="Be brief.")
        async with serve_app(app) as url:
            yield url, app[RELAY_STATS]


async def receive_events(ws: aiohttp.ClientWebSocketResponse[Any]) -> tuple[list[dict[str, Any]], list[str]]:
    """Frames until message_stop or an error event: (the events, the raw frames)."""
    events: list[dict[str, Any]] = []
    frames: list[str] = []
    while True:
        msg = await asyncio.wait_for(ws.receive(), TIMEOUT)
        assert msg.type is aiohttp.WSMsgType.TEXT, msg
        frames.append(msg.data)
        batch = json.loads(msg.data)
        assert isinstance(batch, list)
        events.extend(batch)
        if batch[-1]["type"] in ("message_stop", "error"):
            return events, frames


def text_of(events: list[dict[str, Any]]) -> str:
    return "".join(e["delta"]["text"] for e in events if e["type"] == "content_block_delta")


# -- protocol ------------------------------------------------------------------------------------


async def test_page_is_served(relay: tuple[str, RelayStats], session: aiohttp.ClientSession) -> None:
    url, _ = relay
    async with session.get(url) as resp:
        assert resp.status == 200
        assert resp.content_type == "text/html"
        page = await resp.text()
    assert '<pre id="output"' in page and "new WebSocket" in page


async def test_round_trip(
    relay: tuple[str, RelayStats], server: FakeAnthropic, session: aiohttp.ClientSession
) -> None:
    url, stats = relay
    server.enqueue(Reply.text("Hello, relay! ünïcode ✓", chunk_chars=4))
    async with session.ws_connect(url + "ws") as ws:
        await ws.send_json({"prompt": "hi there"})
        events, _ = await receive_events(ws)
    assert text_of(events) == "Hello, relay! ünïcode ✓"
    # Only what the page needs: text deltas, then the usage and the end.
    types = [e["type"] for e in events]
    assert set(types[:-2]) == {"content_block_delta"}
    assert types[-2:] == ["message_delta", "message_stop"]
    body = server.requests[0].json
    assert body["messages"] == [{"role": "user", "content": "hi there"}]
    assert (body["model"], body["max_tokens"], body["system"]) == ("claude-test", 77, "Be brief.")
    await wait_until(lambda: stats.connections == 0, TIMEOUT, "the relay to see the close")
    assert (stats.streams_started, stats.streams_open, stats.streams_cancelled) == (1, 0, 0)
    assert stats.buffered_bytes == 0


async def test_events_are_forwarded_byte_for_byte(
    relay: tuple[str, RelayStats], server: FakeAnthropic, session: aiohttp.ClientSession
) -> None:
    # Fields aclaude's structs do not know (and the API's field order) survive: the relay
    # forwards the bytes it received; re-encoding a decoded event would drop or reorder them.
    delta = {
        "index": 0,
        "type": "content_block_delta",
        "delta": {"text": "hé", "type": "text_delta", "x": [1]},
    }
    server.enqueue(
        Reply.events(
            [
                {"type": "message_start", "message": _message_start()},
                {"type": "content_block_start", "index": 0, "content_block": {"type": "text", "text": ""}},
                delta,
                {"type": "content_block_stop", "index": 0},
                {
                    "type": "message_delta",
                    "delta": {"stop_reason": "end_turn"},
                    "usage": {"output_tokens": 1},
                },
                {"type": "message_stop"},
            ]
        )
    )
    async with session.ws_connect(url_of(relay) + "ws") as ws:
        await ws.send_json({"prompt": "hi"})
        events, frames = await receive_events(ws)
    wire = json.dumps(delta, ensure_ascii=False, separators=(",", ":"))
    assert wire in "".join(frames)
    assert events[0] == delta


async def test_api_error_reaches_the_page(
    relay: tuple[str, RelayStats], server: FakeAnthropic, session: aiohttp.ClientSession
) -> None:
    server.enqueue(Reply.error(529, "overloaded_error", "Overloaded"))
    async with session.ws_connect(url_of(relay) + "ws") as ws:
        await ws.send_json({"prompt": "hi"})
        events, _ = await receive_events(ws)
    assert events[-1]["type"] == "error"
    assert events[-1]["error"]["type"] == "overloaded_error"
    assert "Overloaded" in events[-1]["error"]["message"]


async def test_error_after_content_keeps_the_text(
    relay: tuple[str, RelayStats], server: FakeAnthropic, session: aiohttp.ClientSession
) -> None:
    # Paced, so that content is handed out before the error arrives (not read ahead with it).
    server.enqueue(Reply.text("abcdef", chunk_chars=1, error_event_after=5, delay_between=0.02))
    async with session.ws_connect(url_of(relay) + "ws") as ws:
        await ws.send_json({"prompt": "hi"})
        events, _ = await receive_events(ws)
    assert text_of(events) == "ab"  # message_start, block start, ping, "a", "b", then the error
    assert events[-1]["error"]["type"] == "overloaded_error"


async def test_unreachable_api_is_an_error_event(session: aiohttp.ClientSession) -> None:
    unreachable = f"http://127.0.0.1:{_closed_port()}"
    async with aclaude.Client(api_key=API_KEY, base_url=unreachable, max_retries=0) as client:
        async with serve_app(create_relay_app(client)) as url, session.ws_connect(url + "ws") as ws:
            await ws.send_json({"prompt": "hi"})
            events, _ = await receive_events(ws)
    assert events == [events[-1]] and events[-1]["error"]["type"] == "connection_error"


@pytest.mark.parametrize("message", ["not json", '{"prompt": 3}', '{"prompt": "   "}', "[]"])
async def test_invalid_messages_get_an_error(
    relay: tuple[str, RelayStats], session: aiohttp.ClientSession, message: str
) -> None:
    async with session.ws_connect(url_of(relay) + "ws") as ws:
        await ws.send_str(message)
        events, _ = await receive_events(ws)
    assert events[-1]["error"]["type"] == "invalid_request_error"


async def test_one_prompt_at_a_time_then_the_next(
    relay: tuple[str, RelayStats], server: FakeAnthropic, session: aiohttp.ClientSession
) -> None:
    server.enqueue(Reply.text("first", chunk_chars=1, hold_after_start=0.5), Reply.text("second"))
    async with session.ws_connect(url_of(relay) + "ws") as ws:
        await ws.send_json({"prompt": "one"})
        await ws.send_json({"prompt": "two, too early"})
        busy, _ = await receive_events(ws)  # answered before the first reply's first delta
        assert busy[-1]["error"]["message"] == "a reply is still streaming"
        first, _ = await receive_events(ws)
        await ws.send_json({"prompt": "two"})
        second, _ = await receive_events(ws)
    assert (text_of(busy), text_of(first), text_of(second)) == ("", "first", "second")


# -- backpressure and cancellation ----------------------------------------------------------------


async def test_slow_browser_bounds_the_relay_buffer(session: aiohttp.ClientSession) -> None:
    limit = 64 * 1024
    async with FakeAnthropic(deltas=BIG_STREAM_DELTAS) as server, aclaude.Client(
        api_key=API_KEY, base_url=server.url, max_retries=0
    ) as client:
        app = create_relay_app(client, max_pending_bytes=limit)
        stats = app[RELAY_STATS]
        async with serve_app(app) as url, session.ws_connect(url + "ws") as ws:
            await ws.send_json({"prompt": "a very long answer, please"})
            await asyncio.wait_for(ws.receive(), TIMEOUT)

            # The browser stops reading. The relay fills its buffer, then stops reading the API:
            # what it read levels off far below the stream's size.
            read_at_plateau = await _plateau(stats, seconds=0.5, timeout=30.0)
            total = _stream_data_bytes(BIG_STREAM_DELTAS)
            assert read_at_plateau < total / 2, (read_at_plateau, total)
            assert stats.buffered_bytes <= limit
            assert server.in_flight == 1  # the API's server is held by TCP, not finished

            # A slow reader: the bound holds while data moves.
            for _ in range(20):
                msg = await asyncio.wait_for(ws.receive(), TIMEOUT)
                assert msg.type is aiohttp.WSMsgType.TEXT
                assert stats.buffered_bytes <= limit
                await asyncio.sleep(0.01)
            assert stats.peak_buffered_bytes <= limit
            assert stats.upstream_bytes < total

            # Closing the websocket closes the upstream request: the fake API sees the client go.
            await ws.close()
            await wait_until(lambda: server.in_flight == 0, 5.0, "the fake API to see the disconnect")
            await wait_until(lambda: stats.streams_open == 0, 5.0, "the relay to close the stream")
        assert stats.streams_cancelled == 1
        assert stats.buffered_bytes == 0
        assert stats.upstream_bytes < total


async def test_closing_the_websocket_stops_a_waiting_stream(
    relay: tuple[str, RelayStats], server: FakeAnthropic, session: aiohttp.ClientSession
) -> None:
    # Nothing is being sent to the browser (the API is slow to start): the receive loop must
    # still notice the close and stop the request.
    server.enqueue(Reply.text("late", hold_after_start=30))
    url, stats = relay
    async with session.ws_connect(url + "ws") as ws:
        await ws.send_json({"prompt": "hi"})
        await wait_until(lambda: server.in_flight == 1, TIMEOUT, "the request to reach the API")
    await wait_until(lambda: server.in_flight == 0, 5.0, "the fake API to see the disconnect")
    await wait_until(lambda: stats.streams_open == 0, 5.0, "the relay to close the stream")
    assert stats.streams_cancelled == 1


async def test_server_shutdown_closes_open_sockets(
    server: FakeAnthropic, session: aiohttp.ClientSession
) -> None:
    server.enqueue(Reply.text("late", hold_after_start=30))
    async with aclaude.Client(api_key=API_KEY, base_url=server.url, max_retries=0) as client:
        app = create_relay_app(client)
        async with serve_app(app) as url:
            ws = await session.ws_connect(url + "ws")
            await ws.send_json({"prompt": "hi"})
            await wait_until(lambda: server.in_flight == 1, TIMEOUT, "the request to reach the API")
        # serve_app's cleanup ran the app's on_shutdown: the socket is closed, the stream too.
        msg = await asyncio.wait_for(ws.receive(), TIMEOUT)
        assert msg.type in (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSED)
        await ws.close()
        await wait_until(lambda: server.in_flight == 0, 5.0, "the fake API to see the disconnect")
        assert app[RELAY_STATS].streams_open == 0


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="reads VmRSS from /proc")
async def test_slow_browser_bounds_relay_process_memory(session: aiohttp.ClientSession) -> None:
    """The relay in its own process (examples/relay/app.py): its resident memory while a slow
    browser holds an 18 MB stream stays within a few MiB of what it was before."""
    async with FakeAnthropic(deltas=BIG_STREAM_DELTAS, record=False) as server:
        env = {**os.environ, "ANTHROPIC_API_KEY": API_KEY, "ANTHROPIC_BASE_URL": server.url}
        process = await asyncio.create_subprocess_exec(
            sys.executable, str(RELAY_EXAMPLE), "--port", "0",
            env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
        )  # fmt: skip
        try:
            assert process.stdout is not None
            line = (await asyncio.wait_for(process.stdout.readline(), TIMEOUT)).decode()
            assert line.startswith("relay listening on "), line
            url = line.split()[-1]
            async with session.ws_connect(url + "ws") as ws:
                # Warm up (imports, first connection), then measure from a stream's start.
                server.enqueue(Reply.text("ok"))
                await ws.send_json({"prompt": "short"})
                await receive_events(ws)
                before = _rss(process.pid)
                await ws.send_json({"prompt": "long"})
                await asyncio.wait_for(ws.receive(), TIMEOUT)
                # Stop reading until the relay stops reading upstream (its RSS levels off).
                await _rss_plateau(process.pid, seconds=0.5, timeout=30.0)
                grown = _rss(process.pid) - before
                assert server.in_flight == 1
            assert grown < 12 * 2**20, f"relay RSS grew {grown / 2**20:.1f} MiB for an 18 MB stream"
            await wait_until(lambda: server.in_flight == 0, 5.0, "the fake API to see the disconnect")
        finally:
            if process.returncode is None:
                process.terminate()
            await asyncio.wait_for(process.wait(), TIMEOUT)


# -- helpers -------------------------------------------------------------------------------------


def url_of(relay: tuple[str, RelayStats]) -> str:
    return relay[0]


def _message_start() -> dict[str, Any]:
    return {
        "id": "msg_1",
        "type": "message",
        "role": "assistant",
        "model": "m",
        "content": [],
        "stop_reason": None,
        "stop_sequence": None,
        "usage": {"input_tokens": 1, "output_tokens": 1},
    }


def _closed_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _stream_data_bytes(deltas: int) -> int:
    """The SSE data bytes of a generated stream of ``deltas`` 12-byte text deltas (approximately:
    the deltas dominate)."""
    one = '{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"lorem ipsum "}}'
    return deltas * len(one)


async def _plateau(stats: RelayStats, *, seconds: float, timeout: float) -> int:
    """Wait until ``stats.upstream_bytes`` has not changed for ``seconds``; return it."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    last, since = -1, loop.time()
    while loop.time() < deadline:
        assert stats.buffered_bytes <= stats.peak_buffered_bytes
        if stats.upstream_bytes != last:
            last, since = stats.upstream_bytes, loop.time()
        elif loop.time() - since >= seconds:
            return last
        await asyncio.sleep(0.02)
    raise AssertionError(f"the relay kept reading upstream for {timeout} s ({last} bytes)")


def _rss(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    raise AssertionError("no VmRSS")


async def _rss_plateau(pid: int, *, seconds: float, timeout: float) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    last, since = -1, loop.time()
    while loop.time() < deadline:
        rss = _rss(pid)
        if abs(rss - last) > 64 * 1024:
            last, since = rss, loop.time()
        elif loop.time() - since >= seconds:
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"relay RSS still moving after {timeout} s")
