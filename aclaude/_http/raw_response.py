"""``with_raw_response``: the HTTP status and headers alongside the parsed result.

Every resource has a ``with_raw_response`` twin whose methods take the same arguments and return
a ``RawResponse``. They run the ordinary method: while it runs, ``Client._open`` records each
response it opens (``record_response``, a context variable lookup per request, nothing when no
raw call is in progress), and the last one recorded, the attempt that answered, is the one
reported. So there is no second code path per method to keep in step with the first.
"""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable, Mapping
from contextvars import ContextVar, Token
from typing import Any, Generic, ParamSpec, TypeVar

from ..types._rate_limits import RateLimits
from .transport import Response

__all__ = [
    "RawResponse",
    "raw_create",
    "record_into",
    "record_response",
    "reset_recording",
    "to_raw_response",
]

_T = TypeVar("_T")
_P = ParamSpec("_P")

# The responses opened during the raw call in progress in this task (None: no raw call).
_RECORDED: ContextVar[list[Response] | None] = ContextVar("aclaude_raw_responses", default=None)


class RawResponse(Generic[_T]):
    """A result with the response it came from: ``status_code``, ``headers``, ``request_id``,
    ``rate_limits``; ``parse()`` returns the result itself (a ``Message``, a page, an opened
    stream ...)."""

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


def record_response(response: Response) -> None:
    """Called for every response opened: kept if a raw call is in progress in this task."""
    recorded = _RECORDED.get()
    if recorded is not None:
        recorded.append(response)


def record_into(sink: list[Response] | None) -> Token[list[Response] | None]:
    """Record the responses opened in this context into ``sink`` until ``reset_recording``; a
    sink whose ``append`` raises stops the call right after the response opened (that is how
    ``with_streaming_response`` takes the response before the body is read)."""
    return _RECORDED.set(sink)


def reset_recording(token: Token[list[Response] | None]) -> None:
    _RECORDED.reset(token)


def to_raw_response(method: Callable[_P, Awaitable[_T]]) -> Callable[_P, Awaitable[RawResponse[_T]]]:
    """``method`` (same arguments) returning a ``RawResponse`` of what it returns."""

    @functools.wraps(method)
    async def raw(*args: _P.args, **kwargs: _P.kwargs) -> RawResponse[_T]:
        recorded: list[Response] = []
        token = _RECORDED.set(recorded)
        try:
            result = await method(*args, **kwargs)
        finally:
            _RECORDED.reset(token)
        if not recorded:  # pragma: no cover - every method sends a request
            raise RuntimeError(f"{method.__qualname__} sent no request")
        return RawResponse(result, recorded[-1])

    return raw


async def raw_create(create: Callable[..., Any], *, stream: bool, **kwargs: Any) -> RawResponse[Any]:
    """``with_raw_response.create`` of a ``create`` that returns a stream with ``stream=True``
    (opened here: ``parse()`` gives it) and an awaitable result without."""

    async def call() -> Any:
        return await (create(stream=True, **kwargs) if stream else create(**kwargs))

    return await to_raw_response(call)()
