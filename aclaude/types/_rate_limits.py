"""The ``anthropic-ratelimit-*`` response headers as a typed struct."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

import msgspec

from .._retry_after import parse_retry_after

__all__ = ["RateLimits"]

_PREFIX = "anthropic-ratelimit-"


class RateLimits(msgspec.Struct, kw_only=True, omit_defaults=True, frozen=True):
    """Limits, what remains of them and when they reset, per kind (requests, tokens, input and
    output tokens). A header that is missing or unreadable is None."""

    requests_limit: int | None = None
    requests_remaining: int | None = None
    requests_reset: datetime | None = None
    tokens_limit: int | None = None
    tokens_remaining: int | None = None
    tokens_reset: datetime | None = None
    input_tokens_limit: int | None = None
    input_tokens_remaining: int | None = None
    input_tokens_reset: datetime | None = None
    output_tokens_limit: int | None = None
    output_tokens_remaining: int | None = None
    output_tokens_reset: datetime | None = None
    #: Seconds the server asked to wait (``retry-after-ms``, else ``retry-after`` as seconds or
    #: an HTTP-date), when the response said; read as ``APIStatusError.retry_after`` reads it.
    retry_after: float | None = None

    @classmethod
    def from_headers(cls, headers: Mapping[str, str]) -> RateLimits:
        values: dict[str, object] = {}
        for kind in ("requests", "tokens", "input-tokens", "output-tokens"):
            field = kind.replace("-", "_")
            for part in ("limit", "remaining"):
                number = _int(headers.get(f"{_PREFIX}{kind}-{part}"))
                if number is not None:
                    values[f"{field}_{part}"] = number
            reset = _time(headers.get(f"{_PREFIX}{kind}-reset"))
            if reset is not None:
                values[f"{field}_reset"] = reset
        retry_after = parse_retry_after(headers)
        if retry_after is not None:
            values["retry_after"] = retry_after
        return cls(**values)  # type: ignore[arg-type]


def _int(value: str | None) -> int | None:
    if value is None:
        return None
    try:
        return int(value)
    except ValueError:
        return None


def _time(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
