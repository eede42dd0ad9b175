"""One benchmark measurement for one client, in a fresh process.

    python benchmarks/_client_worker.py CLIENT SCENARIO URL [options]

CLIENT is raw | sdk | sdk-aiohttp | aclaude; SCENARIO is long | concurrent | flat | nonstream |
memory | ttfd (run.py documents each). Prints exactly one JSON line on stdout, also on failure
({"ok": false, "error": ...}), so the orchestrator never has to parse a traceback.

Why a process per measurement: CPU is read with getrusage(RUSAGE_SELF), which counts every
thread of the process, and RSS is per process. Sharing a process with the server or another
client would mix their costs into the figure. Imports, client/session creation and a warm-up
request happen before the first reading, so only the steady-state work is measured.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import os
import resource
import statistics
import sys
import time
import traceback
from collections.abc import Awaitable, Callable
from typing import Any, Protocol

# Not claude-sonnet-4-5: anthropic 2.14 lists it as deprecated and warns on every call, which
# would add a warnings.warn() path to the SDK figures that a current model does not have.
MODEL = "claude-sonnet-4-6"
MAX_TOKENS = 1024
MESSAGES: list[dict[str, Any]] = [{"role": "user", "content": "hi"}]
API_KEY = "sk-ant-fake"
DELTA_BYTES = 12
# Above the largest concurrency any scenario uses (2,000 held streams), so no client ever
# queues for a connection and every pool keeps all its connections alive between runs.
POOL_SIZE = 2100
WARMUP_DELTAS = 10

Closer = Callable[[], Awaitable[None]]

# The messages.stream() text callback. A module-level counter is the cheapest callback that
# still does something observable, and the count is checked after the measurement.
TEXT_CALLS = 0


def on_text(delta: str, snapshot: str) -> None:
    global TEXT_CALLS
    TEXT_CALLS += 1


def cpu_seconds() -> float:
    """User + system CPU of this process (all its threads), in seconds."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def rss_bytes() -> int:
    """Resident set size now (not the peak, which ru_maxrss would give)."""
    with open("/proc/self/statm") as f:
        resident_pages = int(f.read().split()[1])
    return resident_pages * os.sysconf("SC_PAGE_SIZE")


def fake_headers(deltas: int, hold: float | None = None) -> dict[str, str]:
    """Per-request controls of the fake server (aclaude.testing)."""
    headers = {"x-fake-deltas": str(deltas), "x-fake-delta-bytes": str(DELTA_BYTES)}
    if hold is not None:
        headers["x-fake-hold"] = str(hold)
    return headers


class Adapter(Protocol):
    """What every client under test implements; one method per kind of work measured."""

    async def events(self, deltas: int) -> int:
        """create(stream=True), iterate every event; returns the events seen (raw: 0)."""

    async def helper(self, deltas: int) -> str:
        """messages.stream() with on_text called per text delta; returns the final text."""

    async def nonstream(self, deltas: int) -> str:
        """Non-streaming create(); returns the message text."""

    async def open_held(self, deltas: int, hold: float) -> Closer:
        """Open a stream, read up to message_start, return a function that closes it."""

    async def ttfd(self, deltas: int) -> float:
        """Seconds from the request call to the first content_block_delta (rest is drained)."""

    async def aclose(self) -> None: ...


