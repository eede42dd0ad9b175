"""The budget's arithmetic, sans-IO: one token bucket per dimension (requests, input tokens,
output tokens) for one model class.

The API meters with token buckets whose capacity is the per-minute limit and which refill
continuously at limit/60 per second, so the client mirrors exactly that. Admission needs, in
every dimension with a known limit, what the request will cost (one request; the estimated input
tokens) and at least one unit left; output tokens cost nothing up front but are charged as they
stream, which may take a bucket below zero: later requests then wait until it refills (debt,
like the API's own accounting of output it could not know in advance).

``RedisStore`` runs the same rules in a Lua script; keep the two in step.
"""

from __future__ import annotations

from collections.abc import Sequence

import msgspec

__all__ = ["DIMENSIONS", "Buckets", "Limits"]

#: The metered dimensions, in the order every tuple of this package uses.
DIMENSIONS = ("requests", "input_tokens", "output_tokens")

Triple = tuple[float, float, float]
Capacities = tuple[float | None, float | None, float | None]


class Limits(msgspec.Struct, frozen=True, kw_only=True):
    """Per-minute limits of one budget; ``None``: not limited here (or learned from the API's
    ``anthropic-ratelimit-*`` headers)."""

    requests_per_minute: int | None = None
    input_tokens_per_minute: int | None = None
    output_tokens_per_minute: int | None = None

    def capacities(self) -> Capacities:
        def as_float(value: int | None) -> float | None:
            return float(value) if value is not None else None

        return (
            as_float(self.requests_per_minute),
            as_float(self.input_tokens_per_minute),
            as_float(self.output_tokens_per_minute),
        )


class Buckets:
    """The three buckets of one budget, with the pause a 429 imposes on all of them."""

    __slots__ = ("levels", "paused_until", "updated")

    def __init__(self, now: float) -> None:
        #: Current levels; None until a capacity is first seen (then the bucket starts full).
        self.levels: list[float | None] = [None, None, None]
        self.updated = now
        self.paused_until = 0.0

    def refill(self, capacities: Capacities, now: float) -> None:
        elapsed = max(0.0, now - self.updated)
        self.updated = now
        levels = self.levels
        for d, capacity in enumerate(capacities):
            if capacity is None:
                continue
            level = levels[d]
            levels[d] = capacity if level is None else min(capacity, level + elapsed * capacity / 60.0)

    def try_reserve(self, cost: Triple, capacities: Capacities, now: float) -> float:
        """Take ``cost`` and return 0.0, or take nothing and return the seconds until it fits."""
        self.refill(capacities, now)
        if now < self.paused_until:
            return self.paused_until - now
        wait = 0.0
        levels = self.levels
        for d, capacity in enumerate(capacities):
            if not capacity:
                continue
            # A request larger than the whole bucket waits for a full one rather than forever.
            need = min(max(cost[d], 1.0), capacity)
            level = levels[d]
            assert level is not None  # refill() set it
            if level < need:
                wait = max(wait, (need - level) * 60.0 / capacity)
        if wait > 0.0:
            return wait
        for d, capacity in enumerate(capacities):
            if capacity:
                levels[d] = levels[d] - cost[d]  # type: ignore[operator]
        return 0.0

    def adjust(self, deltas: Triple, capacities: Capacities, now: float) -> None:
        """Add ``deltas`` (negative: a charge; positive: a give-back), within [-capacity, capacity]."""
        self.refill(capacities, now)
        levels = self.levels
        for d, capacity in enumerate(capacities):
            level = levels[d]
            if capacity and level is not None and deltas[d]:
                levels[d] = max(-capacity, min(capacity, level + deltas[d]))

    def clamp(self, remaining: Sequence[float | None], capacities: Capacities, now: float) -> None:
        """Never believe in more than the API says remains (other clients spend it too)."""
        self.refill(capacities, now)
        levels = self.levels
        for d, value in enumerate(remaining):
            level = levels[d]
            if value is not None and level is not None and value < level:
                levels[d] = value

    def pause(self, until: float) -> None:
        self.paused_until = max(self.paused_until, until)

    def snapshot(self, capacities: Capacities, now: float) -> dict[str, object]:
        self.refill(capacities, now)
        state: dict[str, object] = {"paused_for": max(0.0, self.paused_until - now)}
        for d, name in enumerate(DIMENSIONS):
            state[f"{name}_limit"] = capacities[d]
            state[f"{name}_available"] = self.levels[d]
        return state
