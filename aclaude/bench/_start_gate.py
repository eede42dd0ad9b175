"""A few request starts per turn of the event loop, so that reads are stamped between them.

A read is stamped when the event loop hands its bytes to the protocol (``data_received``), and
the loop only looks at its sockets between two batches of ready callbacks. In a closed loop the
streams of one wave end together, and every worker then starts its next request in the same
batch: at 1,000 streams that is 1,000 request starts (about 150 µs of client CPU each: the
request built, encoded and written) in one turn, during which no read is stamped. Measured here
(benchmarks/bench_accuracy.py, 1,000 streams, uvloop), the deltas that arrived in the first
100 ms of a wave were stamped 15 ms (p50) and 37 ms (p99) after the server wrote them, against
0.2-0.6 ms once the wave was under way.

``StartGate`` lets at most ``per_turn`` requests start per turn and queues the rest for the
following turns (first come, first served), so the loop polls its sockets every ``per_turn``
starts. A start that waits does not count against its request: a request's clock starts after
the gate. When fewer than ``per_turn`` requests start in a turn, nothing waits.
"""

from __future__ import annotations

import asyncio
import collections

__all__ = ["START_PER_TURN", "StartGate"]

#: Starts per loop turn: 8 starts hold the loop for about 1-2 ms here, and at that pace the
#: gate admits several thousand requests per second, more than one process can stream.
START_PER_TURN = 8


class StartGate:
    """``await gate.wait()`` before starting a request (see the module docstring)."""

    __slots__ = ("_armed", "_left", "_loop", "_per_turn", "_waiters")

    def __init__(self, per_turn: int = START_PER_TURN) -> None:
        if per_turn < 1:
            raise ValueError("per_turn must be >= 1")
        self._per_turn = per_turn
        self._left = per_turn
        self._waiters: collections.deque[asyncio.Future[None]] = collections.deque()
        self._armed = False
        self._loop: asyncio.AbstractEventLoop | None = None

    async def wait(self) -> None:
        """Return at once if this turn has a start left, else in a later turn."""
        if self._left > 0 and not self._waiters:
            self._left -= 1
            self._arm()
            return
        loop = self._loop or asyncio.get_running_loop()
        waiter: asyncio.Future[None] = loop.create_future()
        self._waiters.append(waiter)
        self._arm()
        await waiter  # a cancelled waiter is skipped when its turn comes

    def _arm(self) -> None:
        # One callback per turn in which the gate was used: it runs in the next turn, after the
        # loop has polled its sockets, and gives that turn its starts.
        if not self._armed:
            self._armed = True
            self._loop = self._loop or asyncio.get_running_loop()
            self._loop.call_soon(self._turn)

    def _turn(self) -> None:
        self._armed = False
        self._left = self._per_turn
        waiters = self._waiters
        while self._left and waiters:
            waiter = waiters.popleft()
            if not waiter.done():
                waiter.set_result(None)
                self._left -= 1
        if waiters or self._left < self._per_turn:
            self._arm()
