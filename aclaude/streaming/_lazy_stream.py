"""``LazyStream``: the shape shared by every response that is read as it arrives
(``EventStream``, ``CompletionStream``, ``BatchResults``).

The request is sent on first use: ``await stream`` (status errors surface there, as with the
official SDK), ``async with stream`` (closed on exit), or simply iterating it. Every stream is
made from one ``Opener`` (``await opener(retry_count=n)`` sends attempt ``n``); the base holds
it, the open ``response`` (with its ``request_id``) and ``close()``. A subclass provides
``_open()`` (send, once, setting ``_response``) and ``_iterate()`` (the one async generator
that reads the body, under the rules of ``_rules``).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Generator
from typing import Any, Generic, Protocol, TypeVar

from .._closing import AsyncClosing
from .._exceptions import StreamAlreadyConsumedError
from .._http.transport import Response

__all__ = ["LazyStream", "Opener"]

_T = TypeVar("_T")
_S = TypeVar("_S", bound="LazyStream[Any]")


class Opener(Protocol):
    """Sends the request: ``await opener(retry_count=n)`` (0 for the first attempt)."""

    def __call__(self, *, retry_count: int) -> Awaitable[Response]: ...


class LazyStream(AsyncClosing, Generic[_T]):
    __slots__ = ("_iterator", "_opener", "_response")

    def __init__(self, opener: Opener) -> None:
        self._opener: Opener | None = opener
        self._response: Response | None = None
        self._iterator: AsyncIterator[_T] | None = None

    async def _open(self) -> object:
        raise NotImplementedError

    def _iterate(self) -> AsyncIterator[_T]:
        raise NotImplementedError

    def _take_opener(self) -> Opener:
        """The opener, once: a stream sends its request a single time."""
        opener, self._opener = self._opener, None
        if opener is None:
            raise StreamAlreadyConsumedError("this stream was closed before it was opened")
        return opener

    @property
    def response(self) -> Response | None:
        """The HTTP response (status, headers, rate limits), once it arrived."""
        return self._response

    @property
    def request_id(self) -> str | None:
        """The ``request-id`` response header (None before the response arrived)."""
        return self._response.request_id if self._response is not None else None

    async def close(self) -> None:
        """Stop reading and drop the connection (no-op once the body was read to its end)."""
        self._opener = None
        iterator, self._iterator = self._iterator, None
        if iterator is not None:
            await iterator.aclose()  # type: ignore[attr-defined]
        if self._response is not None:
            self._response.close()

    async def _opened_self(self: _S) -> _S:
        await self._open()
        return self

    def __await__(self: _S) -> Generator[Any, None, _S]:
        return self._opened_self().__await__()

    async def __aenter__(self: _S) -> _S:
        await self._open()
        return self

    def __aiter__(self) -> AsyncIterator[_T]:
        if self._iterator is None:
            self._iterator = self._iterate()
        return self._iterator

    def __anext__(self) -> Awaitable[_T]:
        # The iterator's own awaitable, not a coroutine around it: a stream advanced with
        # anext() holds no extra frame while it waits (thousands may wait for their headers).
        return self.__aiter__().__anext__()
