"""MessageStream's inline path for text deltas (the event nearly every stream is made of) gives
the same callbacks, snapshots, yields and final message as the general path, whichever way the
stream is consumed, with and without a ``stream_event`` listener."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from conftest import PARAMS

import aclaude
from aclaude.testing import FakeAnthropic, Reply, TextBlock

LIMIT = 20.0
TEXT = "one two three four five"


async def _consume(stream: aclaude.MessageStream, how: str) -> list[Any]:
    if how == "until_done":
        await stream.until_done()
        return []
    if how == "text_stream":
        return [text async for text in stream.text_stream]
    return [(event.type, getattr(event, "text", None)) async for event in stream]


@pytest.mark.parametrize("how", ["until_done", "text_stream", "events"])
@pytest.mark.parametrize("with_stream_event", [False, True])
async def test_text_deltas_fire_in_order_with_snapshots_of_the_text_so_far(
    client: aclaude.Client, server: FakeAnthropic, how: str, with_stream_event: bool
) -> None:
    server.enqueue(Reply.text(TEXT, chunk_chars=4))
    log: list[tuple[str, str, str]] = []
    async with asyncio.timeout(LIMIT), client.messages.stream(**PARAMS) as stream:  # type: ignore[arg-type]
        stream.on("text", lambda delta, snapshot: log.append(("text", delta, str(snapshot))))
        if with_stream_event:

            def on_event(event: Any, message: aclaude.Message | None) -> None:
                if event.type == "content_block_delta" and message is not None:
                    # The message snapshot already holds this delta (accumulated first).
                    log.append(("stream_event", event.delta.text, message.content[0].text))  # type: ignore[union-attr]

            stream.on("stream_event", on_event)
        yielded = await _consume(stream, how)
        message = await stream.get_final_message()
    deltas = [TEXT[i : i + 4] for i in range(0, len(TEXT), 4)]
    so_far = [TEXT[: i + 4] for i in range(0, len(TEXT), 4)]
    expected = []
    for delta, text in zip(deltas, so_far, strict=True):
        if with_stream_event:
            expected.append(("stream_event", delta, text))
        expected.append(("text", delta, text))
    assert log == expected
    assert message.content[0].text == TEXT  # type: ignore[union-attr]
    if how == "text_stream":
        assert yielded == deltas
    elif how == "events":
        pairs = [item for item in yielded if item[0] in ("content_block_delta", "text")]
        assert pairs == [p for delta in deltas for p in (("content_block_delta", None), ("text", delta))]


async def test_async_text_listener_is_awaited_before_the_next_delta(
    client: aclaude.Client, server: FakeAnthropic
) -> None:
    server.enqueue(Reply.text(TEXT, chunk_chars=4))
    log: list[str] = []

    async def slow(delta: str, snapshot: Any) -> None:
        log.append(f"start {delta}")
        await asyncio.sleep(0)
        log.append(f"end {delta}")

    async with asyncio.timeout(LIMIT), client.messages.stream(**PARAMS) as stream:  # type: ignore[arg-type]
        stream.on("text", slow)
        await stream.until_done()
    deltas = [TEXT[i : i + 4] for i in range(0, len(TEXT), 4)]
    assert log == [f"{edge} {d}" for d in deltas for edge in ("start", "end")]


async def test_text_into_a_second_text_block_goes_to_that_block(
    client: aclaude.Client, server: FakeAnthropic
) -> None:
    # Two text blocks: the inline path appends each delta to its own block's parts.
    server.enqueue(Reply.message([TextBlock("alpha beta", 3), TextBlock("gamma delta", 3)]))
    snapshots: list[str] = []
    async with asyncio.timeout(LIMIT), client.messages.stream(**PARAMS) as stream:  # type: ignore[arg-type]
        stream.on("text", lambda delta, snapshot: snapshots.append(str(snapshot)))
        message = await stream.get_final_message()
    assert [block.text for block in message.content] == ["alpha beta", "gamma delta"]  # type: ignore[union-attr]
    first = ["alp", "alpha ", "alpha bet", "alpha beta"]
    assert snapshots == [*first, "gam", "gamma ", "gamma del", "gamma delta"]


async def test_two_text_listeners_keep_registration_order_behind_an_async_one(
    client: aclaude.Client, server: FakeAnthropic
) -> None:
    server.enqueue(Reply.text(TEXT, chunk_chars=8))
    log: list[str] = []

    async def first(delta: str, snapshot: Any) -> None:
        await asyncio.sleep(0)
        log.append(f"async {delta}")

    async with asyncio.timeout(LIMIT), client.messages.stream(**PARAMS) as stream:  # type: ignore[arg-type]
        stream.on("text", first).on("text", lambda delta, snapshot: log.append(f"sync {delta}"))
        await stream.until_done()
    deltas = [TEXT[i : i + 8] for i in range(0, len(TEXT), 8)]
    assert log == [f"{kind} {d}" for d in deltas for kind in ("async", "sync")]


async def test_a_sync_text_listener_returning_an_awaitable_is_awaited(
    client: aclaude.Client, server: FakeAnthropic
) -> None:
    server.enqueue(Reply.text(TEXT, chunk_chars=8))
    log: list[str] = []

    async def record(delta: str) -> None:
        log.append(delta)

    async with asyncio.timeout(LIMIT), client.messages.stream(**PARAMS) as stream:  # type: ignore[arg-type]
        stream.on("text", lambda delta, snapshot: record(delta))  # not a coroutine function
        await stream.until_done()
    assert log == [TEXT[i : i + 8] for i in range(0, len(TEXT), 8)]
