"""``ReadDeadlines``: the read timeouts of all of a client's responses on one event-loop timer.

Why not aiohttp's own ``sock_read`` timeout: it cancels and re-arms a ``TimerHandle`` on every
packet of every response. With thousands of streams open that is a timer object (and, until the
loop purges them, its cancelled predecessors) per stream, about a sixth of what a held stream
costs beyond raw aiohttp, and a heap push and a cancel per packet.

Here a read registers its deadline (``start``) only while it actually waits, and drops it when
it returns (``stop``): a dict insert and a pop. One timer is armed for the earliest deadline;
when it fires, every read past its deadline is expired (the waiter gets the error) and the
timer is re-armed for the earliest deadline left. Streams that keep receiving data never reach
their deadline, so in a busy client the timer fires about once per read timeout, scanning the
waiting reads once.

Sans-aiohttp on purpose: what "expire" means for a response is the transport's business.
"""

from __future__ import annotations

import asyncio
import math
import time
from typing import Protocol

__all__ = ["ReadDeadlines"]

# asyncio runs a timer up to its clock's resolution early; a deadline that close is due.
_EARLY = time.get_clock_info("monotonic").resolution


class Expirable(Protocol):
    """What waits: told once, on the loop, that its deadline passed."""

    def expire(self) -> None: ...


class ReadDeadlines:
    """Deadlines of the reads waiting for data, on one loop timer (see the module docstring)."""

    __slots__ = ("_due", "_loop", "_timer", "_timer_at")

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self._loop = loop
        self._due: dict[Expirable, float] = {}
        self._timer: asyncio.TimerHandle | None = None
        self._timer_at = math.inf

    def start(self, waiter: Expirable, seconds: float) -> None:
        """``waiter`` now waits, for at most ``seconds``."""
        at = self._loop.time() + seconds
        self._due[waiter] = at
        if at < self._timer_at:
            self._arm(at)

    def stop(self, waiter: Expirable) -> None:
        """``waiter`` stopped waiting (it may already have been expired)."""
        self._due.pop(waiter, None)

    def close(self) -> None:
        """Forget every deadline and disarm the timer (the client is closing)."""
        self._due.clear()
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        self._timer_at = math.inf

    def __len__(self) -> int:
        return len(self._due)

    def _arm(self, at: float) -> None:
        if self._timer is not None:
            self._timer.cancel()
        self._timer_at = at
        self._timer = self._loop.call_at(at, self._fire)

    def _fire(self) -> None:
        self._timer = None
        self._timer_at = math.inf
        due = self._due
        now = self._loop.time() + _EARLY
        expired = [waiter for waiter, at in due.items() if at <= now]
        for waiter in expired:
            del due[waiter]
        if due:
            self._arm(min(due.values()))
        for waiter in expired:
            try:
                waiter.expire()
            except Exception as exc:  # one broken waiter must not leave the others waiting
                self._loop.call_exception_handler(
                    {"message": "expiring a read deadline failed", "exception": exc}
                )
