"""Relay under load: N concurrent websockets through ``aclaude.relay`` against the fake API,
beside the direct client holding N streams itself.

    python benchmarks/relay_load.py                      # 2,000 sockets (the docs/relay.md table)
    python benchmarks/relay_load.py --sockets 50 --deltas 20 --delay 0.01 --json   # a smoke run

Four processes, so that each figure is one process's own cost (getrusage(RUSAGE_SELF) and
VmRSS): the fake API (``python -m aclaude.testing``), the relay (this script, ``node``), the
browsers' stand-in (this script, ``browsers``: N aiohttp websockets) and, for the direct
figures, a client process (this script, ``direct``: N ``create(stream=True)`` streams).

Measured, for the relay process and for the direct client process:

* memory per socket (per stream for the direct client): resident memory once every reply has
  received its first content delta (all N held mid-generation), minus the resident memory
  after a warm-up, over N;
* CPU per forwarded event (per received event for the direct client): user+sys CPU of the
  process from the first prompt to the last reply's end, over the API events (pings aside)
  forwarded to (or read by) the browsers.

The fake API paces each reply (``x-fake-delay`` between deltas) so that all N replies are in
flight at once. Not part of the test suite (``tests/relay/test_relay_load_smoke.py`` runs a
small version); never timed assertions.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
API_KEY = "sk-ant-fake-load"


def _raise_fd_limit() -> None:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = hard if hard != resource.RLIM_INFINITY else 1 << 16
    if soft != resource.RLIM_INFINITY and soft < target:
        with contextlib.suppress(ValueError, OSError):
            resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))


def _usage() -> dict[str, float]:
    """This process's CPU seconds (user+sys) and resident bytes."""
    ru = resource.getrusage(resource.RUSAGE_SELF)
    rss = 0
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                rss = int(line.split()[1]) * 1024
    return {"cpu": ru.ru_utime + ru.ru_stime, "rss": float(rss)}


def _fake_headers(args: argparse.Namespace) -> dict[str, str]:
    return {"x-fake-deltas": str(args.deltas), "x-fake-delay": str(args.delay)}


# -- the relay node ----------------------------------------------------------------------------


async def _node(args: argparse.Namespace) -> None:
    from aiohttp import web

    import aclaude
    from aclaude.relay import RELAY_STATS, create_relay_app

    async with aclaude.Client(
        api_key=API_KEY,
        base_url=args.api_url,
        max_retries=0,
        max_connections=args.sockets + 100,
        default_headers=_fake_headers(args),
    ) as client:
        app = create_relay_app(
            client,
            model="claude-test",
            max_connections=args.sockets + 100,
            max_streams_per_principal=args.sockets + 100,
            heartbeat=None,
        )

        async def usage(_request: web.Request) -> web.Response:
            stats = app[RELAY_STATS]
            return web.json_response({**_usage(), "upstream_events": stats.upstream_events})

        app.router.add_get("/usage", usage)
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        try:
            await web.TCPSite(runner, "127.0.0.1", 0, backlog=4096).start()
            host, port = runner.addresses[0][:2]
            print(f"listening on http://{host}:{port}/", flush=True)
            await asyncio.get_running_loop().run_in_executor(None, sys.stdin.read)  # until closed
        finally:
            await runner.cleanup()


# -- the browsers ------------------------------------------------------------------------------


