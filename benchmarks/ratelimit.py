"""A fleet against one organization's rate limits: no limiter, a limiter per process, one budget
shared through Redis.

4 worker processes x 200 concurrent tasks call ``messages.create`` in a loop for a fixed time
against the fake API (its own process) enforcing requests / input / output tokens per minute
(``aclaude.testing.OrgLimits``: token buckets with the per-minute limit as capacity, like the
API). Reported per mode: the answers that were 429s, calls completed and failed, goodput
(requests and output tokens served against what the limit allows in that time: a full bucket
plus the refill), call latency and limiter wait percentiles.

    python benchmarks/ratelimit.py                  # 30 s per mode, 1,200 requests/min
    python benchmarks/ratelimit.py --duration 10 --modes redis

The Redis mode starts Debian's ``redis-server`` on a free loopback port (it must be installed).
Every connection goes to 127.0.0.1; every loop stops at the deadline.
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from multiprocessing.connection import Connection
from typing import Any

PROMPT = [{"role": "user", "content": "Say hello to the fleet."}]
MODEL = "claude-sonnet-4-5"
API_KEY = "sk-ant-bench-not-a-real-key"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


# -- the fake API, in its own process ---------------------------------------------------------


def _serve(conn: Connection, rpm: int, itpm: int, otpm: int, deltas: int) -> None:
    from aclaude.testing import FakeAnthropic, OrgLimits

    async def main() -> None:
        org = OrgLimits(requests_per_minute=rpm, input_tokens_per_minute=itpm, output_tokens_per_minute=otpm)
        async with FakeAnthropic(org_limits=org, deltas=deltas, record=False) as server:
            conn.send(server.url)
            loop = asyncio.get_running_loop()
            await loop.run_in_executor(None, conn.recv)  # "stop"
            conn.send({"refused": org.refused, "admitted": org.admitted, "output_tokens": org.output_tokens})

    asyncio.run(main())


# -- one worker process -----------------------------------------------------------------------


def _work(
    conn: Connection,
    mode: str,
    url: str,
    redis_url: str | None,
    start_at: float,
    duration: float,
    tasks: int,
    prefix: str,
) -> None:
    import aclaude
    from aclaude.ratelimit import RateLimiter, RedisRateLimiter

    async def main() -> dict[str, Any]:
        limiter: RateLimiter | None = None
        if mode == "local":
            limiter = RateLimiter()
        elif mode == "redis":
            assert redis_url is not None
            limiter = RedisRateLimiter(redis_url, prefix=prefix)
        latencies: list[float] = []
        failures: dict[str, int] = {}
        output_tokens = 0
        async with aclaude.Client(
            api_key=API_KEY, base_url=url, rate_limiter=limiter, max_connections=tasks + 10
        ) as client:
            await asyncio.sleep(max(0.0, start_at - time.time()))
            deadline = time.monotonic() + duration

            async def task() -> None:
                nonlocal output_tokens
                while time.monotonic() < deadline:
                    began = time.monotonic()
                    try:
                        message = await client.messages.create(model=MODEL, max_tokens=64, messages=PROMPT)
                    except aclaude.APIError as exc:
                        failures[type(exc).__name__] = failures.get(type(exc).__name__, 0) + 1
                        continue
                    latencies.append(time.monotonic() - began)
                    output_tokens += message.usage.output_tokens

            runners = [asyncio.create_task(task()) for _ in range(tasks)]
            # At the deadline, calls still waiting (for the limiter or a retry) are abandoned:
            # neither served nor failed.
            await asyncio.wait(runners, timeout=max(0.0, deadline - time.monotonic()) + 0.5)
            for runner in runners:
                runner.cancel()
            await asyncio.gather(*runners, return_exceptions=True)
        waits = list(limiter.stats.recent_waits) if limiter is not None else []
        fallbacks = getattr(getattr(limiter, "redis_store", None), "fallbacks", 0)
        if limiter is not None:
            await limiter.aclose()
        return {
            "latencies": latencies,
            "failures": failures,
            "output_tokens": output_tokens,
            "waits": waits,
            "fallbacks": fallbacks,
        }

    conn.send(asyncio.run(main()))


# -- Redis ------------------------------------------------------------------------------------


class _Redis:
    def __init__(self) -> None:
        executable = shutil.which("redis-server")
        if executable is None:
            raise SystemExit("redis-server is not installed (apt-get install redis-server)")
        self.port = _free_port()
        self._dir = tempfile.TemporaryDirectory(prefix="aclaude-bench-redis-")
        self.process = subprocess.Popen(
            [
                executable,
                "--bind",
                "127.0.0.1",
                "--port",
                str(self.port),
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                self._dir.name,
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.2):
                    return
            except OSError:
                time.sleep(0.05)
        self.close()
        raise SystemExit("redis-server did not start")

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def close(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=10)
        self._dir.cleanup()


# -- one mode ---------------------------------------------------------------------------------


def _percentile(values: list[float], fraction: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def run_mode(mode: str, args: argparse.Namespace, redis_url: str | None) -> dict[str, Any]:
    ctx = multiprocessing.get_context("spawn")
    server_end, here = ctx.Pipe()
    server = ctx.Process(target=_serve, args=(server_end, args.rpm, args.itpm, args.otpm, args.deltas))
    server.start()
    url = here.recv()
    start_at = time.time() + 3.0  # every worker is up and connected by then
    pipes = []
    workers = []
    for _ in range(args.processes):
        worker_end, mine = ctx.Pipe()
        process = ctx.Process(
            target=_work,
            args=(
                worker_end,
                mode,
                url,
                redis_url,
                start_at,
                args.duration,
                args.tasks,
                f"aclaude-bench:{os.getpid()}:{mode}:{start_at}:",
            ),
        )
        process.start()
        pipes.append(mine)
        workers.append(process)
    results = [pipe.recv() for pipe in pipes]
    for process in workers:
        process.join(timeout=30)
    here.send("stop")
    org = here.recv()
    server.join(timeout=30)

    completed = sum(len(r["latencies"]) for r in results)
    failures: dict[str, int] = {}
    for r in results:
        for name, count in r["failures"].items():
            failures[name] = failures.get(name, 0) + count
    latencies = [x for r in results for x in r["latencies"]]
    waits = [x for r in results for x in r["waits"]]
    answers = org["admitted"] + org["refused"]
    minutes = args.duration / 60.0
    allowed_requests = args.rpm + args.rpm * minutes
    allowed_output = args.otpm + args.otpm * minutes
    output = sum(r["output_tokens"] for r in results)
    return {
        "mode": mode,
        "answers": answers,
        "429s": org["refused"],
        "429_share": org["refused"] / answers if answers else 0.0,
        "completed": completed,
        "failed": sum(failures.values()),
        "failures": failures,
        "requests_goodput": completed / allowed_requests,
        "output_goodput": output / allowed_output,
        "requests_per_minute": completed / minutes,
        "output_tokens_per_minute": output / minutes,
        "latency_p50": statistics.median(latencies) if latencies else 0.0,
        "latency_p99": _percentile(latencies, 0.99),
        "wait_p50": _percentile(waits, 0.5),
        "wait_p99": _percentile(waits, 0.99),
        "fallbacks": sum(r["fallbacks"] for r in results),
    }


_LABELS = {
    "none": "no limiter (each call retries its own 429s)",
    "local": "in-process limiter, one per process",
    "redis": "shared Redis limiter",
}


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--duration", type=float, default=30.0, help="seconds per mode")
    parser.add_argument("--processes", type=int, default=4)
    parser.add_argument("--tasks", type=int, default=200, help="concurrent tasks per process")
    parser.add_argument("--rpm", type=int, default=1200, help="requests per minute the org may send")
    parser.add_argument("--itpm", type=int, default=60_000, help="input tokens per minute")
    parser.add_argument("--otpm", type=int, default=24_000, help="output tokens per minute")
    parser.add_argument("--deltas", type=int, default=20, help="output tokens per reply")
    parser.add_argument("--modes", default="none,local,redis")
    args = parser.parse_args()
    modes = args.modes.split(",")
    redis = _Redis() if "redis" in modes else None
    rows = []
    try:
        for mode in modes:
            print(f"running {mode} for {args.duration:g} s ...", file=sys.stderr)
            rows.append(run_mode(mode, args, redis.url if redis else None))
    finally:
        if redis is not None:
            redis.close()
    print(
        f"{args.processes} processes x {args.tasks} tasks, {args.duration:g} s per mode; the fake API allows "
        f"{args.rpm} requests, {args.itpm} input and {args.otpm} output tokens per minute "
        f"({args.deltas} output tokens a reply); goodput = served / (a full bucket + the refill "
        "over the run)\n"
    )
    print(
        "| mode | answers | 429s | calls completed | calls failed | requests goodput | output tokens goodput "
        "| call latency p50 / p99 (s) | limiter wait p50 / p99 (s) |"
    )
    print("|---|---|---|---|---|---|---|---|---|")
    for row in rows:
        failed = f"{row['failed']}" + (
            f" ({', '.join(f'{k} {v}' for k, v in row['failures'].items())})" if row["failures"] else ""
        )
        print(
            f"| {_LABELS[row['mode']]} | {row['answers']} | {row['429s']} ({row['429_share']:.1%}) "
            f"| {row['completed']} | {failed} | {row['requests_goodput']:.1%} | {row['output_goodput']:.1%} "
            f"| {row['latency_p50']:.2f} / {row['latency_p99']:.2f} "
            f"| {row['wait_p50']:.2f} / {row['wait_p99']:.2f} |"
        )
    if any(row["fallbacks"] for row in rows):
        print("\nRedis fallbacks (local budget used):", {row["mode"]: row["fallbacks"] for row in rows})


if __name__ == "__main__":
    main()
