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

from collections.abc import AsyncIterator

from .._decoders.jsonl import DEFAULT_MAX_LINE_BYTES, JSONLDecoder
from .._http.transport import Response
from ..types._batches import MessageBatchIndividualResponse, decode_result_line
from ._lazy_stream import LazyStream, Opener
from ._rules import Reading

__all__ = ["BatchResults"]


class BatchResults(LazyStream[MessageBatchIndividualResponse]):
    """An async iterator of ``MessageBatchIndividualResponse`` (one per request, keyed by
    ``custom_id``, in no particular order).

    ``async for result in client.messages.batches.results(batch_id)`` sends the requests on
    first use; ``await`` it first (as with the official SDK) to get errors such as
    ``NotFoundError`` before iterating. Use ``async with`` or ``close()`` when stopping early.
    """

    __slots__ = ("_max_line_bytes", "results_read")

    def __init__(self, opener: Opener, *, max_line_bytes: int = DEFAULT_MAX_LINE_BYTES) -> None:
        super().__init__(opener)
        self._max_line_bytes = max_line_bytes
        #: Results handed out so far.
        self.results_read = 0

    async def _open(self) -> Response:
        if self._response is None:
            # The opener retries by itself (it first looks the batch up).
            self._response = await self._take_opener()(retry_count=0)
        return self._response

    async def _iterate(self) -> AsyncIterator[MessageBatchIndividualResponse]:
        response = await self._open()
        decoder = JSONLDecoder(max_line_bytes=self._max_line_bytes)
        decode = decode_result_line
        read_chunk = response.read_chunk
        read_to_end = False
        # A results file has no end marker: a body that ends is whole (done), a drop is not.
        reading = Reading(response.request_id, what="results", end="the end of the file")
        try:
            with reading:
                while chunk := await read_chunk():
                    for number, line in decoder.feed(chunk):
                        result = decode(line, number)
                        self.results_read += 1
                        reading.count += 1
                        yield result
                read_to_end = True
                last = decoder.close()
                if last is not None:
                    result = decode(last[1], last[0])
                    self.results_read += 1
                    yield result
        finally:
            if read_to_end:
                response.release()
            else:
                response.close()
