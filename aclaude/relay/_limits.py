"""Requests per minute per principal: a sliding window, in this process.

Each prompt is one request (the tool turns it leads to are not counted again: the server's
``max_tool_turns`` bounds them). A window of the last 60 s holds at most ``limit`` timestamps
per principal; principals idle for a minute are swept when the table grows.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Hashable

__all__ = ["RequestRate"]

_WINDOW = 60.0
_SWEEP_AT = 10_000


class RequestRate:
    """``allow(principal)``: None if a request may start now, else seconds to wait."""

    def __init__(self, per_minute: int) -> None:
        if per_minute < 1:
            raise ValueError("requests_per_minute must be >= 1")
        self.per_minute = per_minute
        self._seen: dict[Hashable, deque[float]] = {}

    def allow(self, principal: Hashable) -> float | None:
        now = time.monotonic()
        times = self._seen.get(principal)
        if times is None:
            if len(self._seen) >= _SWEEP_AT:
                self._sweep(now)
            times = self._seen[principal] = deque()
        while times and now - times[0] >= _WINDOW:
            times.popleft()
        if len(times) >= self.per_minute:
            return _WINDOW - (now - times[0])
        times.append(now)
        return None

    def _sweep(self, now: float) -> None:
        for key in [k for k, t in self._seen.items() if not t or now - t[-1] >= _WINDOW]:
            del self._seen[key]
