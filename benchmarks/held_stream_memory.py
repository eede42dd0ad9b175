"""Where the memory of a held stream goes: aclaude vs raw aiohttp, one process per client.

    python benchmarks/held_stream_memory.py [--streams 2000] [--clients raw,aclaude] [--top 15]

Starts the fake API in its own process, then per client (a fresh process each) opens
``--streams`` streams held after their first events (``x-fake-hold``), as run.py's `memory`
scenario does, and prints per stream: RSS growth; pymalloc's blocks in use and free-but-kept
(fragmentation, from ``sys._debugmallocstats``); tracemalloc's live bytes and its peak while
the streams were opening; and the allocation sites that differ most from raw aiohttp's.

Why both live and peak: RSS per held stream follows the *peak* of the opening, not what stays
live. With thousands of requests in flight at once, everything a request holds while it waits
for its headers (coroutine frames, header copies, the request body) fills pymalloc pools that
the streams' long-lived objects then keep half-used. Measured on the issue 18 branch (busy
2-core machine, 2,000 streams): live aclaude 16.8 vs raw 15.6 KiB, peak 19.3-22.7 vs 18.3 KiB,
RSS 19.8-22.1 vs 18.2 KiB (aclaude's varies with how many requests were in flight together).

After the `memory` branch (one frame less per opening stream: ``open_response`` hands back
``send``'s coroutine when nothing wraps it; no merged header copy, no partial with a keywords
dict, no closure cells, no empty lists nor a with block's bound ``__exit__`` in the held
generator): held per request while waiting for headers (a server that never answers) 19.7 ->
18.5 KiB (raw 16.0), traced live 16.06 -> 15.85 KiB (raw 14.97), RSS in ``run.py --only memory``
median 21.3 -> 20.1-20.3 KiB (1.17x -> 1.10-1.11x raw). What is left above raw: the async
generator (~420 B live, plus ~145 B for asyncio's weak set of async generators), StreamTimings,
the ``current_timings`` context variable set around the send (a HAMT node and token in flight,
and ~120 B per connection: the new connection's transport handle keeps a copy of the context),
the ``_attempt`` and ``send`` frames while waiting, aiohttp's ``sock_read`` timer for the
headers.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import os
import re
import subprocess
import sys
import tempfile
import tracemalloc
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from _client_worker import make_adapter, rss_bytes  # noqa: E402
from _fake_server import FakeServer  # noqa: E402


def pymalloc() -> dict[str, int]:
    """Bytes in pymalloc blocks in use and in free blocks of used pools (C-level stderr)."""
    saved = os.dup(2)
    with tempfile.TemporaryFile() as out:
        os.dup2(out.fileno(), 2)
        try:
            sys._debugmallocstats()
        finally:
            os.dup2(saved, 2)
            os.close(saved)
        out.seek(0)
        text = out.read().decode()
    found = {}
    for key in ("allocated", "available"):
        match = re.search(rf"bytes in {key} blocks\s*=\s*([\d,]+)", text)
        found[key] = int(match.group(1).replace(",", "")) if match else 0
    return found


async def measure(client: str, url: str, streams: int, top: int, trace: bool) -> None:
    """One pass: RSS and pymalloc (trace=False), or tracemalloc's live, peak and sites (True,
    in another process: tracing adds its own memory to the RSS and bypasses pymalloc's stats)."""
    adapter = make_adapter(client, url)
    try:
        await adapter.events(10)
        close = await adapter.open_held(10, 30.0)  # warm every code path once
        await close()
        gc.collect()
        if trace:
            tracemalloc.start(1)
            before = tracemalloc.take_snapshot()
            base = tracemalloc.get_traced_memory()[0]
        rss0, pm0 = rss_bytes(), pymalloc()
        closers = await asyncio.wait_for(
            asyncio.gather(*(adapter.open_held(10, 30.0) for _ in range(streams))), 120
        )
        gc.collect()
        kib = 1024 * streams
        if not trace:
            rss1, pm1 = rss_bytes(), pymalloc()
            print(
                f"{client}: RSS {(rss1 - rss0) / kib:.2f} KiB/stream; pymalloc blocks in use "
                f"{(pm1['allocated'] - pm0['allocated']) / kib:.2f}, free blocks in used pools "
                f"{(pm1['available'] - pm0['available']) / kib:.2f}"
            )
        else:
            live, peak = tracemalloc.get_traced_memory()
            after = tracemalloc.take_snapshot()
            print(
                f"{client}: traced live {(live - base) / kib:.2f} KiB/stream, "
                f"peak while opening {(peak - base) / kib:.2f}; the largest allocation sites:"
            )
            for stat in after.compare_to(before, "lineno")[:top]:
                frame = stat.traceback[0]
                where = f"{frame.filename.split('site-packages/')[-1]}:{frame.lineno}"
                print(
                    f"    {stat.size_diff / streams:7.1f} B {stat.count_diff / streams:5.2f} objects  {where}"
                )
        await asyncio.wait_for(asyncio.gather(*(close() for close in closers)), 120)
    finally:
        await adapter.aclose()


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--streams", type=int, default=2000)
    p.add_argument("--clients", default="raw,aclaude")
    p.add_argument("--top", type=int, default=15)
    p.add_argument("--url", help="(internal) measure one client against this server")
    p.add_argument("--trace", action="store_true", help="(internal) the tracemalloc pass")
    args = p.parse_args()
    if args.url:
        asyncio.run(measure(args.clients, args.url, args.streams, args.top, args.trace))
        return 0
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(HERE.parent), os.environ.get("PYTHONPATH", "")])}
    with FakeServer([sys.executable, "-m", "aclaude.testing", "--port", "0"], env, HERE.parent) as server:
        for trace in (False, True):
            for client in args.clients.split(","):
                argv = [sys.executable, __file__, "--url", server.url, "--clients", client]
                argv += ["--streams", str(args.streams), "--top", str(args.top)]
                argv += ["--trace"] if trace else []
                subprocess.run(argv, env=env, check=True, timeout=600, stdin=subprocess.DEVNULL)
    return 0


if __name__ == "__main__":
    sys.exit(main())
