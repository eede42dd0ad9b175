"""``StreamTimings``: when each part of one streamed request arrived, and what follows from it.

Every ``EventStream`` (and so every ``MessageStream`` and non-streaming ``create()``) fills one.
All times are ``time.monotonic()`` seconds (the event loop's clock), the same clock in every
process of the machine, so they can be compared with a server's own stamps on loopback.

Cost on the streaming path: the stream already reads the clock once per read chunk (for the idle
timeout); the timings reuse that stamp, so bytes are timed when they are *read*, not when the
caller gets around to the event. Per content event the loop does one identity test; per read
chunk holding content one call to ``_add_chunk`` (online mean/M2/min/max of the inter-token
gaps, Welford's update, merged per chunk with Chan's formula). Every arrival time is kept only
when asked for (``record_arrivals()``): a 200k-event stream must not grow a 200k-float list
by default.

Definitions (the same as vLLM's ``bench serve``; see docs/bench.md):

* TTFT = first ``content_block_delta`` read - request start (the first attempt's, so retries
  count against it, as the caller felt them).
* ITL = the gaps between successive content deltas. Deltas read in the same chunk are 0 s apart
  (they arrived together).
* TPOT = (last event - first content delta) / (output_tokens - 1), ``output_tokens`` from the
  final ``message_delta`` usage; None with fewer than 2 tokens.
* end-to-end = last event - request start.
"""

from __future__ import annotations

import math
from typing import Any

# The timings of the stream whose request is being sent in this task right now (None
# otherwise): aclaude's connector stamps ``connection_acquired`` on them, and so can a hook
# on a caller's own aiohttp session. Defined in the transport layer, which reads it.
from .._http.timings_context import current_timings

__all__ = ["StreamTimings", "current_timings"]


