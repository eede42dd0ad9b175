"""``EventStream``: bytes off the wire -> SSE decoder -> typed events, with retries and strict ends.

This is the one I/O loop of the streaming path (``messages.create(stream=True)`` returns it;
``MessageStream`` and the non-streaming ``create()`` consume it). The rules it follows (what is
content, what may be held back and how much, when a stream is done, how read errors map to
aclaude's) live in ``_rules`` (sans-IO); this module only drives them.

Retries happen only while nothing has been handed to the caller. Opening a stream therefore
reads ahead until the first content event (``message_start`` and pings are held back, which
costs no latency: content follows at once). A retryable failure in that window (an HTTP error
status, a refused or reset connection, an ``event: error`` such as ``overloaded_error``, a
stream that ends or drops) is retried by the policy in ``_retry``; when no retry is left, the
error carries what did arrive (``partial_message``). After content was handed out nothing is
retried: the typed error carries what arrived.

How a stream may end:

* ``message_stop`` arrived: success. The body is read to its end so the connection can go back
  to the pool; a connection that drops after ``message_stop`` loses nothing and is ignored.
* the body ended cleanly, or the connection dropped, first: ``IncompleteStreamError`` with
  ``events_received``. Never a partial message passed off as complete.
* ``event: error``: the typed ``APIStatusError`` subclass for its error type.
* no event but pings for longer than the read timeout: ``APITimeoutError`` (a silent socket is
  caught by the same limit at the socket level). Before content, a ``message_start`` is no
  progress either, and what is held back is bounded (``_rules.ReadAhead``).
* a 200 answer that is not ``text/event-stream`` (the decoder's ``CONTENT_TYPE``):
  ``APIResponseValidationError`` naming it, not retried.
* any exit before the end (break + ``close()``, a callback raising, task cancelled): the
  connection is closed at once, not returned to the pool with unread data in it.
"""

from __future__ import annotations

import collections
import functools
import time
from collections.abc import AsyncGenerator, AsyncIterator, Coroutine, Generator, Sequence
from typing import Any, Protocol, cast

import msgspec

from .._decoders.sse import DEFAULT_MAX_EVENT_BYTES, SSEDecoder
from .._exceptions import (
    APIError,
    APIResponseValidationError,
    IncompleteStreamError,
    StreamAlreadyConsumedError,
    error_for_stream_event,
)
from .._http.retry import is_retryable, retry_after_failure
from .._http.transport import Response
from ..types._events import (
    ErrorEvent,
    PingEvent,
    RawContentBlockDeltaEvent,
    RawMessageDeltaEvent,
    RawMessageStopEvent,
    RawMessageStreamEvent,
    decode_event,
    event_decoder,
)
from ..types._extras import known_type
from ..types._message import Message
from ._accumulate import AccumulatorState, accumulate, materialize
from ._lazy_stream import LazyStream, Opener
from ._rules import (
    CONTENT,
    ERROR,
    ReadAhead,
    Reading,
    check_content_type,
    held_bytes_limit,
    pings_only,
)
from ._timings import StreamTimings, current_timings

__all__ = ["DecoderFactory", "EventStream", "Opener", "StreamDecoder"]


class StreamDecoder(Protocol):
    """A sans-IO body decoder: ``feed(bytes)`` returns the ``(event_type, data)`` pairs it
    completed (``data`` is one event's JSON); ``close()`` at the end of the body says whether an
    unfinished event was discarded. Format errors raise ``SSEError`` (or a subclass)."""

    def feed(self, chunk: bytes) -> list[tuple[str, bytes]]: ...

    def close(self) -> bool: ...


class DecoderFactory(Protocol):
    """Makes the decoder of one response body (``SSEDecoder`` by default)."""

    def __call__(self, *, max_event_bytes: int) -> StreamDecoder: ...


class _TypeOnly(msgspec.Struct):
    type: str = ""


_type_decoder = msgspec.json.Decoder(_TypeOnly)


def _peek_type(data: bytes) -> str:
    """An event's ``type`` without building the event (the read-ahead only needs that); data
    that is not even that much JSON raises the typed error ``decode_event`` gives it."""
    try:
        return _type_decoder.decode(data).type
    except (msgspec.DecodeError, UnicodeDecodeError, RecursionError):
        decode_event(data)  # raises APIResponseValidationError
        raise  # pragma: no cover - decode_event accepted what the type decoder did not


