"""A 1 GB Message Batch results file streamed in flat memory.

    python benchmarks/batch_results_memory.py [--size BYTES] [--quick] [--clients aclaude,sdk]

The fake API (``python -m aclaude.testing``) runs in its own process and serves a generated
results file of ``--size`` bytes (default 1 GiB: about 1.25 million ``succeeded`` lines of ~860 bytes,
each a full Message), created with the fake's ``x-fake-results-bytes`` header. Each client runs
in a fresh process of its own and iterates over every result with its batches ``results()``
call, keeping nothing; the client process's peak RSS (``ru_maxrss``, or the highest sample if
the kernel's lazily updated high-water mark is lower) is compared with its RSS
just before the download started (after imports and one warm-up request). Flat memory means the
peak stays within a few MB of that baseline whatever the size of the file.

RSS is also sampled every 50,000 results, to show that it does not creep up along the way.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
GIB = 1024**3
MIB = 1024**2
API_KEY = "sk-ant-fake-benchmark"
PARAMS: dict[str, Any] = {
    "model": "claude-sonnet-4-6",
    "max_tokens": 64,
    "messages": [{"role": "user", "content": "hi"}],
}
SAMPLE_EVERY = 50_000


def rss_bytes() -> int:
    """The current resident set size of this process (Linux /proc; 0 elsewhere)."""
    try:
        with open("/proc/self/statm") as handle:
            return int(handle.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return 0


def peak_rss_bytes() -> int:
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak if sys.platform == "darwin" else peak * 1024  # kB on Linux, bytes on macOS


# -- one client, in its own process ------------------------------------------------------------


async def _run_aclaude(url: str, size: int) -> dict[str, Any]:
    import aclaude

    async with aclaude.Client(api_key=API_KEY, base_url=url, max_retries=0) as client:
        warm = await client.messages.batches.create(requests=[{"custom_id": "w", "params": PARAMS}])
        [r async for r in client.messages.batches.results(warm.id)]
        batch = await client.messages.batches.create(
            requests=[{"custom_id": "r", "params": PARAMS}],
            extra_headers={"x-fake-results-bytes": str(size)},
        )
        await client.messages.batches.retrieve(batch.id)
        return await _measure(client.messages.batches.results(batch.id))


async def _run_sdk(url: str, size: int) -> dict[str, Any]:
    import anthropic
    import httpx2

    async with anthropic.AsyncAnthropic(api_key=API_KEY, base_url=url, max_retries=0) as client:
        warm = await client.messages.batches.create(
            requests=[{"custom_id": "w", "params": PARAMS}]  # type: ignore[typeddict-item]
        )
        [r async for r in await client.messages.batches.results(warm.id)]
        async with httpx2.AsyncClient() as http:  # the fake's control header on create
            created = await http.post(
                url + "/v1/messages/batches",
                json={"requests": [{"custom_id": "r", "params": PARAMS}]},
                headers={"x-api-key": API_KEY, "x-fake-results-bytes": str(size)},
            )
        batch_id = created.json()["id"]
        await client.messages.batches.retrieve(batch_id)
        return await _measure(await client.messages.batches.results(batch_id))


async def _measure(results: Any) -> dict[str, Any]:
    baseline = rss_bytes()
    samples: list[int] = []
    count = 0
    started = time.perf_counter()
    cpu = time.process_time()
    async for result in results:
        count += 1
        if result.result.type != "succeeded":
            raise AssertionError(f"unexpected result {result.result.type}")
        if count % SAMPLE_EVERY == 0:
            samples.append(rss_bytes())
    return {
        "results": count,
        "seconds": time.perf_counter() - started,
        "cpu_seconds": time.process_time() - cpu,
        "baseline_rss": baseline,
        # The kernel updates its high-water mark lazily: take the larger of it and the samples.
        "peak_rss": max(peak_rss_bytes(), rss_bytes(), *samples),
        "samples": samples,
    }


def client_main(kind: str, url: str, size: int) -> None:
    runner = _run_aclaude if kind == "aclaude" else _run_sdk
    print(json.dumps(asyncio.run(runner(url, size))), flush=True)


# -- the driver ------------------------------------------------------------------------------------


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--size", type=int, default=GIB, help="results file size in bytes (default 1 GiB)")
    parser.add_argument("--quick", action="store_true", help="a 64 MiB file instead")
    parser.add_argument("--clients", default="aclaude,sdk", help="comma-separated: aclaude, sdk")
    parser.add_argument("--client", help=argparse.SUPPRESS)
    parser.add_argument("--url", help=argparse.SUPPRESS)
    args = parser.parse_args()
    size = 64 * MIB if args.quick else args.size
    if args.client:
        client_main(args.client, args.url, size)
        return 0

    sys.path.insert(0, str(HERE))
    from _fake_server import FakeServer

    env = {**os.environ, "PYTHONPATH": str(REPO)}
    for name in ("ANTHROPIC_API_KEY", "ANTHROPIC_AUTH_TOKEN", "ANTHROPIC_BASE_URL"):
        env.pop(name, None)
    cmd = [sys.executable, "-m", "aclaude.testing", "--port", "0"]
    print(f"results file: {size / MIB:,.0f} MiB, generated by the fake API in its own process")
    rows = []
    with FakeServer(cmd, env, REPO) as server:
        for kind in [c.strip() for c in args.clients.split(",") if c.strip()]:
            child = [sys.executable, str(Path(__file__).resolve()), "--client", kind, "--url", server.url]
            child += ["--size", str(size)]
            out = subprocess.run(child, env=env, cwd=REPO, capture_output=True, text=True, check=False)
            if out.returncode != 0:
                print(f"{kind}: failed\n{out.stderr[-2000:]}", file=sys.stderr)
                continue
            report = json.loads(out.stdout.strip().splitlines()[-1])
            rows.append((kind, report))
    print()
    header = (
        f"{'client':<8} {'results':>9} {'MiB/s':>7} {'CPU s':>7} {'RSS before':>11} "
        f"{'peak RSS':>9} {'growth':>8}"
    )
    print(header)
    print("-" * len(header))
    for kind, r in rows:
        growth = (r["peak_rss"] - r["baseline_rss"]) / MIB
        print(
            f"{kind:<8} {r['results']:>9,} {size / MIB / r['seconds']:>7.0f} {r['cpu_seconds']:>7.1f} "
            f"{r['baseline_rss'] / MIB:>9.1f} M {r['peak_rss'] / MIB:>7.1f} M {growth:>6.1f} M"
        )
    for kind, r in rows:
        if r["samples"]:
            trail = ", ".join(f"{s / MIB:.1f}" for s in r["samples"])
            print(f"\n{kind}: RSS (MiB) every {SAMPLE_EVERY:,} results: {trail}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
