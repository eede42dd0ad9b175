"""aclaude on uvloop (the ``aclaude[uvloop]`` extra): nothing in the client depends on the
stdlib event loop.

The smoke test runs a whole client on ``uvloop.run`` whatever loop the other tests use: a
streamed call, the ``messages.stream()`` helper with a callback, a drained ``create()``, a read
timeout (the shared read-deadline timer firing on uvloop) and an HTTP error. The broader
check is the suite itself under ``ACLAUDE_TEST_LOOP=uvloop`` (tests/conftest.py), which the
last test here confirms really runs on the loop asked for.
"""

from __future__ import annotations

import asyncio
import os

import pytest
import uvloop
from conftest import API_KEY, PARAMS

import aclaude
from aclaude.testing import FakeAnthropic, Reply

TIMEOUT = 20.0


async def _smoke() -> dict[str, object]:
    assert isinstance(asyncio.get_running_loop(), uvloop.Loop)
    seen: dict[str, object] = {}
    async with asyncio.timeout(TIMEOUT), FakeAnthropic() as server:
        async with aclaude.Client(api_key=API_KEY, base_url=server.url, max_retries=0) as client:
            server.enqueue(Reply.text("streamed on uvloop", chunk_chars=3))
            types = [event.type async for event in client.messages.create(**PARAMS, stream=True)]
            seen["types"] = types

            server.enqueue(Reply.text("helper on uvloop", chunk_chars=4))
            deltas: list[str] = []
            async with client.messages.stream(**PARAMS) as stream:
                stream.on("text", lambda delta, snapshot: deltas.append(delta))
                message = await stream.get_final_message()
            seen["helper"] = ("".join(deltas), message.content[0].text)

            server.enqueue(Reply.text("drained on uvloop", chunk_chars=5))
            seen["create"] = (await client.messages.create(**PARAMS)).content[0].text

            server.enqueue(Reply.error(529, "overloaded_error", "busy"))
            with pytest.raises(aclaude.OverloadedError):
                await client.messages.create(**PARAMS)

            # A stream that goes silent after its first events: the shared read-deadline
            # timer (ReadDeadlines, a loop.call_at) must fire on uvloop too.
            stalled = Reply.text("never finished", chunk_chars=2)
            server.enqueue(stalled.with_options(stall_after=3, stall_for=5.0))
            quick = client.with_options(timeout=aclaude.Timeout(connect=5.0, read=0.3))
            with pytest.raises(aclaude.APITimeoutError):
                async for _ in quick.messages.create(**PARAMS, stream=True):
                    pass
    return seen


def test_a_client_streams_on_uvloop() -> None:
    seen = uvloop.run(_smoke())
    types = seen["types"]
    assert isinstance(types, list)
    assert types[0] == "message_start" and types[-1] == "message_stop"
    assert types.count("content_block_delta") == len("streamed on uvloop") // 3
    assert seen["helper"] == ("helper on uvloop", "helper on uvloop")
    assert seen["create"] == "drained on uvloop"


async def test_the_suite_runs_on_the_loop_asked_for() -> None:
    loop = asyncio.get_running_loop()
    if os.environ.get("ACLAUDE_TEST_LOOP") == "uvloop":
        assert isinstance(loop, uvloop.Loop)
    else:
        assert not isinstance(loop, uvloop.Loop)
