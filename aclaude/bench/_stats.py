"""From request records to the summary of one load level (and of a whole run).

Percentiles are linear interpolation between closest ranks (numpy's default, which vLLM
uses), so a p99 here and in ``vllm bench serve`` mean the same thing. TTFT, TPOT and E2E have
one value per successful request; ITL pools the gaps of every successful request (vLLM does
the same), so long replies weigh more.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence

import msgspec

from ._records import RequestRecord

__all__ = ["Distribution", "LevelSummary", "distribution", "is_good", "percentile", "summarize"]

PERCENTILES = (50, 90, 95, 99)


class Distribution(msgspec.Struct, kw_only=True):
    """Milliseconds: mean, p50, p90, p95, p99, max (None when there is no value)."""

    count: int = 0
    mean: float | None = None
    p50: float | None = None
    p90: float | None = None
    p95: float | None = None
    p99: float | None = None
    max: float | None = None


class LevelSummary(msgspec.Struct, kw_only=True):
    """One concurrency or rate level of a run (see docs/bench.md for each field)."""

    mode: str  # "concurrency" or "rate"
    level: float
    requests: int  # measured (warm-up excluded)
    completed: int
    failed: int
    duration: float  # s, first measured start to last measured end
    request_throughput: float  # completed requests / s
    output_throughput: float  # output tokens / s
    total_token_throughput: float  # (input + output tokens) / s
    input_tokens: int
    output_tokens: int
    ttft: Distribution
    tpot: Distribution
    itl: Distribution
    e2e: Distribution
    errors_by_type: dict[str, int]
    rate_limited: int  # HTTP 429 answers
    retries: int
    goodput: float | None = None  # good requests / s (with --slo)
    good_requests: int | None = None
    client_cpu_seconds: float | None = None
    client_cpu_us_per_event: float | None = None
    client_cpu_percent: float | None = None  # of one core, over the level's wall time
    events: int = 0
    processes: int = 1


def percentile(ordered: Sequence[float], q: float) -> float:
    """The ``q``-th percentile of sorted values, linear between closest ranks (numpy's way)."""
    if not ordered:
        raise ValueError("no values")
    rank = (len(ordered) - 1) * q / 100.0
    low = math.floor(rank)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def distribution(values: Sequence[float]) -> Distribution:
    """Seconds in, the milliseconds summary out."""
    if not values:
        return Distribution()
    ordered = sorted(values)
    ms = 1000.0
    return Distribution(
        count=len(ordered),
        mean=math.fsum(ordered) / len(ordered) * ms,
        p50=percentile(ordered, 50) * ms,
        p90=percentile(ordered, 90) * ms,
        p95=percentile(ordered, 95) * ms,
        p99=percentile(ordered, 99) * ms,
        max=ordered[-1] * ms,
    )


def _metric(record: RequestRecord, name: str) -> float | None:
    value: float | None = getattr(record, name)
    return value


def is_good(record: RequestRecord, slo: dict[str, float]) -> bool:
    """Succeeded, and within every SLO (an ITL SLO applies to the request's largest gap;
    a TPOT SLO to a reply of one token counts as met, as in vLLM)."""
    if record.error is not None:
        return False
    for name, limit in slo.items():
        value = record.itl_max if name == "itl" else _metric(record, name)
        if value is None:
            if name == "tpot":
                continue
            return False
        if value > limit:
            return False
    return True


def summarize(
    records: Sequence[RequestRecord],
    *,
    mode: str,
    level: float,
    slo: dict[str, float] | None = None,
    cpu_seconds: float | None = None,
    events: int | None = None,
    wall: float | None = None,
    processes: int = 1,
) -> LevelSummary:
    """The summary of one level's measured records."""
    ok = [r for r in records if r.error is None]
    duration = (max(r.end for r in records) - min(r.start for r in records)) if records else 0.0
    per_second = 1.0 / duration if duration > 0 else 0.0
    input_tokens = sum(r.input_tokens or 0 for r in ok)
    output_tokens = sum(r.output_tokens or 0 for r in ok)
    errors = Counter(r.error for r in records if r.error is not None)
    summary = LevelSummary(
        mode=mode,
        level=level,
        requests=len(records),
        completed=len(ok),
        failed=len(records) - len(ok),
        duration=duration,
        request_throughput=len(ok) * per_second,
        output_throughput=output_tokens * per_second,
        total_token_throughput=(input_tokens + output_tokens) * per_second,
        input_tokens=input_tokens,
        output_tokens=output_tokens,
        ttft=distribution([r.ttft for r in ok if r.ttft is not None]),
        tpot=distribution([r.tpot for r in ok if r.tpot is not None]),
        itl=distribution([gap for r in ok for gap in (r.itl or ())]),
        e2e=distribution([r.e2e for r in ok if r.e2e is not None]),
        errors_by_type=dict(errors.most_common()),
        rate_limited=sum(1 for r in records if r.status == 429),
        retries=sum(r.retries for r in records),
        processes=processes,
    )
    if slo:
        good = sum(1 for r in records if is_good(r, slo))
        summary.good_requests = good
        summary.goodput = good * per_second
    if cpu_seconds is not None:
        summary.client_cpu_seconds = cpu_seconds
        summary.events = events or 0
        if events:
            summary.client_cpu_us_per_event = cpu_seconds / events * 1e6
        elapsed = wall if wall else duration
        if elapsed > 0:
            summary.client_cpu_percent = cpu_seconds / elapsed * 100.0
    return summary