class RawAiohttp:
    """The floor: aiohttp POST, bytes read and discarded, no SSE parsing at all."""

    def __init__(self, url: str, json_body: bool = False) -> None:
        import aiohttp

        self._aiohttp = aiohttp
        self.endpoint = url.rstrip("/") + "/v1/messages"
        self.session = aiohttp.ClientSession(
            connector=aiohttp.TCPConnector(limit=POOL_SIZE),
            # No total timeout: with one, aiohttp enters a timer context on every read, and the
            # floor should not pay for that. The worker's process timeout bounds a hang instead.
            timeout=aiohttp.ClientTimeout(total=None),
        )
        params = {"model": MODEL, "max_tokens": MAX_TOKENS, "messages": MESSAGES}
        # Encoded once: the floor should not pay for JSON encoding of the request.
        self.stream_body = json.dumps({**params, "stream": True}).encode()
        self.json_body = json.dumps(params).encode()
        self.base_headers = {
            "x-api-key": API_KEY,
            "anthropic-version": "2023-06-01",
            "content-type": "application/json",
        }

    def _post(self, deltas: int, hold: float | None = None, stream: bool = True) -> Any:
        body = self.stream_body if stream else self.json_body
        return self.session.post(
            self.endpoint, data=body, headers={**self.base_headers, **fake_headers(deltas, hold)}
        )

    async def events(self, deltas: int) -> int:
        async with self._post(deltas) as resp:
            _check_status(resp.status)
            async for _ in resp.content.iter_any():
                pass
        return 0

    async def helper(self, deltas: int) -> str:
        raise NotImplementedError("raw aiohttp has no messages.stream() helper")

    async def nonstream(self, deltas: int) -> str:
        # "sse": the same bytes aclaude's drained stream reads; "json": the SDK's JSON body.
        async with self._post(deltas) as resp:
            _check_status(resp.status)
            async for _ in resp.content.iter_any():
                pass
        return ""

    async def nonstream_json(self, deltas: int) -> str:
        async with self._post(deltas, stream=False) as resp:
            _check_status(resp.status)
            await resp.read()
        return ""

    async def open_held(self, deltas: int, hold: float) -> Closer:
        resp = await self._post(deltas, hold)
        _check_status(resp.status)
        seen = b""
        while b"message_start" not in seen:
            chunk = await resp.content.readany()
            if not chunk:
                raise RuntimeError("stream ended before message_start")
            seen += chunk

        async def close() -> None:
            resp.close()

        return close

    async def ttfd(self, deltas: int) -> float:
        t0 = time.perf_counter()
        first = -1.0
        tail = b""
        async with self._post(deltas) as resp:
            _check_status(resp.status)
            async for chunk in resp.content.iter_any():
                if first < 0:
                    # The tail covers an event name split across two reads.
                    if b"content_block_delta" in tail + chunk:
                        first = time.perf_counter() - t0
                    tail = chunk[-32:]
        return first

    async def aclose(self) -> None:
        await self.session.close()


def _check_status(status: int) -> None:
    if status != 200:
        raise RuntimeError(f"fake server answered HTTP {status}")


class Sdk:
    """The official anthropic.AsyncAnthropic, on its httpx transport or its aiohttp one."""

    def __init__(self, url: str, transport: str) -> None:
        import anthropic

        try:  # anthropic 2.x depends on httpx2; older releases on httpx.
            import httpx2 as httpx
        except ImportError:
            import httpx  # type: ignore[no-redef]

        # The SDK's default pool (1,000 connections, 100 kept alive) would close and reopen
        # connections between runs; raise it like every other client's pool.
        limits = httpx.Limits(max_connections=POOL_SIZE, max_keepalive_connections=POOL_SIZE)
        if transport == "aiohttp":
            http_client = anthropic.DefaultAioHttpClient(limits=limits)
        else:
            http_client = anthropic.DefaultAsyncHttpxClient(limits=limits)
        # The SDK's 5 s connect timeout fails bursts of 1,000-2,000 connects on a loaded 2-core
        # machine; connecting is not what is measured, so give it as long as the others get.
        timeout = httpx.Timeout(600.0, connect=120.0)
        self.client = anthropic.AsyncAnthropic(
            api_key=API_KEY, base_url=url, max_retries=0, http_client=http_client, timeout=timeout
        )

    async def events(self, deltas: int) -> int:
        seen = 0
        stream = await self.client.messages.create(
            model=MODEL,
            max_tokens=MAX_TOKENS,
            messages=MESSAGES,  # type: ignore[arg-type]
            stream=True,
            extra_headers=fake_headers(deltas),
        )
        async for _ in stream:
            seen += 1
        return seen

    async def helper(self, deltas: int) -> str:
        # The SDK's MessageStream has no .on(); its derived "text" events are the equivalent.
        async with self.client.messages.stream(
            model=MODEL,
            max_tokens=MAX_TOKENS,
            messages=MESSAGES,  # type: ignore[arg-type]
            extra_headers=fake_headers(deltas),
        ) as stream:
            async for event in stream:
                if event.type == "text":
                    on_text(event.text, event.snapshot)
            message = await stream.get_final_message()
        return _text_of(message)

    async def nonstream(self, deltas: int) -> str:
        message = await self.client.messages.create(
            model=MODEL,
            max_tokens=MAX_TOKENS,
            messages=MESSAGES,  # type: ignore[arg-type]
            extra_headers=fake_headers(deltas),
        )
        return _text_of(message)

    async def open_held(self, deltas: int, hold: float) -> Closer:
        stream = await self.client.messages.create(
            model=MODEL,
            max_tokens=MAX_TOKENS,
            messages=MESSAGES,  # type: ignore[arg-type]
            stream=True,
            extra_headers=fake_headers(deltas, hold),
        )
        iterator = stream.__aiter__()
        first = await iterator.__anext__()
        if first.type != "message_start":
            raise RuntimeError(f"first event was {first.type}")

        async def close() -> None:
            await iterator.aclose()  # type: ignore[attr-defined]
            await stream.close()

        return close

    async def ttfd(self, deltas: int) -> float:
        t0 = time.perf_counter()
        first = -1.0
        stream = await self.client.messages.create(
            model=MODEL,
            max_tokens=MAX_TOKENS,
            messages=MESSAGES,  # type: ignore[arg-type]
            stream=True,
            extra_headers=fake_headers(deltas),
        )
        async for event in stream:
            if first < 0 and event.type == "content_block_delta":
                first = time.perf_counter() - t0
        return first

    async def aclose(self) -> None:
        await self.client.close()


