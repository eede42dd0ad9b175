"""``EventStream``: bytes off the wire -> SSE decoder -> typed events, with retries and strict ends.

This is the one I/O loop of the streaming path (``messages.create(stream=True)`` returns it;
``MessageStream`` and the non-streaming ``create()`` consume it).

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
  caught by the same limit at the socket level).
* any exit before the end (break + ``close()``, a callback raising, task cancelled): the
  connection is closed at once, not returned to the pool with unread data in it.
"""

from __future__ import annotations

import collections
import time
from collections.abc import AsyncGenerator, AsyncIterator, Awaitable, Coroutine, Generator
from typing import Any, Protocol, cast

import msgspec

from .._decoders.sse import DEFAULT_MAX_EVENT_BYTES, SSEDecoder, SSEError
from .._exceptions import (
    APIConnectionError,
    APIError,
    APIResponseValidationError,
    APITimeoutError,
    IncompleteStreamError,
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
from ..types._message import Message
from ._accumulate import AccumulatorState, accumulate, materialize
from ._lazy_stream import LazyStream
from ._timings import StreamTimings, current_timings

__all__ = ["DecoderFactory", "EventStream", "Opener", "StreamDecoder"]

class Opener(Protocol):
    """Sends the request: ``await opener(retry_count=n)`` (0 for the first attempt)."""

    def __call__(self, *, retry_count: int) -> Awaitable[Response]: ...


class StreamDecoder(Protocol):
    """A sans-IO body decoder: ``feed(bytes)`` returns the ``(event_type, data)`` pairs it
    completed (``data`` is one event's JSON); ``close()`` at the end of the body says whether an
    unfinished event was discarded. Format errors raise ``SSEError`` (or a subclass)."""

    def feed(self, chunk: bytes) -> list[tuple[str, bytes]]: ...

    def close(self) -> bool: ...


class DecoderFactory(Protocol):
    """Makes the decoder of one response body (``SSEDecoder`` by default)."""

    def __call__(self, *, max_event_bytes: int) -> StreamDecoder: ...

# Not content: held back while reading ahead, and dropped if the attempt is retried.
_HELD_BACK = frozenset({"message_start", "ping"})


class _TypeOnly(msgspec.Struct):
    type: str = ""


_type_decoder = msgspec.json.Decoder(_TypeOnly)


def _peek_type(data: bytes) -> str:
    """An event's ``type`` without building the event (the read-ahead only needs that); data
    that is not even that much JSON raises the typed error ``decode_event`` gives it."""
    try:
        return _type_decoder.decode(data).type
    except (msgspec.DecodeError, UnicodeDecodeError):
        decode_event(data)  # raises APIResponseValidationError
        raise  # pragma: no cover - decode_event accepted what the type decoder did not


class _Opened:
    """A response whose first events have been read ahead."""

    __slots__ = ("decoder", "pending_data", "response")

    def __init__(
        self,
        response: Response,
        decoder: StreamDecoder,
        pending_data: list[bytes],
    ) -> None:
        self.response = response
        self.decoder: StreamDecoder = decoder
        # The data of the read-ahead events (a handful per request). Kept as bytes and decoded
        # again when handed out: the bytes are smaller than the decoded structs, and a stream
        # held open (thousands at a time) should cost as little as possible.
        self.pending_data = pending_data


class EventStream(LazyStream[RawMessageStreamEvent]):
    """An async iterator of typed stream events for one request.

    Iterate it directly (the request is sent on first use), or ``await`` it first to send the
    request and get status errors before iterating, as with the official SDK. Use it as an
    ``async with`` block, or call ``close()``, to release the connection if you stop early.
    """

    __slots__ = (
        "_decoder_factory",
        "_idle_timeout",
        "_max_event_bytes",
        "_max_retries",
        "_opened",
        "_opener",
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
        self._opener: Opener | None = opener
        self._opened: _Opened | None = None
        super().__init__()
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
        if self._opened is not None:
            return _ready(self)
        opener, self._opener = self._opener, None
        if opener is None:
            raise RuntimeError("this stream was closed before it was opened")
        return self._attempt(opener, 0)

    def __await__(self) -> Generator[Any, None, EventStream]:
        return self._open().__await__()

    async def _attempt(self, opener: Opener, retry_count: int) -> EventStream:
        """Send the request and read until the first content event (or the end).

        The first attempt is awaited straight from ``_open()`` and retries from here, so that
        while thousands of streams wait for their responses each holds one frame of ours."""
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
            read_chunk = response.read_chunk
            kinds: list[str] = []  # the read-ahead events' types ...
            pending_data: list[bytes] = []  # ... and their data, decoded in full when handed out
            idle = self._idle_timeout
            clock = time.monotonic  # the default loop's clock, without its frame; shared by timings
            last_progress = clock()
            try:
                while chunk := await read_chunk():
                    arrived = timings.last_event = clock()
                    before = len(kinds)
                    events = decoder.feed(chunk)
                    for i, (_name, data) in enumerate(events):
                        kind = _peek_type(data)
                        if kind == "error":
                            # Nothing has been handed to the caller yet (even if content arrived in
                            # this same read): retryable, like the matching HTTP status. If no retry
                            # is left, the error carries what did arrive.
                            raise _error_before_content(data, pending_data, response.request_id)
                        kinds.append(kind)
                        pending_data.append(data)
                        if kind == "message_start" and timings.message_start is None:
                            timings.message_start = arrived
                        if kind not in _HELD_BACK:
                            # Content. The rest of this read (a short reply often arrives whole
                            # in one) is kept as it is, in one step: only an error event in it
                            # still matters, and a substring test finds the candidates.
                            rest = [later for _name, later in events[i + 1 :]]
                            for suspect in [later for later in rest if b"error" in later]:
                                if _peek_type(suspect) == "error":
                                    seen = pending_data + rest[: rest.index(suspect)]
                                    raise _error_before_content(suspect, seen, response.request_id)
                            pending_data += rest
                            self._opened = _Opened(response, decoder, pending_data)
                            return self
                    if idle is not None:
                        # message_start then only pings: the same idle limit as later on.
                        if any(kind != "ping" for kind in kinds[before:]):
                            last_progress = arrived
                        elif arrived - last_progress > idle:
                            raise _pings_only(idle, response.request_id, len(kinds))
                # The whole body arrived while reading ahead (a short stream).
                leftover = decoder.close()
                if "message_stop" not in kinds:
                    exc = _incomplete(len(kinds), leftover, response.request_id)
                    exc.partial_message = _partial(pending_data)
                    raise exc
                self._opened = _Opened(response, decoder, pending_data)
                return self
            except SSEError as exc:
                response.close()
                raise APIResponseValidationError(
                    str(exc), request_id=response.request_id, events_received=len(kinds)
                ) from exc
            except APIConnectionError as exc:
                response.close()
                if type(exc) is APIConnectionError and kinds:
                    dropped = _dropped(len(kinds), exc, response.request_id)
                    dropped.partial_message = _partial(pending_data)
                    raise dropped from exc
                exc.events_received = len(kinds)
                raise
            except APIError as exc:  # undecodable data, a timeout of ours ...
                response.close()
                if not exc.events_received:
                    exc.events_received = len(kinds)
                if exc.request_id is None:
                    exc.request_id = response.request_id
                raise
            except BaseException:
                response.close()
                raise
        except BaseException as exc:
            timings._attempt_failed(time.monotonic(), exc)
            if retry_count or self._max_retries <= 0 or not is_retryable(exc):
                if isinstance(exc, APIError):
                    exc.timings = timings
                raise
            failure = exc

        async def attempt(retry_count: int) -> EventStream:
            return await self._attempt(opener, retry_count)

        return await retry_after_failure(attempt, failure, self._max_retries)

    @property
    def response(self) -> Response | None:
        """The HTTP response (status, headers, rate limits), once it arrived."""
        return self._opened.response if self._opened is not None else None

    @property
    def request_id(self) -> str | None:
        """The ``request-id`` response header (None before the response arrived)."""
        return self._opened.response.request_id if self._opened is not None else None

    # -- iteration -------------------------------------------------------------------------

    def raw_events(self) -> AsyncGenerator[tuple[RawMessageStreamEvent, bytes], None]:
        """The events paired with their SSE ``data`` bytes exactly as received.

        For relays and proxies that forward JSON without re-encoding it: ``data`` is the
        payload the API sent (same bytes, same field order), ``event`` its decoded form, so
        the stream keeps every guarantee of plain iteration (retries before content, typed
        errors, strict ends, the idle timeout). Use it instead of iterating the stream, and
        before iterating the stream any other way (opening it first, with ``await`` or
        ``async with``, is fine). Close the stream (``async with``) when you stop early.
        """
        if self._iterator is not None:
            raise RuntimeError("raw_events() must be called before the stream is iterated")
        return self._iterate_raw()

    async def _iterate_raw(self) -> AsyncGenerator[tuple[RawMessageStreamEvent, bytes], None]:
        await self._open()
        opened = self._opened
        assert opened is not None
        if self._iterator is not None:
            raise RuntimeError("raw_events() must be called before the stream is iterated")
        # _iterate yields exactly one event per decoded (name, data) pair, in decoder order
        # (an error event raises instead), so a FIFO of their data pairs up with the events.
        # It holds at most one chunk's worth of data ahead of the consumer.
        tap = collections.deque(opened.pending_data)
        opened.decoder = _DataTap(opened.decoder, tap)
        pop = tap.popleft
        async for event in self:
            yield event, pop()

    async def close(self) -> None:
        """Stop the stream and drop its connection (no-op once it has ended)."""
        self._opener = None
        iterator, self._iterator = self._iterator, None
        if iterator is not None:
            await iterator.aclose()  # type: ignore[attr-defined]
        if self._opened is not None:
            self._opened.response.close()

    async def _iterate(self) -> AsyncIterator[RawMessageStreamEvent]:
        await self._open()
        opened = self._opened
        assert opened is not None
        response = opened.response
        feed = opened.decoder.feed
        fast_decode = event_decoder.decode  # known types in one C call; no Python frame
        count = 0
        pings = 0
        done = False  # message_stop seen
        read_to_end = False
        idle = self._idle_timeout
        clock = time.monotonic  # the default loop's clock, without its frame; shared by timings
        last_progress = clock()
        progress_mark = 0
        timings = self.timings
        arrived = timings.last_event
        deltas = 0  # content deltas so far: timings take the count per read chunk
        try:
            try:
                pending, opened.pending_data = opened.pending_data, []
                pending.reverse()  # popped from the end: data handed out is let go at once
                held: list[RawMessageStreamEvent] = []
                while pending:
                    held.append(decode_event(pending.pop()))
                    count += 1
                    etype = type(held[0])
                    if etype is RawContentBlockDeltaEvent:
                        deltas += 1
                    elif etype is RawMessageStopEvent:
                        done = True
                    elif etype is RawMessageDeltaEvent:
                        timings.output_tokens = cast(RawMessageDeltaEvent, held[0]).usage.output_tokens
                    # Handed over without a local name: a stream held open after its first
                    # event (thousands at a time) does not keep that event alive itself.
                    yield held.pop()
                del pending, held
                if deltas and arrived is not None:  # read ahead in the last chunk of the opening
                    timings._add_chunk(arrived, deltas)
                event: RawMessageStreamEvent
                read_chunk = response.read_chunk
                while chunk := await read_chunk():
                    # When the bytes came, not when the caller was done with them: a slow
                    # consumer is not a silent server (and timings stamp the read).
                    arrived = clock()
                    before = deltas
                    for _name, data in feed(chunk):
                        try:
                            event = fast_decode(data)
                        except (msgspec.DecodeError, UnicodeDecodeError):
                            event = decode_event(data)  # unknown types, or the typed error
                        count += 1
                        etype = type(event)
                        if etype is RawContentBlockDeltaEvent:  # most events: one test
                            deltas += 1
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
                    if deltas != before:
                        timings._add_chunk(arrived, deltas - before)
                    if idle is not None:
                        # Pings (and comments) keep the socket busy but are not progress.
                        if count - pings != progress_mark:
                            progress_mark = count - pings
                            last_progress = arrived
                        elif arrived - last_progress > idle:
                            raise _pings_only(idle, response.request_id, count)
                read_to_end = True
                leftover = opened.decoder.close()
            except SSEError as exc:
                raise APIResponseValidationError(
                    str(exc), request_id=response.request_id, events_received=count
                ) from exc
            except APIConnectionError as exc:  # from the transport: dropped, reset, idle timeout
                if done:  # the message is complete; a drop after message_stop loses nothing
                    return
                if type(exc) is APIConnectionError:
                    raise _dropped(count, exc, response.request_id) from exc
                exc.events_received = count
                raise
            except APIError as exc:
                if not exc.events_received:
                    exc.events_received = count
                if exc.request_id is None:
                    exc.request_id = response.request_id
                raise
            if not done:
                raise _incomplete(count, leftover, response.request_id)
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


def _pings_only(idle: float, request_id: str | None, count: int) -> APITimeoutError:
    # The socket is busy (pings, comments), the stream makes no progress: the read timeout's
    # limit, applied to events.
    return APITimeoutError(
        f"no stream event but pings for {idle:g} s", request_id=request_id, events_received=count
    )


def _incomplete(count: int, leftover: bool, request_id: str | None) -> IncompleteStreamError:
    detail = " (an unfinished event was discarded)" if leftover else ""
    return IncompleteStreamError(
        f"stream ended after {count} events without message_stop{detail}",
        clean_eof=True,
        request_id=request_id,
        events_received=count,
    )


def _dropped(count: int, exc: APIConnectionError, request_id: str | None) -> IncompleteStreamError:
    return IncompleteStreamError(
        f"connection dropped after {count} events, before message_stop: {exc.message}",
        clean_eof=False,
        request_id=request_id,
        events_received=count,
    )
