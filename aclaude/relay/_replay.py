"""One reply's events, numbered, kept for a browser that reconnects: the resume buffer.

Every event of a reply gets a sequence number (1, 2, ...). The upstream reader ``append``s;
the writer of the attached websocket reads ``since(seq)`` and reports what it handed to its
socket with ``sent(seq)``. A browser that drops and comes back asks for the events after the
last sequence number it saw, and gets exactly those, then the live rest.

Bounds (why each):

* **Backpressure.** ``append`` waits while more than ``max_pending`` bytes are not yet sent to
  a socket, so a slow (or absent) browser stops the upstream read, as before resume existed.
  When a shared store mirrors the events (Redis), a detached reply keeps reading: another node
  may be serving the browser from the store.
* **Per reply.** Events already sent are kept for a resume only up to ``max_bytes`` per reply
  (oldest dropped first); events not yet sent are never dropped (the pending bound holds them).
* **In total.** ``Budget`` counts the bytes held by all replies; past its limit, a reply that
  appends drops its own oldest sent events. A resume that asks for dropped events gets a
  ``resume_unavailable`` error rather than a reply with a hole.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

__all__ = ["Budget", "ReplyLog"]


@dataclass
class Budget:
    """Bytes held by all the replies of one app (resume buffers and pending events)."""

    limit: int
    #: All bytes held (resume buffers included), and the most ever held at once.
    held: int = 0
    peak: int = 0
    #: Bytes not yet handed to a socket, summed over replies; the most one reply ever had.
    pending: int = 0
    peak_pending: int = 0


class ReplyLog:
    """The numbered events of one reply (see the module docstring)."""

    __slots__ = (
        "_budget",
        "_bytes",
        "_events",
        "_first",
        "_head",
        "_last",
        "_max_bytes",
        "_max_pending",
        "_sent",
        "_space",
        "_unsent_bytes",
        "_wakeup",
        "closed",
        "mirrored",
    )

    def __init__(self, *, max_pending: int, max_bytes: int, budget: Budget) -> None:
        # A list read from _head on (cheap slices for ``since``), compacted now and then.
        self._events: list[bytes] = []
        self._head = 0
        self._first = 1  # sequence number of _events[_head]
        self._last = 0  # sequence number of the last event appended
        self._bytes = 0
        self._unsent_bytes = 0
        self._sent = 0  # the last sequence number handed to a socket
        self._max_pending = max_pending
        self._max_bytes = max_bytes
        self._budget = budget
        self._space: asyncio.Future[None] | None = None
        self._wakeup: asyncio.Future[None] | None = None
        #: No more events will come.
        self.closed = False
        #: A store holds a copy of every event (another node can serve a resume): a detached
        #: reply need not wait for a browser.
        self.mirrored = False

    @property
    def last_seq(self) -> int:
        return self._last

    @property
    def first_available(self) -> int:
        """The oldest sequence number still held (``last_seq + 1`` when none is)."""
        return self._first

    @property
    def held_bytes(self) -> int:
        return self._bytes

    async def append(self, data: bytes, *, attached: bool) -> int:
        """Add one event; its sequence number. Waits for room (see the module docstring)."""
        size = len(data)
        while self._unsent_bytes and self._unsent_bytes + size > self._max_pending and (
            attached or not self.mirrored
        ):
            self._space = asyncio.get_running_loop().create_future()
            await self._space
        return self.append_nowait(data)

    def append_nowait(self, data: bytes) -> int:
        """Add one event without waiting for room (the reply's last, small event)."""
        size = len(data)
        self._events.append(data)
        self._last += 1
        self._bytes += size
        self._unsent_bytes += size
        budget = self._budget
        budget.held += size
        budget.pending += size
        if budget.held > budget.peak:
            budget.peak = budget.held
        if self._unsent_bytes > budget.peak_pending:
            budget.peak_pending = self._unsent_bytes
        self._trim()
        _wake(self._wakeup)
        return self._last

    def since(self, after: int) -> tuple[int, list[bytes]] | None:
        """(sequence number of the last event returned, the events after ``after``); None when
        events after ``after`` were dropped. An empty list: nothing new yet."""
        if after + 1 < self._first:
            return None
        start = after + 1 - self._first + self._head
        if start >= len(self._events):
            return after, []
        return self._last, self._events[start:]

    async def wait(self, after: int) -> None:
        """Until an event after ``after`` exists or the reply is closed."""
        while self._last <= after and not self.closed:
            self._wakeup = asyncio.get_running_loop().create_future()
            await self._wakeup

    def sent(self, seq: int) -> None:
        """A writer handed the events up to ``seq`` to its socket."""
        if seq <= self._sent:
            return
        # Bytes between the old and new mark stop counting as pending.
        base, events = self._first - self._head, self._events
        before = self._unsent_bytes
        for s in range(max(self._sent + 1, self._first), seq + 1):
            self._unsent_bytes -= len(events[s - base])
        self._budget.pending -= before - self._unsent_bytes
        self._sent = seq
        self._trim()
        _wake(self._space)

    def rewind(self, after: int) -> None:
        """A new browser resumes after ``after``: what it has not seen counts as unsent again
        (for backpressure), never below what is still held."""
        after = max(after, self._first - 1)
        if after >= self._sent:
            return
        base, events = self._first - self._head, self._events
        before = self._unsent_bytes
        for s in range(after + 1, self._sent + 1):
            self._unsent_bytes += len(events[s - base])
        self._budget.pending += self._unsent_bytes - before
        self._sent = after

    def close(self) -> None:
        self.closed = True
        _wake(self._wakeup)
        _wake(self._space)

    def discard(self) -> None:
        """Give back every byte (the reply is forgotten)."""
        self._budget.held -= self._bytes
        self._budget.pending -= self._unsent_bytes
        self._events = []
        self._head = 0
        self._bytes = self._unsent_bytes = 0
        self._first = self._last + 1
        _wake(self._space)

    def _trim(self) -> None:
        events = self._events
        budget = self._budget
        # Only events already sent (or, when mirrored, any: the store has them).
        limit_seq = self._last if self.mirrored else self._sent
        while self._head < len(events) and self._first <= limit_seq and (
            self._bytes > self._max_bytes or budget.held > budget.limit
        ):
            size = len(events[self._head])
            events[self._head] = b""
            self._head += 1
            if self._first > self._sent:
                self._unsent_bytes -= size
                budget.pending -= size
            self._first += 1
            self._bytes -= size
            budget.held -= size
        if self._head > 1024 and self._head * 2 > len(events):
            del events[: self._head]
            self._head = 0


def _wake(waiter: asyncio.Future[None] | None) -> None:
    if waiter is not None and not waiter.done():
        waiter.set_result(None)
