"""``ReadDeadlines``: the read timeouts of many responses on one loop timer.

Unit tests drive it with recording waiters; the last tests check over real loopback HTTP that a
held stream arms no aiohttp read timer of its own (that timer, re-armed on every packet, is
what ReadDeadlines replaces) and that every wait stays bounded.
"""

from __future__ import annotations

import asyncio
import contextlib
import sys
import time
from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest
from conftest import API_KEY, PARAMS

import aclaude
from aclaude._http.read_deadlines import ReadDeadlines
from aclaude.testing import FakeAnthropic, Reply

LIMIT = 10.0


class Waiter:
    def __init__(self, name: str, log: list[tuple[str, float]]) -> None:
        self.name = name
        self.log = log

    def expire(self) -> None:
        self.log.append((self.name, time.monotonic()))


class BrokenWaiter(Waiter):
    def expire(self) -> None:
        super().expire()
        raise RuntimeError("broken")


def armed(loop: asyncio.AbstractEventLoop, is_ours: Callable[[Any], bool]) -> int:
    """Timers armed (not cancelled) in the loop whose callback ``is_ours``."""
    scheduled: list[asyncio.TimerHandle] = loop._scheduled  # type: ignore[attr-defined]
    return sum(1 for handle in scheduled if not handle.cancelled() and is_ours(handle._callback))  # type: ignore[attr-defined]


def armed_timers(loop: asyncio.AbstractEventLoop, deadlines: ReadDeadlines) -> int:
    """Timers of this ReadDeadlines that are armed in the loop."""
    return armed(loop, lambda callback: getattr(callback, "__self__", None) is deadlines)


# Counts the timers in the stdlib loop's heap (uvloop has no such list).
@pytest.mark.stdlib_loop
async def test_a_waiter_past_its_deadline_is_expired_once() -> None:
    loop = asyncio.get_running_loop()
    deadlines = ReadDeadlines(loop)
    log: list[tuple[str, float]] = []
    started = time.monotonic()
    deadlines.start(Waiter("a", log), 0.05)
    await asyncio.sleep(0.3)
    assert [name for name, _ in log] == ["a"]
    assert 0.04 < log[0][1] - started < 0.3
    assert len(deadlines) == 0
    assert armed_timers(loop, deadlines) == 0  # nothing left to wait for: disarmed


async def test_a_waiter_that_stops_in_time_is_not_expired() -> None:
    loop = asyncio.get_running_loop()
    deadlines = ReadDeadlines(loop)
    log: list[tuple[str, float]] = []
    waiter = Waiter("a", log)
    for _ in range(5):  # wait, get data, wait again: each wait has its own deadline
        deadlines.start(waiter, 0.1)
        await asyncio.sleep(0.04)
        deadlines.stop(waiter)
    await asyncio.sleep(0.15)
    assert log == []
    assert len(deadlines) == 0


async def test_each_waiter_expires_at_its_own_deadline_in_order() -> None:
    loop = asyncio.get_running_loop()
    deadlines = ReadDeadlines(loop)
    log: list[tuple[str, float]] = []
    deadlines.start(Waiter("late", log), 0.25)
    deadlines.start(Waiter("early", log), 0.05)  # earlier than the armed timer: re-armed
    deadlines.start(Waiter("middle", log), 0.15)
    started = time.monotonic()
    await asyncio.sleep(0.1)
    assert [name for name, _ in log] == ["early"]
    await asyncio.sleep(0.4)
    assert [name for name, _ in log] == ["early", "middle", "late"]
    assert log[-1][1] - started > 0.15


# Counts the timers in the stdlib loop's heap (uvloop has no such list).
@pytest.mark.stdlib_loop
async def test_many_waiters_share_one_timer() -> None:
    loop = asyncio.get_running_loop()
    deadlines = ReadDeadlines(loop)
    log: list[tuple[str, float]] = []
    waiters = [Waiter(str(i), log) for i in range(1000)]
    for i, waiter in enumerate(waiters):
        deadlines.start(waiter, 30.0 + i / 1000)
    assert len(deadlines) == 1000
    assert armed_timers(loop, deadlines) == 1
    for waiter in waiters:
        deadlines.stop(waiter)
    deadlines.close()
    assert armed_timers(loop, deadlines) == 0
    assert log == []


async def test_a_failing_waiter_does_not_keep_the_others_waiting() -> None:
    loop = asyncio.get_running_loop()
    reported: list[dict[str, Any]] = []
    loop.set_exception_handler(lambda _loop, context: reported.append(context))
    try:
        deadlines = ReadDeadlines(loop)
        log: list[tuple[str, float]] = []
        deadlines.start(BrokenWaiter("broken", log), 0.05)
        deadlines.start(Waiter("fine", log), 0.05)
        await asyncio.sleep(0.2)
    finally:
        loop.set_exception_handler(None)
    assert sorted(name for name, _ in log) == ["broken", "fine"]
    assert len(reported) == 1 and isinstance(reported[0]["exception"], RuntimeError)


async def test_close_forgets_every_deadline() -> None:
    loop = asyncio.get_running_loop()
    deadlines = ReadDeadlines(loop)
    log: list[tuple[str, float]] = []
    deadlines.start(Waiter("a", log), 0.05)
    deadlines.close()
    await asyncio.sleep(0.15)
    assert log == []
    assert len(deadlines) == 0


# -- over real HTTP -------------------------------------------------------------------------------


