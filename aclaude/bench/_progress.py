"""Live progress: a ``rich`` progress bar when the ``bench`` extra is installed and the output is
a terminal, else one plain line a second (and one per finished level)."""

from __future__ import annotations

import sys
import time
from typing import Any, Protocol, TextIO

__all__ = ["PlainProgress", "Progress", "make_progress"]


class Progress(Protocol):
    def start_level(self, name: str, total: int | None) -> None: ...

    def advance(self, ok: bool) -> None: ...

    def end_level(self) -> None: ...

    def close(self) -> None: ...


class PlainProgress:
    """``concurrency=8: 40/100 done, 0 failed, 12.3 req/s`` at most once a second."""

    def __init__(self, out: TextIO, interval: float = 1.0) -> None:
        self._out = out
        self._interval = interval
        self._name = ""
        self._total: int | None = None
        self._done = self._failed = 0
        self._started = self._printed = 0.0

    def start_level(self, name: str, total: int | None) -> None:
        self._name, self._total = name, total
        self._done = self._failed = 0
        self._started = self._printed = time.monotonic()

    def advance(self, ok: bool) -> None:
        self._done += 1
        self._failed += not ok
        now = time.monotonic()
        if now - self._printed >= self._interval:
            self._printed = now
            self._line(now)

    def _line(self, now: float) -> None:
        total = f"/{self._total}" if self._total is not None else ""
        rate = self._done / (now - self._started) if now > self._started else 0.0
        print(
            f"{self._name}: {self._done}{total} done, {self._failed} failed, {rate:.1f} req/s",
            file=self._out,
            flush=True,
        )

    def end_level(self) -> None:
        self._line(time.monotonic())

    def close(self) -> None:
        pass


class _RichProgress:
    def __init__(self, out: TextIO) -> None:
        from rich.console import Console
        from rich.progress import BarColumn, MofNCompleteColumn, TextColumn, TimeElapsedColumn
        from rich.progress import Progress as RichBar

        self._bar = RichBar(
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("{task.fields[failed]} failed"),
            TimeElapsedColumn(),
            console=Console(file=out),
            transient=False,
        )
        self._bar.start()
        self._task: Any = None
        self._failed = 0

    def start_level(self, name: str, total: int | None) -> None:
        self._failed = 0
        self._task = self._bar.add_task(name, total=total, failed=0)

    def advance(self, ok: bool) -> None:
        self._failed += not ok
        self._bar.update(self._task, advance=1, failed=self._failed)

    def end_level(self) -> None:
        task = self._bar.tasks[-1] if self._bar.tasks else None
        if task is not None and task.total is None:
            self._bar.update(self._task, total=task.completed)

    def close(self) -> None:
        self._bar.stop()


def make_progress(out: TextIO | None = None, *, plain: bool = False) -> Progress:
    """The rich display if available and ``out`` is a terminal, else plain lines."""
    out = out or sys.stderr
    if not plain and out.isatty():
        try:
            return _RichProgress(out)
        except ImportError:
            pass
    return PlainProgress(out)
