"""``with_raw_response``: the HTTP status and headers alongside the parsed result.

Every resource has a ``with_raw_response`` twin whose methods take the same arguments and return
a ``RawResponse``. They run the ordinary method: while it runs, ``Client._open`` records each
response it opens (``record_response``, a context variable lookup per request, nothing when no
raw call is in progress), and the last one recorded, the attempt that answered, is the one
reported. So there is no second code path per method to keep in step with the first.

As in the official SDK's async raw response: ``await raw.parse()`` gives the result,
``http_response`` the response, ``retries_taken`` the retries before it, and ``await read()`` /
``text()`` / ``json()`` its body. A JSON endpoint's body is kept as it arrived (only during a
raw call: ``Client.request`` hands it to ``record_body``); a message, which aclaude always
receives as a stream of events, is given as the JSON of the finished ``Message``, which is what
the SDK's non-streaming call receives; a download's body is read from it; a stream's body is
read only through the stream (``parse()``).
"""

from __future__ import annotations

import functools
import json as _json
from collections.abc import Awaitable, Callable, Mapping
from contextvars import ContextVar, Token
from typing import Any, Generic, ParamSpec, TypeVar

import msgspec

from ..types._rate_limits import RateLimits
from .transport import Response

__all__ = [
    "RawResponse",
    "raw_create",
    "record_body",
    "record_into",
    "record_response",
    "reset_recording",
    "to_raw_response",
]

_T = TypeVar("_T")
_P = ParamSpec("_P")


class _Recorded:
    """What the raw call in progress saw: each response opened (with the retry count of its
    attempt) and the body read from the last one, when it was read whole."""

    __slots__ = ("body", "responses")

    def __init__(self) -> None:
        self.responses: list[tuple[Response, int]] = []
        self.body: tuple[Response, bytes] | None = None


# The raw call in progress in this task (None: no raw call); a plain list instead: the sink of
# ``record_into`` (with_streaming_response), which keeps the responses only.
_RECORDED: ContextVar[_Recorded | list[Response] | None] = ContextVar("aclaude_raw_responses", default=None)


class RawResponse(Generic[_T]):
    """A result with the response it came from, like the official SDK's async raw response:
    ``status_code``, ``headers``, ``request_id``, ``rate_limits``, ``http_response`` (the
    response), ``retries_taken``; ``await parse()`` returns the result itself (a ``Message``, a
    page, an opened stream ...); ``await read()`` / ``text()`` / ``json()`` the body."""

    __slots__ = ("_body", "_parsed", "headers", "http_response", "request_id", "retries_taken", "status_code")

    def __init__(
        self, parsed: _T, response: Response, *, retries_taken: int = 0, body: bytes | None = None
    ) -> None:
        self._parsed = parsed
        self._body = body
        self.http_response = response
        self.retries_taken = retries_taken
        self.status_code: int = response.status
        self.headers: Mapping[str, str] = response.headers
        self.request_id: str | None = response.request_id

    @property
    def rate_limits(self) -> RateLimits:
        """The ``anthropic-ratelimit-*`` headers, typed."""
        return RateLimits.from_headers(self.headers)

    async def parse(self) -> _T:
        """The method's ordinary result."""
        return self._parsed

    async def read(self) -> bytes:
        """The body: as received for a JSON endpoint; a message's JSON; a download's bytes.

        Raises ``TypeError`` for a stream, whose body is read through the stream itself."""
        if self._body is not None:
            return self._body
        parsed: Any = self._parsed
        if isinstance(parsed, msgspec.Struct):
            self._body = msgspec.json.encode(parsed)
            return self._body
        read = getattr(parsed, "read", None)
        if read is not None and hasattr(parsed, "write_to_file"):  # a download (BinaryResponse)
            self._body = bytes(await read())
            return self._body
        raise TypeError(f"the body of a {type(parsed).__name__} is read through it: use await parse()")

    async def text(self) -> str:
        """The body as text (UTF-8)."""
        return (await self.read()).decode("utf-8", "replace")

    async def json(self) -> Any:
        """The body decoded as JSON."""
        return _json.loads(await self.read())

    def __repr__(self) -> str:
        return f"<RawResponse status_code={self.status_code} request_id={self.request_id!r}>"


def record_response(response: Response, retry_count: int = 0) -> None:
    """Called for every response opened: kept if a raw call is in progress in this task."""
    recorded = _RECORDED.get()
    if recorded is not None:
        if type(recorded) is _Recorded:
            recorded.responses.append((response, retry_count))
        else:
            recorded.append(response)  # type: ignore[union-attr]


def record_body(response: Response, body: bytes) -> None:
    """Called with a body read whole (``Client.request``): kept if a raw call is in progress."""
    recorded = _RECORDED.get()
    if type(recorded) is _Recorded:
        recorded.body = (response, body)


def record_into(sink: list[Response] | None) -> Token[_Recorded | list[Response] | None]:
    """Record the responses opened in this context into ``sink`` until ``reset_recording``; a
    sink whose ``append`` raises stops the call right after the response opened (that is how
    ``with_streaming_response`` takes the response before the body is read)."""
    return _RECORDED.set(sink)


def reset_recording(token: Token[_Recorded | list[Response] | None]) -> None:
    _RECORDED.reset(token)


def to_raw_response(method: Callable[_P, Awaitable[_T]]) -> Callable[_P, Awaitable[RawResponse[_T]]]:
    """``method`` (same arguments) returning a ``RawResponse`` of what it returns."""

    @functools.wraps(method)
    async def raw(*args: _P.args, **kwargs: _P.kwargs) -> RawResponse[_T]:
        recorded = _Recorded()
        token = _RECORDED.set(recorded)
        try:
            result = await method(*args, **kwargs)
        finally:
            _RECORDED.reset(token)
        if not recorded.responses:  # pragma: no cover - every method sends a request
            raise RuntimeError(f"{method.__qualname__} sent no request")
        response, retries_taken = recorded.responses[-1]
        body = recorded.body[1] if recorded.body is not None and recorded.body[0] is response else None
        return RawResponse(result, response, retries_taken=retries_taken, body=body)

    return raw


async def raw_create(create: Callable[..., Any], *, stream: bool, **kwargs: Any) -> RawResponse[Any]:
    """``with_raw_response.create`` of a ``create`` that returns a stream with ``stream=True``
    (opened here: ``parse()`` gives it) and an awaitable result without."""

    async def call() -> Any:
        return await (create(stream=True, **kwargs) if stream else create(**kwargs))

    return await to_raw_response(call)()
