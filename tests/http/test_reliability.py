"""The reliability matrix over real loopback HTTP (docs/architecture.md lists where each rule lives).

Timeouts (headers never sent, pings only, silence, an endless trickle, a long healthy stream),
the connection pool under early exits and cancellation, client options as the server sees them,
response metadata, and the stream faults: a socket closed mid-event, a clean EOF without
``message_stop``, an endless line, bytes that are not UTF-8 or JSON, unknown types. Every wait
is bounded with ``asyncio.timeout``; warnings are errors, so an unclosed session or socket fails.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import json
import os
import socket
import time
import tracemalloc
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from typing import Any

import aiohttp
import msgspec
import pytest

import aclaude
import aclaude._http.retry
from aclaude.testing import CustomBlock, FakeAnthropic, Reply, TextBlock

API_KEY = "sk-ant-test-not-a-real-key"
PARAMS: dict[str, Any] = {
    "model": "claude-sonnet-4-6",
    "max_tokens": 64,
    "messages": [{"role": "user", "content": "Hello"}],
}
LIMIT = 10.0
HELLO = "Hello world!"


def hello(**options: Any) -> Reply:
    """message_start, content_block_start, ping, 4 deltas ("Hel", "lo ", "wor", "ld!"), stop..."""
    return Reply.text(HELLO, chunk_chars=3, **options)


def sse(*events: dict[str, Any]) -> bytes:
    return b"".join(f"event: {e['type']}\ndata: {json.dumps(e)}\n\n".encode() for e in events)


START = {
    "type": "message_start",
    "message": {
        "id": "msg_01",
        "type": "message",
        "role": "assistant",
        "model": "claude-sonnet-4-6",
        "content": [],
        "stop_reason": None,
        "stop_sequence": None,
        "usage": {"input_tokens": 3, "output_tokens": 1},
    },
}
BLOCK_START = {"type": "content_block_start", "index": 0, "content_block": {"type": "text", "text": ""}}
DELTA = {"type": "content_block_delta", "index": 0, "delta": {"type": "text_delta", "text": "Hi"}}
BLOCK_STOP = {"type": "content_block_stop", "index": 0}
MESSAGE_DELTA = {
    "type": "message_delta",
    "delta": {"stop_reason": "end_turn", "stop_sequence": None},
    "usage": {"output_tokens": 2},
}
STOP = {"type": "message_stop"}


@pytest.fixture(autouse=True)
def fast_backoff(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(aclaude._http.retry, "INITIAL_RETRY_DELAY", 0.001)


@pytest.fixture
async def server() -> AsyncIterator[FakeAnthropic]:
    async with FakeAnthropic() as fake:
        yield fake


def make_client(server: FakeAnthropic, **options: Any) -> aclaude.Client:
    options.setdefault("max_retries", 0)
    return aclaude.Client(api_key=API_KEY, base_url=server.url, **options)


@pytest.fixture
async def client(server: FakeAnthropic) -> AsyncIterator[aclaude.Client]:
    async with make_client(server) as c:
        yield c


async def drain(client: aclaude.Client, call: str, **kwargs: Any) -> Any:
    """Run one request to the end the way ``call`` names: the three shapes of the API."""
    async with asyncio.timeout(LIMIT):
        if call == "create":
            return await client.messages.create(**PARAMS, **kwargs)
        if call == "stream":
            async with client.messages.stream(**PARAMS, **kwargs) as stream:
                return await stream.get_final_message()
        async with client.messages.create(**PARAMS, stream=True, **kwargs) as events:
            return [event async for event in events]


CALLS = ["create", "stream", "create_stream"]


def fd_count() -> int:
    return len(os.listdir("/proc/self/fd"))


async def settle(baseline_tasks: set[asyncio.Task[Any]], baseline_fds: int, slack: int = 3) -> None:
    """Wait (bounded) until the tasks and file descriptors are back to the baseline."""
    gc.collect()
    async with asyncio.timeout(5):
        while True:
            extra = {t for t in asyncio.all_tasks() if not t.done()} - baseline_tasks
            if not extra and fd_count() <= baseline_fds + slack:
                return
            await asyncio.sleep(0.01)


async def until(predicate: Callable[[], bool]) -> None:
    """Poll ``predicate`` every millisecond (callers bound the wait)."""
    while True:
        if predicate():
            return
        await asyncio.sleep(0.001)


def acquired(client: aclaude.Client) -> int:
    connector = client._get_session().connector
    assert isinstance(connector, aiohttp.BaseConnector)
    return len(connector._acquired)


# == timeouts =====================================================================================


@pytest.mark.parametrize("where", ["client", "call", "call-float"])
async def test_headers_never_sent_times_out(server: FakeAnthropic, where: str) -> None:
    limit = aclaude.Timeout(read=0.2)
    server.enqueue(hello(delay_headers=30.0))
    async with make_client(server, **({"timeout": limit} if where == "client" else {})) as client:
        per_call: dict[str, Any] = {}
        if where == "call":
            per_call = {"timeout": limit}
        elif where == "call-float":
            per_call = {"timeout": 0.2}
        started = time.monotonic()
        with pytest.raises(aclaude.APITimeoutError) as info:
            await drain(client, "create", **per_call)
        assert 0.15 < time.monotonic() - started < 5.0
        assert info.value.events_received == 0
    assert len(server.requests) == 1


async def test_total_deadline_before_headers(server: FakeAnthropic, client: aclaude.Client) -> None:
    server.enqueue(hello(delay_headers=30.0))
    started = time.monotonic()
    with pytest.raises(aclaude.APITimeoutError):
        await drain(client, "create", timeout=aclaude.Timeout(read=None, total=0.3))
    assert 0.25 < time.monotonic() - started < 5.0


@pytest.fixture
def unanswered_port() -> Iterator[int]:
    """A loopback port whose listener never accepts and whose accept queue is full: a connect
    to it hangs (its SYN is dropped), which is how a connect timeout looks from here."""
    listener = socket.socket()
    fillers: list[socket.socket] = []
    try:
        listener.bind(("127.0.0.1", 0))
        listener.listen(0)
        port: int = listener.getsockname()[1]
        for _ in range(3):
            filler = socket.socket()
            fillers.append(filler)
            filler.setblocking(False)
            with contextlib.suppress(BlockingIOError):
                filler.connect(("127.0.0.1", port))
        yield port
    finally:
        for filler in fillers:
            filler.close()
        listener.close()


@pytest.mark.parametrize("where", ["client", "call"])
async def test_connect_timeout(unanswered_port: int, where: str) -> None:
    limit = aclaude.Timeout(connect=0.3, read=30.0)
    async with aclaude.Client(
        api_key=API_KEY,
        base_url=f"http://127.0.0.1:{unanswered_port}",
        max_retries=1,
        **({"timeout": limit} if where == "client" else {}),
    ) as client:
        started = time.monotonic()
        with pytest.raises(aclaude.APITimeoutError):
            await drain(client, "create", **({"timeout": limit} if where == "call" else {}))
        # Two attempts (a connect timeout is retried), each cut at 0.3 s.
        assert 0.55 < time.monotonic() - started < 5.0


@pytest.mark.parametrize("call", CALLS)
async def test_pings_only_after_content_start_times_out(server: FakeAnthropic, call: str) -> None:
    # message_start and content_block_start, then a ping every 50 ms: the socket is busy, the
    # stream makes no progress. The idle limit is the read timeout.
    server.enqueue(hello().with_options(stall_after=2, stall_with="pings", stall_interval=0.05))
    async with make_client(server, max_retries=2, timeout=aclaude.Timeout(read=0.4)) as client:
        started = time.monotonic()
        with pytest.raises(aclaude.APITimeoutError) as info:
            await drain(client, call)
        elapsed = time.monotonic() - started
    assert 0.35 < elapsed < 5.0
    assert info.value.events_received >= 2
    assert len(server.requests) == 1  # content_block_start was handed out: no retry
    if call != "create_stream":
        assert isinstance(info.value.partial_message, aclaude.Message)


async def test_pings_only_after_message_start_times_out(server: FakeAnthropic) -> None:
    server.enqueue(
        hello().with_options(stall_after=1, stall_with="pings", stall_interval=0.05, stall_for=2.5)
    )
    async with make_client(server, timeout=aclaude.Timeout(read=0.3)) as client:
        started = time.monotonic()
        with pytest.raises(aclaude.APITimeoutError):
            await drain(client, "create")
        assert time.monotonic() - started < 2.0


async def test_a_slow_consumer_is_not_an_idle_stream(server: FakeAnthropic) -> None:
    # The server sends an event every 50 ms; the consumer takes 0.6 s over one ping (say, a
    # relay forwarding it to a slow browser). The stream was never idle.
    server.enqueue(
        Reply.events(
            [START, BLOCK_START, DELTA, {"type": "ping"}, DELTA, DELTA, BLOCK_STOP, MESSAGE_DELTA, STOP],
            delay_between=0.05,
        )
    )
    async with make_client(server, timeout=aclaude.Timeout(read=0.3)) as client:
        async with asyncio.timeout(LIMIT), client.messages.create(**PARAMS, stream=True) as events:
            seen = []
            async for event in events:
                seen.append(event.type)
                if event.type == "ping":
                    await asyncio.sleep(0.6)
    assert seen[-1] == "message_stop"


@pytest.mark.parametrize("stall_after", [0, 2, 5], ids=["after-headers", "after-block-start", "mid-text"])
async def test_silence_times_out(server: FakeAnthropic, stall_after: int) -> None:
    server.enqueue(hello().with_options(stall_after=stall_after, stall_with="nothing"))
    async with make_client(server, timeout=aclaude.Timeout(read=0.3)) as client:
        started = time.monotonic()
        with pytest.raises(aclaude.APITimeoutError) as info:
            await drain(client, "stream")
        assert 0.25 < time.monotonic() - started < 5.0
    assert info.value.events_received == stall_after


@pytest.mark.parametrize("where", ["client", "call"])
async def test_endless_trickle_hits_the_total_deadline(server: FakeAnthropic, where: str) -> None:
    # One delta every 50 ms, forever: no idle limit trips, only the overall deadline does.
    server.enqueue(hello().with_options(stall_after=4, stall_with="deltas", stall_interval=0.05))
    limit = aclaude.Timeout(read=0.3, total=1.0)
    async with make_client(server, **({"timeout": limit} if where == "client" else {})) as client:
        started = time.monotonic()
        with pytest.raises(aclaude.APITimeoutError) as info:
            await drain(client, "stream", **({"timeout": limit} if where == "call" else {}))
        assert 0.9 < time.monotonic() - started < 5.0
    assert info.value.events_received > 10
    text = info.value.partial_message.content[0].text
    assert text.startswith("Hel") and text.endswith("...")


async def test_long_healthy_stream_is_not_cut(server: FakeAnthropic) -> None:
    # 40 events 50 ms apart (2 s) under a 0.3 s idle limit and no total deadline.
    server.enqueue(Reply.text("x" * 30, chunk_chars=1, delay_between=0.05))
    async with make_client(server, timeout=aclaude.Timeout(read=0.3)) as client:
        message = await drain(client, "stream")
        assert message.content[0].text == "x" * 30
        # aiohttp's own default (a 300 s total per request) must not apply to streams.
        assert client._get_session().timeout.total is None
        assert client.timeout.total is None
    assert aclaude.Client().timeout.total is None  # never opened: nothing to close


async def test_pings_between_deltas_do_not_trip_the_idle_limit(server: FakeAnthropic) -> None:
    # Progress every 0.1 s with pings in between: the idle timer restarts on each delta.
    events = [START, BLOCK_START]
    for _ in range(8):
        events += [{"type": "ping"}, DELTA]
    events += [BLOCK_STOP, MESSAGE_DELTA, STOP]
    server.enqueue(Reply.events(events, delay_between=0.05))
    async with make_client(server, timeout=aclaude.Timeout(read=0.25)) as client:
        message = await drain(client, "create")
    assert message.content[0].text == "Hi" * 8


# == pool and lifecycle ===========================================================================


async def _break_create_stream(client: aclaude.Client) -> None:
    events = client.messages.create(**PARAMS, stream=True)
    async for _ in events:
        break
    await events.close()


async def _break_stream_helper(client: aclaude.Client) -> None:
    async with client.messages.stream(**PARAMS) as stream:
        async for _ in stream.text_stream:
            break


async def _callback_raises(client: aclaude.Client) -> None:
    def boom(delta: str, snapshot: Any) -> None:
        raise KeyError("from a callback")

    with pytest.raises(KeyError):
        async with client.messages.stream(**PARAMS) as stream:
            stream.on("text", boom)
            await stream.until_done()


async def _async_callback_raises(client: aclaude.Client) -> None:
    async def boom(delta: str, snapshot: Any) -> None:
        raise KeyError("from an async callback")

    with pytest.raises(KeyError):
        async with client.messages.stream(**PARAMS) as stream:
            stream.on("text", boom)
            async for _ in stream:
                pass


async def _async_with_exit_create_stream(client: aclaude.Client) -> None:
    async with client.messages.create(**PARAMS, stream=True) as events:
        await events.__anext__()


EXITS: dict[str, Callable[[aclaude.Client], Awaitable[None]]] = {
    "break-close": _break_create_stream,
    "break-async-with": _break_stream_helper,
    "async-with-exit": _async_with_exit_create_stream,
    "callback-raises": _callback_raises,
    "async-callback-raises": _async_callback_raises,
}


async def test_early_exits_x1000_release_connections(server: FakeAnthropic) -> None:
    tasks, fds = set(asyncio.all_tasks()), fd_count()
    exits = list(EXITS.values())
    async with make_client(server, max_connections=2) as client:
        async with asyncio.timeout(60):
            for i in range(1000):
                await exits[i % len(exits)](client)
                assert acquired(client) == 0  # released at once, not when collected
            message = await client.messages.create(**PARAMS)
        assert message.stop_reason == "end_turn"
    assert len(server.requests) == 1001
    await settle(tasks, fds)


@pytest.mark.parametrize("exit_name", list(EXITS))
async def test_each_early_exit_releases_its_connection(server: FakeAnthropic, exit_name: str) -> None:
    # A pool of one: any connection kept after an exit would block the next request forever.
    async with make_client(server, max_connections=1) as client:
        async with asyncio.timeout(LIMIT):
            for _ in range(3):
                await EXITS[exit_name](client)
                assert acquired(client) == 0
            assert (await client.messages.create(**PARAMS)).stop_reason == "end_turn"


async def _consume_until_cancelled(client: aclaude.Client, call: str, started: asyncio.Event) -> None:
    if call == "stream":
        async with client.messages.stream(**PARAMS) as stream:
            async for _ in stream.text_stream:
                started.set()
    elif call == "create_stream":
        async for _ in client.messages.create(**PARAMS, stream=True):
            started.set()
    else:
        started.set()
        await client.messages.create(**PARAMS)


@pytest.mark.parametrize("call", CALLS)
async def test_cancel_mid_stream_x200_releases_connections(server: FakeAnthropic, call: str) -> None:
    tasks, fds = set(asyncio.all_tasks()), fd_count()
    # message_start, content_block_start, ping, "Hel", then nothing for 30 s.
    held = hello().with_options(stall_after=4, stall_for=30.0)
    async with make_client(server, max_connections=2) as client:
        async with asyncio.timeout(60):
            for i in range(200):
                server.enqueue(held)
                started = asyncio.Event()
                task = asyncio.create_task(_consume_until_cancelled(client, call, started))
                await started.wait()
                # The request is out (and, but for create(), an event was handed out).
                await until(lambda n=i + 1: len(server.requests) == n)
                await asyncio.sleep(0)
                task.cancel()
                with pytest.raises(asyncio.CancelledError):
                    await task
                assert acquired(client) == 0
            assert server.queued() == 0
            message = await client.messages.create(**PARAMS)
        assert message.stop_reason == "end_turn"
    await settle(tasks, fds)
    assert server.in_flight == 0


async def test_cancel_while_waiting_for_a_pool_slot(server: FakeAnthropic) -> None:
    async with make_client(server, max_connections=2) as client:
        async with asyncio.timeout(LIMIT):
            server.enqueue(hello(hold_after_start=30.0), hello(hold_after_start=30.0))
            holders = [await client.messages.create(**PARAMS, stream=True) for _ in range(2)]
            assert acquired(client) == 2
            waiter = asyncio.create_task(client.messages.create(**PARAMS))
            await asyncio.sleep(0.05)
            assert not waiter.done()  # no slot
            waiter.cancel()
            with pytest.raises(asyncio.CancelledError):
                await waiter
            for events in holders:
                await events.close()
            assert acquired(client) == 0
            assert (await client.messages.create(**PARAMS)).stop_reason == "end_turn"
    assert len(server.requests) == 3


async def test_cancel_before_headers_releases_the_connection(server: FakeAnthropic) -> None:
    async with make_client(server, max_connections=1) as client:
        async with asyncio.timeout(LIMIT):
            for i in range(5):
                server.enqueue(hello(delay_headers=30.0))
                task = asyncio.create_task(client.messages.create(**PARAMS))
                await until(lambda n=i + 1: len(server.requests) == n)
                task.cancel()
                with pytest.raises(asyncio.CancelledError):
                    await task
                assert acquired(client) == 0
            assert (await client.messages.create(**PARAMS)).stop_reason == "end_turn"


async def test_closing_the_client_mid_stream_leaks_nothing(server: FakeAnthropic) -> None:
    tasks, fds = set(asyncio.all_tasks()), fd_count()
    server.enqueue(hello(hold_after_start=30.0))
    client = make_client(server)
    async with asyncio.timeout(LIMIT):
        events = await client.messages.create(**PARAMS, stream=True)
        await client.close()
        await events.close()
    await settle(tasks, fds)


async def test_user_session_is_not_closed(server: FakeAnthropic) -> None:
    async with aiohttp.ClientSession() as session:
        async with aclaude.Client(api_key=API_KEY, base_url=server.url, session=session) as client:
            assert client._get_session() is session
            await drain(client, "create")
            copy = client.with_options(max_retries=1)
            await drain(copy, "stream")
            await copy.close()
        assert client.is_closed
        assert not session.closed
        async with asyncio.timeout(LIMIT), session.post(
            server.url + "/v1/messages", json=PARAMS, headers={"x-api-key": API_KEY}
        ) as resp:
            assert resp.status == 200


async def test_with_options_shares_the_pool_and_does_not_close_it(
    server: FakeAnthropic, client: aclaude.Client
) -> None:
    copy = client.with_options(timeout=aclaude.Timeout(read=5), max_retries=1)
    assert copy._get_session() is client._get_session()
    await drain(copy, "create")
    await copy.close()
    assert copy.is_closed and not client.is_closed
    assert not client._get_session().closed
    await drain(client, "create")  # the original still works
    async with client.with_options() as nested:  # `async with` on a copy: not the pool's owner
        await drain(nested, "create_stream")
    assert not client._get_session().closed


async def test_max_in_flight_caps_concurrency(server: FakeAnthropic) -> None:
    async def run(client: aclaude.Client) -> None:
        async with asyncio.timeout(LIMIT):
            await asyncio.gather(*(drain(client, "create") for _ in range(8)))

    server.enqueue(*[hello(hold_after_start=0.1)] * 8)
    async with make_client(server, max_in_flight=2) as client:
        await run(client)
    assert len(server.requests) == 8
    assert server.peak_in_flight == 2
    # And without the cap, the same load is served all at once (the check can fail).
    server.reset()
    server.enqueue(*[hello(hold_after_start=0.1)] * 8)
    async with make_client(server) as client:
        await run(client)
    assert server.peak_in_flight == 8


async def test_max_in_flight_is_shared_with_with_options_copies(server: FakeAnthropic) -> None:
    server.enqueue(*[hello(hold_after_start=0.1)] * 6)
    async with make_client(server, max_in_flight=2) as client:
        copy = client.with_options(max_retries=1)
        async with asyncio.timeout(LIMIT):
            await asyncio.gather(*(drain(c, "stream") for c in (client, copy) * 3))
        await copy.close()
    assert len(server.requests) == 6
    assert server.peak_in_flight == 2


async def test_max_in_flight_is_released_by_errors_and_early_exits(server: FakeAnthropic) -> None:
    async with make_client(server, max_in_flight=1) as client, asyncio.timeout(LIMIT):
        server.enqueue(Reply.error(500, "api_error", "boom"), hello(truncate_after=5), Reply.disconnect())
        for _ in range(3):
            with pytest.raises(aclaude.APIError):
                await drain(client, "create")
        await _break_stream_helper(client)
        assert (await client.messages.create(**PARAMS)).stop_reason == "end_turn"


@pytest.mark.parametrize("method", ["get", "put", "delete"])
async def test_max_retries_zero_is_one_attempt_for_idempotent_methods(
    server: FakeAnthropic, client: aclaude.Client, method: str
) -> None:
    server.enqueue(Reply.json({"warm": True}), Reply.disconnect(), Reply.json({"second": True}), path="/v1/x")
    async with asyncio.timeout(LIMIT):
        await getattr(client, method)("/v1/x")  # a pooled connection to reuse
        with pytest.raises(aclaude.APIConnectionError):
            await getattr(client, method)("/v1/x")
    assert len(server.requests) == 2


# == options as the server sees them ==============================================================


async def test_default_and_extra_headers_query_and_body(server: FakeAnthropic) -> None:
    async with make_client(
        server, default_headers={"X-Team": "infra", "anthropic-beta": "a"}, default_query={"tenant": "t1"}
    ) as client:
        await drain(
            client,
            "create",
            extra_headers={"anthropic-beta": "b", "X-Trace": "abc"},
            extra_query={"debug": "1"},
            extra_body={"metadata": {"user_id": "u1"}, "temperature": 0.5},
        )
        await drain(client, "stream")
    first, second = server.requests
    assert first.headers["x-team"] == "infra"
    assert first.headers["anthropic-beta"] == "b"  # per call beats the default
    assert first.headers["x-trace"] == "abc"
    assert dict(first.query) == {"tenant": "t1", "debug": "1"}
    assert first.json["metadata"] == {"user_id": "u1"}
    assert first.json["temperature"] == 0.5
    assert first.json["stream"] is True
    assert first.json["model"] == PARAMS["model"]
    # Nothing per call sticks to the client.
    assert second.headers["anthropic-beta"] == "a"
    assert "x-trace" not in second.headers
    assert dict(second.query) == {"tenant": "t1"}
    assert "metadata" not in second.json


async def test_extra_headers_replace_defaults_whatever_their_case(server: FakeAnthropic) -> None:
    server.enqueue(Reply.error(529, "overloaded_error", "busy"), hello())  # the retry adds its count
    async with make_client(server, max_retries=1, default_headers={"X-Team": "infra"}) as client:
        await drain(
            client,
            "create",
            extra_headers={"Anthropic-Version": "2099-01-01", "x-team": "web", "User-Agent": "mine/1"},
        )
    for request in server.requests:
        assert request.headers.getall("anthropic-version") == ["2099-01-01"]
        assert request.headers.getall("x-team") == ["web"]
        assert request.headers.getall("user-agent") == ["mine/1"]
    assert server.requests[1].headers.getall("x-stainless-retry-count") == ["1"]


async def test_api_version_and_key_headers(server: FakeAnthropic) -> None:
    async with make_client(server) as client:
        await drain(client, "create")
    async with make_client(server, default_headers={"anthropic-version": "2099-01-01"}) as client:
        await drain(client, "create")
    default, overridden = server.requests
    assert default.headers["anthropic-version"] == "2023-06-01"
    assert default.headers["x-api-key"] == API_KEY
    assert "authorization" not in default.headers
    assert default.headers["content-type"].startswith("application/json")
    assert overridden.headers["anthropic-version"] == "2099-01-01"
    assert len(overridden.headers.getall("anthropic-version")) == 1  # type: ignore[attr-defined]


async def test_auth_token_is_a_bearer_header(server: FakeAnthropic, monkeypatch: pytest.MonkeyPatch) -> None:
    async with aclaude.Client(auth_token="tok-explicit", base_url=server.url, max_retries=0) as client:
        await drain(client, "create")
    monkeypatch.setenv("ANTHROPIC_AUTH_TOKEN", "tok-from-env")
    async with aclaude.Client(base_url=server.url, max_retries=0) as client:
        await drain(client, "stream")
    explicit, from_env = server.requests
    assert explicit.headers["authorization"] == "Bearer tok-explicit"
    assert "x-api-key" not in explicit.headers
    assert from_env.headers["authorization"] == "Bearer tok-from-env"
    assert "x-api-key" not in from_env.headers


async def test_with_options_changes_headers_for_the_copy_only(
    server: FakeAnthropic, client: aclaude.Client
) -> None:
    copy = client.with_options(api_key="sk-ant-test-other-key", default_headers={"x-copy": "1"})
    await drain(copy, "create")
    await drain(client, "create")
    from_copy, from_original = server.requests
    assert from_copy.headers["x-api-key"] == "sk-ant-test-other-key"
    assert from_copy.headers["x-copy"] == "1"
    assert from_original.headers["x-api-key"] == API_KEY
    assert "x-copy" not in from_original.headers


@pytest.mark.parametrize(
    ("parent", "copy_credentials", "expected"),
    [
        # (parent's credentials, with_options() arguments, the copy's only auth headers)
        (
            {"api_key": API_KEY},
            {"api_key": None, "auth_token": "tok-copy"},
            {"authorization": "Bearer tok-copy"},
        ),
        ({"api_key": API_KEY}, {"api_key": "sk-ant-test-copy"}, {"x-api-key": "sk-ant-test-copy"}),
        ({"auth_token": "tok-parent"}, {"auth_token": None, "api_key": "sk-ant-test-copy"},
         {"x-api-key": "sk-ant-test-copy"}),
        ({"api_key": API_KEY, "auth_token": "tok-parent"}, {"api_key": None, "auth_token": None}, {}),
    ],
    ids=["key->token", "key->other-key", "token->key", "both->none"],
)
async def test_a_copy_never_sends_the_parents_credentials(
    server: FakeAnthropic,
    parent: dict[str, str],
    copy_credentials: dict[str, str | None],
    expected: dict[str, str],
) -> None:
    """Security: with_options() copies share the parent's connection pool, never its credentials
    (they once rode along as the shared aiohttp session's default headers)."""
    server.validate = False  # "both->none" sends no credentials on purpose: no 401 wanted here
    async with aclaude.Client(base_url=server.url, max_retries=1, **parent) as client:  # type: ignore[arg-type]
        copy = client.with_options(**copy_credentials)  # type: ignore[arg-type]
        server.enqueue(Reply.error(529, "overloaded_error", "busy"))  # the copy's retry too
        async with asyncio.timeout(LIMIT):
            await drain(copy, "create")
            await drain(copy, "stream")
            await copy.get("/v1/models")
            await drain(client, "create")  # the parent keeps its own
    *from_copy, from_parent = server.requests
    assert len(from_copy) == 4
    for request in from_copy:
        sent = {k: v for k, v in request.headers.items() if k.lower() in ("x-api-key", "authorization")}
        assert {k.lower(): v for k, v in sent.items()} == expected
        for secret in parent.values():
            assert all(secret not in value for value in request.headers.values())
    assert from_parent.headers.get("x-api-key") == parent.get("api_key")


@pytest.mark.parametrize("method", ["get", "post", "put", "patch", "delete"])
async def test_generic_requests_reach_a_scripted_endpoint(
    server: FakeAnthropic, client: aclaude.Client, method: str
) -> None:
    server.enqueue(Reply.json({"id": "thing_1", "method": method}), path="/v1/things/thing_1")
    kwargs: dict[str, Any] = {"extra_query": {"limit": "5"}, "extra_headers": {"x-extra": "y"}}
    if method in ("post", "put", "patch"):
        kwargs["body"] = {"name": "n"}
    async with asyncio.timeout(LIMIT):
        result = await getattr(client, method)("v1/things/thing_1", **kwargs)
    assert result == {"id": "thing_1", "method": method}
    (request,) = server.requests
    assert request.method == method.upper()
    assert request.path == "/v1/things/thing_1"
    assert dict(request.query) == {"limit": "5"}
    assert request.headers["x-extra"] == "y"
    assert request.headers["x-api-key"] == API_KEY
    assert request.json == kwargs.get("body")


async def test_generic_request_errors_are_typed(server: FakeAnthropic, client: aclaude.Client) -> None:
    async with asyncio.timeout(LIMIT):
        with pytest.raises(aclaude.NotFoundError) as info:
            await client.get("/v1/nothing-here")
        assert info.value.request_id is not None and info.value.request_id.startswith("req_")
        server.enqueue(Reply.raw(b"{not json", content_type="application/json"), path="/v1/bad")
        with pytest.raises(aclaude.APIResponseValidationError):
            await client.get("/v1/bad")
        server.enqueue(Reply.json({"n": 1}), path="/v1/typed")
        assert await client.get("/v1/typed", cast_to=dict) == {"n": 1}


# == response metadata ============================================================================


async def test_request_ids_and_rate_limits(server: FakeAnthropic, client: aclaude.Client) -> None:
    server.enqueue(Reply.events([START, BLOCK_START, DELTA, BLOCK_STOP, MESSAGE_DELTA, STOP]))
    async with asyncio.timeout(LIMIT), client.messages.stream(**PARAMS) as stream:
        assert stream.request_id is not None and stream.request_id.startswith("req_")
        assert stream.response is not None
        limits = stream.response.rate_limits
        message = await stream.get_final_message()
    assert isinstance(limits, aclaude.RateLimits)
    assert limits.requests_limit == 4000
    assert limits.requests_remaining == 3999
    assert limits.tokens_limit == 2_000_000
    assert limits.output_tokens_limit == 400_000
    assert limits.requests_reset is not None and limits.requests_reset.tzinfo is not None
    assert message.request_id == stream.request_id
    created = await drain(client, "create")
    assert created.request_id is not None and created.request_id != stream.request_id
    async with asyncio.timeout(LIMIT), client.messages.create(**PARAMS, stream=True) as events:
        assert events.request_id is not None
        assert events.response is not None and events.response.status == 200
        assert events.response.rate_limits.input_tokens_remaining == 2_000_000


async def test_rate_limits_of_a_429(server: FakeAnthropic, client: aclaude.Client) -> None:
    server.enqueue(
        Reply.error(
            429,
            "rate_limit_error",
            "slow down",
            headers={"retry-after": "120", "anthropic-ratelimit-requests-remaining": "0"},
        )
    )
    with pytest.raises(aclaude.RateLimitError) as info:
        await drain(client, "create")
    assert info.value.headers["anthropic-ratelimit-requests-remaining"] == "0"
    assert info.value.retry_after == 120.0
    assert info.value.request_id is not None and info.value.request_id.startswith("req_")


# == stream faults ================================================================================


@pytest.mark.parametrize("call", CALLS)
async def test_socket_closed_mid_event(server: FakeAnthropic, call: str) -> None:
    body = sse(START, BLOCK_START, DELTA) + b'event: content_block_delta\ndata: {"type": "content_bl'
    server.enqueue(Reply.raw(body, abort=True), hello())
    async with make_client(server, max_retries=2) as client:
        with pytest.raises(aclaude.IncompleteStreamError) as info:
            await drain(client, call)
    assert info.value.clean_eof is False
    assert info.value.events_received == 3
    assert len(server.requests) == 1  # content was handed out: not retried
    if call != "create_stream":
        assert info.value.partial_message.content[0].text == "Hi"


async def test_socket_closed_mid_event_before_content_is_retried(server: FakeAnthropic) -> None:
    server.enqueue(
        Reply.raw(sse(START)[:40], abort=True), Reply.raw(sse(START) + b"data: {", abort=True), hello()
    )
    async with make_client(server, max_retries=2) as client:
        message = await drain(client, "create")
    assert message.content[0].text == HELLO
    assert len(server.requests) == 3


@pytest.mark.parametrize("call", CALLS)
async def test_clean_eof_without_message_stop(server: FakeAnthropic, call: str) -> None:
    server.enqueue(hello(truncate_after=5, delay_between=0.01), hello())
    async with make_client(server, max_retries=2) as client:
        with pytest.raises(aclaude.IncompleteStreamError) as info:
            await drain(client, call)
    assert info.value.clean_eof is True
    assert info.value.events_received == 5
    assert len(server.requests) == 1
    if call != "create_stream":
        partial = info.value.partial_message
        assert partial.content[0].text == "Hello "
        assert partial.stop_reason is None


async def test_clean_eof_after_message_delta_is_still_incomplete(server: FakeAnthropic) -> None:
    server.enqueue(hello(truncate_after=9))  # everything but message_stop
    async with make_client(server) as client:
        with pytest.raises(aclaude.IncompleteStreamError) as info:
            await drain(client, "create")
    assert info.value.clean_eof is True
    assert info.value.partial_message.content[0].text == HELLO


async def test_clean_eof_with_an_unfinished_event(server: FakeAnthropic) -> None:
    server.enqueue(Reply.raw(sse(START, BLOCK_START, DELTA) + b"event: message_stop\ndata: {}"))
    async with make_client(server) as client:
        with pytest.raises(aclaude.IncompleteStreamError) as info:
            await drain(client, "stream")
    assert info.value.clean_eof is True
    assert "unfinished" in str(info.value)


@pytest.mark.parametrize(
    "body", [b"", b": keep-alive\n\n", sse({"type": "ping"})], ids=["empty", "comment", "ping"]
)
async def test_empty_stream_is_incomplete_and_retried(server: FakeAnthropic, body: bytes) -> None:
    server.enqueue(*[Reply.raw(body)] * 3)
    async with make_client(server, max_retries=2) as client:
        with pytest.raises(aclaude.IncompleteStreamError) as info:
            await drain(client, "create")
    assert info.value.clean_eof is True
    assert len(server.requests) == 3


async def test_bom_and_crlf_stream_is_read(server: FakeAnthropic) -> None:
    body = b"\xef\xbb\xbf" + sse(START, BLOCK_START, DELTA, BLOCK_STOP, MESSAGE_DELTA, STOP).replace(
        b"\n", b"\r\n"
    )
    server.enqueue(Reply.raw(body, chunking=7))
    async with make_client(server) as client:
        message = await drain(client, "create")
    assert message.content[0].text == "Hi"


async def test_drop_after_message_stop_loses_nothing(server: FakeAnthropic) -> None:
    server.enqueue(Reply.raw(sse(START, BLOCK_START, DELTA, BLOCK_STOP, MESSAGE_DELTA, STOP), abort=True))
    async with make_client(server) as client:
        message = await drain(client, "stream")
    assert message.content[0].text == "Hi"


async def test_endless_line_is_bounded_in_time_and_memory(server: FakeAnthropic) -> None:
    ten_mib = b"data: " + b"x" * (10 << 20)  # no newline, ever
    async with make_client(server, max_event_bytes=1 << 20, max_retries=2) as client:
        await drain(client, "create_stream")  # warm up: connection, imports, caches
        server.reset()
        server.enqueue(Reply.raw(ten_mib, chunking=64 << 10), hello())
        gc.collect()
        tracemalloc.start()
        try:
            started = time.monotonic()
            with pytest.raises(aclaude.APIResponseValidationError) as info:
                await drain(client, "create")
            elapsed = time.monotonic() - started
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
    assert "exceeds" in str(info.value)
    assert elapsed < 5.0
    # The cap is 1 MiB: the client may hold about that much, never the whole 10 MiB.
    assert peak < 4 << 20, f"peak {peak / (1 << 20):.1f} MiB"
    assert len(server.requests) == 1  # a hostile stream is not asked for again


async def test_huge_event_over_the_cap_is_rejected(server: FakeAnthropic) -> None:
    big = {**DELTA, "delta": {"type": "text_delta", "text": "y" * (2 << 20)}}
    server.enqueue(Reply.raw(sse(START, BLOCK_START, DELTA, big, STOP)))
    async with make_client(server, max_event_bytes=1 << 20) as client:
        with pytest.raises(aclaude.APIResponseValidationError) as info:
            await drain(client, "stream")
    assert info.value.events_received >= 2


@pytest.mark.parametrize(
    "bad",
    [
        b"event: content_block_delta\ndata: \xff\xfe not utf-8\n\n",
        b"event: content_block_delta\ndata: {not json}\n\n",
        b"event: content_block_delta\ndata: "
        b'{"type": "content_block_delta", "index": 0, "delta": {"type": "text_delta", "text": "\xc3"}}\n\n',
        b"event: content_block_delta\ndata: [1, 2]\n\n",
        b'event: content_block_delta\ndata: {"type": "content_block_delta"}\n\n',
    ],
    ids=["invalid-utf8", "not-json", "truncated-utf8-in-json", "not-an-object", "no-index"],
)
@pytest.mark.parametrize("where", ["first", "after-content"])
async def test_undecodable_data_is_a_validation_error(server: FakeAnthropic, bad: bytes, where: str) -> None:
    pieces = [bad + sse(STOP)]
    if where == "after-content":
        pieces.insert(0, sse(START, BLOCK_START, DELTA))
    server.enqueue(Reply.raw(pieces, delay_between=0.02), hello())
    async with make_client(server, max_retries=2) as client:
        with pytest.raises(aclaude.APIResponseValidationError) as info:
            await drain(client, "stream")
    assert len(server.requests) == 1  # not retried: the bytes would be the same
    if where == "after-content":
        assert info.value.events_received == 3
        assert info.value.partial_message.content[0].text == "Hi"


async def test_undecodable_data_in_the_read_ahead_counts_events(server: FakeAnthropic) -> None:
    server.enqueue(Reply.raw(sse(START, BLOCK_START, DELTA) + b"event: ping\ndata: {oops\n\n"))
    async with make_client(server) as client:
        with pytest.raises(aclaude.APIResponseValidationError) as info:
            await drain(client, "create")
    assert info.value.events_received == 3


@pytest.mark.parametrize("where", ["first", "after-content"])
async def test_validation_error_carries_the_request_id(server: FakeAnthropic, where: str) -> None:
    pieces = [b"event: ping\ndata: {oops\n\n"]
    if where == "after-content":
        pieces.insert(0, sse(START, BLOCK_START, DELTA))
    server.enqueue(Reply.raw(pieces, delay_between=0.02))
    async with make_client(server) as client:
        with pytest.raises(aclaude.APIResponseValidationError) as info:
            await drain(client, "create")
    assert info.value.request_id is not None and info.value.request_id.startswith("req_")


async def test_oversized_line_error_carries_the_request_id(server: FakeAnthropic) -> None:
    server.enqueue(Reply.raw(b"data: " + b"z" * 4096))
    async with make_client(server, max_event_bytes=1024) as client:
        with pytest.raises(aclaude.APIResponseValidationError) as info:
            await drain(client, "create")
    assert info.value.request_id is not None and info.value.request_id.startswith("req_")


async def test_unknown_event_and_block_types_pass_through(server: FakeAnthropic) -> None:
    future_block = CustomBlock(
        {"type": "hologram", "frames": [1, 2, 3], "label": "new"},
        deltas=[{"type": "hologram_delta", "frame": 4}],
    )
    server.enqueue(Reply.message([TextBlock("Hi", chunk_chars=1), future_block]))
    server.enqueue(
        Reply.events(
            [START, {"type": "telemetry", "level": 3}, BLOCK_START, DELTA, BLOCK_STOP, MESSAGE_DELTA, STOP]
        )
    )
    async with make_client(server) as client:
        message = await drain(client, "create")
        events = await drain(client, "create_stream")
    assert message.content[0].text == "Hi"
    unknown = message.content[1]
    assert isinstance(unknown, aclaude.UnknownContentBlock)
    raw = msgspec.to_builtins(unknown)
    assert raw["type"] == "hologram" and raw["frames"] == [1, 2, 3] and raw["label"] == "new"
    kinds = [type(e).__name__ for e in events]
    assert "UnknownEvent" in kinds
    telemetry = next(e for e in events if isinstance(e, aclaude.UnknownEvent))
    assert telemetry.type == "telemetry"


# == the fake's fault injection, as documented ===================================================


@pytest.mark.parametrize("stall_with", ["nothing", "pings", "deltas"])
async def test_fake_stall_is_bounded_then_drops(server: FakeAnthropic, stall_with: str) -> None:
    # With no client-side limit, the stall ends on the server's own bound: a dropped stream.
    server.enqueue(
        hello().with_options(stall_after=4, stall_with=stall_with, stall_interval=0.05, stall_for=0.3)
    )
    async with make_client(server, timeout=None) as client:
        started = time.monotonic()
        with pytest.raises(aclaude.IncompleteStreamError) as info:
            await drain(client, "create_stream")
        assert 0.25 < time.monotonic() - started < 5.0
    assert info.value.clean_eof is False
    if stall_with == "nothing":
        assert info.value.events_received == 4
    else:
        assert info.value.events_received > 6


def test_fake_reply_options_are_validated() -> None:
    with pytest.raises(ValueError, match="at most one"):
        hello(truncate_after=1).with_options(stall_after=2)
    with pytest.raises(ValueError, match="stall_with"):
        hello().with_options(stall_after=2, stall_with="bogus")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="stall_interval"):
        hello().with_options(stall_after=2, stall_interval=0.0)
    with pytest.raises(ValueError, match="3xx"):
        Reply.redirect("http://example.invalid/", status=200)
    assert Reply.raw([b"a", b"bc"]).body == b"abc"
