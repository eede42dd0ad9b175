"""``StreamTimings.connection_acquired`` is stamped by aclaude's own connection pool (no hook)."""

from __future__ import annotations

import asyncio

import aclaude
from aclaude.streaming import StreamTimings
from aclaude.testing import FakeAnthropic

PACED = {"x-fake-pacing": "ttft=20ms,itl=5ms", "x-fake-deltas": "3"}


async def test_the_pool_stamps_each_request_and_shows_the_wait_for_a_connection(
    server: FakeAnthropic, api_key: str, params: dict[str, object]
) -> None:
    # One connection for two concurrent streams: the second waits in the pool for the first.
    async with aclaude.Client(api_key=api_key, base_url=server.url, max_connections=1) as client:

        async def one() -> StreamTimings:
            stream = client.messages.create(**params, stream=True, extra_headers=PACED)
            _ = [event async for event in stream]
            return stream.timings

        async with asyncio.timeout(10):
            first, second = await asyncio.gather(one(), one())
    for t in (first, second):
        assert t.request_start is not None and t.headers is not None
        assert t.connection_acquired is not None
        assert t.request_start <= t.connection_acquired <= t.headers
    stamps = sorted([first, second], key=lambda t: t.connection_acquired or 0.0)
    other, waited = stamps
    assert other.last_event is not None and waited.connection_acquired is not None
    assert waited.connection_acquired >= other.last_event  # released only when the body was read
    assert waited.pool_wait is not None and other.pool_wait is not None
    assert waited.pool_wait > other.pool_wait
