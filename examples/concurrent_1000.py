"""1,000 concurrent streams on one event loop, with a progress bar on stderr.

    python examples/concurrent_1000.py                 # against the embedded fake API
    python examples/concurrent_1000.py --streams 200   # fewer
    python examples/concurrent_1000.py --real          # the real API (ANTHROPIC_API_KEY): it bills!

One client, one connection pool: every stream is a task, every task holds a connection while
it streams. Nothing blocks the loop, so the progress bar keeps redrawing throughout.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import sys
import time
from dataclasses import dataclass
from typing import Any

import aclaude
from aclaude.testing import FakeAnthropic


@dataclass
class Progress:
    total: int
    started: float
    done: int = 0
    failed: int = 0
    streaming: int = 0
    peak_streaming: int = 0
    deltas: int = 0

    def bar(self, width: int = 30) -> str:
        filled = width * (self.done + self.failed) // self.total
        elapsed = time.perf_counter() - self.started
        return (
            f"\r[{'#' * filled}{'.' * (width - filled)}] {self.done + self.failed}/{self.total} streams"
            f"  {self.streaming:4d} streaming  {self.deltas:6d} text deltas  {elapsed:5.1f} s"
        )


async def one_stream(client: aclaude.Client, n: int, progress: Progress) -> None:
    try:
        async with client.messages.stream(
            model="claude-haiku-4-5",
            max_tokens=64,
            messages=[{"role": "user", "content": f"Say something about the number {n}."}],
        ) as stream:
            progress.streaming += 1
            progress.peak_streaming = max(progress.peak_streaming, progress.streaming)
            try:
                async for _text in stream.text_stream:
                    progress.deltas += 1
            finally:
                progress.streaming -= 1
        progress.done += 1
    except aclaude.APIError:
        progress.failed += 1
        raise


async def redraw(progress: Progress) -> None:
    while True:
        sys.stderr.write(progress.bar())
        sys.stderr.flush()
        await asyncio.sleep(0.1)


async def main(streams: int = 1000, real: bool = False) -> int:
    raise_fd_limit(2 * streams + 100)  # client and (fake) server sockets: two per stream
    async with contextlib.AsyncExitStack() as stack:
        options: dict[str, Any] = {}
        if not real:
            fake = await stack.enter_async_context(FakeAnthropic(deltas=20))
            # The fake API holds each stream for 0.3 s after its first block starts, so that
            # all of them are open at once, as with a real model thinking.
            options = {
                "api_key": "sk-ant-fake",
                "base_url": fake.url,
                "default_headers": {"x-fake-hold": "0.3"},
            }
            print("(using the embedded fake API; --real for the real API)", file=sys.stderr)
        client = await stack.enter_async_context(aclaude.Client(**options))
        progress = Progress(total=streams, started=time.perf_counter())
        drawing = asyncio.create_task(redraw(progress))
        try:
            results = await asyncio.gather(
                *(one_stream(client, n, progress) for n in range(streams)), return_exceptions=True
            )
        finally:
            drawing.cancel()
        sys.stderr.write(progress.bar() + "\n")
    errors = [r for r in results if isinstance(r, BaseException)]
    elapsed = time.perf_counter() - progress.started
    print(
        f"{progress.done} streams done, {len(errors)} failed, {progress.deltas} text deltas, "
        f"{progress.peak_streaming} streaming at once, {elapsed:.2f} s"
    )
    for error in errors[:3]:
        print(f"  e.g. {type(error).__name__}: {error}")
    return 1 if errors else 0


def raise_fd_limit(needed: int) -> None:
    """Many systems start processes with a soft limit of 1,024 open files."""
    if sys.platform == "win32":
        return
    import resource

    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft != resource.RLIM_INFINITY and soft < needed:
        target = needed if hard == resource.RLIM_INFINITY else min(needed, hard)
        resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))


if __name__ == "__main__":
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--streams", type=int, default=1000)
    parser.add_argument("--real", action="store_true", help="use the real API (ANTHROPIC_API_KEY)")
    args = parser.parse_args()
    sys.exit(asyncio.run(main(args.streams, args.real)))
