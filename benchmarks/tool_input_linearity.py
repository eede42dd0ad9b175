"""Tool input streamed in 1-byte deltas: aclaude stays linear, the official SDK goes quadratic.

    python benchmarks/tool_input_linearity.py [--quick] [--runs N] [--sdk-sizes KB,KB,...]
                                              [--sdk-budget SECONDS]

A tool call whose input is N bytes of JSON arrives as N ``input_json_delta`` events of one
byte each (the worst case of a streamed tool input, e.g. a ``write_file`` tool with a large
``content``). Each client consumes it with its ``messages.stream()`` helper and takes the final
message:

* aclaude appends each delta to a list and parses the JSON once, at ``content_block_stop``
  (a partial parse happens only when a caller reads an ``input_json`` snapshot);
* the official SDK's stream helper (anthropic 2.14) concatenates the bytes so far and re-parses
  them with jiter on every delta: O(N) work per delta, O(N^2) in total.

Method: the fake API (``aclaude.testing.FakeAnthropic``) runs in its own process, started by
this script with ``--serve``; it pre-renders one SSE body per size and serves it from a path per
size (the clients' ``base_url`` carries the path). CPU is the client process's user+sys time
(``time.process_time``) around one whole stream, best of several runs (more at the small
sizes, whose short runs are the noisiest); the server's CPU never counts. aclaude is
measured at 0.25/0.5/1/2 MB; the SDK at sizes capped so that it finishes in a few minutes, and
aclaude at those sizes too for a head-to-head. "x prev" is the time at this size divided by the
time at half the size: 2 means linear, 4 quadratic.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import gc
import importlib.metadata
import os
import platform
import statistics
import sys
import time
from collections.abc import Callable, Coroutine, Sequence
from pathlib import Path
from typing import Any

import msgspec
from _fake_server import FakeServer
from _report import num, table

HERE = Path(__file__).resolve().parent
REPO = HERE.parent

KB = 1024
MB = 1024 * KB
ACLAUDE_SIZES = (MB // 4, MB // 2, MB, 2 * MB)
SDK_SIZES = (32 * KB, 64 * KB, 128 * KB, 256 * KB)
QUICK_ACLAUDE_SIZES = (64 * KB, 128 * KB, 256 * KB)
QUICK_SDK_SIZES = (16 * KB, 32 * KB, 64 * KB)
MESSAGES = [{"role": "user", "content": "Save the report to notes.txt"}]
PARAMS: dict[str, Any] = {"model": "claude-sonnet-4-6", "max_tokens": 64_000, "messages": MESSAGES}
API_KEY = "sk-ant-fake-benchmark"
MAX_RUNS = 30


# -- the tool input and its stream (server side) -----------------------------------------------


def tool_input_json(size: int) -> str:
    """Compact JSON of exactly ``size`` ASCII bytes: a file path and a long text with escapes
    (newlines and quotes, which 1-byte deltas cut in the middle, as the API may)."""
    head = '{"path":"notes.txt","content":"'
    tail = '"}'
    line = 'Quarterly figures: \\"revenue\\" up 4%, costs flat.\\n'
    body_len = size - len(head) - len(tail)
    body = (line * (body_len // len(line) + 1))[:body_len]
    body = body.rstrip("\\")  # never end on a lone backslash (it would escape the closing quote)
    body += "." * (body_len - len(body))
    text = head + body + tail
    assert len(text) == size
    return text


def render_stream(text: str) -> bytes:
    """The SSE bytes the API would send for one tool_use block streamed one byte per delta."""
    encode = msgspec.json.encode

    def event(obj: dict[str, Any]) -> bytes:
        return b"event: " + obj["type"].encode() + b"\ndata: " + encode(obj) + b"\n\n"

    start = event(
        {
            "type": "message_start",
            "message": {
                "id": "msg_bench",
                "type": "message",
                "role": "assistant",
                "model": "claude-sonnet-4-6",
                "content": [],
                "stop_reason": None,
                "stop_sequence": None,
                "usage": {"input_tokens": 20, "output_tokens": 1},
            },
        }
    ) + event(
        {
            "type": "content_block_start",
            "index": 0,
            "content_block": {"type": "tool_use", "id": "toolu_bench", "name": "write_file", "input": {}},
        }
    )
    prefix = (
        b'event: content_block_delta\ndata: {"type":"content_block_delta","index":0,'
        b'"delta":{"type":"input_json_delta","partial_json":'
    )
    deltas = b"".join([prefix + encode(ch) + b"}}\n\n" for ch in text])
    end = (
        event({"type": "content_block_stop", "index": 0})
        + event(
            {
                "type": "message_delta",
                "delta": {"stop_reason": "tool_use", "stop_sequence": None},
                "usage": {"output_tokens": len(text) // 3},
            }
        )
        + event({"type": "message_stop"})
    )
    return start + deltas + end


async def serve(sizes: list[int], copies: int) -> None:
    """The server process: one queue of identical replies per size, at ``/size-N/v1/messages``."""
    import signal

    from aclaude.testing import FakeAnthropic, Reply

    server = FakeAnthropic(record=False)
    for size in sizes:
        reply = Reply.raw(render_stream(tool_input_json(size)), chunking=64 * KB)
        server.enqueue(*([reply] * copies), path=f"/size-{size}/v1/messages")
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(sig, stop.set)
    await server.start()
    try:
        print(f"listening on {server.url}", flush=True)
        await stop.wait()
    finally:
        await server.close()


# -- the clients -----------------------------------------------------------------------------


async def run_aclaude(base_url: str, size: int, *, callback: bool) -> Any:
    import aclaude

    async with aclaude.Client(api_key=API_KEY, base_url=f"{base_url}/size-{size}", max_retries=0) as client:
        async with client.messages.stream(**PARAMS) as stream:
            if callback:
                # A relay forwarding each piece of JSON, without reading the snapshots.
                stream.on("input_json", lambda delta, snapshot: None)
            message = await stream.get_final_message()
    return message.content[0].input


async def run_sdk(base_url: str, size: int) -> Any:
    import anthropic

    client = anthropic.AsyncAnthropic(api_key=API_KEY, base_url=f"{base_url}/size-{size}", max_retries=0)
    async with client:
        async with client.messages.stream(**PARAMS) as stream:
            message = await stream.get_final_message()
    return message.content[0].input


def measure(make: Callable[[], Coroutine[Any, Any, Any]], size: int, runs: int) -> float:
    """Best-of-``runs`` client CPU seconds (user+sys) of one whole stream (a fresh client and
    event loop each time; the result is checked outside the measured span)."""
    expected = msgspec.json.decode(tool_input_json(size))
    best = float("inf")
    for _ in range(runs):
        gc.collect()
        start = time.process_time()
        result = asyncio.run(make())
        best = min(best, time.process_time() - start)
        if result != expected:
            raise AssertionError(f"wrong tool input at {size} bytes")
    return best


# -- report ----------------------------------------------------------------------------------


def size_label(size: int) -> str:
    return f"{size / MB:g} MB" if size >= MB // 4 else f"{size // KB} KB"


def growth(times: Sequence[float | None], i: int) -> str:
    prev = times[i - 1] if i else None
    now = times[i]
    if prev is None or now is None:
        return ""
    return f"x{now / prev:.2f}"


def per_delta(seconds: float | None, size: int) -> str:
    return "n/a" if seconds is None else num(seconds / size * 1e6, "us")


def fit_per_delta(points: Sequence[tuple[int, float]]) -> tuple[float, float] | None:
    """Least squares of CPU per delta = a + b * size: a is the fixed cost of an event, b * size
    the re-parse of everything so far (total a*n + b*n^2). None with fewer than two points."""
    if len(points) < 2:
        return None
    xs = [float(n) for n, _ in points]
    ys = [t / n for n, t in points]
    mx, my = statistics.fmean(xs), statistics.fmean(ys)
    b = sum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True)) / sum((x - mx) ** 2 for x in xs)
    return my - b * mx, b


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--serve", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--sizes", default="", help=argparse.SUPPRESS)
    parser.add_argument("--copies", type=int, default=0, help=argparse.SUPPRESS)
    parser.add_argument("--quick", action="store_true", help="smaller sizes (a smoke test)")
    parser.add_argument(
        "--runs",
        type=int,
        default=3,
        help="fewest aclaude runs per measurement; the best counts (default: 3)",
    )
    parser.add_argument(
        "--sdk-sizes",
        default="",
        help="the SDK's sizes in KB, comma-separated (default: 32,64,128,256; 512 adds ~2 minutes)",
    )
    parser.add_argument(
        "--sdk-budget",
        type=float,
        default=150.0,
        help="seconds of SDK CPU after which larger SDK sizes are skipped (default: %(default)s)",
    )
    args = parser.parse_args()
    if args.serve:
        asyncio.run(serve([int(s) for s in args.sizes.split(",")], args.copies))
        return 0

    # Imported before anything is measured: an import must not land in the first run's CPU.
    import anthropic  # noqa: F401

    import aclaude  # noqa: F401

    aclaude_sizes = QUICK_ACLAUDE_SIZES if args.quick else ACLAUDE_SIZES
    sdk_sizes = QUICK_SDK_SIZES if args.quick else SDK_SIZES
    if args.sdk_sizes:
        sdk_sizes = tuple(sorted(int(kb) * KB for kb in args.sdk_sizes.split(",")))
    runs = max(1, args.runs)

    def aclaude_runs(size: int) -> int:
        # Short runs are the noisiest on a busy machine: at least ~2 MB of deltas per size.
        return max(runs, min(MAX_RUNS, 2 * MB // size))

    # The SDK: 3 runs at its two smallest sizes, 1 above (the quadratic growth dwarfs the noise).
    sdk_runs = {size: (min(runs, 3) if i < 2 else 1) for i, size in enumerate(sdk_sizes)}
    sizes = sorted(set(aclaude_sizes) | set(sdk_sizes))
    # Requests per size: aclaude twice (with and without a callback), the SDK, one spare.
    copies = 2 * max(aclaude_runs(size) for size in sizes) + 3 + 1
    cmd = [sys.executable, str(Path(__file__).resolve()), "--serve", "--sizes", ",".join(map(str, sizes))]
    cmd += ["--copies", str(copies)]
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    for name in ("ANTHROPIC_API_KEY", "ANTHROPIC_AUTH_TOKEN", "ANTHROPIC_BASE_URL"):
        env.pop(name, None)

    def log(text: str) -> None:
        print(text, file=sys.stderr, flush=True)

    log(f"starting the fake API (pre-rendering {len(sizes)} streams) ...")
    results: dict[tuple[str, int], float | None] = {}
    with FakeServer(cmd, env, REPO) as server:
        url = server.url

        def run(kind: str, size: int, make: Callable[[], Coroutine[Any, Any, Any]], n: int) -> float:
            seconds = measure(make, size, n)
            results[(kind, size)] = seconds
            log(f"  {kind:<18} {size_label(size):>7}: {seconds:7.3f} s CPU (best of {n})")
            return seconds

        for size in sizes:
            n = aclaude_runs(size)
            run("aclaude", size, lambda s=size: run_aclaude(url, s, callback=False), n)
            run("aclaude+callback", size, lambda s=size: run_aclaude(url, s, callback=True), n)
        spent = 0.0
        for size in sdk_sizes:
            if spent > args.sdk_budget:
                log(f"  sdk {size_label(size)}: skipped (over --sdk-budget)")
                results[("sdk", size)] = None
                continue
            spent += run("sdk", size, lambda s=size: run_sdk(url, s), sdk_runs[size]) * sdk_runs[size]

    sdk_points = [(s, t) for s in sdk_sizes if (t := results[("sdk", s)]) is not None]
    fit = fit_per_delta(sdk_points)
    if fit is not None and (len(sdk_points) < 3 or fit[1] <= 0):
        fit = None  # too few points, or noise larger than the growth: no extrapolation

    print("## Tool input streamed in 1-byte `input_json_delta` events: client CPU per stream\n")
    print(
        f"Python {platform.python_version()}, aclaude {importlib.metadata.version('aclaude')}, "
        f"anthropic {importlib.metadata.version('anthropic')}, jiter {importlib.metadata.version('jiter')}, "
        f"{os.cpu_count()} CPUs. Fake API in its own process; client CPU (user+sys) of one "
        f"`messages.stream()` + `get_final_message()`, best of {runs} to {MAX_RUNS} runs "
        f"(more at small sizes; SDK: best of {min(runs, 3)} at its two smallest sizes, then 1 run).\n"
    )
    print(f"### aclaude at {size_label(aclaude_sizes[0])} to {size_label(aclaude_sizes[-1])}\n")
    a_times = [results[("aclaude", s)] for s in aclaude_sizes]
    c_times = [results[("aclaude+callback", s)] for s in aclaude_sizes]
    rows = []
    for i, s in enumerate(aclaude_sizes):
        sdk_estimate = "n/a" if fit is None else num(s * (fit[0] + fit[1] * s), "s")
        rows.append(
            [
                size_label(s),
                f"{s:,}",
                num(a_times[i], "s"),
                growth(a_times, i),
                per_delta(a_times[i], s),
                num(c_times[i], "s"),
                growth(c_times, i),
                sdk_estimate,
            ]
        )
    headers = [
        "input",
        "deltas",
        "aclaude CPU",
        "x prev",
        "per delta",
        "+ input_json callback",
        "x prev",
        "SDK, extrapolated*",
    ]
    print(table(headers, rows))
    print("\n### Head to head at the SDK's sizes (both measured)\n")
    s_times = [results[("sdk", s)] for s in sdk_sizes]
    h_times = [results[("aclaude", s)] for s in sdk_sizes]
    rows = []
    for i, s in enumerate(sdk_sizes):
        sdk, ours = s_times[i], h_times[i]
        rows.append(
            [
                size_label(s),
                f"{s:,}",
                num(ours, "s"),
                growth(h_times, i),
                per_delta(ours, s),
                num(sdk, "s"),
                growth(s_times, i),
                per_delta(sdk, s),
                "n/a" if sdk is None or not ours else f"{sdk / ours:.0f}x",
            ]
        )
    headers = [
        "input",
        "deltas",
        "aclaude CPU",
        "x prev",
        "per delta",
        "SDK CPU",
        "x prev",
        "per delta",
        "SDK / aclaude",
    ]
    print(table(headers, rows))
    print(
        "\n`x prev`: CPU at this size / CPU at half the size: 2 is linear, 4 quadratic. aclaude's cost "
        "per delta is flat; the SDK's grows with the input so far (it re-parses all of it per delta)."
    )
    if fit is not None:
        print(
            "\n\\* Extrapolated, not measured: the SDK's average CPU per delta, fitted over its measured "
            f"sizes as a + b * size (a = {fit[0] * 1e6:.0f} us, the fixed cost of an event; "
            f"b = {fit[1] * MB * 1e6:.0f} us per MB, re-reading the input so far), times the size."
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