def aiohttp_read_timers(loop: asyncio.AbstractEventLoop) -> int:
    """aiohttp's per-response read timers that are armed in the loop."""
    return armed(loop, lambda callback: getattr(callback, "__name__", "") == "_on_read_timeout")


# Counts the timers in the stdlib loop's heap (uvloop has no such list).
@pytest.mark.stdlib_loop
async def test_held_streams_arm_no_read_timer_each() -> None:
    streams = 50
    async with FakeAnthropic() as server:
        for _ in range(streams):
            server.enqueue(Reply.text("Hello", hold_after_start=30.0))
        async with aclaude.Client(
            api_key=API_KEY, base_url=server.url, max_retries=0, timeout=aclaude.Timeout(read=60.0)
        ) as client:
            opened = [client.messages.create(**PARAMS, stream=True) for _ in range(streams)]
            try:
                async with asyncio.timeout(LIMIT):
                    firsts = await asyncio.gather(*(events.__anext__() for events in opened))
                    assert {event.type for event in firsts} == {"message_start"}
                    loop = asyncio.get_running_loop()
                    assert aiohttp_read_timers(loop) == 0
                    seconds = await asyncio.gather(*(events.__anext__() for events in opened))
                    assert {event.type for event in seconds} == {"content_block_start"}  # read ahead
                    # Now every stream waits for data: one deadline each, on one timer.
                    reads = [asyncio.ensure_future(events.__anext__()) for events in opened]
                    await asyncio.sleep(0.1)
                    assert client._deadlines is not None
                    assert len(client._deadlines) == streams
                    assert armed_timers(loop, client._deadlines) == 1
                    assert aiohttp_read_timers(loop) == 0
                    for read in reads:
                        read.cancel()
                    await asyncio.gather(*reads, return_exceptions=True)
                    assert len(client._deadlines) == 0  # a cancelled read leaves no deadline
            finally:
                for events in opened:
                    await events.close()


@pytest.mark.parametrize("stall_after", [0, 3], ids=["after-headers", "mid-stream"])
async def test_a_silent_server_still_times_out(stall_after: int) -> None:
    async with FakeAnthropic() as server:
        server.enqueue(Reply.text("Hello world", chunk_chars=2).with_options(stall_after=stall_after))
        async with aclaude.Client(
            api_key=API_KEY, base_url=server.url, max_retries=0, timeout=aclaude.Timeout(read=0.2)
        ) as client:
            started = time.monotonic()
            with pytest.raises(aclaude.APITimeoutError, match="read timeout") as info:
                async with asyncio.timeout(LIMIT):
                    await client.messages.create(**PARAMS)
            assert 0.15 < time.monotonic() - started < 5.0
            assert info.value.events_received == stall_after
            assert client._deadlines is not None and len(client._deadlines) == 0


# -- the wait for the final headers, on the same timer -------------------------------------------


@contextlib.asynccontextmanager
async def endless_early_hints() -> AsyncIterator[str]:
    """A loopback server that answers every request with 103 Early Hints every 50 ms, forever
    (bounded by the client going away): the headers wait is never over, the socket never idle."""

    async def answer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            await reader.readuntil(b"\r\n\r\n")
            for _ in range(600):  # 30 s at most
                writer.write(b"HTTP/1.1 103 Early Hints\r\nlink: </a>; rel=preload\r\n\r\n")
                await writer.drain()
                await asyncio.sleep(0.05)
        except (ConnectionError, asyncio.IncompleteReadError):
            pass
        finally:
            writer.close()

    server = await asyncio.start_server(answer, "127.0.0.1", 0)
    try:
        yield f"http://127.0.0.1:{server.sockets[0].getsockname()[1]}"
    finally:
        server.close()
        await server.wait_closed()


async def test_the_headers_deadline_is_on_the_shared_timer() -> None:
    async with (
        endless_early_hints() as url,
        aclaude.Client(
            api_key=API_KEY, base_url=url, max_retries=0, timeout=aclaude.Timeout(connect=0.2, read=0.3)
        ) as client,
    ):
        call = asyncio.ensure_future(client.messages.create(**PARAMS))
        await asyncio.sleep(0.2)
        assert client._deadlines is not None and len(client._deadlines) == 1  # the headers wait
        started = time.monotonic()
        with pytest.raises(aclaude.APITimeoutError, match="before a response"):
            async with asyncio.timeout(LIMIT):
                await call
        assert time.monotonic() - started < 5.0
        assert len(client._deadlines) == 0
        if sys.version_info >= (3, 11):  # 3.10's tasks count no cancellations
            assert call.cancelling() == 0  # the deadline's cancellation was taken back


async def test_a_cancel_while_waiting_for_headers_stays_a_cancel() -> None:
    async with (
        endless_early_hints() as url,
        aclaude.Client(
            api_key=API_KEY, base_url=url, max_retries=0, timeout=aclaude.Timeout(connect=0.2, read=0.3)
        ) as client,
    ):
        # A caller's own deadline shorter than the client's: the caller's TimeoutError, not ours
        # (asyncio's: on 3.10 that is not yet the builtin TimeoutError).
        with pytest.raises(asyncio.TimeoutError):
            async with asyncio.timeout(0.1):
                await client.messages.create(**PARAMS)
        call = asyncio.ensure_future(client.messages.create(**PARAMS))
        await asyncio.sleep(0.1)
        call.cancel()
        with pytest.raises(asyncio.CancelledError):
            await call
        assert client._deadlines is not None and len(client._deadlines) == 0
