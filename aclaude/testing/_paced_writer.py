"""Paced streams on one shared clock: cheap enough for thousands of streams on one core.

A paced stream (``x-fake-pacing``, see ``_pacing``) used to be a coroutine sleeping before each
delta and writing it through aiohttp: one timer, one future and one task step per event per
stream, then the write. At 1,000 streams of a 20 ms inter-token time (50,000 events/s) the
fake server fell behind its own schedule on a 2-core machine, so a benchmark measured the
server, not the client. Here every paced stream of the event loop shares one scheduler:

* the body is cut into *groups* before the first byte goes out: a content delta plus the
  events that follow it at once (a block's stop, the closing ``message_delta`` and
  ``message_stop``), each group one pre-encoded run of HTTP chunks (one chunk per event, as
  the API flushes), with its due time;
* one heap of ``(due, sequence, stream)`` and one loop timer for the earliest due time; when it
  fires, every due group of every stream is handed to its socket with ``transport.write`` (a
  ``send`` on an idle socket), nothing awaited per event; aiohttp already sets ``TCP_NODELAY``;
* the write log stamps ``time.monotonic()`` as each group is handed to the socket (just before
  the ``send``: on loopback the client may read the bytes before ``send`` returns), so a group
  that the tick wrote late is logged late: the log stays the truth of when bytes left.

The handler of each stream just waits for its stream to finish, then ends the body through
aiohttp (``write_eof``). A ``StreamResponse`` sends its headers in ``prepare()``, and the head of
the stream (``message_start``, the first block's start) is written through aiohttp; from then on
the chunked framing is written here (it is stateless: ``<size hex>\\r\\n<bytes>\\r\\n``).

No back-pressure: the body is finite and already in memory, so a client that does not read lets
the transport buffer at most that body. A client that goes away closes the transport; its stream
is dropped at its next due time (and a cancelled handler drops it the same way).
"""

from __future__ import annotations

import asyncio
import heapq
import itertools
import random
import time
import weakref
from collections.abc import Sequence

from aiohttp import web

__all__ = ["DELTA_MARK", "send_paced"]

DELTA_MARK = b"content_block_delta"

# One scheduler per event loop (tests run many loops; a closed loop's scheduler goes with it).
_SCHEDULERS: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, _Scheduler] = weakref.WeakKeyDictionary()


def _is_delta(piece: bytes) -> bool:
    return DELTA_MARK in piece[:48]


def _frame(pieces: Sequence[bytes]) -> bytes:
    """The HTTP chunks of ``pieces``: one chunk per event."""
    return b"".join(b"%x\r\n%s\r\n" % (len(piece), piece) for piece in pieces)


class _PacedStream:
    """One response's groups still to write, and what to tell its handler."""

    __slots__ = ("done", "dues", "flags", "groups", "log", "next", "transport")

    def __init__(
        self,
        transport: asyncio.Transport,
        groups: list[bytes],
        dues: list[float],
        flags: list[tuple[bool, ...]],
        log: list[tuple[bool, float]] | None,
        done: asyncio.Future[None],
    ) -> None:
        self.transport = transport
        self.groups = groups
        self.dues = dues
        self.flags = flags  # per group: is_delta of each of its events (for the write log)
        self.log = log
        self.done = done
        self.next = 0

    def fire(self) -> float | None:
        """Write the next group now; the due time of the one after it (None: finished)."""
        done = self.done
        if done.done():  # the handler was cancelled (client gone): drop the stream
            return None
        transport = self.transport
        if transport.is_closing():
            done.set_exception(ConnectionResetError("the client closed the connection"))
            return None
        index = self.next
        if self.log is not None:
            # Stamped as the bytes are handed over, before the send: on loopback the client
            # can read them before send() returns, and a stamp after it would be late.
            written = time.monotonic()
            self.log.extend([(flag, written) for flag in self.flags[index]])
        transport.write(self.groups[index])
        index += 1
        self.next = index
        if index < len(self.groups):
            return self.dues[index]
        done.set_result(None)
        return None


class _Scheduler:
    """Every paced stream of one event loop: a heap of due groups and one timer."""

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self._loop = loop
        self._heap: list[tuple[float, int, _PacedStream]] = []
        self._sequence = itertools.count()  # ties keep their order; streams never compare
        self._timer: asyncio.TimerHandle | None = None
        self._timer_due = float("inf")

    def add(self, due: float, stream: _PacedStream) -> None:
        heapq.heappush(self._heap, (due, next(self._sequence), stream))
        if due < self._timer_due:
            self._arm(due)

    def _arm(self, due: float) -> None:
        if self._timer is not None:
            self._timer.cancel()
        self._timer_due = due
        # call_later from time.monotonic(): the default loop's clock is the same one, and
        # a loop with its own clock still gets the right delay.
        self._timer = self._loop.call_later(max(0.0, due - time.monotonic()), self._tick)

    def _tick(self) -> None:
        self._timer, self._timer_due = None, float("inf")
        heap = self._heap
        pop, push, sequence = heapq.heappop, heapq.heappush, self._sequence
        now = time.monotonic()
        while heap and heap[0][0] <= now:
            stream = pop(heap)[2]
            following = stream.fire()
            if following is not None:
                push(heap, (following, next(sequence), stream))
            now = time.monotonic()  # groups that fell due while this tick was writing go too
        if heap:
            self._arm(heap[0][0])


def _scheduler() -> _Scheduler:
    loop = asyncio.get_running_loop()
    scheduler = _SCHEDULERS.get(loop)
    if scheduler is None:
        scheduler = _SCHEDULERS[loop] = _Scheduler(loop)
    return scheduler


async def send_paced(
    request: web.BaseRequest,
    resp: web.StreamResponse,
    pieces: Sequence[bytes],
    *,
    ttft: float,
    itl: float,
    jitter: float,
    rng: random.Random,
    received: float,
    log: list[tuple[bool, float]] | None,
) -> None:
    """Write ``pieces`` (rendered events of a prepared chunked response) on the schedule: the
    first delta ``ttft`` after ``received``, each further one ``itl`` (times a uniform factor
    in ``[1 - jitter, 1 + jitter]``) after the one before; events that are not deltas go with
    the delta before them. Logs ``(is_delta, time written)`` per event into ``log``.

    Deadlines are absolute (each from the one before), so a late tick does not push every
    later event back. Raises ``ConnectionError`` if the client goes away."""
    head_end = next((i for i, piece in enumerate(pieces) if _is_delta(piece)), len(pieces))
    for piece in pieces[:head_end]:
        if log is not None:
            log.append((False, time.monotonic()))
        await resp.write(piece)  # the first also sends the buffered headers
    if head_end == len(pieces):
        return
    groups: list[bytes] = []
    dues: list[float] = []
    flags: list[tuple[bool, ...]] = []
    due = received + ttft
    start = head_end
    while start < len(pieces):
        end = start + 1
        while end < len(pieces) and not _is_delta(pieces[end]):
            end += 1
        if groups:
            due += itl * (1.0 + jitter * (2.0 * rng.random() - 1.0)) if jitter else itl
        groups.append(_frame(pieces[start:end]))
        dues.append(due)
        flags.append(tuple(_is_delta(piece) for piece in pieces[start:end]))
        start = end
    transport = request.transport
    if transport is None or transport.is_closing():
        raise ConnectionResetError("the client closed the connection")
    done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
    _scheduler().add(dues[0], _PacedStream(transport, groups, dues, flags, log, done))
    await done
