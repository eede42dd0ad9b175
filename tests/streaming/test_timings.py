"""``StreamTimings`` on every stream (issue 14 item 1): stamps, derived metrics, gaps, errors.

Against the fake API with scripted pacing (``x-fake-pacing``) and its write log, so the client's
stamps are checked against when the server really wrote each event (same monotonic clock).
"""

from __future__ import annotations

import asyncio
import itertools
import math
import random
import statistics

import pytest

import aclaude
from aclaude.streaming import StreamTimings
from aclaude.testing import FakeAnthropic, Reply
from aclaude.testing._pacing import WRITE_LOG, parse_pacing

PACED = {"x-fake-pacing": "ttft=40ms,itl=10ms", "x-fake-deltas": "6"}


# The fake server paces with asyncio.sleep(0.04), which uvloop (millisecond timers on a clock
# cached per loop iteration) may end up to a millisecond early: the 40 ms below is the stdlib's.
@pytest.mark.stdlib_loop
async def test_stamps_are_ordered_and_match_the_servers_writes(
    client: aclaude.Client, params: dict[str, object], write_log: None
) -> None:
    async with asyncio.timeout(10):
        stream = client.messages.create(**params, stream=True, extra_headers=PACED)
        stream.timings.record_arrivals()
        events = [event async for event in stream]
    t = stream.timings
    assert t.request_start is not None and t.headers is not None and t.message_start is not None
    assert t.first_content is not None and t.last_event is not None
    assert t.request_start <= t.headers <= t.message_start <= t.first_content <= t.last_event
    assert t.content_events == 6 == sum(e.type == "content_block_delta" for e in events)
    assert t.output_tokens == 6
    # The server wrote the first delta 40 ms after the request arrived: the client read it later.
    received, writes = WRITE_LOG.entries[stream.request_id or ""]
    delta_writes = [at for is_delta, at in writes if is_delta]
    assert len(delta_writes) == 6
    assert t.arrivals is not None and len(t.arrivals) == 6
    for written, read in zip(delta_writes, t.arrivals, strict=True):
        assert read >= written
    assert t.first_content >= received + 0.04
    assert t.ttft is not None and t.ttft >= 0.04
    # Gaps: five of them (two deltas read together on a busy machine make a gap of 0 s, so
    # their sizes are not asserted: the server's writes above are the truth).
    assert t.gap_count == 5
    assert t.itl_mean is not None and t.itl_mean * 5 == pytest.approx(t.arrivals[-1] - t.arrivals[0])
    gaps = [b - a for a, b in itertools.pairwise(t.arrivals)]
    assert t.itl_mean == pytest.approx(statistics.fmean(gaps))
    assert t.itl_stdev == pytest.approx(statistics.stdev(gaps))
    # vLLM's TPOT: (last event - first token) / (output tokens - 1).
    assert t.tpot == pytest.approx((t.last_event - t.first_content) / 5)
    assert t.e2e == pytest.approx(t.last_event - t.request_start)
    assert t.retries == 0 and t.retry_wait == 0


@pytest.mark.parametrize("seed", [1, 2, 3], ids=lambda s: f"seed={s}")
def test_gap_statistics_merged_per_chunk_equal_the_direct_ones(seed: int) -> None:
    rng = random.Random(seed)
    timings = StreamTimings().record_arrivals()
    now = 100.0
    for _ in range(200):
        now += rng.choice([0.0, rng.random() * 0.05])
        timings._add_chunk(now, rng.choice([1, 1, 1, 2, 5]))
    arrivals = timings.arrivals
    assert arrivals is not None
    gaps = [b - a for a, b in itertools.pairwise(arrivals)]
    assert timings.gap_count == len(gaps)
    assert timings.gap_mean == pytest.approx(statistics.fmean(gaps), rel=1e-9)
    assert timings.itl_stdev == pytest.approx(statistics.stdev(gaps), rel=1e-9)
    assert timings.gap_min == min(gaps) and timings.gap_max == pytest.approx(max(gaps))
    assert timings.first_content == arrivals[0]


async def test_message_stream_exposes_the_same_timings(
    client: aclaude.Client, params: dict[str, object]
) -> None:
    async with asyncio.timeout(10):
        async with client.messages.stream(**params, extra_headers=PACED) as stream:
            message = await stream.get_final_message()
    assert stream.timings.content_events == 6
    assert stream.timings.output_tokens == message.usage.output_tokens
    assert stream.timings.ttft is not None and stream.timings.ttft >= 0.04


