"""aiohttp's connection protocol, as aclaude's own pool runs it: one per-chunk cost removed, and
(for benchmarks) a stamp of when bytes came off the socket.

Why a subclass: aiohttp 3.14's ``StreamReader`` calls ``protocol.resume_reading()`` for every
piece of the body it hands out while its buffer is below the low-water mark, whether or not
reading was ever paused. An SSE body arrives as one HTTP chunk per event, so that is one
``resume_reading()`` per event, and each one re-enters the parser with ``data_received(b"")``
and asks the transport to resume: four Python calls that do nothing when nothing was paused.
Measured here on 206-chunk bodies (one non-streaming ``create()`` of 200 deltas), aiohttp's
parsing and buffering cost 230 µs per body with them and 152 µs without.

Skipping them is safe because the only unparsed data the parser can hold back is data it
stopped on when the buffer paused the protocol (``pause_reading`` sets ``_reading_paused``,
and the parser stops only then); while neither flag is set there is nothing to resume. A paused
protocol resumes exactly as aiohttp does it. Older aiohttp (3.11-3.13) only calls
``resume_reading()`` when paused, so there this changes nothing.
"""

from __future__ import annotations

import time

from aiohttp.client_proto import ResponseHandler

__all__ = ["AclaudeResponseHandler", "ReadStampingHandler"]


class AclaudeResponseHandler(ResponseHandler):
    """aiohttp's protocol without the no-op ``resume_reading()`` per body chunk."""

    # aiohttp before 3.14 has no buffer pause; the class default keeps the test below valid.
    _buffer_paused = False

    def resume_reading(self, resume_parser: bool = True) -> None:
        if self._reading_paused or self._buffer_paused:
            super().resume_reading(resume_parser)


class ReadStampingHandler(AclaudeResponseHandler):
    """Also notes when bytes last came off the socket: a stream's timings stamp a read with this
    (``Response.read_time``), not with the moment its task got to run (under load, other tasks
    run first: p50 0.2 ms, p99 2-3 ms later at 100 streams on this project's machine). An extra
    Python call per socket read, so only on a benchmark's connector."""

    read_at = 0.0

    def data_received(self, data: bytes) -> None:
        if data:  # aiohttp calls it with b"" to resume a paused decompression: not a read
            self.read_at = time.monotonic()
        super().data_received(data)
