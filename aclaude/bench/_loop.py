"""Which event loop the bench's client runs on: uvloop when it is installed, else asyncio's.

The client's own cost per read is what delays its stamps under load, and uvloop halves the
part of it that is the event loop (the socket read, the callback, the task step). Measured on
this project's 2-core machine, 1,000 streams of a 20 ms inter-token time (benchmarks/
bench_accuracy.py): the lag behind the server's writes went from p50 7.5 ms on asyncio to
about 1 ms on uvloop. So a harness should use it when it can; ``--loop asyncio`` measures the
stdlib loop instead (and the result records which one ran).
"""

from __future__ import annotations

import asyncio
import importlib.util
from collections.abc import Coroutine
from typing import Any, TypeVar

__all__ = ["LOOPS", "resolve_loop", "run_on", "running_loop"]

T = TypeVar("T")

#: ``--loop`` choices; ``auto`` resolves to one of the others before the run starts.
LOOPS = ("auto", "asyncio", "uvloop")


def resolve_loop(name: str) -> str:
    """``asyncio`` or ``uvloop`` for a ``--loop`` choice; ValueError (one line) if it cannot run."""
    if name not in LOOPS:
        raise ValueError(f"--loop must be one of {', '.join(LOOPS)}, not {name!r}")
    if name == "asyncio":
        return name
    if importlib.util.find_spec("uvloop") is None:
        if name == "uvloop":
            raise ValueError("--loop uvloop: uvloop is not installed (pip install 'aclaude[uvloop]')")
        return "asyncio"
    return "uvloop"


def run_on(loop: str, main: Coroutine[Any, Any, T]) -> T:
    """``asyncio.run(main)`` on the resolved ``loop``."""
    if loop == "uvloop":
        import uvloop

        return uvloop.run(main)
    return asyncio.run(main)


def running_loop() -> str:
    """``uvloop`` or ``asyncio``: the loop running now (call it inside one)."""
    return "uvloop" if type(asyncio.get_running_loop()).__module__.startswith("uvloop") else "asyncio"
