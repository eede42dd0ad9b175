"""The one place that writes a streamed body to the socket, faults included.

Everything is rendered before the first byte goes out; this loop only writes. With the default
chunking each pre-rendered event is one ``resp.write()`` and so one HTTP chunk, like the real
API which flushes per event. With a byte size the body is cut at arbitrary offsets instead.

A client that goes away mid-stream is normal here (early ``break``, cancelled tasks, the
memory benchmark dropping 2,000 streams at once): its ``ConnectionError`` ends the write
silently. The server runs with aiohttp's ``handler_cancellation``, so a disconnect during a
hold, a delay or a stall cancels this coroutine, which is just as silent.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

from aiohttp import web

from ._pacing import Pacing

__all__ = ["Stall", "StreamPlan", "send_stream"]

# How long a drop waits for already-written bytes to leave the socket buffer before closing:
# the client must receive exactly the events before the drop, then a broken connection.
_FLUSH_TIMEOUT = 5.0


@dataclass(frozen=True)
class Stall:
    """After the pieces: write ``filler`` (if any) every ``interval`` seconds for ``duration``
    seconds, then drop the connection. Never ends the body: a stalled stream has no end."""

    filler: bytes | None
    interval: float
    duration: float


@dataclass(frozen=True)
class StreamPlan:
    """What to write and how: ``pieces`` are the body in write order (events, or raw bytes)."""

    pieces: Sequence[bytes]
    ending: Literal["eof", "abort"] = "eof"
    chunk_size: int | None = None
    delay_between: float = 0.0
    hold_after_first: float = 0.0
    stall: Stall | None = None
    pacing: Pacing | None = None  # scripted TTFT / inter-token times, write log (_pacing)


async def _stall(resp: web.StreamResponse, stall: Stall) -> None:
    # Bounded by the loop clock, not by a count of writes: a slow event loop must not stretch
    # the stall past ``duration`` (tests rely on the server giving up on its own).
    loop = asyncio.get_running_loop()
    deadline = loop.time() + stall.duration
    if stall.filler is None:
        await asyncio.sleep(stall.duration)
        return
    while True:
        remaining = deadline - loop.time()
        if remaining <= 0:
            return
        await asyncio.sleep(min(stall.interval, remaining))
        if loop.time() < deadline:
            await resp.write(stall.filler)


async def _write_pieces(resp: web.StreamResponse, pieces: Sequence[bytes], plan: StreamPlan) -> None:
    chunks: Iterable[bytes | memoryview] = pieces
    if plan.chunk_size is not None:
        # Slices of one memoryview: no copy of a multi-megabyte body per piece; made one at a
        # time as they are written (a list of them would be one view object per byte at a
        # chunk size of 1).
        body = memoryview(b"".join(pieces))
        size = plan.chunk_size
        chunks = (body[i : i + size] for i in range(0, len(body), size))
    write = resp.write
    if plan.delay_between > 0:
        for i, chunk in enumerate(chunks):
            if i:
                await asyncio.sleep(plan.delay_between)
            await write(chunk)
    else:
        # The hot loop of the benchmark: nothing but the write.
        for chunk in chunks:
            await write(chunk)


async def _flush_then_abort(request: web.BaseRequest) -> None:
    transport = request.transport
    if transport is None:
        return
    # With a zero high-water mark the transport pauses its protocol while anything is
    # buffered, so aiohttp's drain() returns exactly when every byte has reached the kernel.
    transport.set_write_buffer_limits(high=0)
    with contextlib.suppress(asyncio.TimeoutError, ConnectionError):
        await asyncio.wait_for(request.writer.drain(), _FLUSH_TIMEOUT)
    transport.abort()


async def send_stream(
    request: web.BaseRequest, status: int, headers: Mapping[str, str], plan: StreamPlan
) -> web.StreamResponse:
    """Send a chunked response following ``plan``; returns the response for aiohttp to finish."""
    received = time.monotonic()
    resp = web.StreamResponse(status=status, headers=headers)
    resp.enable_chunked_encoding()
    try:
        await resp.prepare(request)
        pieces = plan.pieces
        if plan.hold_after_first > 0 and pieces:
            # Hold after message_start and the first content_block_start: a client may read
            # ahead to the first content event before it shows anything (aclaude does, so it
            # can retry an early error), and every client should be held in the same place.
            head = 2 if len(pieces) > 2 else 1
            await _write_pieces(resp, pieces[:head], plan)
            await asyncio.sleep(plan.hold_after_first)
            pieces = pieces[head:]
        if plan.pacing is not None:
            await plan.pacing.write(request, resp, pieces, headers.get("request-id", ""), received)
        else:
            await _write_pieces(resp, pieces, plan)
        if plan.stall is not None:
            await _stall(resp, plan.stall)
        if plan.ending == "abort":
            # No terminating chunk: the client sees the connection end mid-body.
            await _flush_then_abort(request)
        else:
            await resp.write_eof()
    except ConnectionError:
        pass  # the client went away; aiohttp's own write_eof will notice and log at debug level
    return resp
