"""One rate-limit budget for a client, a process or a fleet (``Client(rate_limiter=...)``).

``RateLimiter`` keeps the budget in this process (no dependency); ``RedisRateLimiter``
(``pip install aclaude[redis]``) keeps it in Redis, shared by every process and machine that
points at the same Redis, and falls back to the local budget while Redis is unreachable.
"""

from ._buckets import DIMENSIONS, Limits
from ._limiter import MeteredResponse, RateLimiter, RateLimiterStats, max_wait, model_class
from ._store import LocalStore, Store

__all__ = [
    "DIMENSIONS",
    "Limits",
    "LocalStore",
    "MeteredResponse",
    "RateLimiter",
    "RateLimiterStats",
    "RedisRateLimiter",
    "RedisStore",
    "Store",
    "max_wait",
    "model_class",
]


def __getattr__(name: str) -> object:
    # The Redis backend imports redis-py (an extra) only when asked for.
    if name in ("RedisRateLimiter", "RedisStore"):
        from . import _redis

        return getattr(_redis, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
