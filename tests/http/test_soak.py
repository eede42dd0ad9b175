"""Soak: 2,000 concurrent streams against one fake server with random faults, twice (the
reliability matrix's soak row, docs/architecture.md).

Each round queues 2,000 scripted replies drawn with a seeded random generator (the seed is in
the test id; set ``ACLAUDE_SOAK_SEED`` to replay another): complete streams, error events,
clean truncations and dropped connections at random points, 529s and 429s with a short
``retry-after-ms``, resets before the headers, stalls that hit the idle limit, and random byte
chunking. 2,000 requests then run at once, with all three ways of consuming a stream, some of
them stopping early. Every outcome must be a complete ``Message``, an ``aclaude.APIError`` or
an early exit the test chose: nothing else escapes.

After each round the pool has no connection checked out; after the client is closed, the
tasks and file descriptors are back to where they were, and the second round leaves no more
memory behind than a few MB (tracemalloc, after the warm-up of the first round).
"""

from __future__ import annotations

import asyncio
import collections
import gc
import os
import random
import time
import tracemalloc
from typing import Any

import aiohttp
import pytest

import aclaude
import aclaude._http.retry
from aclaude.testing import FakeAnthropic, Reply

API_KEY = "sk-ant-test-not-a-real-key"
PARAMS: dict[str, Any] = {
    "model": "claude-sonnet-4-6",
    "max_tokens": 64,
    "messages": [{"role": "user", "content": "Hello"}],
}
STREAMS = 2000
SEED = int(os.environ.get("ACLAUDE_SOAK_SEED", "20260127"))
TEXT = "The quick brown fox jumps over the lazy dog, twice."
#: Events in Reply.text(TEXT, chunk_chars=8): start, block start, ping, 7 deltas, 3 stops.
EVENTS = 3 + -(-len(TEXT) // 8) + 3
#: What the retained memory of a round may grow by (caches, free lists, interned strings).
MEMORY_SLACK = 4 << 20


def random_reply(rng: random.Random) -> Reply:
    roll = rng.random()
    after = rng.randrange(EVENTS)  # anywhere: before the first content event or after it
    chunking = rng.choice([None, None, None, 1 + rng.randrange(64)])
    if roll < 0.40:
        return Reply.text(TEXT, chunk_chars=8, chunking=chunking)
    if roll < 0.50:
        return Reply.text(TEXT, chunk_chars=8, error_event_after=after, chunking=chunking)
    if roll < 0.60:
        return Reply.text(TEXT, chunk_chars=8, truncate_after=after, chunking=chunking)
    if roll < 0.70:
        return Reply.text(TEXT, chunk_chars=8, drop_after=after, chunking=chunking)
    if roll < 0.80:
        return Reply.error(529, "overloaded_error", "Overloaded")
    if roll < 0.90:
        delay = str(1 + rng.randrange(20))
        return Reply.error(429, "rate_limit_error", "Rate limited", headers={"retry-after-ms": delay})
    if roll < 0.95:
        return Reply.disconnect()
    if roll < 0.97:
        return Reply.text(TEXT, chunk_chars=8).with_options(
            stall_after=min(after + 2, EVENTS - 1), stall_with="pings", stall_interval=0.1
        )
    return Reply.text(TEXT, chunk_chars=8, delay_between=0.002)


class EarlyExit:
    """The consumer chose to stop (break, or cancelled its own task)."""


async def consume(client: aclaude.Client, how: str, stop_after: int) -> Any:
    try:
        if how == "create":
            return await client.messages.create(**PARAMS)
        if how == "stream":
            async with client.messages.stream(**PARAMS) as stream:
                return await stream.get_final_message()
        if how == "text_stream":
            async with client.messages.stream(**PARAMS) as stream:
                seen = 0
                async for _ in stream.text_stream:
                    seen += 1
                    if seen == stop_after:
                        return EarlyExit()
                return await stream.get_final_message()
        async with client.messages.create(**PARAMS, stream=True) as events:
            seen_events = [event async for event in events]
            assert seen_events[-1].type == "message_stop"
            return seen_events
    except aclaude.APIError as exc:
        return exc


async def cancelled_midway(client: aclaude.Client, rng_delay: float) -> Any:
    task = asyncio.create_task(consume(client, "stream", 0))
    await asyncio.sleep(rng_delay)
    task.cancel()
    try:
        return await task
    except asyncio.CancelledError:
        return EarlyExit()


def fd_count() -> int:
    return len(os.listdir("/proc/self/fd"))


async def soak_round(server: FakeAnthropic, seed: int, max_retries: int) -> collections.Counter[str]:
    rng = random.Random(seed)
    server.enqueue(*(random_reply(rng) for _ in range(STREAMS)))
    async with aclaude.Client(
        api_key=API_KEY, base_url=server.url, max_retries=max_retries, timeout=aclaude.Timeout(read=2.0)
    ) as client:
        jobs = []
        for _ in range(STREAMS):
            how = rng.choice(["create", "stream", "text_stream", "events", "cancel"])
            if how == "cancel":
                jobs.append(cancelled_midway(client, rng.random() * 0.05))
            else:
                jobs.append(consume(client, how, 1 + rng.randrange(10)))
        # A bound against hangs, not a speed check: a shared CI machine (and tracemalloc in the
        # second round, and slower interpreters) can take several times the idle ~15 s.
        async with asyncio.timeout(120):
            results = await asyncio.gather(*jobs, return_exceptions=True)
        connector = client._get_session().connector
        assert isinstance(connector, aiohttp.BaseConnector)
        assert not connector._acquired, f"{len(connector._acquired)} connections still checked out"
    outcomes: collections.Counter[str] = collections.Counter()
    strays: list[BaseException] = []
    for result in results:
        if isinstance(result, aclaude.Message):
            assert result.stop_reason is not None
            assert result.usage.output_tokens > 0
            outcomes["message"] += 1
        elif isinstance(result, list):
            outcomes["events"] += 1
        elif isinstance(result, EarlyExit):
            outcomes["early-exit"] += 1
        elif isinstance(result, aclaude.APIError):
            outcomes[type(result).__name__] += 1
        else:
            strays.append(result)
    assert not strays, f"not a Message nor an APIError: {strays[:5]!r}"
    assert sum(outcomes.values()) == STREAMS
    return outcomes


async def back_to(tasks: set[asyncio.Task[Any]], fds: int, server: FakeAnthropic) -> None:
    """Wait (bounded) for the server to see every connection gone; then compare."""
    async with asyncio.timeout(10):
        while True:
            gc.collect()
            extra = {t for t in asyncio.all_tasks() if not t.done()} - tasks
            if not extra and fd_count() <= fds + 4 and server.in_flight == 0:
                return
            await asyncio.sleep(0.05)


@pytest.fixture(autouse=True)
def short_backoff(monkeypatch: pytest.MonkeyPatch) -> None:
    # A tenth of the real backoff: retries still spread out, the test stays short.
    monkeypatch.setattr(aclaude._http.retry, "INITIAL_RETRY_DELAY", 0.05)


# The memory check traces the whole process, the in-process fake server included; on uvloop the
# server's closed connections keep their parser and writer buffers (aiohttp's web_protocol and
# http_writer, about 8 MB here) past the point where the stdlib loop has let them go, so the
# check would measure the server. The client's own paths on uvloop are covered by the rest of
# tests/http, tests/streaming and tests/hostile in the uvloop run.
@pytest.mark.stdlib_loop
@pytest.mark.parametrize("seed", [SEED], ids=lambda seed: f"seed={seed}")
async def test_soak_2000_concurrent_streams_with_random_faults(seed: int) -> None:
    started = time.monotonic()
    async with FakeAnthropic() as server:
        tasks, fds = set(asyncio.all_tasks()), fd_count()

        first = await soak_round(server, seed, max_retries=1)
        await back_to(tasks, fds, server)
        # Every kind of outcome happened (the mix is doing its job).
        for kind in ("message", "events", "early-exit", "IncompleteStreamError", "APITimeoutError"):
            assert first[kind] > 0, first

        server.reset()
        gc.collect()
        tracemalloc.start()
        try:
            second = await soak_round(server, seed + 1, max_retries=2)
            await back_to(tasks, fds, server)
            server.reset()  # recorded requests are the server's memory, not the client's
            gc.collect()
            retained, _ = tracemalloc.get_traced_memory()
            print(f"round 2 retained {retained / 1e6:.2f} MB; {first} / {second}")
            if retained > MEMORY_SLACK:
                top = tracemalloc.take_snapshot().statistics("lineno")[:10]
                pytest.fail(f"round 2 retained {retained / 1e6:.1f} MB; top: {top}")
        finally:
            tracemalloc.stop()
        assert sum(second.values()) == STREAMS
    assert time.monotonic() - started < 240  # hang guard (see soak_round)
