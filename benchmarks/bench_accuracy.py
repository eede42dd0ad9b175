"""How accurately does a benchmark loop time a stream? Client stamps against the server's truth.

The fake API (its own process) writes each stream on a script (``x-fake-pacing``: a true TTFT
and inter-token time; one shared scheduler for all streams) and logs the ``time.monotonic()``
at which it handed every event to the socket
(``aclaude.testing._pacing.WRITE_LOG``). Client and server share the machine's monotonic clock,
so for every content delta, lag = client stamp - server write. Three loops are measured at each
concurrency, each a closed loop of one warm-up wave (connections opened) then the measured
requests:

* ``aclaude bench``: the bench's own loop (``aclaude.bench._runner.run_level``) on the bench's
  client; stamps come from ``StreamTimings``, taken when the bytes came off the socket (its
  ``read_stamping_connector``).
* ``SDK (aiohttp)`` / ``SDK (httpx)``: the official ``anthropic`` SDK's
  ``messages.create(stream=True)``, on its aiohttp and its default httpx transport; a stamp is
  taken as each ``content_block_delta`` is handed over (the SDK offers nothing earlier), request
  start just before ``create``.

Reported TTFT / ITL are compared with the server's: TTFT truth = first delta written - request
received by the server; ITL truth = the gaps between the server's delta writes.

    python benchmarks/bench_accuracy.py                       # concurrency 1, 100, 1000
    python benchmarks/bench_accuracy.py --concurrency 1,100 --clients aclaude
    python benchmarks/bench_accuracy.py --loop asyncio         # every client on the stdlib loop
    python benchmarks/bench_accuracy.py --repeats 5            # each row: the median run, the range

Prints a Markdown table. The machine is shared: run it on a quiet one for figures to keep.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import itertools
import json
import math
import os
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

API_KEY = "sk-ant-accuracy-not-a-key"
SERVER_CPU = "_server_cpu_seconds"  # a key of the write log that is not a request id
MODEL = "claude-sonnet-4-5"


# -- the server process ---------------------------------------------------------------------


def serve(log_path: str) -> None:
    """The fake API with its write log on; the log is written to ``log_path`` on SIGTERM."""
    from aclaude.testing import FakeAnthropic
    from aclaude.testing._pacing import WRITE_LOG

    WRITE_LOG.enable()

    cpu_at_start = [0.0]

    async def main() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        loop.add_signal_handler(signal.SIGTERM, stop.set)
        async with FakeAnthropic(record=False) as server:
            cpu_at_start[0] = time.process_time()  # imports and start-up are not serving
            print(f"listening on {server.url}", flush=True)
            await stop.wait()

    asyncio.run(main())
    entries: dict[str, Any] = {
        rid: [received, writes] for rid, (received, writes) in WRITE_LOG.entries.items()
    }
    # The server's own CPU (user + sys) over its life: per event, it shows whether the server
    # could keep to its schedule (its process does nothing else).
    entries[SERVER_CPU] = time.process_time() - cpu_at_start[0]
    Path(log_path).write_text(json.dumps(entries))


@contextlib.contextmanager
def server_process() -> Iterator[tuple[str, dict[str, Any]]]:
    """A fresh server; yields (url, log) where ``log`` is filled once the block exits."""
    with tempfile.TemporaryDirectory() as tmp:
        log_path = Path(tmp) / "writes.json"
        process = subprocess.Popen(
            [sys.executable, __file__, "--serve", str(log_path)], stdout=subprocess.PIPE, text=True
        )
        log: dict[str, Any] = {}
        try:
            assert process.stdout is not None
            line = process.stdout.readline().strip()
            assert line.startswith("listening on "), line
            yield line.removeprefix("listening on "), log
        finally:
            process.send_signal(signal.SIGTERM)
            process.wait(60)
            if log_path.exists():
                log.update(json.loads(log_path.read_text()))


# -- the client loops -----------------------------------------------------------------------

# One result per request: (request id, request start, [stamp of each content delta]).
Sample = tuple[str, float, list[float]]
#: Requests that failed in the current run (counted in the table, not measured).
FAILURES: list[str] = []


def _prompt(i: int) -> list[dict[str, str]]:
    return [{"role": "user", "content": f"request {i}: say something"}]


async def run_aclaude(url: str, concurrency: int, requests: int, headers: dict[str, str]) -> list[Sample]:
    from aclaude.bench import BenchSettings, RequestSpec
    from aclaude.bench._run import bench_client
    from aclaude.bench._runner import LevelPlan, run_level

    settings = BenchSettings(base_url=url, max_retries=0)
    specs = [
        RequestSpec(messages=_prompt(i), max_tokens=int(headers["x-fake-deltas"])) for i in range(requests)
    ]
    plan = LevelPlan(
        mode="concurrency", level=concurrency, concurrency=concurrency, requests=requests, warmup=concurrency
    )
    async with bench_client(url, API_KEY, settings, concurrency) as client:
        result = await run_level(client, MODEL, specs, lambda spec: headers, plan)
    samples = []
    for record in result.records:
        if record.error is not None or record.request_start is None or record.ttft is None:
            FAILURES.append(f"{record.error}: {record.error_message}")
            continue
        first = record.request_start + record.ttft
        stamps = list(itertools.accumulate(record.itl or (), initial=first))
        samples.append((record.request_id or "", record.request_start, stamps))
    return samples


async def run_sdk(
    url: str, concurrency: int, requests: int, headers: dict[str, str], transport: str
) -> list[Sample]:
    import anthropic

    http_client: Any = anthropic.DefaultAioHttpClient() if transport == "aiohttp" else None
    kwargs: dict[str, Any] = {"http_client": http_client} if http_client is not None else {}
    # Generous limits: on a loaded machine 1,000 connections can take longer than the SDK's default.
    timeout = anthropic.Timeout(600.0, connect=60.0)
    client = anthropic.AsyncAnthropic(api_key=API_KEY, base_url=url, max_retries=0, timeout=timeout, **kwargs)
    deltas = int(headers["x-fake-deltas"])
    samples: list[Sample] = []
    counter = itertools.count()

    async def one(i: int, keep: bool) -> None:
        try:
            await attempt(i, keep)
        except anthropic.APIError as exc:
            FAILURES.append(f"{type(exc).__name__}: {exc}")

    async def attempt(i: int, keep: bool) -> None:
        start = time.monotonic()
        stream = await client.messages.create(
            model=MODEL,
            max_tokens=deltas,
            messages=_prompt(i),
            stream=True,
            extra_headers=headers,  # type: ignore[arg-type]
        )
        stamps = []
        async for event in stream:
            if event.type == "content_block_delta":
                stamps.append(time.monotonic())
        if keep:
            samples.append((stream.response.headers.get("request-id", ""), start, stamps))

    async def worker() -> None:
        while (i := next(counter)) < requests + concurrency:
            await one(i, keep=i >= concurrency)  # the first wave warms the connections up

    try:
        await asyncio.gather(*[worker() for _ in range(concurrency)])
    finally:
        await client.close()
    return samples


# -- comparing with the truth ---------------------------------------------------------------


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    rank = (len(ordered) - 1) * q / 100
    low = math.floor(rank)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def compare(samples: list[Sample], log: dict[str, Any]) -> dict[str, float]:
    server_cpu = log.pop(SERVER_CPU, math.nan)
    server_events = sum(len(writes) for _received, writes in log.values())
    lags: list[float] = []
    ttft, ttft_true, itl, itl_true, delivery, server_ttft = [], [], [], [], [], []
    for request_id, start, stamps in samples:
        received, writes = log[request_id]
        written = [at for is_delta, at in writes if is_delta]
        if len(written) != len(stamps):
            raise RuntimeError(f"{request_id}: {len(stamps)} deltas stamped, {len(written)} written")
        lags += [stamp - at for stamp, at in zip(stamps, written, strict=True)]
        ttft.append(stamps[0] - start)
        # What a client stamping at the socket would report: the server's write of the first
        # token, from this request's start (one clock).
        ttft_true.append(written[0] - start)
        delivery.append(received - start)  # client start -> the server's handler has the request
        server_ttft.append(written[0] - received)
        itl += [b - a for a, b in itertools.pairwise(stamps)]
        itl_true += [b - a for a, b in itertools.pairwise(written)]
    ms = 1000.0
    return {
        "requests": len(samples),
        "lag_p50": _pct(lags, 50) * ms,
        "lag_p99": _pct(lags, 99) * ms,
        "lag_min": min(lags) * ms,
        "ttft_p50": _pct(ttft, 50) * ms,
        "ttft_true_p50": _pct(ttft_true, 50) * ms,
        "itl_p50": _pct(itl, 50) * ms,
        "itl_true_p50": _pct(itl_true, 50) * ms,
        "itl_p99": _pct(itl, 99) * ms,
        "itl_true_p99": _pct(itl_true, 99) * ms,
        "delivery_p50": _pct(delivery, 50) * ms,
        "server_ttft_p50": _pct(server_ttft, 50) * ms,
        "server_cpu_us_per_event": server_cpu / max(server_events, 1) * 1e6,
    }


CLIENTS = {"aclaude": "aclaude bench", "sdk-aiohttp": "SDK (aiohttp)", "sdk-httpx": "SDK (httpx)"}


async def measure(
    client: str, url: str, concurrency: int, requests: int, headers: dict[str, str]
) -> list[Sample]:
    if client == "aclaude":
        return await run_aclaude(url, concurrency, requests, headers)
    return await run_sdk(url, concurrency, requests, headers, client.removeprefix("sdk-"))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--serve", help=argparse.SUPPRESS)
    parser.add_argument("--concurrency", default="1,100,1000")
    parser.add_argument("--clients", default=",".join(CLIENTS))
    parser.add_argument("--ttft", type=float, default=0.2, help="true TTFT, s (default 0.2)")
    parser.add_argument("--itl", type=float, default=0.02, help="true inter-token time, s (default 0.02)")
    parser.add_argument("--deltas", type=int, default=30, help="content deltas per reply (default 30)")
    parser.add_argument(
        "--min-requests", type=int, default=10, help="measured requests at least (default 10)"
    )
    parser.add_argument(
        "--loop",
        default="auto",
        help="the clients' event loop, as aclaude bench's --loop (default auto: uvloop when installed)",
    )
    parser.add_argument(
        "--repeats",
        type=int,
        default=1,
        help="runs of every row; the run with the median lag p99 is shown, the lag's range beside it",
    )
    parser.add_argument("--json", help="also write the figures here")
    args = parser.parse_args()
    if args.serve:
        serve(args.serve)
        return 0
    from aclaude.bench._loop import resolve_loop
    from aclaude.testing.__main__ import _raise_fd_limit

    _raise_fd_limit()
    args.loop = resolve_loop(args.loop)
    headers = {"x-fake-pacing": f"ttft={args.ttft},itl={args.itl}", "x-fake-deltas": str(args.deltas)}
    rows = []
    for concurrency in [int(c) for c in args.concurrency.split(",")]:
        for client in args.clients.split(","):
            runs = [measure_once(client, concurrency, headers, args) for _ in range(args.repeats)]
            rows.append(_median_row(runs))
    print(table(rows, args))
    if args.json:
        Path(args.json).write_text(json.dumps(rows, indent=1))
    return 0


def measure_once(
    client: str, concurrency: int, headers: dict[str, str], args: argparse.Namespace
) -> dict[str, Any]:
    """One run of one loop at one concurrency, against a fresh server: its figures."""
    from aclaude.bench._loop import run_on

    requests = max(concurrency, args.min_requests)
    FAILURES.clear()
    load = os.getloadavg()[0]  # the machine is shared: other work inflates every figure
    with server_process() as (url, log):
        started = time.monotonic()
        samples = run_on(args.loop, measure(client, url, concurrency, requests, headers))
        wall = time.monotonic() - started
    figures = compare(samples, log)
    figures.update(
        client=client, concurrency=concurrency, wall=wall, failed=len(FAILURES), load=load, loop=args.loop
    )
    print(
        f"{CLIENTS[client]} c={concurrency}: lag p50 {figures['lag_p50']:.2f} ms, "
        f"p99 {figures['lag_p99']:.2f} ms ({wall:.1f} s)",
        file=sys.stderr,
        flush=True,
    )
    return figures


def _median_row(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """The run with the median lag p99 stands for the repeats (its columns stay consistent with
    each other); the spread of the lag over all runs goes beside it."""
    row = dict(sorted(runs, key=lambda run: run["lag_p99"])[(len(runs) - 1) // 2])
    for key in ("lag_p50", "lag_p99"):
        values = [run[key] for run in runs]
        row[f"{key}_range"] = (min(values), max(values))
    row["repeats"] = len(runs)
    row["failed"] = sum(run["failed"] for run in runs)
    return row


def _lag(row: dict[str, Any], key: str) -> str:
    low, high = row[f"{key}_range"]
    return f"{row[key]:.2f} ms" + (f" ({low:.2f}-{high:.2f})" if row["repeats"] > 1 else "")


def _err(reported: float, truth: float) -> str:
    return f"{(reported - truth) / truth * 100:+.1f}%"


def table(rows: list[dict[str, Any]], args: argparse.Namespace) -> str:
    lines = [
        f"True TTFT {args.ttft * 1000:g} ms (from the server's receipt), inter-token time "
        f"{args.itl * 1000:g} ms, {args.deltas} deltas per reply; every client on {args.loop}, the server on "
        "asyncio. lag = client stamp - server write, "
        "per delta; TTFT true = server's first-delta write - the client's request start; delivery = "
        "client's request start -> the server's handler has the request; server CPU = the fake "
        "server process's user + sys per event written; load = 1-minute load average at the start. "
        "With --repeats, each row is the run of median lag p99, and the lag's range over all runs "
        "is in brackets.",
        "",
        "| loop | concurrency | lag p50 | lag p99 | TTFT p50 reported / true | ITL p50 reported / true "
        "| ITL p99 reported / true | delivery p50 | server CPU / event | load | failed |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for row in rows:
        ttft = f"{row['ttft_p50']:.1f} / {row['ttft_true_p50']:.1f} ms"
        itl = f"{row['itl_p50']:.2f} / {row['itl_true_p50']:.2f} ms"
        lines.append(
            f"| {CLIENTS[row['client']]} | {row['concurrency']} | {_lag(row, 'lag_p50')} "
            f"| {_lag(row, 'lag_p99')} "
            f"| {ttft} ({_err(row['ttft_p50'], row['ttft_true_p50'])}) "
            f"| {itl} ({_err(row['itl_p50'], row['itl_true_p50'])}) "
            f"| {row['itl_p99']:.1f} / {row['itl_true_p99']:.1f} ms | {row['delivery_p50']:.1f} ms "
            f"| {row['server_cpu_us_per_event']:.0f} µs | {row['load']:.1f} | {row['failed']} |"
        )
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
