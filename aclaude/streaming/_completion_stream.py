"""``CompletionStream``: the legacy Text Completions stream, with the messages stream's rules.

Bytes off the wire -> SSE decoder (sans-IO) -> msgspec -> ``Completion`` pieces. The legacy API
has no ``message_stop``: a stream is complete when a ``completion`` event carries a
``stop_reason``. A body that ends before that raises ``IncompleteStreamError`` (never a
truncated completion passed off as whole); ``event: error`` raises the typed error; pings are
skipped; event types added later are skipped too (the legacy protocol has none to forward).

As for messages, a failure is retried only while nothing has been handed to the caller: opening
reads ahead to the first piece of text, so an early ``overloaded_error`` is retried.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import msgspec

from .._decoders.sse import DEFAULT_MAX_EVENT_BYTES, SSEDecoder
from .._exceptions import APIResponseValidationError, IncompleteStreamError, error_for_stream_event
from .._http.retry import with_retries
from .._http.transport import Response
from ..types._completions import Completion
from ._lazy_stream import LazyStream, Opener
from ._rules import Reading, check_content_type

__all__ = ["CompletionStream"]

_completion_decoder = msgspec.json.Decoder(Completion)


class _Typed(msgspec.Struct):
    type: str = ""


_type_decoder = msgspec.json.Decoder(_Typed)

_UNDECODABLE = (msgspec.DecodeError, UnicodeDecodeError, RecursionError)


def _decode(data: bytes, request_id: str | None, received: int) -> Completion | None:
    """A completion piece, None for a ping or an unknown event; raises for ``error``."""
    try:
        kind = _type_decoder.decode(data).type
        if kind == "completion":
            return _completion_decoder.decode(data)
        if kind == "error":
            body = msgspec.json.decode(data)
    except _UNDECODABLE as exc:
        preview = data[:200].decode("utf-8", "replace")
        raise APIResponseValidationError(
            f"completion stream event is not valid: {exc}; data: {preview}",
            request_id=request_id,
            events_received=received,
        ) from exc
    if kind == "error":
        raise error_for_stream_event(body, request_id=request_id, events_received=received)
    return None


def _reading(request_id: str | None) -> Reading:
    return Reading(request_id, what="completion events", end="a stop_reason")


class CompletionStream(LazyStream[Completion]):
    """An async iterator of ``Completion`` pieces (``piece.completion`` is the new text).

    Iterate it (the request is sent on first use) or ``await`` it first to get status errors
    before iterating. ``async with`` or ``close()`` releases the connection on an early stop.
    """

    __slots__ = ("_decoder", "_max_event_bytes", "_max_retries", "_pending")

    def __init__(
        self, opener: Opener, *, max_retries: int = 0, max_event_bytes: int = DEFAULT_MAX_EVENT_BYTES
    ) -> None:
        super().__init__(opener)
        self._max_retries = max_retries
        self._max_event_bytes = max_event_bytes
        self._decoder = SSEDecoder(max_event_bytes=max_event_bytes)
        self._pending: list[Completion] = []

    async def _open(self) -> Response:
        if self._response is not None:
            return self._response
        opener = self._take_opener()

        async def attempt(retry_count: int) -> None:
            await self._attempt(opener, retry_count)

        await with_retries(attempt, self._max_retries)
        assert self._response is not None
        return self._response

    async def _attempt(self, opener: Opener, retry_count: int) -> None:
        """Send the request and read ahead to the first piece of text (or the end)."""
        response = await opener(retry_count=retry_count)
        decoder = SSEDecoder(max_event_bytes=self._max_event_bytes)
        read_chunk = response.read_chunk
        pending: list[Completion] = []
        try:
            check_content_type(response, decoder)
            with _reading(response.request_id):
                while chunk := await read_chunk():
                    for _name, data in decoder.feed(chunk):
                        piece = _decode(data, response.request_id, len(pending))
                        if piece is not None:
                            pending.append(piece)
                    if pending:
                        break
                else:
                    # The body ended before any text: retried like a drop.
                    raise IncompleteStreamError(
                        "completion stream ended before any completion event",
                        clean_eof=True,
                        request_id=response.request_id,
                    )
        except BaseException:
            response.close()
            raise
        self._response, self._decoder, self._pending = response, decoder, pending

    async def _iterate(self) -> AsyncIterator[Completion]:
        response = await self._open()
        read_chunk = response.read_chunk
        feed = self._decoder.feed
        count = 0
        done = False
        read_to_end = False
        reading = _reading(response.request_id)
        try:
            with reading:
                pending, self._pending = self._pending, []
                for first in pending:
                    count += 1
                    done = first.stop_reason is not None
                    yield first
                reading.count, reading.done = count, done
                while chunk := await read_chunk():
                    for _name, data in feed(chunk):
                        piece = _decode(data, response.request_id, count)
                        if piece is not None:
                            count += 1
                            done = piece.stop_reason is not None
                            yield piece
                    reading.count, reading.done = count, done
                read_to_end = True
                self._decoder.close()
                reading.finish()
        finally:
            if read_to_end:
                response.release()
            else:
                response.close()
