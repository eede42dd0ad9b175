"""``with_streaming_response``: the HTTP response as soon as its headers arrive, then its body
as it arrives (``iter_bytes``, ``iter_lines`` ...), or ``parse()`` for the method's result.

``async with client.models.with_streaming_response.retrieve(id) as response:`` runs the ordinary
method: the responses it opens are recorded (``_http.raw_response``), and the first one to open
(the attempt that answered, after any retries) stops the call right there, before a byte of the
body is read, and is handed over. So there is no second code path per method: the request is
the method's own, with its retries and typed errors. ``parse()`` turns the body into what the
method returns (a model, a page, a ``Message``, an ``EventStream``, a ``BinaryResponse``).
Leaving the ``async with`` releases the connection (or drops it if the body was not read to the
end).
"""

from __future__ import annotations

import codecs
import functools
from collections.abc import AsyncIterator, Awaitable, Callable
from types import TracebackType
from typing import Any, Generic, ParamSpec, TypeVar, cast

import msgspec

from .._exceptions import APIResponseValidationError
from .._http.download import BinaryResponse
from .._http.pagination import AsyncPage, AsyncPaginator, PageBody
from .._http.raw_response import record_into, reset_recording
from .._http.transport import Response
from ..types._rate_limits import RateLimits

__all__ = ["StreamedResponse", "StreamedResponseManager", "to_streamed_response"]

_T = TypeVar("_T")
_P = ParamSpec("_P")

#: Turns an open response (and the object the method returned, such as a paginator) into the
#: method's result.
Parser = Callable[["StreamedResponse[Any]", Any], Awaitable[_T]]


class _Captured(BaseException):
    """Stops the method once its response is open (a BaseException: nothing on the way
    mistakes it for a failure to retry or to wrap)."""

    def __init__(self, response: Response) -> None:
        super().__init__("response captured")
        self.response = response


class _Capture(list[Response]):
    def append(self, response: Response) -> None:
        raise _Captured(response)


class StreamedResponse(Generic[_T]):
    """An open response: ``status_code``, ``headers``, ``request_id``, ``rate_limits`` now; the
    body through one of ``iter_bytes``, ``iter_text``, ``iter_lines``, ``read``, ``text``,
    ``json`` or ``parse`` (read it once)."""

    def __init__(self, response: Response, parse: Parser[_T], returned: Any) -> None:
        self._response = response
        self._parse = parse
        self._returned = returned
        self._body: bytes | None = None
        self._finished = False
        self.status_code: int = response.status
        self.headers = response.headers
        self.request_id: str | None = response.request_id

    @property
    def rate_limits(self) -> RateLimits:
        return RateLimits.from_headers(self.headers)

    @property
    def http_response(self) -> Response:
        """The underlying open response (for ``parse`` functions)."""
        return self._response

    async def iter_bytes(self) -> AsyncIterator[bytes]:
        """The body as it arrives, chunk by chunk."""
        if self._body is not None:
            yield self._body
            return
        read_chunk = self._response.read_chunk
        while chunk := await read_chunk():
            yield chunk
        self._finished = True

    async def iter_text(self) -> AsyncIterator[str]:
        """The body as UTF-8 text, as it arrives (a character split across chunks is kept whole)."""
        decoder = codecs.getincrementaldecoder("utf-8")()
        async for chunk in self.iter_bytes():
            text = decoder.decode(chunk)
            if text:
                yield text
        tail = decoder.decode(b"", final=True)
        if tail:
            yield tail

    async def iter_lines(self) -> AsyncIterator[str]:
        """The body's lines (without their ending), as they arrive."""
        pending = ""
        async for text in self.iter_text():
            pending += text
            *lines, pending = pending.splitlines(keepends=True)
            for line in lines:
                yield line.rstrip("\r\n")
        if pending:
            yield pending

    async def read(self) -> bytes:
        """The whole body."""
        if self._body is None:
            self._body = b"".join([chunk async for chunk in self.iter_bytes()])
        return self._body

    async def text(self) -> str:
        return (await self.read()).decode("utf-8")

    async def json(self) -> Any:
        raw = await self.read()
        try:
            return msgspec.json.decode(raw)
        except msgspec.DecodeError as exc:
            message = f"response body is not JSON: {exc}"
            raise APIResponseValidationError(message, request_id=self.request_id) from exc

    async def parse(self) -> _T:
        """What the method returns, made from this response."""
        return await self._parse(self, self._returned)

    async def close(self) -> None:
        """Release the connection (drop it if the body was not read to the end)."""
        if self._finished or self._body is not None:
            self._response.release()
        else:
            self._response.close()

    def __repr__(self) -> str:
        return f"<StreamedResponse status_code={self.status_code} request_id={self.request_id!r}>"


class StreamedResponseManager(Generic[_T]):
    """``async with ... as response``: sends the request on entry (headers first), releases the
    response on exit."""

    def __init__(self, call: Callable[[], Any], parse: Parser[_T]) -> None:
        self._call = call
        self._parse = parse
        self._response: StreamedResponse[_T] | None = None

    async def __aenter__(self) -> StreamedResponse[_T]:
        capture = _Capture()
        token = record_into(capture)
        try:
            returned = self._call()
            await returned
        except _Captured as captured:
            self._response = StreamedResponse(captured.response, self._parse, returned)
            return self._response
        finally:
            reset_recording(token)
        raise RuntimeError("the call finished without opening a response")  # pragma: no cover

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if self._response is not None:
            await self._response.close()


def to_streamed_response(
    method: Callable[_P, Any], parse: Parser[_T]
) -> Callable[_P, StreamedResponseManager[_T]]:
    """``method`` (same arguments) returning a ``StreamedResponseManager`` whose ``parse()``
    is ``parse``."""

    @functools.wraps(method)
    def streamed(*args: _P.args, **kwargs: _P.kwargs) -> StreamedResponseManager[_T]:
        return StreamedResponseManager(lambda: method(*args, **kwargs), parse)

    return streamed


def json_parser(cast_to: type[_T]) -> Parser[_T]:
    """``parse()`` of a method that returns one JSON object decoded as ``cast_to``."""

    async def parse(response: StreamedResponse[Any], returned: Any) -> _T:
        raw = await response.read()
        try:
            return msgspec.json.decode(raw, type=cast_to)
        except (msgspec.DecodeError, UnicodeDecodeError) as exc:
            raise APIResponseValidationError(
                f"response body is not the expected JSON: {exc}", request_id=response.request_id
            ) from exc

    return parse


def page_parser(item_type: type[_T]) -> Parser[AsyncPage[_T]]:
    """``parse()`` of a ``list()``: the first page, whose ``get_next_page()`` works as usual."""
    body_type = cast("type[PageBody[_T]]", PageBody[item_type])  # type: ignore[valid-type]

    async def parse(response: StreamedResponse[Any], paginator: AsyncPaginator[_T]) -> AsyncPage[_T]:
        body = await json_parser(body_type)(response, None)
        return AsyncPage(body, paginator._fetch, paginator._params)

    return parse


async def binary_parser(response: StreamedResponse[Any], returned: Any) -> BinaryResponse:
    """``parse()`` of a download: a ``BinaryResponse`` over the open response."""
    return BinaryResponse(response.http_response)
