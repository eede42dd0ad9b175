"""A whole benchmark run: the endpoint (or the embedded fake API in its own process), a check
request, every level in one or ``--processes`` processes, and the result.

With ``--processes N`` each level is split (concurrency, rate and request count divided
between the processes; the duration is the same), each process runs its share with its own
client and event loop, and the parent merges the per-request records: one monotonic clock on
the machine puts them on one time line.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import datetime
import math
import multiprocessing
import platform
import queue as queue_module
import signal
import subprocess
import sys
from collections.abc import AsyncIterator, Iterator, Sequence
from typing import Any

import msgspec

from .._client import Client
from .._exceptions import APIConnectionError, AuthenticationError
from .._http.transport import read_stamping_connector
from .._logging import redact_url
from .._version import __version__
from ._loop import resolve_loop, run_on, running_loop
from ._progress import Progress
from ._prompts import RequestSpec, load_jsonl, synthetic
from ._records import RequestRecord
from ._runner import LevelPlan, LevelResult, run_level, send_one
from ._settings import BenchSettings
from ._stats import LevelSummary, summarize

__all__ = ["BenchError", "BenchResult", "FAKE_API_KEY", "run_benchmark"]

SCHEMA = "aclaude-bench/1"
FAKE_API_KEY = "sk-ant-bench-fake-key"
_FAKE_START_TIMEOUT = 30.0


class BenchError(Exception):
    """A run that cannot start or go on (bad prompts file, unreachable endpoint ...): its message
    is the one line the command prints."""


class BenchResult(msgspec.Struct, kw_only=True):
    """The JSON result (schema ``aclaude-bench/1``, documented in docs/bench.md)."""

    schema: str = SCHEMA
    settings: BenchSettings
    endpoint: str
    started_at: str
    interrupted: bool = False
    aclaude_version: str = __version__
    python: str = platform.python_version()
    levels: list[LevelSummary] = msgspec.field(default_factory=list)
    requests: list[RequestRecord] = msgspec.field(default_factory=list)


@contextlib.contextmanager
def fake_api_process() -> Iterator[str]:
    """Start ``python -m aclaude.testing`` in its own process; its base URL until exit."""
    process = subprocess.Popen(
        [sys.executable, "-m", "aclaude.testing", "--port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        stdin=subprocess.DEVNULL,
        text=True,
        # Its own process group: Ctrl-C in the terminal must not stop it before we are done.
        start_new_session=True,
    )
    try:
        assert process.stdout is not None
        line = process.stdout.readline().strip()
        if not line.startswith("listening on "):
            raise BenchError("the embedded fake API did not start")
        yield line.removeprefix("listening on ")
    finally:
        process.terminate()
        try:
            process.wait(_FAKE_START_TIMEOUT)
        except subprocess.TimeoutExpired:  # pragma: no cover - it exits on SIGTERM
            process.kill()
            process.wait()
        if process.stdout is not None:
            process.stdout.close()


# The pool when a level has no fixed concurrency (open loop without --max-concurrency).
_UNBOUNDED_POOL = 100_000


@contextlib.asynccontextmanager
async def bench_client(
    base_url: str, api_key: str | None, settings: BenchSettings, connections: int
) -> AsyncIterator[Client]:
    """A client with a pool of ``connections`` (0: as many as the load needs), whose streams
    stamp each read when its bytes came off the socket, not when the reading task got to run."""
    connector = read_stamping_connector(connections or _UNBOUNDED_POOL)
    try:
        client = Client(
            api_key=api_key,
            base_url=base_url,
            max_retries=settings.max_retries,
            timeout=settings.timeout,
            connector=connector,
        )
        async with client:
            yield client
    finally:
        await connector.close()


def headers_for_fake(pacing: str) -> Any:
    """The fake API's control headers: its pacing, and as many tokens as ``max_tokens``."""

    def headers(spec: RequestSpec) -> dict[str, str]:
        return {"x-fake-pacing": pacing, "x-fake-deltas": str(spec.max_tokens)}

    return headers


def _no_headers(spec: RequestSpec) -> None:
    return None


def load_specs(settings: BenchSettings) -> list[RequestSpec]:
    if settings.prompts is not None:
        return load_jsonl(settings.prompts)
    count = settings.requests + settings.warmup if settings.requests is not None else 1000
    return synthetic(
        min(count, 10_000),
        input_tokens=settings.input_tokens,
        output_tokens=settings.output_tokens,
        seed=settings.seed,
    )