class Aclaude:
    """aclaude.Client, written against the public contract in DESIGN.md §2."""

    def __init__(self, url: str) -> None:
        import aclaude

        self.client = aclaude.Client(api_key=API_KEY, base_url=url, max_connections=POOL_SIZE, max_retries=0)

    async def events(self, deltas: int) -> int:
        seen = 0
        async for _ in self.client.messages.create(
            model=MODEL,
            max_tokens=MAX_TOKENS,
            messages=MESSAGES,
            stream=True,
            extra_headers=fake_headers(deltas),
        ):
            seen += 1
        return seen

    async def helper(self, deltas: int) -> str:
        async with self.client.messages.stream(
            model=MODEL,
            max_tokens=MAX_TOKENS,
            messages=MESSAGES,
            extra_headers=fake_headers(deltas),
        ) as stream:
            stream.on("text", on_text)
            message = await stream.get_final_message()
        return _text_of(message)

    async def nonstream(self, deltas: int) -> str:
        message = await self.client.messages.create(
            model=MODEL,
            max_tokens=MAX_TOKENS,
            messages=MESSAGES,
            extra_headers=fake_headers(deltas),
        )
        return _text_of(message)

    async def open_held(self, deltas: int, hold: float) -> Closer:
        events = self.client.messages.create(
            model=MODEL,
            max_tokens=MAX_TOKENS,
            messages=MESSAGES,
            stream=True,
            extra_headers=fake_headers(deltas, hold),
        )
        first = await events.__anext__()
        if first.type != "message_start":
            raise RuntimeError(f"first event was {first.type}")
        close: Closer = events.close
        return close

    async def ttfd(self, deltas: int) -> float:
        t0 = time.perf_counter()
        first = -1.0
        async for event in self.client.messages.create(
            model=MODEL,
            max_tokens=MAX_TOKENS,
            messages=MESSAGES,
            stream=True,
            extra_headers=fake_headers(deltas),
        ):
            if first < 0 and event.type == "content_block_delta":
                first = time.perf_counter() - t0
        return first

    async def aclose(self) -> None:
        await self.client.close()


def _text_of(message: Any) -> str:
    return "".join(getattr(block, "text", "") for block in message.content)


def make_adapter(client: str, url: str) -> Adapter:
    if client == "raw":
        return RawAiohttp(url)
    if client == "sdk":
        return Sdk(url, "httpx")
    if client == "sdk-aiohttp":
        return Sdk(url, "aiohttp")
    if client == "aclaude":
        return Aclaude(url)
    raise SystemExit(f"unknown client {client!r}")


