"""``with_raw_response``: the HTTP status and headers alongside the parsed result."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Generic, TypeVar

from ._ratelimit import RateLimits
from ._transport import Response

__all__ = ["RawResponse"]

_T = TypeVar("_T")


class RawResponse(Generic[_T]):
    """A result with the response it came from: ``status_code``, ``headers``, ``request_id``,
    ``rate_limits``; ``parse()`` returns the result itself (a ``Message``, or an open
    ``EventStream`` for ``stream=True``)."""

    __slots__ = ("_parsed", "headers", "request_id", "status_code")

    def __init__(self, parsed: _T, response: Response) -> None:
        self._parsed = parsed
        self.status_code: int = response.status
        self.headers: Mapping[str, str] = response.headers
        self.request_id: str | None = response.request_id

    @property
    def rate_limits(self) -> RateLimits:
        """The ``anthropic-ratelimit-*`` headers, typed."""
        return RateLimits.from_headers(self.headers)

    def parse(self) -> _T:
        return self._parsed

    def __repr__(self) -> str:
        return f"<RawResponse status_code={self.status_code} request_id={self.request_id!r}>"
