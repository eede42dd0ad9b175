"""Where budgets live: ``LocalStore`` (this process, the default) and the interface that
``RedisStore`` implements for a budget shared by many processes and machines."""

from __future__ import annotations

import time
from collections.abc import Sequence

from ._buckets import Buckets, Capacities, Triple

__all__ = ["LocalStore", "Store"]


class Store:
    """The operations a limiter needs; every one is atomic for one budget ``key``."""

    async def reserve(self, key: str, cost: Triple, capacities: Capacities) -> float:
        """Take ``cost`` and return 0.0, or return the seconds to wait before trying again."""
        raise NotImplementedError

    def adjust(self, key: str, deltas: Triple, capacities: Capacities) -> None:
        """Charge (negative) or give back (positive) units; may be applied a moment later."""
        raise NotImplementedError

    async def clamp(self, key: str, remaining: Sequence[float | None], capacities: Capacities) -> None:
        """Lower the levels to what the API said remains."""
        raise NotImplementedError

    async def pause(self, key: str, seconds: float) -> None:
        """Admit nothing on ``key`` for ``seconds`` (a 429's retry-after)."""
        raise NotImplementedError

    async def snapshot(self, key: str, capacities: Capacities) -> dict[str, object]:
        """Levels, limits and the pause left, for display."""
        raise NotImplementedError

    async def aclose(self) -> None:
        """Flush what is pending and let go of connections."""


class LocalStore(Store):
    """Budgets in this process's memory (no I/O: each operation is a few float operations)."""

    def __init__(self) -> None:
        self._buckets: dict[str, Buckets] = {}

    def _get(self, key: str, now: float) -> Buckets:
        buckets = self._buckets.get(key)
        if buckets is None:
            buckets = self._buckets[key] = Buckets(now)
        return buckets

    def reserve_now(self, key: str, cost: Triple, capacities: Capacities) -> float:
        now = time.monotonic()
        return self._get(key, now).try_reserve(cost, capacities, now)

    async def reserve(self, key: str, cost: Triple, capacities: Capacities) -> float:
        return self.reserve_now(key, cost, capacities)

    def adjust(self, key: str, deltas: Triple, capacities: Capacities) -> None:
        now = time.monotonic()
        self._get(key, now).adjust(deltas, capacities, now)

    async def clamp(self, key: str, remaining: Sequence[float | None], capacities: Capacities) -> None:
        now = time.monotonic()
        self._get(key, now).clamp(remaining, capacities, now)

    async def pause(self, key: str, seconds: float) -> None:
        now = time.monotonic()
        self._get(key, now).pause(now + seconds)

    async def snapshot(self, key: str, capacities: Capacities) -> dict[str, object]:
        now = time.monotonic()
        return self._get(key, now).snapshot(capacities, now)
