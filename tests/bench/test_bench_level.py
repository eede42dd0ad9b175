"""``run_level`` itself, in this process against the ``server`` fixture."""

from __future__ import annotations

import asyncio
import gc

import aclaude
from aclaude.bench import RequestRecord, RequestSpec
from aclaude.bench._runner import LevelPlan, run_level

PACED = {"x-fake-pacing": "ttft=5ms,itl=1ms", "x-fake-deltas": "3"}


async def test_a_level_runs_with_the_heap_frozen_and_unfreezes_it(client: aclaude.Client) -> None:
    # Everything alive before the level is out of the collector's reach while it runs (a full
    # collection would stall every stream's reads), and back in it afterwards.
    frozen_during: list[int] = []

    def on_record(record: RequestRecord) -> None:
        frozen_during.append(gc.get_freeze_count())

    specs = [RequestSpec(messages=[{"role": "user", "content": "hi"}], max_tokens=3)]
    plan = LevelPlan(mode="concurrency", level=2, concurrency=2, requests=4)
    async with asyncio.timeout(30):
        result = await run_level(
            client, "claude-sonnet-4-5", specs, lambda spec: PACED, plan, on_record=on_record
        )
    assert [record.error for record in result.records] == [None] * 4
    assert len(frozen_during) == 4 and min(frozen_during) > 0
    assert gc.get_freeze_count() == 0