async def check_endpoint(client: Client, settings: BenchSettings, endpoint: str, fake: bool) -> None:
    """One small request before the run: an unreachable endpoint or a rejected key is one clear
    line, not a run of identical failures."""
    spec = RequestSpec(messages=[{"role": "user", "content": "ping"}], max_tokens=1)
    headers = {"x-fake-deltas": "1"} if fake else None
    record = await send_one(client, settings.model, spec, headers, level=0, process=0, index=-1)
    if record.error is None:
        return
    message = record.error_message or record.error
    if record.error in (APIConnectionError.__name__, "APITimeoutError"):
        raise BenchError(f"cannot reach {endpoint}: {message}")
    if record.error == AuthenticationError.__name__:
        raise BenchError(f"{endpoint} rejected the API key (set ANTHROPIC_API_KEY): {message}")
    raise BenchError(f"the check request to {endpoint} failed: {record.error}: {message}")


def split(plan: LevelPlan, processes: int) -> list[LevelPlan]:
    """One level's plan shared out between processes (remainders to the first ones)."""
    plans = []
    for index in range(processes):

        def share(total: int, index: int = index) -> int:
            return total // processes + (1 if index < total % processes else 0)

        plans.append(
            msgspec.structs.replace(
                plan,
                process=index,
                concurrency=share(plan.concurrency),
                rate=plan.rate / processes,
                max_concurrency=share(plan.max_concurrency) or 1 if plan.max_concurrency else None,
                requests=share(plan.requests) if plan.requests is not None else None,
                warmup=share(plan.warmup),
                spec_offset=index * 7919,
            )
        )
    return [p for p in plans if p.requests != 0 and (p.mode == "rate" or p.concurrency > 0)]


def level_name(mode: str, value: float) -> str:
    if mode == "rate":
        return "rate=inf" if value == math.inf else f"rate={value:g}/s"
    return f"concurrency={value:g}"


async def run_benchmark(
    settings: BenchSettings, progress: Progress, *, stop: asyncio.Event | None = None
) -> BenchResult:
    """Run every level; on ``stop`` (Ctrl-C) end early with what was measured so far."""
    settings.check()
    # The loop this run is on (worker processes of --processes start the same one).
    settings = msgspec.structs.replace(settings, loop=running_loop())
    specs = load_specs(settings)
    started_at = datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds")
    with contextlib.ExitStack() as stack:
        fake = settings.base_url is None
        if fake:
            base_url = stack.enter_context(fake_api_process())
            endpoint = "embedded fake API"
            api_key: str | None = FAKE_API_KEY
            headers_for: Any = headers_for_fake(settings.pacing)
        else:
            assert settings.base_url is not None
            base_url, endpoint = settings.base_url, redact_url(settings.base_url)
            api_key, headers_for = None, _no_headers
        result = BenchResult(settings=settings, endpoint=endpoint, started_at=started_at)
        levels = settings.levels()
        widest = max((int(v) for m, v in levels if m == "concurrency"), default=0)
        connections = widest if not settings.rate else (settings.max_concurrency or 0)
        async with bench_client(base_url, api_key, settings, connections) as client:
            await check_endpoint(client, settings, endpoint, fake)
            if settings.processes == 1:
                await _run_here(client, settings, specs, headers_for, progress, stop, result)
        if settings.processes > 1:
            await _run_in_processes(base_url, api_key, settings, specs, progress, stop, result)
    return result


def _plan(settings: BenchSettings, mode: str, value: float) -> LevelPlan:
    return LevelPlan(
        mode=mode,
        level=value,
        concurrency=int(value) if mode == "concurrency" else 0,
        rate=value if mode == "rate" else math.inf,
        arrival=settings.arrival,
        burstiness=settings.burstiness,
        max_concurrency=settings.max_concurrency if mode == "rate" else None,
        requests=settings.requests,
        duration=settings.duration,
        warmup=settings.warmup,
        seed=settings.seed,
    )


def _add_level(
    result: BenchResult, settings: BenchSettings, plan: LevelPlan, parts: Sequence[LevelResult]
) -> None:
    loops = {part.loop for part in parts} - {settings.loop}
    if loops:  # the result names one loop: every process must have run it
        raise BenchError(f"a worker ran on {', '.join(sorted(loops))}, not {settings.loop}")
    records = sorted((r for part in parts for r in part.records), key=lambda r: r.start)
    result.requests.extend(records)
    result.levels.append(
        summarize(
            records,
            mode=plan.mode,
            level=plan.level,
            slo=settings.slo or None,
            cpu_seconds=sum(part.cpu_seconds for part in parts),
            events=sum(part.events for part in parts),
            wall=max((part.wall for part in parts), default=0.0),
            processes=len(parts),
        )
    )
    if any(part.interrupted for part in parts):
        result.interrupted = True


