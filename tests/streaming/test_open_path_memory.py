"""What a stream holds while it opens (issue 18, memory per held stream): with thousands of
streams opened at once, every frame and copy a request keeps while it waits for its response
headers is multiplied by thousands (and pymalloc keeps the pools afterwards).

These tests pin the structure: which of aclaude's frames are suspended while the headers are
awaited, and that the direct path of ``open_response`` (no frame of its own) sends the same
request and reports the same errors as the full one.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from conftest import API_KEY

import aclaude
from aclaude._http import transport
from aclaude.testing import FakeAnthropic, Reply

PACKAGE = str(Path(aclaude.__file__).resolve().parent)


@pytest.fixture
async def silent_server() -> AsyncIterator[tuple[str, asyncio.Event]]:
    """A loopback server that reads requests and never answers; the event is set once a
    request's bytes arrived."""
    arrived = asyncio.Event()
    writers: list[asyncio.StreamWriter] = []

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writers.append(writer)
        try:
            while await reader.read(65536):
                arrived.set()
        except ConnectionError:
            pass

    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{port}", arrived
    finally:
        for writer in writers:
            writer.close()
        server.close()
        await server.wait_closed()


def _aclaude_frames(awaitable: Any) -> list[str]:
    """The names of aclaude's coroutines and generators suspended under ``awaitable``, outermost
    first (following ``ag_await`` / ``cr_await`` down to where they leave the package)."""
    names: list[str] = []
    current = awaitable
    while current is not None:
        code = getattr(current, "ag_code", None) or getattr(current, "cr_code", None)
        if code is None:
            break
        if code.co_filename.startswith(PACKAGE):
            names.append(code.co_name)
        current = getattr(current, "ag_await", None) or getattr(current, "cr_await", None)
    return names


async def test_a_stream_waiting_for_its_headers_holds_three_frames_of_aclaude(
    silent_server: tuple[str, asyncio.Event], params: dict[str, Any]
) -> None:
    url, arrived = silent_server
    async with aclaude.Client(api_key=API_KEY, base_url=url, max_retries=0) as client:
        stream = client.messages.create(**params, stream=True)

        async def first() -> Any:
            return await stream.__anext__()

        task = asyncio.create_task(first())
        async with asyncio.timeout(10):
            await arrived.wait()
        await asyncio.sleep(0.05)  # the request is sent: the task waits for the headers
        assert not task.done()
        # The stream's generator, the attempt (retries, read-ahead) and the send; no frame of
        # open_response nor of a wrapper around the iterator's awaitable.
        assert _aclaude_frames(stream._iterator) == ["_iterate", "_attempt", "send"]
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        await stream.close()


async def test_open_response_returns_the_send_coroutine_only_when_nothing_wraps_it(
    server: FakeAnthropic,
) -> None:
    async with aclaude.Client(api_key=API_KEY, base_url=server.url) as plain:
        direct = plain.open_response("GET", "/v1/models")
        assert direct.cr_code is transport.send.__code__  # type: ignore[attr-defined]
        (await direct).release()
    # A max_in_flight slot to give back, or logging at INFO: the full coroutine.
    async with aclaude.Client(api_key=API_KEY, base_url=server.url, max_in_flight=2) as capped:
        full = capped.open_response("GET", "/v1/models")
        assert full.cr_code is aclaude.Client._open_response.__code__  # type: ignore[attr-defined]
        (await full).release()
    async with aclaude.Client(api_key=API_KEY, base_url=server.url, log_level="info") as logged:
        full = logged.open_response("GET", "/v1/models")
        assert full.cr_code is aclaude.Client._open_response.__code__  # type: ignore[attr-defined]
        (await full).release()


async def test_the_direct_path_sends_the_extra_headers_and_the_retry_count(
    server: FakeAnthropic,
) -> None:
    async with aclaude.Client(api_key=API_KEY, base_url=server.url) as client:
        before = dict(client._headers)
        response = await client.open_response(
            "GET", "/v1/models", extra_headers={"X-Extra": "1", "user-agent": "mine"}, retry_count=2
        )
        response.release()
        response = await client.open_response("GET", "/v1/models")
        response.release()
        assert client._headers == before  # the client's shared headers are never changed
    first, second = server.requests
    assert first.headers["x-extra"] == "1"
    assert first.headers["user-agent"] == "mine"  # the call's header wins over the client's
    assert first.headers["x-stainless-retry-count"] == "2"
    assert first.headers["x-api-key"] == API_KEY
    assert "x-extra" not in second.headers
    assert second.headers["x-stainless-retry-count"] == "0"


async def test_a_connection_error_on_the_direct_path_shows_the_whole_request_redacted() -> None:
    # A port nothing listens on: bound, then closed.
    probe = await asyncio.start_server(lambda r, w: None, "127.0.0.1", 0)
    port = probe.sockets[0].getsockname()[1]
    probe.close()
    await probe.wait_closed()
    async with aclaude.Client(api_key=API_KEY, base_url=f"http://127.0.0.1:{port}", max_retries=0) as client:
        with pytest.raises(aclaude.APIConnectionError) as caught:
            await client.open_response("POST", "/v1/messages", body={}, extra_headers={"x-extra": "1"})
    request = caught.value.request
    assert request is not None
    assert request.headers["x-extra"] == "1"
    assert request.headers["anthropic-version"] == "2023-06-01"
    assert API_KEY not in str(dict(request.headers))


async def test_a_held_stream_gives_its_read_ahead_events_in_order(
    client: aclaude.Client, server: FakeAnthropic, params: dict[str, Any]
) -> None:
    # The read-ahead list is replaced in place as its events are handed out.
    server.enqueue(Reply.text("one two three"))
    events = [event.type async for event in client.messages.create(**params, stream=True)]
    assert events[0] == "message_start"
    assert events[-1] == "message_stop"
    assert "content_block_delta" in events
