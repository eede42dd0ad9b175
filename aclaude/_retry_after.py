"""``retry-after`` read one way: the one parser behind ``RateLimits.retry_after``,
``APIStatusError.retry_after`` and the retry policy (``_http/retry.py``).

A leaf module (standard library only), so that the wire types, the exceptions and the HTTP
layer can all use it without importing each other.
"""

from __future__ import annotations

import email.utils
import math
import time
from collections.abc import Mapping

__all__ = ["parse_retry_after"]


def parse_retry_after(headers: Mapping[str, str] | None, *, now: float | None = None) -> float | None:
    """Seconds the server asked to wait, or None if it did not say (or said nonsense).

    ``retry-after-ms`` (milliseconds, the API's own header) wins over ``retry-after``, which is
    either a number of seconds or an HTTP-date (then the seconds from ``now``, default the
    current time; negative when the date has passed). ``headers`` is read with lower-case names
    (aiohttp's headers are case-insensitive).
    """
    if not headers:
        return None
    value = headers.get("retry-after-ms")
    if value is not None:
        millis = _number(value)
        if millis is not None:
            return millis / 1000.0
    value = headers.get("retry-after")
    if value is None:
        return None
    seconds = _number(value)
    if seconds is not None:
        return seconds
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when is None:  # pragma: no cover - Python 3.10 returned None for some garbage
        return None
    return when.timestamp() - (time.time() if now is None else now)


def _number(value: str) -> float | None:
    try:
        number = float(value)
    except ValueError:
        return None
    return number if math.isfinite(number) else None  # "nan" and "inf" are nonsense here
