"""The load generator of one level, in one process: closed loop or open loop.

Closed loop (``--concurrency N``): N workers, each sending its next request as soon as the last
one ended. Open loop (``--rate R``): requests start on a schedule whatever the server does,
inter-arrival times drawn from a gamma distribution of shape ``burstiness`` and mean ``1/R``
(burstiness 1 = Poisson arrivals, as in vLLM's ``--burstiness``) or a constant ``1/R``; an
optional ``max_concurrency`` caps how many are in flight. The first ``warmup`` requests of a level
are sent but not recorded.

Every request is one ``messages.create(stream=True)``; its ``StreamTimings`` (stamped when the
bytes are read, see ``aclaude.streaming``) become the record. The level's client CPU is this
process's ``time.process_time()`` over the level (the client's own cost: on the embedded fake API
the server runs in another process).
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import itertools
import math
import random
import time
from collections.abc import Callable, Iterator, Sequence
from typing import Any

import msgspec

from .._client import Client
from .._exceptions import APIError, APIStatusError
from ..types._events import RawMessageStartEvent
from ._loop import running_loop
from ._prompts import RequestSpec
from ._records import RequestRecord, record_from_timings
from ._start_gate import StartGate

__all__ = ["LevelPlan", "LevelResult", "run_level", "send_one"]


class LevelPlan(msgspec.Struct, kw_only=True):
    """What one process runs for one level."""

    mode: str  # "concurrency" | "rate"
    level: float  # the level's value for the whole run (records carry it)
    concurrency: int = 1  # closed loop: workers in this process
    rate: float = math.inf  # open loop: this process's share of the rate (req/s)
    arrival: str = "poisson"  # or "constant"
    burstiness: float = 1.0
    max_concurrency: int | None = None
    requests: int | None = None  # measured requests in this process (None: until duration)
    duration: float | None = None  # seconds of measured load
    warmup: int = 0
    process: int = 0
    spec_offset: int = 0  # where this process starts in the prompt list
    seed: int = 0


class LevelResult(msgspec.Struct, kw_only=True):
    records: list[RequestRecord]
    cpu_seconds: float
    events: int
    wall: float
    interrupted: bool = False
    loop: str = "asyncio"  # the event loop the level ran on (see _loop.running_loop)


async def send_one(
    client: Client,
    model: str,
    spec: RequestSpec,
    headers: dict[str, str] | None,
    *,
    level: float,
    process: int,
    index: int,
) -> RequestRecord:
    """Send one streamed request, read it to the end, and record it (errors included)."""
    start = time.monotonic()
    stream = client.messages.create(model=model, **spec.params(), stream=True, extra_headers=headers)
    timings = stream.timings.record_arrivals()
    events = 0
    input_tokens: int | None = None
    failure: APIError | None = None
    try:
        async with stream:
            async for event in stream:
                events += 1
                if events == 1 and type(event) is RawMessageStartEvent:
                    input_tokens = event.message.usage.input_tokens
    except APIError as exc:
        failure = exc
    record = record_from_timings(
        timings,
        level=level,
        process=process,
        index=index,
        start=start,
        end=time.monotonic(),
        events=events,
        input_tokens=input_tokens,
        request_id=stream.request_id or (failure.request_id if failure is not None else None),
    )
    if failure is not None:
        record.error = type(failure).__name__
        record.error_message = failure.message[:300]
        if isinstance(failure, APIStatusError):
            record.status = failure.status_code
    return record


def _intervals(plan: LevelPlan) -> Callable[[], float]:
    if plan.rate == math.inf:
        return lambda: 0.0
    mean = 1.0 / plan.rate
    if plan.arrival == "constant":
        return lambda: mean
    rng = random.Random(plan.seed * 1000 + plan.process)
    shape = plan.burstiness
    return lambda: rng.gammavariate(shape, mean / shape)


@contextlib.contextmanager
def _collector_held_back() -> Iterator[None]:
    """For one level: everything alive before it (modules, the client, the prompts) is moved out
    of the garbage collector's reach (``gc.freeze``), so a collection during the level scans
    only what the level made. A full collection of the whole heap stops the event loop, and
    every stream's next read with it, for tens of ms: in a 100-stream level on this project's
    machine one took 26 ms, and its stamps were the lag's p99."""
    gc.collect()
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()