async def _browsers(args: argparse.Namespace) -> None:
    import aiohttp

    url = args.relay_url
    connector = aiohttp.TCPConnector(limit=0)
    async with aiohttp.ClientSession(connector=connector) as session:

        async def usage() -> dict[str, float]:
            async with session.get(url + "usage") as response:
                return dict(await response.json())

        # Warm-up: one reply end to end (imports, first connection), then the baseline.
        async with session.ws_connect(url + "ws") as ws:
            await ws.send_json({"prompt": "warm up"})
            async for msg in ws:
                if '"relay_end"' in msg.data:
                    break
        await asyncio.sleep(0.5)
        before = await usage()
        first_delta = 0
        all_started = asyncio.Event()
        counts: list[int] = []
        whole = 0

        async def one() -> None:
            nonlocal first_delta, whole
            events = 0
            started = False
            async with session.ws_connect(url + "ws", max_msg_size=0) as ws:
                await ws.send_json({"prompt": "hello"})
                async for msg in ws:
                    frame = json.loads(msg.data)
                    for event in frame["events"]:
                        kind = event["type"]
                        if kind.startswith("relay_"):
                            if kind == "relay_end" and event["stop_reason"] == "end_turn":
                                whole += 1
                            continue
                        events += 1
                        if not started and kind == "content_block_delta":
                            started = True
                            first_delta += 1
                            if first_delta == args.sockets:
                                all_started.set()
                    if frame["events"][-1]["type"] == "relay_end":
                        break
            counts.append(events)

        tasks = [asyncio.ensure_future(one()) for _ in range(args.sockets)]
        await asyncio.wait_for(all_started.wait(), args.timeout)
        held = await usage()
        await asyncio.wait_for(asyncio.gather(*tasks), args.timeout)
        after = await usage()
    events = sum(counts)
    print(
        json.dumps(
            {
                "sockets": args.sockets,
                "whole_replies": whole,
                "events": events,
                "rss_per_socket": (held["rss"] - before["rss"]) / args.sockets,
                "cpu_per_event_us": (after["cpu"] - before["cpu"]) / events * 1e6,
            }
        ),
        flush=True,
    )


# -- the direct client -------------------------------------------------------------------------


async def _direct(args: argparse.Namespace) -> None:
    import aclaude
    from aclaude.types import RawContentBlockDeltaEvent

    async with aclaude.Client(
        api_key=API_KEY,
        base_url=args.api_url,
        max_retries=0,
        max_connections=args.sockets + 100,
        default_headers=_fake_headers(args),
    ) as client:
        params: dict[str, Any] = {
            "model": "claude-test",
            "max_tokens": 1024,
            "messages": [{"role": "user", "content": "hello"}],
        }
        warm = await client.messages.create(**params)
        assert warm.content
        await asyncio.sleep(0.5)
        before = _usage()
        first_delta = 0
        all_started = asyncio.Event()
        counts: list[int] = []

        async def one() -> None:
            nonlocal first_delta
            events = 0
            started = False
            async with client.messages.create(stream=True, **params) as stream:
                async for event in stream:
                    if event.type == "ping":
                        continue
                    events += 1
                    if not started and type(event) is RawContentBlockDeltaEvent:
                        started = True
                        first_delta += 1
                        if first_delta == args.sockets:
                            all_started.set()
            counts.append(events)

        tasks = [asyncio.ensure_future(one()) for _ in range(args.sockets)]
        await asyncio.wait_for(all_started.wait(), args.timeout)
        held = _usage()
        await asyncio.wait_for(asyncio.gather(*tasks), args.timeout)
        after = _usage()
    events = sum(counts)
    print(
        json.dumps(
            {
                "streams": args.sockets,
                "events": events,
                "rss_per_stream": (held["rss"] - before["rss"]) / args.sockets,
                "cpu_per_event_us": (after["cpu"] - before["cpu"]) / events * 1e6,
            }
        ),
        flush=True,
    )


# -- the orchestrator --------------------------------------------------------------------------


def _start(cmd: list[str], stdin: int | None = None) -> tuple[subprocess.Popen[str], str]:
    """Start a server process and read its ``listening on URL`` line."""
    proc = subprocess.Popen(
        cmd,
        cwd=ROOT,
        text=True,
        stdout=subprocess.PIPE,
        stdin=stdin if stdin is not None else subprocess.DEVNULL,
    )
    assert proc.stdout is not None
    line = proc.stdout.readline()
    if not line.startswith("listening on "):
        proc.kill()
        raise RuntimeError(f"{cmd[:3]} did not start: {line!r}")
    return proc, line.split()[-1].rstrip("/") + "/"


