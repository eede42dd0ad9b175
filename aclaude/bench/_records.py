"""One record per benchmark request: what the JSON result's ``requests`` array holds.

Times are seconds; ``start`` / ``end`` are ``time.monotonic()`` values (one clock for every
process of the run, so records from ``--processes`` workers merge on one time line).
"""

from __future__ import annotations

import itertools

import msgspec

from ..streaming._timings import StreamTimings

__all__ = ["RequestRecord", "record_from_timings"]


class RequestRecord(msgspec.Struct, kw_only=True, omit_defaults=True):
    """A finished (or failed) request. ``error`` is the exception class name (None: success);
    ``status`` its HTTP status when the API answered with one. ``itl`` (the gaps between
    content deltas) is kept for the percentiles and written only with ``--detailed``."""

    level: float
    process: int = 0
    index: int
    start: float
    end: float
    request_id: str | None = None
    request_start: float | None = None  # the stream's own stamp (TTFT counts from it)
    error: str | None = None
    error_message: str | None = None
    status: int | None = None
    ttft: float | None = None
    tpot: float | None = None
    e2e: float | None = None
    headers: float | None = None
    pool_wait: float | None = None
    itl_mean: float | None = None
    itl_max: float | None = None
    input_tokens: int | None = None
    output_tokens: int | None = None
    content_events: int = 0
    events: int = 0
    retries: int = 0
    retry_wait: float = 0.0
    itl: list[float] | None = None


def record_from_timings(
    timings: StreamTimings,
    *,
    level: float,
    process: int,
    index: int,
    start: float,
    end: float,
    events: int,
    input_tokens: int | None,
    request_id: str | None = None,
) -> RequestRecord:
    """A record from a stream's timings (``record_arrivals()`` on: the gaps are kept)."""
    arrivals = timings.arrivals or []
    request_start = timings.request_start
    return RequestRecord(
        level=level,
        process=process,
        index=index,
        start=start,
        end=end,
        request_id=request_id,
        request_start=request_start,
        ttft=timings.ttft,
        tpot=timings.tpot,
        e2e=timings.e2e,
        headers=timings.headers - request_start
        if timings.headers is not None and request_start is not None
        else None,
        pool_wait=timings.pool_wait,
        itl_mean=timings.itl_mean,
        itl_max=timings.gap_max if timings.gap_count else None,
        input_tokens=input_tokens,
        output_tokens=timings.output_tokens,
        content_events=timings.content_events,
        events=events,
        retries=timings.retries,
        retry_wait=timings.retry_wait,
        itl=[b - a for a, b in itertools.pairwise(arrivals)],
    )
