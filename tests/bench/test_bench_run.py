"""``run_benchmark`` end to end against the embedded fake API (a real server process), with
tiny pacing so that each run takes a fraction of a second."""

from __future__ import annotations

import asyncio
import io

import pytest

from aclaude.bench import BenchSettings, run_benchmark
from aclaude.bench._progress import PlainProgress

PACING = "ttft=20ms,itl=2ms"


def settings(**overrides: object) -> BenchSettings:
    base: dict[str, object] = {
        "requests": 4,
        "output_tokens": 5,
        "input_tokens": 20,
        "pacing": PACING,
        "concurrency": [2],
    }
    return BenchSettings(**{**base, **overrides})  # type: ignore[arg-type]


async def test_closed_loop_sweep_measures_every_level() -> None:
    progress = io.StringIO()
    async with asyncio.timeout(60):
        result = await run_benchmark(
            settings(concurrency=[1, 3], warmup=2, slo={"ttft": 5.0}), PlainProgress(progress)
        )
    assert [level.level for level in result.levels] == [1, 3]
    assert len(result.requests) == 8  # warm-up requests are not recorded
    assert all(r.index >= 2 for r in result.requests)
    for level in result.levels:
        assert level.completed == 4 and level.failed == 0
        assert level.output_tokens == 20
        assert level.ttft.p50 is not None and level.ttft.p50 >= 20.0  # ms: at least the pacing
        # Not >= the pacing, nor > 0 at the median: bytes are stamped when read from the socket,
        # and on a busy machine one late read can carry all of a request's deltas (TPOT 0).
        # Some request of the level still has its deltas spread over several reads.
        assert level.tpot.p50 is not None and level.tpot.p50 >= 0
        assert level.tpot.max is not None and level.tpot.max > 0
        assert level.itl.count == 16  # 4 gaps a request
        assert level.goodput == pytest.approx(level.request_throughput)
        assert level.client_cpu_us_per_event is not None and level.events >= 4 * 6
    record = result.requests[0]
    assert record.output_tokens == 5 and record.input_tokens is not None and record.input_tokens > 0
    assert record.request_id is not None and record.request_id.startswith("req_")
    assert "concurrency=3: 4/4 done, 0 failed" in progress.getvalue()


async def test_open_loop_at_a_rate_spaces_the_arrivals() -> None:
    async with asyncio.timeout(60):
        result = await run_benchmark(
            settings(rate=[20.0], arrival="constant", requests=5), PlainProgress(io.StringIO())
        )
    (level,) = result.levels
    assert level.mode == "rate" and level.completed == 5
    starts = sorted(r.start for r in result.requests)
    # Planned 1/20 s apart (0.2 s in all); a start can only be late, and a late first start
    # shortens the span, so only half of it is asserted (all at once would give about 0).
    assert starts[-1] - starts[0] >= 0.1


async def test_duration_bounds_a_level() -> None:
    async with asyncio.timeout(60):
        result = await run_benchmark(settings(requests=None, duration=0.3), PlainProgress(io.StringIO()))
    (level,) = result.levels
    assert level.completed >= 2
    assert max(r.start for r in result.requests) - min(r.start for r in result.requests) < 0.3 + 0.1


async def test_errors_are_counted_by_type() -> None:
    # A pacing the fake API refuses: every request is a 400 (the check request has none).
    async with asyncio.timeout(60):
        result = await run_benchmark(settings(pacing="ttft=fast"), PlainProgress(io.StringIO()))
    (level,) = result.levels
    assert level.failed == 4 and level.errors_by_type == {"BadRequestError": 4}
    assert result.requests[0].status == 400 and "x-fake-pacing" in (result.requests[0].error_message or "")


async def test_stop_ends_the_run_with_the_records_so_far() -> None:
    stop = asyncio.Event()
    progress = PlainProgress(io.StringIO())
    original = progress.advance

    def advance(ok: bool) -> None:
        original(ok)
        stop.set()  # as Ctrl-C would, after the first request

    progress.advance = advance  # type: ignore[method-assign]
    async with asyncio.timeout(60):
        result = await run_benchmark(settings(requests=50, concurrency=[1, 2]), progress, stop=stop)
    assert result.interrupted
    assert len(result.levels) == 1 and 1 <= len(result.requests) < 50


async def test_processes_merge_their_records() -> None:
    async with asyncio.timeout(120):
        result = await run_benchmark(
            settings(processes=2, requests=6, concurrency=[4]), PlainProgress(io.StringIO())
        )
    (level,) = result.levels
    assert level.processes == 2 and level.completed == 6
    assert sorted({r.process for r in result.requests}) == [0, 1]
    assert [r.start for r in result.requests] == sorted(r.start for r in result.requests)


async def test_stop_ends_a_run_in_several_processes() -> None:
    stop = asyncio.Event()
    progress = PlainProgress(io.StringIO())
    original = progress.advance

    def advance(ok: bool) -> None:
        original(ok)
        stop.set()  # as Ctrl-C would, after the first request of any worker

    progress.advance = advance  # type: ignore[method-assign]
    async with asyncio.timeout(120):
        result = await run_benchmark(
            settings(processes=2, requests=200, concurrency=[2, 4]), progress, stop=stop
        )
    assert result.interrupted
    assert len(result.levels) == 1 and 1 <= len(result.requests) < 200