def _run_json(cmd: list[str], timeout: float) -> dict[str, Any]:
    out = subprocess.run(cmd, cwd=ROOT, text=True, capture_output=True, timeout=timeout, check=False)
    if out.returncode != 0:
        raise RuntimeError(f"{cmd[2]} failed:\n{out.stderr[-3000:]}")
    result: dict[str, Any] = json.loads(out.stdout.strip().splitlines()[-1])
    return result


def _orchestrate(args: argparse.Namespace) -> dict[str, Any]:
    me = [sys.executable, str(Path(__file__).resolve())]
    pace = ["--deltas", str(args.deltas), "--delay", str(args.delay), "--sockets", str(args.sockets)]
    pace += ["--timeout", str(args.timeout)]
    api, api_url = _start([sys.executable, "-m", "aclaude.testing", "--deltas", str(args.deltas)])
    try:
        direct = _run_json([*me, "direct", "--api-url", api_url, *pace], args.timeout * 3)
        node, relay_url = _start([*me, "node", "--api-url", api_url, *pace], stdin=subprocess.PIPE)
        try:
            relay = _run_json([*me, "browsers", "--relay-url", relay_url, *pace], args.timeout * 3)
        finally:
            assert node.stdin is not None
            node.stdin.close()
            try:
                node.wait(10)
            except subprocess.TimeoutExpired:
                node.kill()
                node.wait()
    finally:
        api.terminate()
        api.wait(10)
    return {
        "sockets": args.sockets,
        "deltas": args.deltas,
        "delay": args.delay,
        "relay": relay,
        "direct": direct,
    }


def _table(result: dict[str, Any]) -> str:
    relay, direct = result["relay"], result["direct"]
    kib = 1024
    memory = relay["rss_per_socket"] / direct["rss_per_stream"]
    cpu = relay["cpu_per_event_us"] / direct["cpu_per_event_us"]
    rows = [
        "| | relay (per socket) | direct client (per stream) | ratio |",
        "|---|---|---|---|",
        f"| memory, all {result['sockets']:,} held mid-reply | {relay['rss_per_socket'] / kib:.1f} KiB | "
        f"{direct['rss_per_stream'] / kib:.1f} KiB | {memory:.2f}x |",
        f"| CPU per forwarded / received event | {relay['cpu_per_event_us']:.1f} µs | "
        f"{direct['cpu_per_event_us']:.1f} µs | {cpu:.2f}x |",
    ]
    return "\n".join(rows)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("mode", nargs="?", default="run", choices=["run", "node", "browsers", "direct"])
    parser.add_argument("--sockets", type=int, default=2000)
    parser.add_argument("--deltas", type=int, default=100, help="text deltas per reply")
    parser.add_argument("--delay", type=float, default=0.1, help="seconds between deltas")
    parser.add_argument("--timeout", type=float, default=300.0)
    parser.add_argument("--api-url")
    parser.add_argument("--relay-url")
    parser.add_argument("--json", action="store_true", help="print the result as JSON only")
    args = parser.parse_args()
    _raise_fd_limit()
    if args.mode == "node":
        asyncio.run(_node(args))
    elif args.mode == "browsers":
        asyncio.run(_browsers(args))
    elif args.mode == "direct":
        asyncio.run(_direct(args))
    else:
        started = time.monotonic()
        result = _orchestrate(args)
        if args.json:
            print(json.dumps(result))
        else:
            print(_table(result))
            print(
                f"({result['sockets']:,} sockets, {args.deltas} deltas each, {args.delay} s apart; "
                f"{time.monotonic() - started:.0f} s; load average {os.getloadavg()[0]:.1f})"
            )


if __name__ == "__main__":
    main()