async def test_arrivals_are_kept_only_when_asked(client: aclaude.Client, params: dict[str, object]) -> None:
    async with asyncio.timeout(10):
        stream = client.messages.create(**params, stream=True)
        _ = [event async for event in stream]
    assert stream.timings.arrivals is None
    assert stream.timings.content_events == 20


async def test_error_mid_stream_carries_the_timings_so_far(
    client: aclaude.Client, params: dict[str, object]
) -> None:
    headers = {**PACED, "x-fake-drop-after": "5"}  # start, block start, ping, 2 deltas, drop
    stream = client.messages.create(**params, stream=True, extra_headers=headers)
    with pytest.raises(aclaude.IncompleteStreamError) as caught:
        async with asyncio.timeout(10):
            async for _ in stream:
                pass
    t = caught.value.timings
    assert t is stream.timings
    assert t.content_events == 2 and t.first_content is not None and t.last_event is not None
    assert t.e2e is not None and t.e2e >= 0.04
    assert t.tpot is None  # no message_delta, no token count


async def test_retries_and_their_waits_are_recorded(
    server: FakeAnthropic, api_key: str, params: dict[str, object]
) -> None:
    server.enqueue(
        Reply.error(529, "overloaded_error", "busy", headers={"retry-after-ms": "30"}), Reply.text("Hi")
    )
    async with aclaude.Client(api_key=api_key, base_url=server.url, max_retries=1) as retrying:
        async with asyncio.timeout(10):
            message = await retrying.messages.create(**params)
            stream = retrying.messages.create(**params, stream=True)
            _ = [event async for event in stream]
    assert message.content
    # create() drains its own stream; check the second, clean stream and then a failing one.
    assert stream.timings.retries == 0
    server.enqueue(
        Reply.error(529, "overloaded_error", "busy", headers={"retry-after-ms": "30"}),
        Reply.error(529, "overloaded_error", "busy", headers={"retry-after-ms": "30"}),
    )
    async with aclaude.Client(api_key=api_key, base_url=server.url, max_retries=1) as retrying:
        failing = retrying.messages.create(**params, stream=True)
        with pytest.raises(aclaude.OverloadedError) as caught:
            async with asyncio.timeout(10):
                await failing
    t = caught.value.timings
    assert t is failing.timings
    assert t.retries == 1
    assert [name for _, name in t.failures] == ["OverloadedError", "OverloadedError"]
    assert 0.025 <= t.retry_wait < 5
    assert t.ttft is None and t.e2e is None


def test_pacing_header_is_parsed() -> None:
    pacing = parse_pacing("ttft=200ms, itl=0.02, jitter=0.1, seed=3")
    assert (pacing.ttft, pacing.itl, pacing.jitter, pacing.seed) == (0.2, 0.02, 0.1, 3)
    with pytest.raises(ValueError, match="jitter"):
        parse_pacing("jitter=2")
    with pytest.raises(ValueError, match="expected"):
        parse_pacing("speed=3")
    assert math.isclose(parse_pacing("ttft=1s").ttft, 1.0)


async def test_a_transport_hook_stamps_connection_acquired(
    server: FakeAnthropic, api_key: str, params: dict[str, object]
) -> None:
    # The recipe of docs/bench.md: an aiohttp trace on your own session reads current_timings.
    import time

    import aiohttp

    from aclaude.streaming._timings import current_timings

    async def acquired(session: object, context: object, params: object) -> None:
        timings = current_timings.get()
        if timings is not None:
            timings.connection_acquired = time.monotonic()

    trace = aiohttp.TraceConfig()
    trace.on_connection_create_end.append(acquired)  # a new connection ...
    trace.on_connection_reuseconn.append(acquired)  # ... or one from the pool
    async with aiohttp.ClientSession(trace_configs=[trace]) as session:
        async with aclaude.Client(api_key=api_key, base_url=server.url, session=session) as traced:
            streams = []
            async with asyncio.timeout(10):
                for _ in range(2):  # the second request reuses the first one's connection
                    stream = traced.messages.create(**params, stream=True)
                    _ = [event async for event in stream]
                    streams.append(stream.timings)
    for t in streams:
        assert t.connection_acquired is not None and t.request_start is not None and t.headers is not None
        assert t.request_start <= t.connection_acquired <= t.headers
        assert t.pool_wait is not None and t.pool_wait >= 0
    assert current_timings.get() is None  # reset once the request was sent
