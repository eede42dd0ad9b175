"""``EventStream.raw_events()``: each event with its SSE data bytes exactly as received."""

from __future__ import annotations

from typing import Any

import msgspec
import pytest
from _helpers import text_stream, wire

import aclaude
from aclaude.testing import FakeAnthropic, Reply


async def test_pairs_every_event_with_its_wire_bytes(
    client: aclaude.Client, server: FakeAnthropic, params: dict[str, Any]
) -> None:
    events = text_stream(["Hé", "llo", " wörld"])
    # Byte-sized chunks: events split across reads and several in one read both happen.
    server.enqueue(Reply.events(events, chunking=7))
    async with client.messages.create(stream=True, **params) as stream:
        pairs = [pair async for pair in stream.raw_events()]
    assert [data for _, data in pairs] == [wire(e) for e in events]
    for event, data in pairs:
        assert event.type == msgspec.json.decode(data)["type"]
    assert stream.events_received == len(events)


async def test_a_retried_attempt_leaves_no_data_behind(
    server: FakeAnthropic, api_key: str, params: dict[str, Any]
) -> None:
    events = text_stream(["ok"])
    # An error right after message_start: nothing was handed out, so it is retried.
    server.enqueue(Reply.events(events, error_event_after=1), Reply.events(events))
    async with aclaude.Client(api_key=api_key, base_url=server.url, max_retries=1) as client:
        stream = client.messages.create(stream=True, **params)
        pairs = [pair async for pair in stream.raw_events()]
    assert len(server.requests) == 2
    assert [data for _, data in pairs] == [wire(e) for e in events]


async def test_errors_are_raised_as_when_iterating(
    client: aclaude.Client, server: FakeAnthropic, params: dict[str, Any]
) -> None:
    server.enqueue(Reply.text("abc", chunk_chars=1, truncate_after=5, delay_between=0.01))
    stream = client.messages.create(stream=True, **params)
    seen: list[bytes] = []
    with pytest.raises(aclaude.IncompleteStreamError):
        async for _event, data in stream.raw_events():
            seen.append(data)
    assert len(seen) == 5


async def test_only_before_iterating(
    client: aclaude.Client, server: FakeAnthropic, params: dict[str, Any]
) -> None:
    async with client.messages.create(stream=True, **params) as stream:
        await stream.__anext__()
        with pytest.raises(RuntimeError, match="before the stream is iterated"):
            stream.raw_events()


async def test_content_then_an_error_event_keeps_the_pairs_aligned(
    client: aclaude.Client, server: FakeAnthropic, params: dict[str, Any]
) -> None:
    events = text_stream(["a", "b", "c"])
    # After the "a" and "b" deltas; spaced out so the content is handed out before the error
    # arrives (an error read together with the first content is retried instead).
    server.enqueue(Reply.events(events, error_event_after=5, delay_between=0.02))
    stream = client.messages.create(stream=True, **params)
    seen: list[bytes] = []
    with pytest.raises(aclaude.OverloadedError):
        async for event, data in stream.raw_events():
            assert event.type == msgspec.json.decode(data)["type"]
            seen.append(data)
    assert seen == [wire(e) for e in events[:5]]