def pick_op(adapter: Adapter, scenario: str, mode: str) -> Callable[[int], Awaitable[Any]]:
    """The coroutine function a CPU scenario runs per stream/request."""
    if scenario == "nonstream":
        if mode == "json":
            if not isinstance(adapter, RawAiohttp):
                raise SystemExit("mode json is only for the raw client")
            return adapter.nonstream_json
        return adapter.nonstream
    if mode == "stream":
        return adapter.helper
    return adapter.events


async def run_lanes(op: Callable[[int], Awaitable[Any]], lanes: int, per_lane: int, deltas: int) -> list[Any]:
    """`lanes` concurrent tasks, each running `op` `per_lane` times one after another."""

    async def lane() -> list[Any]:
        return [await op(deltas) for _ in range(per_lane)]

    if lanes == 1:
        return await lane()
    results = await asyncio.gather(*(lane() for _ in range(lanes)))
    return [r for lane_results in results for r in lane_results]


def cpu_shape(args: argparse.Namespace) -> tuple[int, int]:
    """(concurrent lanes, sequential requests per lane) for a CPU scenario."""
    if args.scenario == "long":
        return 1, 1
    if args.scenario == "concurrent":
        return args.streams, 1
    if args.scenario == "flat":  # many short streams one after another: the 1k side of flatness
        return 1, args.streams
    if args.scenario == "nonstream":
        return args.concurrency, max(1, args.requests // args.concurrency)
    raise SystemExit(f"not a CPU scenario: {args.scenario}")


def verify(args: argparse.Namespace, results: list[Any], text_calls: int) -> None:
    """Fail loudly if a client skipped work: a fast wrong client must not look fast."""
    expected_text = args.deltas * DELTA_BYTES
    for r in results:
        if isinstance(r, int) and r and r < args.deltas:
            raise RuntimeError(f"saw {r} events, expected at least {args.deltas}")
        if isinstance(r, str) and r and len(r.encode()) != expected_text:
            raise RuntimeError(f"final text has {len(r.encode())} bytes, expected {expected_text}")
    if args.mode == "stream" and args.scenario != "nonstream":
        if text_calls != args.deltas * len(results):
            raise RuntimeError(f"{text_calls} text callbacks, expected {args.deltas * len(results)}")


async def measure_cpu(adapter: Adapter, args: argparse.Namespace) -> dict[str, Any]:
    global TEXT_CALLS
    op = pick_op(adapter, args.scenario, args.mode)
    lanes, per_lane = cpu_shape(args)
    await op(WARMUP_DELTAS)
    if lanes > 1:
        # Prime the pool with as many connections as the measurement uses, so no run pays
        # for TCP handshakes and the first run is not an outlier.
        await run_lanes(op, lanes, 1, 1)
    runs: list[dict[str, Any]] = []
    started = time.perf_counter()
    for _ in range(args.runs):
        gc.collect()
        TEXT_CALLS = 0
        c0, w0 = cpu_seconds(), time.perf_counter()
        results = await run_lanes(op, lanes, per_lane, args.deltas)
        cpu, wall = cpu_seconds() - c0, time.perf_counter() - w0
        verify(args, results, TEXT_CALLS)
        seen = sum(r for r in results if isinstance(r, int))
        runs.append({"cpu_s": cpu, "wall_s": wall, "events_seen": seen, "streams": len(results)})
        del results
        # The machine is shared: stop repeating slow cases once the next run would overrun.
        if time.perf_counter() - started + wall > args.budget:
            break
    return {"runs": runs}


async def measure_memory(adapter: Adapter, args: argparse.Namespace) -> dict[str, Any]:
    await adapter.events(WARMUP_DELTAS)
    gc.collect()
    before = rss_bytes()
    t0 = time.perf_counter()
    closers = await asyncio.gather(*(adapter.open_held(args.deltas, args.hold) for _ in range(args.streams)))
    open_s = time.perf_counter() - t0
    gc.collect()
    after = rss_bytes()
    t0 = time.perf_counter()
    await asyncio.wait_for(asyncio.gather(*(close() for close in closers)), timeout=120)
    close_s = time.perf_counter() - t0
    return {
        "rss_before": before,
        "rss_after": after,
        "streams": args.streams,
        "kib_per_stream": (after - before) / 1024 / args.streams,
        "open_s": open_s,
        "close_s": close_s,
    }


async def measure_ttfd(adapter: Adapter, args: argparse.Namespace) -> dict[str, Any]:
    await adapter.ttfd(WARMUP_DELTAS)
    samples = []
    for _ in range(args.requests):
        seconds = await adapter.ttfd(args.deltas)
        if seconds < 0:
            raise RuntimeError("stream had no content_block_delta")
        samples.append(seconds * 1000)
    samples.sort()
    return {
        "median_ms": statistics.median(samples),
        "p10_ms": samples[len(samples) // 10],
        "p90_ms": samples[len(samples) * 9 // 10],
        "requests": len(samples),
    }


def running_loop_class() -> str:
    """The class of the loop this measurement really ran on: run.py checks it against --loop, so
    a uvloop row can never be an asyncio measurement under a uvloop label."""
    loop_type = type(asyncio.get_running_loop())
    return f"{loop_type.__module__}.{loop_type.__qualname__}"


async def amain(args: argparse.Namespace) -> dict[str, Any]:
    adapter = make_adapter(args.client, args.url)
    try:
        if args.scenario == "memory":
            result = await measure_memory(adapter, args)
        elif args.scenario == "ttfd":
            result = await measure_ttfd(adapter, args)
        else:
            result = await measure_cpu(adapter, args)
        return {**result, "loop_class": running_loop_class()}
    finally:
        await adapter.aclose()


def parse_args(argv: list[str]) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("client", choices=["raw", "sdk", "sdk-aiohttp", "aclaude"])
    p.add_argument("scenario", choices=["long", "concurrent", "flat", "nonstream", "memory", "ttfd"])
    p.add_argument("url")
    p.add_argument(
        "--mode",
        default="create",
        choices=["create", "stream", "sse", "json"],
        help="create: create(stream=True) events; stream: messages.stream() helper; "
        "sse/json: raw nonstream body kind",
    )
    p.add_argument("--deltas", type=int, default=200)
    p.add_argument("--streams", type=int, default=1, help="concurrent/flat/memory stream count")
    p.add_argument("--requests", type=int, default=1000, help="nonstream/ttfd request count")
    p.add_argument("--concurrency", type=int, default=100, help="nonstream concurrency")
    p.add_argument("--hold", type=float, default=30.0, help="memory: x-fake-hold seconds")
    p.add_argument("--runs", type=int, default=3)
    p.add_argument(
        "--loop",
        default="asyncio",
        choices=["asyncio", "uvloop"],
        help="the event loop the client runs on (uvloop: the aclaude[uvloop] extra)",
    )
    p.add_argument(
        "--budget",
        type=float,
        default=60.0,
        help="seconds of measuring after which no further run is started",
    )
    return p.parse_args(argv)


def run_on_loop(main: Awaitable[dict[str, Any]], loop: str) -> dict[str, Any]:
    """asyncio.run on the stdlib loop or on uvloop; the import happens here, before any reading."""
    if loop == "uvloop":
        import uvloop

        return uvloop.run(main)  # type: ignore[arg-type]
    return asyncio.run(main)  # type: ignore[arg-type]


def main(argv: list[str]) -> int:
    args = parse_args(argv)
    header = {
        "client": args.client,
        "scenario": args.scenario,
        "mode": args.mode,
        "deltas": args.deltas,
        "streams": args.streams,
        "requests": args.requests,
        "loop": args.loop,
    }
    try:
        result = run_on_loop(amain(args), args.loop)
    except BaseException as exc:  # report every failure as data, incl. KeyboardInterrupt
        traceback.print_exc(file=sys.stderr)
        print(json.dumps({**header, "ok": False, "error": f"{type(exc).__name__}: {exc}"}))
        return 1
    print(json.dumps({**header, "ok": True, **result}))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