async def _run_here(
    client: Client,
    settings: BenchSettings,
    specs: list[RequestSpec],
    headers_for: Any,
    progress: Progress,
    stop: asyncio.Event | None,
    result: BenchResult,
) -> None:
    for mode, value in settings.levels():
        plan = _plan(settings, mode, value)
        progress.start_level(level_name(mode, value), settings.requests)
        try:
            part = await run_level(
                client,
                settings.model,
                specs,
                headers_for,
                plan,
                on_record=lambda record: progress.advance(record.error is None),
                stop=stop,
            )
        finally:
            progress.end_level()
        _add_level(result, settings, plan, [part])
        if result.interrupted:
            return


# -- several processes -----------------------------------------------------------------------


class _Job(msgspec.Struct, kw_only=True):
    base_url: str
    api_key: str | None
    settings: BenchSettings
    specs: list[RequestSpec]
    plan: LevelPlan
    fake: bool


def _ignore_sigint() -> None:
    # The parent decides when to stop (it tells the workers through an Event).
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def _work(job_bytes: bytes, done: Any, stop_flag: Any) -> bytes:
    """One process's share of a level (runs in a worker process)."""
    job = msgspec.msgpack.decode(job_bytes, type=_Job)
    loop = resolve_loop(job.settings.loop)
    return msgspec.msgpack.encode(run_on(loop, _work_async(job, done, stop_flag)))


async def _work_async(job: _Job, done: Any, stop_flag: Any) -> LevelResult:
    stop = asyncio.Event()

    async def watch() -> None:
        # A Manager's Event cannot be awaited: poll it (five times a second, off the request path).
        while not stop_flag.is_set():  # noqa: ASYNC110
            await asyncio.sleep(0.2)
        stop.set()

    watcher = asyncio.ensure_future(watch())
    headers_for = headers_for_fake(job.settings.pacing) if job.fake else _no_headers
    connections = job.plan.concurrency if job.plan.mode == "concurrency" else (job.plan.max_concurrency or 0)
    try:
        async with bench_client(job.base_url, job.api_key, job.settings, connections) as client:
            return await run_level(
                client,
                job.settings.model,
                job.specs,
                headers_for,
                job.plan,
                on_record=lambda record: done.put(record.error is None),
                stop=stop,
            )
    finally:
        watcher.cancel()


async def _run_in_processes(
    base_url: str,
    api_key: str | None,
    settings: BenchSettings,
    specs: list[RequestSpec],
    progress: Progress,
    stop: asyncio.Event | None,
    result: BenchResult,
) -> None:
    context = multiprocessing.get_context("spawn")
    with context.Manager() as manager:
        done = manager.Queue()
        stop_flag = manager.Event()
        with concurrent.futures.ProcessPoolExecutor(
            settings.processes, mp_context=context, initializer=_ignore_sigint
        ) as pool:
            for mode, value in settings.levels():
                plan = _plan(settings, mode, value)
                progress.start_level(level_name(mode, value), settings.requests)
                futures = [
                    asyncio.wrap_future(
                        pool.submit(
                            _work,
                            msgspec.msgpack.encode(
                                _Job(
                                    base_url=base_url,
                                    api_key=api_key,
                                    settings=settings,
                                    specs=specs,
                                    plan=part,
                                    fake=settings.base_url is None,
                                )
                            ),
                            done,
                            stop_flag,
                        )
                    )
                    for part in split(plan, settings.processes)
                ]
                try:
                    while not all(future.done() for future in futures):
                        await asyncio.wait(futures, timeout=0.2)
                        _drain(done, progress)
                        if stop is not None and stop.is_set():
                            stop_flag.set()
                    _drain(done, progress)
                finally:
                    progress.end_level()
                parts = [msgspec.msgpack.decode(f.result(), type=LevelResult) for f in futures]
                _add_level(result, settings, plan, parts)
                if result.interrupted:
                    return


def _drain(done: Any, progress: Progress) -> None:
    while True:
        try:
            ok = done.get_nowait()
        except queue_module.Empty:
            return
        progress.advance(bool(ok))
