"""The websocket relay (``aclaude.relay``) with an aiohttp websocket client: the handshake's
guards (origin, authentication, connection limits), the protocol, bytes forwarded as received,
errors (no internals reach the browser), backpressure against a slow browser, and cancellation.

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
from collections.abc import AsyncIterator, Hashable, Iterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from _relay_support import serve_app, wait_until
from aiohttp import web
from conftest import API_KEY

import aclaude
from aclaude.relay import RELAY_PRINCIPAL, RELAY_STATS, RelayStats, create_relay_app
from aclaude.testing import FakeAnthropic, Reply

ROOT = Path(__file__).resolve().parents[2]
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
        # No grace period: closing a socket cancels its reply at once (resume has its own tests).
        app = create_relay_app(client, model="claude-test", max_tokens=77, system="Be brief.", resume_grace=0)
        async with serve_app(app) as url:
            yield url, app[RELAY_STATS]


async def receive_events(ws: aiohttp.ClientWebSocketResponse[Any]) -> tuple[list[dict[str, Any]], list[str]]:
    """Frames until the reply's ``relay_end`` or an error outside a reply: (the events without
    the relay's own ``relay_start`` / ``relay_end``, the raw frames). Checks that the frames'
    sequence numbers follow each other."""
    events: list[dict[str, Any]] = []
    frames: list[str] = []
    seq = 0
    while True:
        msg = await asyncio.wait_for(ws.receive(), TIMEOUT)
        assert msg.type is aiohttp.WSMsgType.TEXT, msg
        frames.append(msg.data)
        frame = json.loads(msg.data)
        assert set(frame) == {"stream", "seq", "events"}, frame
        batch = frame["events"]
        if frame["stream"] is None:  # an error about the message, not a reply
            assert frame["seq"] == 0 and [e["type"] for e in batch] == ["error"]
            return batch, frames
        assert frame["seq"] == seq + len(batch), (seq, frame)
        seq = frame["seq"]
        events.extend(e for e in batch if e["type"] not in ("relay_start", "relay_end"))
        if batch[-1]["type"] == "relay_end":
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
    assert '<div id="conversation"' in page and "new WebSocket" in page


async def test_round_trip(
    relay: tuple[str, RelayStats], server: FakeAnthropic, session: aiohttp.ClientSession
) -> None:
    url, stats = relay
    server.enqueue(Reply.text("Hello, relay! ünïcode ✓", chunk_chars=4))
    async with session.ws_connect(url + "ws") as ws:
        await ws.send_json({"prompt": "hi there"})
        events, _ = await receive_events(ws)
    assert text_of(events) == "Hello, relay! ünïcode ✓"
    # Every event of the API's stream but pings (forward's default), in order.
    types = [e["type"] for e in events]
    assert types[:2] == ["message_start", "content_block_start"]
    assert set(types[2:-3]) == {"content_block_delta"}
    assert types[-3:] == ["content_block_stop", "message_delta", "message_stop"]
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
    assert events[2] == delta


async def test_api_error_reaches_the_page(
    relay: tuple[str, RelayStats], server: FakeAnthropic, session: aiohttp.ClientSession
) -> None:
    server.enqueue(Reply.error(529, "overloaded_error", "Overloaded"))
    async with session.ws_connect(url_of(relay) + "ws") as ws:
        await ws.send_json({"prompt": "hi"})
        events, _ = await receive_events(ws)
    # The API's error type and its own message: not aclaude's text around it (status code,
    # request id), which is for the server's log.
    assert events == [{"type": "error", "error": {"type": "overloaded_error", "message": "Overloaded"}}]


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


async def test_unreachable_api_is_an_error_event_without_internals(
    session: aiohttp.ClientSession, caplog: pytest.LogCaptureFixture
) -> None:
    port = _closed_port()
    unreachable = f"http://127.0.0.1:{port}"
    caplog.set_level(logging.WARNING, logger="aclaude.relay")
    async with aclaude.Client(api_key=API_KEY, base_url=unreachable, max_retries=0) as client:
        async with serve_app(create_relay_app(client)) as url, session.ws_connect(url + "ws") as ws:
            await ws.send_json({"prompt": "hi"})
            events, frames = await receive_events(ws)
    assert events == [
        {"type": "error", "error": {"type": "connection_error", "message": "could not reach the API"}}
    ]
    # Nothing about where the API is or how aiohttp failed reaches the browser ...
    for secret in (str(port), "127.0.0.1", "Connect", "Errno", API_KEY):
        assert secret not in frames[0], secret
    # ... it is in the server's log instead; the key never is.
    logged = [r.getMessage() for r in caplog.records if r.name == "aclaude.relay"]
    assert any("relay stream failed" in m and str(port) in m for m in logged), logged
    assert API_KEY not in caplog.text


async def test_api_timeout_is_a_fixed_message(server: FakeAnthropic, session: aiohttp.ClientSession) -> None:
    server.enqueue(Reply.text("late", hold_after_start=3))
    async with aclaude.Client(api_key=API_KEY, base_url=server.url, max_retries=0, timeout=0.3) as client:
        async with serve_app(create_relay_app(client)) as url, session.ws_connect(url + "ws") as ws:
            await ws.send_json({"prompt": "hi"})
            events, _ = await receive_events(ws)
    assert events[-1] == {
        "type": "error",
        "error": {"type": "connection_error", "message": "the API did not answer in time"},
    }


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


# -- the handshake: origin, authentication, limits ------------------------------------------------


async def handshake(session: aiohttp.ClientSession, url: str, **headers: str) -> int:
    """Open the relay's websocket: 101 if upgraded (then closed), else the refusal's status."""
    try:
        ws = await session.ws_connect(url + "ws", headers=headers)
    except aiohttp.WSServerHandshakeError as exc:
        return exc.status
    await ws.close()
    return 101


def origin_of(url: str) -> str:
    return url.rstrip("/")


@pytest.mark.parametrize(
    "origin",
    [
        "http://evil.example",
        "null",  # sandboxed iframes, file:// pages
        "https://{host}",  # the right host, another scheme
        "http://127.0.0.1:1",  # the right host, another port
        "http://localhost:{port}",  # another host name for the same socket
        "http://{host}/path",  # not an origin at all
    ],
)
async def test_foreign_origin_is_refused_before_any_api_request(
    relay: tuple[str, RelayStats], server: FakeAnthropic, session: aiohttp.ClientSession, origin: str
) -> None:
    url, stats = relay
    host = url.split("/")[2]
    server.enqueue(Reply.text("this must never be generated"))
    origin = origin.format(host=host, port=host.rsplit(":", 1)[1])
    assert await handshake(session, url, Origin=origin) == 403
    assert server.requests == []
    assert (stats.refused_origin, stats.streams_started, stats.connections) == (1, 0, 0)


async def test_same_origin_streams(
    relay: tuple[str, RelayStats], server: FakeAnthropic, session: aiohttp.ClientSession
) -> None:
    url, stats = relay
    server.enqueue(Reply.text("same origin ok"))
    # What a browser sends from the relay's own page (case and a default port do not matter).
    async with session.ws_connect(url + "ws", headers={"Origin": origin_of(url).upper()}) as ws:
        await ws.send_json({"prompt": "hi"})
        events, _ = await receive_events(ws)
    assert text_of(events) == "same origin ok"
    assert stats.refused_origin == 0


async def test_allowed_origins_widen_the_check(server: FakeAnthropic, session: aiohttp.ClientSession) -> None:
    async with aclaude.Client(api_key=API_KEY, base_url=server.url, max_retries=0) as client:
        app = create_relay_app(
            client, allowed_origins=["https://app.example.com", "http://other.example:8443"]
        )
        async with serve_app(app) as url:
            server.enqueue(Reply.text("widened"))
            async with session.ws_connect(url + "ws", headers={"Origin": "https://app.example.com"}) as ws:
                await ws.send_json({"prompt": "hi"})
                events, _ = await receive_events(ws)
            assert text_of(events) == "widened"
            assert await handshake(session, url, Origin="https://app.example.com:443") == 101
            assert await handshake(session, url, Origin="http://other.example:8443") == 101
            assert await handshake(session, url, Origin=origin_of(url)) == 101  # its own, still
            # Exact origins: not another scheme, port or subdomain.
            for origin in ("http://app.example.com", "http://other.example", "https://evil.app.example.com"):
                assert await handshake(session, url, Origin=origin) == 403, origin
        assert len(server.requests) == 1


async def test_allowed_origins_star_allows_any(server: FakeAnthropic, session: aiohttp.ClientSession) -> None:
    async with aclaude.Client(api_key=API_KEY, base_url=server.url, max_retries=0) as client:
        async with serve_app(create_relay_app(client, allowed_origins=["*"])) as url:
            assert await handshake(session, url, Origin="http://evil.example") == 101
            assert await handshake(session, url, Origin="null") == 101


def test_allowed_origins_must_be_origins() -> None:
    client = aclaude.Client(api_key=API_KEY)
    with pytest.raises(ValueError, match="not an origin"):
        create_relay_app(client, allowed_origins=["app.example.com"])  # no scheme


async def test_missing_origin_is_allowed(
    relay: tuple[str, RelayStats], session: aiohttp.ClientSession
) -> None:
    # A non-browser client (aiohttp's ws_connect sends no Origin): not a cross-site request.
    url, _ = relay
    seen: list[str | None] = []

    async def trace(_session: Any, _ctx: Any, params: aiohttp.TraceRequestEndParams) -> None:
        seen.append(params.headers.get("Origin"))

    config = aiohttp.TraceConfig()
    config.on_request_end.append(trace)
    async with aiohttp.ClientSession(trace_configs=[config]) as traced:
        assert await handshake(traced, url) == 101
    assert seen == [None]


TOKENS = {"Bearer alice-token": "alice", "Bearer bob-token": "bob"}


async def auth_by_header(request: web.Request) -> Hashable | None:
    await asyncio.sleep(0)
    return TOKENS.get(request.headers.get("Authorization", ""))


def auth_by_header_sync(request: web.Request) -> Hashable | None:
    return TOKENS.get(request.headers.get("Authorization", ""))


@pytest.mark.parametrize("authenticate", [auth_by_header, auth_by_header_sync], ids=["async", "sync"])
async def test_authenticate(server: FakeAnthropic, session: aiohttp.ClientSession, authenticate: Any) -> None:
    principals: list[Hashable] = []

    async def record(request: web.Request, response: web.StreamResponse) -> None:
        if isinstance(response, web.WebSocketResponse):  # refusals are responses too
            principals.append(request[RELAY_PRINCIPAL])

    async with aclaude.Client(api_key=API_KEY, base_url=server.url, max_retries=0) as client:
        app = create_relay_app(client, authenticate=authenticate)
        app.on_response_prepare.append(record)
        stats = app[RELAY_STATS]
        server.enqueue(Reply.text("for alice"))
        async with serve_app(app) as url:
            # No credentials, or wrong ones: 401 before the upgrade; nothing reaches the API.
            assert await handshake(session, url) == 401
            assert await handshake(session, url, Authorization="Bearer mallory") == 401
            assert server.requests == [] and principals == []
            assert stats.refused_unauthenticated == 2
            headers = {"Authorization": "Bearer alice-token"}
            async with session.ws_connect(url + "ws", headers=headers) as ws:
                await ws.send_json({"prompt": "hi"})
                events, _ = await receive_events(ws)
        assert text_of(events) == "for alice"
        assert principals == ["alice"]
        assert len(server.requests) == 1


async def test_too_many_connections_is_429(server: FakeAnthropic, session: aiohttp.ClientSession) -> None:
    async with aclaude.Client(api_key=API_KEY, base_url=server.url, max_retries=0) as client:
        app = create_relay_app(client, max_connections=2)
        stats = app[RELAY_STATS]
        async with serve_app(app) as url:
            first = await session.ws_connect(url + "ws")
            second = await session.ws_connect(url + "ws")
            assert await handshake(session, url) == 429
            assert stats.refused_limit == 1
            await first.close()
            await wait_until(lambda: stats.connections == 1, TIMEOUT, "the relay to see the close")
            # A freed slot is reusable.
            async with session.ws_connect(url + "ws") as third:
                server.enqueue(Reply.text("third"))
                await third.send_json({"prompt": "hi"})
                events, _ = await receive_events(third)
            assert text_of(events) == "third"
            await second.close()
        assert len(server.requests) == 1


async def test_streams_per_principal_are_capped(
    server: FakeAnthropic, session: aiohttp.ClientSession
) -> None:
    async with aclaude.Client(api_key=API_KEY, base_url=server.url, max_retries=0) as client:
        app = create_relay_app(
            client, authenticate=auth_by_header, max_streams_per_principal=2, resume_grace=0
        )
        stats = app[RELAY_STATS]
        alice = {"Authorization": "Bearer alice-token"}
        async with serve_app(app) as url:
            # Two replies streaming (held by the fake API) for alice: a third socket is refused,
            # bob (another principal) is not.
            server.enqueue(Reply.text("a", hold_after_start=30), Reply.text("b", hold_after_start=30))
            sockets = [await session.ws_connect(url + "ws", headers=alice) for _ in range(2)]
            for ws in sockets:
                await ws.send_json({"prompt": "hi"})
            await wait_until(lambda: server.in_flight == 2, TIMEOUT, "both streams to reach the API")
            assert await handshake(session, url, **alice) == 429
            assert await handshake(session, url, Authorization="Bearer bob-token") == 101
            assert stats.refused_limit == 1 and len(server.requests) == 2
            for ws in sockets:
                await ws.close()
            await wait_until(lambda: stats.streams_open == 0, TIMEOUT, "the relay to close the streams")
            assert await handshake(session, url, **alice) == 101


async def test_default_cap_per_remote_address(server: FakeAnthropic, session: aiohttp.ClientSession) -> None:
    # Without an authenticate hook, the principal is the peer's address: 4 sockets by default.
    async with aclaude.Client(api_key=API_KEY, base_url=server.url, max_retries=0) as client:
        app = create_relay_app(client)
        async with serve_app(app) as url:
            sockets = [await session.ws_connect(url + "ws") for _ in range(4)]
            assert await handshake(session, url) == 429
            for ws in sockets:
                await ws.close()
        assert app[RELAY_STATS].refused_limit == 1


# -- backpressure and cancellation ----------------------------------------------------------------


async def test_slow_browser_bounds_the_relay_buffer(session: aiohttp.ClientSession) -> None:
    limit = 64 * 1024
    async with (
        FakeAnthropic(deltas=BIG_STREAM_DELTAS) as server,
        aclaude.Client(api_key=API_KEY, base_url=server.url, max_retries=0) as client,
    ):
        # max_tokens: the fake honours it, and this stream must be long.
        app = create_relay_app(
            client, max_pending_bytes=limit, max_tokens=BIG_STREAM_DELTAS, resume_grace=0
        )
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
        while msg.type is aiohttp.WSMsgType.TEXT:  # relay_start
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
            sys.executable, str(RELAY_EXAMPLE), "--port", "0", "--max-tokens", str(BIG_STREAM_DELTAS),
            "--resume-grace", "0",
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
