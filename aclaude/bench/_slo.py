"""``--slo ttft=500ms,tpot=50ms``: service-level objectives for goodput.

A request is *good* when it succeeded and every named metric is at or under its limit (vLLM's
``--goodput``: all SLOs at once). Limits are durations: ``500ms``, ``0.5s`` or a bare number of
milliseconds (vLLM's unit).
"""

from __future__ import annotations

__all__ = ["SLO_METRICS", "parse_duration", "parse_slo"]

#: The per-request metrics an SLO may name.
SLO_METRICS = ("ttft", "tpot", "itl", "e2e")


def parse_duration(text: str) -> float:
    """``500ms`` / ``0.5s`` / ``500`` (milliseconds) -> seconds; ValueError otherwise."""
    raw = text.strip().lower()
    scale = 0.001
    if raw.endswith("ms"):
        raw = raw[:-2]
    elif raw.endswith("s"):
        raw, scale = raw[:-1], 1.0
    try:
        value = float(raw) * scale
    except ValueError:
        raise ValueError(f"{text.strip()!r} is not a duration (e.g. 500ms, 0.5s)") from None
    if not value > 0 or value == float("inf"):
        raise ValueError(f"{text.strip()!r} must be a positive duration")
    return value


def parse_slo(spec: str) -> dict[str, float]:
    """``"ttft=500ms,tpot=50ms"`` -> ``{"ttft": 0.5, "tpot": 0.05}`` (seconds).

    Raises ValueError with a one-line reason for an unknown metric, a missing ``=``, a bad
    duration or a metric named twice."""
    limits: dict[str, float] = {}
    for part in spec.split(","):
        if not part.strip():
            continue
        name, sep, value = part.partition("=")
        name = name.strip().lower()
        if not sep:
            raise ValueError(f"bad SLO {part.strip()!r}: expected metric=duration, e.g. ttft=500ms")
        if name not in SLO_METRICS:
            raise ValueError(f"bad SLO {part.strip()!r}: metric must be one of {', '.join(SLO_METRICS)}")
        if name in limits:
            raise ValueError(f"bad SLO: {name} given twice")
        try:
            limits[name] = parse_duration(value)
        except ValueError as exc:
            raise ValueError(f"bad SLO {part.strip()!r}: {exc}") from None
    if not limits:
        raise ValueError("bad SLO: empty (expected e.g. ttft=500ms,tpot=50ms)")
    return limits
