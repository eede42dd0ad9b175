"""Stopping a message stream early is not a failure (issue 20, item 8).

The official TypeScript SDK documents this behaviour for its MessageStream: ``stream.abort()``
ends it, an ``abort`` event fires with an ``APIUserAbortError``, and ``end`` fires whatever the
exit. (The Python SDK has neither ``abort`` nor per-stream events; where it has ``close()`` it is
checked side by side below.) aclaude does the same: after ``close()`` / ``abort()`` / an early
exit / cancellation, ``get_final_message()`` raises ``APIUserAbortError`` carrying what arrived,
never ``IncompleteStreamError``; ``abort`` fires once, ``end`` fires once on every exit.
"""

from __future__ import annotations

import asyncio
from typing import Any

import anthropic
import pytest
from conftest import PARAMS

import aclaude
from aclaude.testing import FakeAnthropic, Reply

LIMIT = 20.0
#: A reply that is still arriving while the test stops it: one character per event, paced.
SLOW = Reply.text("Hello there, this is a long answer", chunk_chars=1).with_options(delay_between=0.02)


class Calls:
    def __init__(self, stream: aclaude.MessageStream | aclaude.MessageStreamManager) -> None:
        self.names: list[str] = []
        self.args: dict[str, tuple[Any, ...]] = {}
        for name in ("abort", "end", "error", "final_message"):
            stream.on(name, self._recorder(name))

    def _recorder(self, name: str) -> Any:
        def record(*args: Any) -> None:
            self.names.append(name)
            self.args[name] = args

        return record


async def _first_events(stream: aclaude.MessageStream, count: int) -> int:
    seen = 0
    async for _ in stream:
        seen += 1
        if seen == count:
            break
    return seen


@pytest.mark.parametrize("how", ["close", "abort"])
async def test_a_stop_mid_stream_is_not_a_failure(
    client: aclaude.Client, server: FakeAnthropic, how: str
) -> None:
    server.enqueue(SLOW)
    async with asyncio.timeout(LIMIT):
        async with client.messages.stream(**PARAMS) as stream:  # type: ignore[arg-type]
            calls = Calls(stream)
            await _first_events(stream, 6)
            await getattr(stream, how)()
            with pytest.raises(aclaude.APIUserAbortError) as info:
                await stream.get_final_message()
    error = info.value
    assert not isinstance(error, aclaude.IncompleteStreamError)
    assert not isinstance(error, aclaude.APIConnectionError)  # not retried, not a network failure
    assert error.events_received >= 4  # what the caller had been handed (derived events aside)
    assert error.partial_message is not None and error.partial_message.content[0].text.startswith("H")
    assert error.request_id == stream.request_id
    assert calls.names == ["abort", "end"]
    assert calls.args["abort"] == (error,)


async def test_leaving_the_async_with_early_fires_abort_and_end(
    client: aclaude.Client, server: FakeAnthropic
) -> None:
    server.enqueue(SLOW)
    manager = client.messages.stream(**PARAMS)  # type: ignore[arg-type]
    calls = Calls(manager)
    async with asyncio.timeout(LIMIT):
        async with manager as stream:
            async for text in stream.text_stream:
                if text:
                    break
    assert calls.names == ["abort", "end"]


async def test_cancelling_the_task_fires_abort_and_end(client: aclaude.Client, server: FakeAnthropic) -> None:
    server.enqueue(SLOW)
    manager = client.messages.stream(**PARAMS)  # type: ignore[arg-type]
    calls = Calls(manager)
    started = asyncio.Event()

    async def consume() -> None:
        async with manager as stream:
            async for _ in stream.text_stream:
                started.set()

    async with asyncio.timeout(LIMIT):
        task = asyncio.create_task(consume())
        await started.wait()
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
    assert calls.names == ["abort", "end"]
    assert isinstance(calls.args["abort"][0], aclaude.APIUserAbortError)


async def test_end_fires_once_on_success_and_on_failure(
    client: aclaude.Client, server: FakeAnthropic
) -> None:
    server.enqueue(
        Reply.text("Hi"), Reply.text("Hi there friend", chunk_chars=1).with_options(error_event_after=8)
    )
    async with asyncio.timeout(LIMIT):
        async with client.messages.stream(**PARAMS) as stream:  # type: ignore[arg-type]
            calls = Calls(stream)
            await stream.get_final_message()
        assert calls.names == ["final_message", "end"]

        # Failing after content (before it, the error is raised by the `async with` itself).
        manager = client.messages.stream(**PARAMS)  # type: ignore[arg-type]
        calls = Calls(manager)
        with pytest.raises(aclaude.APIStatusError):
            async with manager as stream:
                await stream.get_final_message()
        assert calls.names == ["error", "end"]


async def test_a_stop_after_the_end_changes_nothing(client: aclaude.Client, server: FakeAnthropic) -> None:
    server.enqueue(Reply.text("Hi"))
    async with asyncio.timeout(LIMIT):
        async with client.messages.stream(**PARAMS) as stream:  # type: ignore[arg-type]
            calls = Calls(stream)
            message = await stream.get_final_message()
            await stream.abort()
            assert await stream.get_final_message() is message
    assert calls.names == ["final_message", "end"]


async def test_the_same_stop_through_the_python_sdk_and_aclaude(
    client: aclaude.Client, sdk: anthropic.AsyncAnthropic, server: FakeAnthropic
) -> None:
    """Side by side: close() mid-stream, then get_final_message(). anthropic 2.17 raises an
    APIConnectionError (the read of the closed socket fails): the report of issue 20. aclaude
    raises APIUserAbortError, which is not a connection error."""
    server.enqueue(SLOW, SLOW)
    their_error: BaseException | None = None
    async with asyncio.timeout(LIMIT):
        async with sdk.messages.stream(**PARAMS) as theirs:  # type: ignore[arg-type]
            seen = 0
            async for _ in theirs:
                seen += 1
                if seen == 6:
                    break
            await theirs.close()
            try:
                await theirs.get_final_message()
            except Exception as exc:
                their_error = exc
        async with client.messages.stream(**PARAMS) as ours:  # type: ignore[arg-type]
            await _first_events(ours, 6)
            await ours.close()
            with pytest.raises(aclaude.APIUserAbortError) as info:
                await ours.get_final_message()
    assert their_error is not None  # the SDK does not hand out the cut message as complete either
    assert not isinstance(info.value, aclaude.APIConnectionError)


async def test_cancelling_the_consuming_task_fires_at_once(
    client: aclaude.Client, server: FakeAnthropic
) -> None:
    """The task that reads the stream is cancelled while the stream stays open around it:
    abort and end fire from the cancellation itself, not later from the `async with` exit."""
    server.enqueue(SLOW)
    started = asyncio.Event()
    async with asyncio.timeout(LIMIT):
        async with client.messages.stream(**PARAMS) as stream:  # type: ignore[arg-type]
            calls = Calls(stream)

            async def consume() -> None:
                async for _ in stream.text_stream:
                    started.set()

            task = asyncio.create_task(consume())
            await started.wait()
            task.cancel()
            with pytest.raises(asyncio.CancelledError):
                await task
            assert calls.names == ["abort", "end"]
            with pytest.raises(aclaude.APIUserAbortError):
                await stream.get_final_message()
    assert calls.names == ["abort", "end"]  # once