class EventStream(LazyStream[RawMessageStreamEvent]):
    """An async iterator of typed stream events for one request.

    Iterate it directly (the request is sent on first use), or ``await`` it first to send the
    request and get status errors before iterating, as with the official SDK. Use it as an
    ``async with`` block, or call ``close()``, to release the connection if you stop early.
    """

    __slots__ = (
        "_decoder",
        "_decoder_factory",
        "_idle_timeout",
        "_max_event_bytes",
        "_max_retries",
        "_pending",
        "events_received",
        "timings",
    )

    def __init__(
        self,
        opener: Opener,
        *,
        max_retries: int = 0,
        idle_timeout: float | None = None,
        max_event_bytes: int = DEFAULT_MAX_EVENT_BYTES,
        decoder_factory: DecoderFactory = SSEDecoder,
    ) -> None:
        super().__init__(opener)
        self._decoder: StreamDecoder | None = None
        # The data of the read-ahead events (a handful per request). Kept as bytes and decoded
        # again when handed out: the bytes are smaller than the decoded structs, and a stream
        # held open (thousands at a time) should cost as little as possible. The shared empty
        # tuple until the attempt sets its list (and again once iteration took it): no empty
        # list per stream.
        self._pending: Sequence[bytes] = ()
        self._max_retries = max_retries
        self._idle_timeout = idle_timeout
        self._max_event_bytes = max_event_bytes
        # The body's framing: SSE, or another format with the same interface (a cloud
        # platform's binary event stream). Called once per attempt, never per event.
        self._decoder_factory = decoder_factory
        #: Events decoded so far (updated when the stream ends).
        self.events_received = 0
        #: When the request, headers, first token ... arrived (see ``StreamTimings``).
        self.timings = StreamTimings()

    # -- opening ---------------------------------------------------------------------------

    def _open(self) -> Coroutine[Any, Any, EventStream]:
        """Send the request (once) and read ahead; the stream itself when done. Returns the
        attempt's own coroutine (no wrapper frame: thousands of streams may be waiting)."""
        if self._response is not None:
            return _ready(self)
        return self._attempt(self._take_opener(), 0)

    def __await__(self) -> Generator[Any, None, EventStream]:
        return self._open().__await__()

    async def _attempt(self, opener: Opener, retry_count: int) -> EventStream:
        """Send the request and read until the first content event (or the end).

        The first attempt is awaited straight from ``_open()`` and retries from here, so that
        while thousands of streams wait for their responses each holds one frame of ours (and
        no closure cells: the retry is a partial)."""
        timings = self.timings
        try:
            timings._attempt_started(time.monotonic())
            token = current_timings.set(timings)  # for a transport hook (connection_acquired)
            try:
                response = await opener(retry_count=retry_count)
            finally:
                current_timings.reset(token)
            timings.headers = time.monotonic()
            decoder = self._decoder_factory(max_event_bytes=self._max_event_bytes)
            pending: list[bytes] = []  # the read-ahead events' data, decoded when handed out
            try:
                check_content_type(response, decoder)
                await self._ahead(response, decoder, pending)
            except IncompleteStreamError as exc:
                response.close()
                if exc.partial_message is None:
                    exc.partial_message = _partial(pending)
                raise
            except BaseException:
                response.close()
                raise
            self._response, self._decoder, self._pending = response, decoder, pending
            return self
        except BaseException as exc:
            timings._attempt_failed(time.monotonic(), exc)
            if retry_count or self._max_retries <= 0 or not is_retryable(exc):
                if isinstance(exc, APIError):
                    exc.timings = timings
                raise
            failure = exc
        attempt = functools.partial(self._attempt, opener)
        return await retry_after_failure(attempt, failure, self._max_retries)

    async def _ahead(self, response: Response, decoder: StreamDecoder, pending: list[bytes]) -> None:
        """Read until the first content event, or to the end of the body (a short stream)."""
        read_chunk = response.read_chunk
        clock = time.monotonic  # the default loop's clock, without its frame
        timings = self.timings
        window = ReadAhead(
            started=clock(),
            idle=self._idle_timeout,
            max_bytes=held_bytes_limit(self._max_event_bytes),
        )
        read_time = response.read_time  # when the bytes came off the socket (timings)
        with Reading(response.request_id) as reading:
            while chunk := await read_chunk():
                arrived = timings.last_event = read_time()
                events = decoder.feed(chunk)
                for i, (_name, data) in enumerate(events):
                    kind = _peek_type(data)
                    verdict = window.hold(kind, len(data))
                    if kind == "message_start" and timings.message_start is None:
                        timings.message_start = arrived
                    if verdict == ERROR:
                        # Nothing has been handed to the caller yet (even if content arrived in
                        # this same read): retryable, like the matching HTTP status. If no retry
                        # is left, the error carries what did arrive.
                        raise _error_before_content(data, pending, response.request_id)
                    pending.append(data)
                    if verdict == CONTENT:
                        # The rest of this read (a short reply often arrives whole in one) is
                        # kept as it is, in one step: only an error event in it still matters,
                        # and a substring test finds the candidates.
                        rest = [later for _name, later in events[i + 1 :]]
                        for suspect in [later for later in rest if b"error" in later]:
                            if _peek_type(suspect) == "error":
                                seen = pending + rest[: rest.index(suspect)]
                                raise _error_before_content(suspect, seen, response.request_id)
                        pending += rest
                        return
                reading.count = window.count
                window.check_idle(arrived)
            # The body ended before any content (message_stop is content: it returned above).
            reading.finish(leftover=decoder.close())

    # -- iteration -------------------------------------------------------------------------

    def raw_events(self) -> AsyncGenerator[tuple[RawMessageStreamEvent, bytes], None]:
        """The events paired with their SSE ``data`` bytes exactly as received.

        For relays and proxies that forward JSON without re-encoding it: ``data`` is the
        payload the API sent (same bytes, same field order), ``event`` its decoded form, so
        the stream keeps every guarantee of plain iteration (retries before content, typed
        errors, strict ends, the idle timeout). Use it instead of iterating the stream, and
        before iterating the stream any other way (opening it first, with ``await`` or
        ``async with``, is fine). Close the stream (``async with``) when you stop early.

        ``data`` is always valid UTF-8 (checked here: the typed decoding skips the bytes of
        fields it does not know), so it can be forwarded as a text frame.
        """
        if self._iterator is not None:
            raise StreamAlreadyConsumedError("raw_events() must be called before the stream is iterated")
        return self._iterate_raw()

    async def _iterate_raw(self) -> AsyncGenerator[tuple[RawMessageStreamEvent, bytes], None]:
        await self._open()
        assert self._decoder is not None
        if self._iterator is not None:
            raise StreamAlreadyConsumedError("raw_events() must be called before the stream is iterated")
        # _iterate yields exactly one event per decoded (name, data) pair, in decoder order
        # (an error event raises instead), so a FIFO of their data pairs up with the events.
        # It holds at most one chunk's worth of data ahead of the consumer.
        tap = collections.deque(self._pending)
        self._decoder = _DataTap(self._decoder, tap)
        pop = tap.popleft
        async for event in self:
            data = pop()
            if not data.isascii():
                _check_utf8(data, self)
            yield event, data

    async def _iterate(self) -> AsyncIterator[RawMessageStreamEvent]:
        await self._open()
        response = self._response
        decoder = self._decoder
        assert response is not None and decoder is not None
        count = 0
        pings = 0
        done = False  # message_stop seen
        read_to_end = False
        idle = self._idle_timeout
        last_progress = time.monotonic()
        progress_mark = 0
        timings = self.timings
        arrived = timings.last_event
        deltas = 0  # content deltas so far: timings take the count per read chunk
        reading = Reading(response.request_id)
        try:
            # Reading's rules as a try block, not ``with reading:``: a with block keeps its bound
            # __exit__ on the generator's stack (64 B per stream held open).
            try:
                # The attempt's list of read-ahead data, each replaced by its event in place as
                # it is handed out (no second list per stream).
                pending: list[Any] = self._pending if type(self._pending) is list else [*self._pending]
                self._pending = ()
                pending.reverse()  # popped from the end: data handed out is let go at once
                # All of a short reply (a drained create(), the first delta) often came in the
                # read-ahead: the same one-C-call decode as below, the typed path on failure.
                while pending:
                    try:
                        pending[-1] = event_decoder.decode(pending[-1])
                    except (msgspec.DecodeError, UnicodeDecodeError, RecursionError):
                        reading.count = count  # for the typed error decode_event may raise
                        pending[-1] = decode_event(pending[-1])
                    count += 1
                    etype = type(pending[-1])
                    if etype is not RawContentBlockDeltaEvent:
                        etype = known_type(etype)
                    if etype is RawContentBlockDeltaEvent:
                        deltas += 1
                    elif etype is RawMessageStopEvent:
                        done = reading.done = True
                    elif etype is RawMessageDeltaEvent:
                        timings.output_tokens = cast(RawMessageDeltaEvent, pending[-1]).usage.output_tokens
                    # Handed over without a local name: a stream held open after its first
                    # event (thousands at a time) does not keep that event alive itself.
                    yield pending.pop()
                del pending
                reading.count = count
                if deltas and arrived is not None:  # read ahead in the last chunk of the opening
                    timings._add_chunk(arrived, deltas)
                event: RawMessageStreamEvent
                # Bound here, not above: a stream held open in its read-ahead events (thousands
                # at a time) keeps none of them.
                feed = decoder.feed
                fast_decode = event_decoder.decode  # known types in one C call; no Python frame
                read_chunk = response.read_chunk
                read_time = response.read_time
                while chunk := await read_chunk():
                    # When the bytes came off the socket, not when this task got to run nor
                    # when the caller was done with them: a slow consumer is not a silent
                    # server, and the timings stamp the read.
                    arrived = read_time()
                    before = deltas
                    for _name, data in feed(chunk):
                        try:
                            event = fast_decode(data)
                        except (msgspec.DecodeError, UnicodeDecodeError, RecursionError):
                            reading.count = count  # for the typed error decode_event may raise
                            event = decode_event(data)  # unknown types, or the typed error
                        count += 1
                        etype = type(event)
                        if etype is RawContentBlockDeltaEvent:  # most events: one test
                            deltas += 1
                        elif (etype := known_type(etype)) is RawContentBlockDeltaEvent:
                            deltas += 1  # a delta with fields aclaude does not declare
                        elif etype is RawMessageStopEvent:
                            done = True
                        elif etype is RawMessageDeltaEvent:
                            timings.output_tokens = cast(RawMessageDeltaEvent, event).usage.output_tokens
                        elif etype is PingEvent:
                            pings += 1
                        elif etype is ErrorEvent:
                            raise error_for_stream_event(
                                msgspec.to_builtins(event),
                                request_id=response.request_id,
                                events_received=count,
                            )
                        yield event
                    reading.count = count
                    reading.done = done
                    if deltas != before:
                        timings._add_chunk(arrived, deltas - before)
                    if idle is not None:
                        # Pings (and comments) keep the socket busy but are not progress.
                        if count - pings != progress_mark:
                            progress_mark = count - pings
                            last_progress = arrived
                        elif arrived - last_progress > idle:
                            raise pings_only(idle, response.request_id, count)
                read_to_end = True
                reading.count = count
                reading.done = done
                reading.finish(leftover=decoder.close())
            except BaseException as exc:
                if not reading.__exit__(type(exc), exc, exc.__traceback__):
                    raise
        except APIError as exc:
            exc.timings = timings
            raise
        finally:
            timings.last_event = arrived
            self.events_received = count
            if read_to_end:
                response.release()
            else:
                response.close()