async def run_level(
    client: Client,
    model: str,
    specs: Sequence[RequestSpec],
    headers_for: Callable[[RequestSpec], dict[str, str] | None],
    plan: LevelPlan,
    *,
    on_record: Callable[[RequestRecord], None] | None = None,
    stop: asyncio.Event | None = None,
) -> LevelResult:
    """Run one level; ``stop`` (when set) ends it early with the records so far."""
    with _collector_held_back():
        return await _run_level(client, model, specs, headers_for, plan, on_record, stop)


async def _run_level(
    client: Client,
    model: str,
    specs: Sequence[RequestSpec],
    headers_for: Callable[[RequestSpec], dict[str, str] | None],
    plan: LevelPlan,
    on_record: Callable[[RequestRecord], None] | None,
    stop: asyncio.Event | None,
) -> LevelResult:
    records: list[RequestRecord] = []
    counter = itertools.count()
    started = time.monotonic()
    deadline = started + plan.duration if plan.duration is not None else None
    limit = plan.requests + plan.warmup if plan.requests is not None else None
    events = 0
    gate = StartGate()  # starts spread over loop turns, so reads are stamped between them

    def take() -> int | None:
        index = next(counter)
        if limit is not None and index >= limit:
            return None
        if deadline is not None and index >= plan.warmup and time.monotonic() >= deadline:
            return None
        return index

    async def one(index: int) -> None:
        nonlocal events
        spec = specs[(plan.spec_offset + index) % len(specs)]
        await gate.wait()
        record = await send_one(
            client, model, spec, headers_for(spec), level=plan.level, process=plan.process, index=index
        )
        events += record.events
        if index >= plan.warmup:
            records.append(record)
            if on_record is not None:
                on_record(record)

    async def closed_worker() -> None:
        while (index := take()) is not None:
            await one(index)

    async def open_loop() -> None:
        gate = asyncio.Semaphore(plan.max_concurrency) if plan.max_concurrency else None
        tasks: set[asyncio.Task[None]] = set()
        interval = _intervals(plan)

        async def gated(index: int) -> None:
            if gate is None:
                await one(index)
                return
            async with gate:
                await one(index)

        try:
            due = time.monotonic()
            while (index := take()) is not None:
                task = asyncio.ensure_future(gated(index))
                tasks.add(task)
                task.add_done_callback(tasks.discard)
                due += interval()
                wait = due - time.monotonic()
                if wait > 0:
                    await asyncio.sleep(wait)
            if tasks:
                await asyncio.gather(*tasks)
        finally:
            for task in tasks:
                task.cancel()
            if tasks:
                await asyncio.gather(*tasks, return_exceptions=True)

    async def drive() -> None:
        if plan.mode == "rate":
            await open_loop()
        else:
            await asyncio.gather(*[closed_worker() for _ in range(max(plan.concurrency, 1))])

    cpu_before = time.process_time()
    driver = asyncio.ensure_future(drive())
    interrupted = False
    waiter: asyncio.Future[Any] | None = None
    try:
        if stop is None:
            await driver
        else:
            waiter = asyncio.ensure_future(stop.wait())
            await asyncio.wait({driver, waiter}, return_when=asyncio.FIRST_COMPLETED)
            if not driver.done():
                interrupted = True
                driver.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await driver
    finally:
        if waiter is not None:
            waiter.cancel()
        if not driver.done():  # cancelled from outside (Ctrl-C): stop the requests too
            driver.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await driver
    return LevelResult(
        records=records,
        cpu_seconds=time.process_time() - cpu_before,
        events=events,
        wall=time.monotonic() - started,
        interrupted=interrupted,
        loop=running_loop(),
    )
