"""Peak memory and time of each hostile case, one fresh process per case (not a test).

    python tests/hostile/measure.py            # this checkout
    PYTHONPATH=/path/to/other/checkout python tests/hostile/measure.py   # another one (before)

Each case runs under an address-space limit (``--max-gib``, 1.5 by default) and a wall-clock
limit (``--seconds``, 20): an unbounded client is reported as hitting one of them.
"""

from __future__ import annotations

import argparse
import asyncio
import inspect
import json
import re
import resource
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))


def _peak_mib() -> float:
    text = Path("/proc/self/status").read_text()
    match = re.search(r"^VmHWM:\s+(\d+) kB", text, re.MULTILINE)
    return int(match.group(1)) / 1024 if match else float("nan")


async def _run_one(index: int) -> dict[str, object]:
    from _hostile_cases import CASES, client_options
    from _hostile_server import hostile_server

    import aclaude

    case = CASES[index]
    case.prepare()
    accepted = inspect.signature(aclaude.Client).parameters
    async with hostile_server(case.script) as server:
        options = {k: v for k, v in client_options(case, server.url).items() if k in accepted}
        async with aclaude.Client(**options) as client:
            base = _peak_mib()
            started = time.monotonic()
            try:
                await case.call(client)
                outcome = "returned"
            except BaseException as exc:
                outcome = f"{type(exc).__name__}: {str(exc)[:90]}"
            return {
                "case": case.name,
                "seconds": round(time.monotonic() - started, 2),
                "peak_mib": round(_peak_mib(), 1),
                "base_mib": round(base, 1),
                "outcome": outcome,
                "requests": server.requests,
            }


def _child(index: int, max_gib: float) -> None:
    limit = int(max_gib * 1024**3)
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    print(json.dumps(asyncio.run(_run_one(index))))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--child", type=int)
    parser.add_argument("--max-gib", type=float, default=1.5)
    parser.add_argument("--seconds", type=float, default=20.0)
    args = parser.parse_args()
    if args.child is not None:
        _child(args.child, args.max_gib)
        return
    from _hostile_cases import CASES

    for index, case in enumerate(CASES):
        started = time.monotonic()
        try:
            done = subprocess.run(
                [sys.executable, __file__, "--child", str(index), "--max-gib", str(args.max_gib)],
                capture_output=True,
                text=True,
                timeout=args.seconds,
            )
            lines = done.stdout.strip().splitlines()
            if lines:
                row = json.loads(lines[-1])
            else:
                tail = done.stderr.strip().splitlines()[-1:] or ["no output"]
                row = {"case": case.name, "outcome": f"process died: {tail[0][:90]}"}
        except subprocess.TimeoutExpired:
            row = {"case": case.name, "outcome": f"still running after {args.seconds:g} s (killed)"}
        row.setdefault("seconds", round(time.monotonic() - started, 2))
        print(json.dumps(row), flush=True)


if __name__ == "__main__":
    main()