class _DataTap:
    """Wraps a decoder: the same events, with their data also appended to a FIFO."""

    __slots__ = ("_decoder", "_tap")

    def __init__(self, decoder: StreamDecoder, tap: collections.deque[bytes]) -> None:
        self._decoder = decoder
        self._tap = tap

    def feed(self, chunk: bytes) -> list[tuple[str, bytes]]:
        events = self._decoder.feed(chunk)
        if events:
            self._tap.extend([data for _name, data in events])
        return events

    def close(self) -> bool:
        return self._decoder.close()


async def _ready(stream: EventStream) -> EventStream:
    return stream


def _partial(pending_data: list[bytes]) -> Message | None:
    """The message the read-ahead events make (for an error raised before they were handed
    out); None if they do not make one."""
    state = AccumulatorState()
    try:
        for data in pending_data:
            accumulate(state, decode_event(data))
    except APIError:
        return None
    return materialize(state)


def _error_before_content(data: bytes, seen: list[bytes], request_id: str | None) -> APIError:
    """The typed error of an ``event: error`` met while reading ahead, with what came first."""
    return error_for_stream_event(
        msgspec.to_builtins(decode_event(data)),
        request_id=request_id,
        partial_message=_partial(seen),
        events_received=len(seen) + 1,
    )


def _check_utf8(data: bytes, stream: EventStream) -> None:
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise APIResponseValidationError(
            f"stream event data is not valid UTF-8: {exc}",
            request_id=stream.request_id,
            events_received=stream.events_received,
        ) from exc
