"""Per-request control headers (``x-fake-*``): how a client steers the fake server from the
outside, e.g. a benchmark in another process that cannot call ``enqueue``.

Every header is optional. A malformed value is the caller's bug, so it is answered with a 400
``invalid_request_error`` naming the header rather than silently ignored.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Literal, TypeVar

from ._pacing import Pacing, parse_pacing
from ._replies import Chunking

__all__ = ["CONTROL_HEADERS", "Control", "parse_chunking", "parse_control"]

CONTROL_HEADERS = (
    "x-fake-deltas",
    "x-fake-delta-bytes",
    "x-fake-chunking",
    "x-fake-hold",
    "x-fake-delay",
    "x-fake-echo",
    "x-fake-truncate-after",
    "x-fake-drop-after",
    "x-fake-error-after",
    "x-fake-error-type",
    "x-fake-validate",
    "x-fake-pacing",
)

_T = TypeVar("_T")
_N = TypeVar("_N", int, float)


@dataclass(frozen=True)
class Control:
    """The control headers of one request; ``None`` means "not sent"."""

    deltas: int | None = None
    delta_bytes: int | None = None
    chunking: Chunking = None
    hold: float | None = None
    delay: float | None = None
    echo: bool = False
    truncate_after: int | None = None
    drop_after: int | None = None
    error_after: int | None = None
    error_type: str | None = None
    #: ``x-fake-validate: off`` skips the request checks for this request (odd bodies on purpose).
    validate: bool | None = None
    pacing: Pacing | None = None  # scripted TTFT / inter-token time (see _pacing)


def parse_chunking(value: str) -> int | Literal["event"]:
    """``"event"`` or a positive byte count."""
    if value.strip().lower() == "event":
        return "event"
    return _chunk_bytes(value)


def _at_least(convert: Callable[[str], _N], minimum: int, refusal: str) -> Callable[[str], _N]:
    """A header parser: ``convert(value)``, refused (``ValueError(refusal)``) below ``minimum``."""

    def parse(value: str) -> _N:
        number = convert(value)
        if not number >= minimum:  # also refuses NaN
            raise ValueError(refusal)
        return number

    return parse


_chunk_bytes = _at_least(int, 1, "must be 'event' or a positive integer")
_non_negative_int = _at_least(int, 0, "must be >= 0")
_positive_int = _at_least(int, 1, "must be >= 1")
_seconds = _at_least(float, 0, "must be a number of seconds >= 0")


def _flag(value: str) -> bool:
    return value.strip().lower() in ("1", "true", "yes", "on")


def _get(headers: Mapping[str, str], name: str, parse: Callable[[str], _T]) -> _T | None:
    value = headers.get(name)
    if value is None:
        return None
    try:
        return parse(value)
    except ValueError as exc:
        raise ValueError(f"invalid {name} header {value!r}: {exc}") from None


def parse_control(headers: Mapping[str, str]) -> Control:
    """Read the ``x-fake-*`` headers (``headers`` must be case-insensitive, like aiohttp's)."""
    return Control(
        deltas=_get(headers, "x-fake-deltas", _non_negative_int),
        delta_bytes=_get(headers, "x-fake-delta-bytes", _positive_int),
        chunking=_get(headers, "x-fake-chunking", parse_chunking),
        hold=_get(headers, "x-fake-hold", _seconds),
        delay=_get(headers, "x-fake-delay", _seconds),
        echo=bool(_get(headers, "x-fake-echo", _flag)),
        truncate_after=_get(headers, "x-fake-truncate-after", _non_negative_int),
        drop_after=_get(headers, "x-fake-drop-after", _non_negative_int),
        error_after=_get(headers, "x-fake-error-after", _non_negative_int),
        error_type=headers.get("x-fake-error-type"),
        validate=_get(headers, "x-fake-validate", _flag),
        pacing=_get(headers, "x-fake-pacing", parse_pacing),
    )