class StreamTimings:
    """Monotonic times (seconds) of one streamed request; None where it did not happen (yet).

    Stamps: ``request_start`` (the first attempt is sent), ``connection_acquired`` (aiohttp's pool
    handed the request a pooled or new connection; stamped by aclaude's own connector, or by
    a hook on a caller's session when the client was given one),
    ``headers`` (response headers of the attempt that succeeded), ``message_start``,
    ``first_content`` (the first ``content_block_delta``), ``last_event`` (the last bytes read).
    Retries: ``attempts`` (start of each attempt), ``failures`` (``(time, error class name)`` of
    each failed attempt). Gaps: ``gap_count``, ``gap_mean``, ``gap_min``, ``gap_max``, ``gap_m2``
    (sum of squared deviations; ``itl_stdev`` derives from it). ``content_events``: content deltas
    read. ``output_tokens``: from the last ``message_delta``.
    """

    __slots__ = (
        "_failures",
        "_last_content",
        "_retry_starts",
        "arrivals",
        "connection_acquired",
        "content_events",
        "first_content",
        "gap_count",
        "gap_m2",
        "gap_max",
        "gap_mean",
        "gap_min",
        "headers",
        "last_event",
        "message_start",
        "output_tokens",
        "request_start",
    )

    def __init__(self) -> None:
        self.request_start: float | None = None
        self.connection_acquired: float | None = None
        self.headers: float | None = None
        self.message_start: float | None = None
        self.first_content: float | None = None
        self.last_event: float | None = None
        # Lists only when there was a retry or a failure: thousands of streams may be held open.
        self._retry_starts: list[float] | None = None
        self._failures: list[tuple[float, str]] | None = None
        self.content_events = 0
        self.output_tokens: int | None = None
        self.gap_count = 0
        self.gap_mean = 0.0
        self.gap_m2 = 0.0
        self.gap_min = math.inf
        self.gap_max = 0.0
        #: Arrival time of every content delta, when ``record_arrivals()`` asked for it.
        self.arrivals: list[float] | None = None
        self._last_content: float | None = None

    def record_arrivals(self) -> StreamTimings:
        """Keep the arrival time of every content delta in ``arrivals`` (call before iterating)."""
        if self.arrivals is None:
            self.arrivals = []
        return self

    # -- stamps (called by the stream) ------------------------------------------------------

    def _add_chunk(self, arrived: float, count: int) -> None:
        """``count`` content deltas were read in one chunk at ``arrived``."""
        self.content_events += count
        if self.arrivals is not None:
            self.arrivals.extend([arrived] * count)
        last = self._last_content
        self._last_content = arrived
        if last is None:  # the first token: no gap before it, the rest of its chunk at 0 s
            self.first_content = arrived
            count -= 1
            if not count:
                return
            gap = 0.0
        else:
            gap = arrived - last
        # This chunk's gaps are ``gap`` then count-1 zeros: their own count, mean and M2, merged
        # into the running ones (Chan et al.); with count == 1 this is Welford's update.
        n_a = self.gap_count
        n = n_a + count
        mean_b = gap / count
        delta = mean_b - self.gap_mean
        self.gap_mean += delta * count / n
        self.gap_m2 += gap * gap * (count - 1) / count + delta * delta * n_a * count / n
        self.gap_count = n
        if gap > self.gap_max:
            self.gap_max = gap
        low = 0.0 if count > 1 else gap
        if low < self.gap_min:
            self.gap_min = low

    def _attempt_started(self, now: float) -> None:
        if self.request_start is None:
            self.request_start = now
            return
        # A retry: the failed attempt's stamps do not describe the stream the caller gets.
        self.headers = self.message_start = self.connection_acquired = None
        if self._retry_starts is None:
            self._retry_starts = []
        self._retry_starts.append(now)

    def _attempt_failed(self, now: float, exc: BaseException) -> None:
        if self._failures is None:
            self._failures = []
        self._failures.append((now, type(exc).__name__))

    # -- derived ----------------------------------------------------------------------------

    @property
    def attempts(self) -> list[float]:
        """When each attempt started (the first is ``request_start``)."""
        first = [] if self.request_start is None else [self.request_start]
        return first + (self._retry_starts or [])

    @property
    def failures(self) -> list[tuple[float, str]]:
        """``(time, exception class name)`` of each failed attempt."""
        return list(self._failures or ())

    @property
    def retries(self) -> int:
        """How many attempts were retries."""
        return len(self._retry_starts) if self._retry_starts else 0

    @property
    def retry_wait(self) -> float:
        """Seconds spent between a failed attempt and the next one (backoff, retry-after)."""
        pairs = zip(self.failures, self.attempts[1:], strict=False)
        return sum(start - failed for (failed, _), start in pairs)

    @property
    def ttft(self) -> float | None:
        """Time to first token: first content delta - request start (seconds)."""
        if self.first_content is None or self.request_start is None:
            return None
        return self.first_content - self.request_start

    @property
    def e2e(self) -> float | None:
        """End-to-end latency: last event - request start (seconds)."""
        if self.last_event is None or self.request_start is None:
            return None
        return self.last_event - self.request_start

    @property
    def tpot(self) -> float | None:
        """Time per output token after the first, as vLLM defines it:
        (last event - first content delta) / (output_tokens - 1)."""
        tokens = self.output_tokens
        if tokens is None or tokens < 2 or self.first_content is None or self.last_event is None:
            return None
        return (self.last_event - self.first_content) / (tokens - 1)

    @property
    def itl_mean(self) -> float | None:
        """Mean gap between content deltas (seconds), None with fewer than two deltas."""
        return self.gap_mean if self.gap_count else None

    @property
    def itl_stdev(self) -> float | None:
        """Sample standard deviation of the gaps between content deltas."""
        return math.sqrt(self.gap_m2 / (self.gap_count - 1)) if self.gap_count > 1 else None

    @property
    def pool_wait(self) -> float | None:
        """Request start to connection acquired (when a transport hook reported it)."""
        start = self._retry_starts[-1] if self._retry_starts else self.request_start
        if self.connection_acquired is None or start is None:
            return None
        return self.connection_acquired - start

    def to_dict(self) -> dict[str, Any]:
        """Plain data (JSON-ready): the stamps and the derived values."""
        return {
            "request_start": self.request_start,
            "connection_acquired": self.connection_acquired,
            "headers": self.headers,
            "message_start": self.message_start,
            "first_content": self.first_content,
            "last_event": self.last_event,
            "attempts": list(self.attempts),
            "failures": [list(failure) for failure in self.failures],
            "retries": self.retries,
            "retry_wait": self.retry_wait,
            "content_events": self.content_events,
            "output_tokens": self.output_tokens,
            "ttft": self.ttft,
            "tpot": self.tpot,
            "e2e": self.e2e,
            "itl": {
                "count": self.gap_count,
                "mean": self.itl_mean,
                "min": self.gap_min if self.gap_count else None,
                "max": self.gap_max if self.gap_count else None,
                "m2": self.gap_m2,
            },
            "arrivals": list(self.arrivals) if self.arrivals is not None else None,
        }

    def __repr__(self) -> str:
        def ms(value: float | None) -> str:
            return "None" if value is None else f"{value * 1000:.2f}ms"

        return (
            f"StreamTimings(ttft={ms(self.ttft)}, tpot={ms(self.tpot)}, e2e={ms(self.e2e)}, "
            f"content_events={self.content_events}, retries={self.retries})"
        )
