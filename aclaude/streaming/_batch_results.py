"""``BatchResults``: a Message Batch's results file, decoded line by line as it downloads.

The I/O loop of ``messages.batches.results()``: bytes off the wire -> ``JSONLDecoder``
(sans-IO, bounded line length) -> ``decode_result_line`` (msgspec, typed) -> caller. Nothing
but the current chunk and the current line is held, so a results file of any size streams in
flat memory: aiohttp stops reading from the socket while the caller is busy with a result.

A malformed line raises ``JSONLDecodeError`` naming its line number; every result before it
has already been handed out. Any exit before the end (break, an error, cancellation) closes
the connection at once rather than returning it to the pool with unread data.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable

from .._decoders.jsonl import DEFAULT_MAX_LINE_BYTES, JSONLDecodeError, JSONLDecoder
from .._exceptions import APIError, StreamAlreadyConsumedError
from .._http.transport import Response
from ..types._batches import MessageBatchIndividualResponse, decode_result_line
from ._lazy_stream import LazyStream

__all__ = ["BatchResults"]


class BatchResults(LazyStream[MessageBatchIndividualResponse]):
    """An async iterator of ``MessageBatchIndividualResponse`` (one per request, keyed by
    ``custom_id``, in no particular order).

    ``async for result in client.messages.batches.results(batch_id)`` sends the requests on
    first use; ``await`` it first (as with the official SDK) to get errors such as
    ``NotFoundError`` before iterating. Use ``async with`` or ``close()`` when stopping early.
    """

    __slots__ = ("_max_line_bytes", "_opener", "_response", "results_read")

    def __init__(
        self,
        opener: Callable[[], Awaitable[Response]],
        *,
        max_line_bytes: int = DEFAULT_MAX_LINE_BYTES,
    ) -> None:
        self._opener: Callable[[], Awaitable[Response]] | None = opener
        self._response: Response | None = None
        super().__init__()
        self._max_line_bytes = max_line_bytes
        #: Results handed out so far.
        self.results_read = 0

    async def _open(self) -> Response:
        if self._response is not None:
            return self._response
        opener, self._opener = self._opener, None
        if opener is None:
            raise StreamAlreadyConsumedError("these batch results were closed before they were opened")
        self._response = await opener()
        return self._response

    @property
    def response(self) -> Response | None:
        """The HTTP response of the results file, once opened."""
        return self._response

    @property
    def request_id(self) -> str | None:
        return self._response.request_id if self._response is not None else None

    async def close(self) -> None:
        """Stop reading and drop the connection (no-op once the file has been read)."""
        self._opener = None
        iterator, self._iterator = self._iterator, None
        if iterator is not None:
            await iterator.aclose()  # type: ignore[attr-defined]
        elif self._response is not None:
            self._response.close()

    async def _iterate(self) -> AsyncIterator[MessageBatchIndividualResponse]:
        response = await self._open()
        decoder = JSONLDecoder(max_line_bytes=self._max_line_bytes)
        decode = decode_result_line
        chunks = response.iter_bytes()
        read_to_end = False
        try:
            try:
                async for chunk in chunks:
                    for number, line in decoder.feed(chunk):
                        result = decode(line, number)
                        self.results_read += 1
                        yield result
                read_to_end = True
                last = decoder.close()
                if last is not None:
                    result = decode(last[1], last[0])
                    self.results_read += 1
                    yield result
            except JSONLDecodeError as exc:
                exc.request_id = response.request_id
                exc.events_received = self.results_read
                raise
            except APIError as exc:  # connection lost mid-file: say how far it got
                exc.events_received = self.results_read
                raise
        finally:
            await chunks.aclose()  # type: ignore[attr-defined]
            if read_to_end:
                response.release()
            else:
                response.close()
