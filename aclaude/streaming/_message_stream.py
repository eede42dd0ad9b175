"""``MessageStream``: what ``messages.stream()`` gives.

It wires the pure accumulator (``_accumulate``) to the events of an ``EventStream``: callbacks,
derived events, ``text_stream`` and the final message. Every error it raises carries the
message accumulated so far as ``partial_message``; any exit before the end (break, a callback
raising, cancellation) closes the connection at once.

Stopping early is not a failure: after ``close()`` / ``abort()`` (or leaving the ``async with``,
or cancellation) before the end, the ``abort`` callbacks get an ``APIUserAbortError`` (what had
arrived, how many events the caller had been handed), and ``get_final_message()`` raises it,
never an ``IncompleteStreamError``. ``end`` fires once on every exit: success, API error, stop.
"""

from __future__ import annotations

import inspect
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

from .._closing import AsyncClosing, ClosesOnExit
from .._exceptions import (
    APIError,
    APIUserAbortError,
    IncompleteStreamError,
)
from .._http.transport import Response
from ..types._events import (
    CitationsDelta,
    CompactionDelta,
    InputJSONDelta,
    RawContentBlockDeltaEvent,
    RawContentBlockStopEvent,
    RawMessageStopEvent,
    RawMessageStreamEvent,
    SignatureDelta,
    TextDelta,
    ThinkingDelta,
)
from ..types._extras import known_type
from ..types._message import CompactionBlock, Message, TextBlock, ThinkingBlock
from ._accumulate import (
    AccumulatorState,
    ContentBlockStopEvent,
    MessageStopEvent,
    TextSnapshot,
    accumulate,
    derive_delta,
    materialize,
)
from ._event_stream import EventStream
from ._timings import StreamTimings

__all__ = ["MessageStream", "MessageStreamManager"]

Listener = Callable[..., Any]

# What one pass over the events yields (see MessageStream._consume).
_EVENTS, _TEXT, _NOTHING = 0, 1, 2


class MessageStream(AsyncClosing):
    """A streaming message: typed events, callbacks and the final ``Message``.

    Consume it once, any of these ways (they can be mixed: a later one picks up where the
    earlier one stopped): ``async for event in stream`` (raw and derived events),
    ``async for text in stream.text_stream``, ``await stream.get_final_message()`` /
    ``get_final_text()`` / ``until_done()``. Callbacks registered with ``on()`` fire whichever
    way the stream is consumed.
    """

    def __init__(self, events: EventStream) -> None:
        self._events = events
        self._state = AccumulatorState()
        self._listeners: dict[str, list[tuple[Listener, bool]]] = {}
        self._final: Message | None = None
        self._error: APIError | None = None
        self._ended = False
        self._stepping: AsyncIterator[Any] | None = None  # anext(stream)'s iteration

    # -- lifecycle -------------------------------------------------------------------------

    async def __aenter__(self) -> MessageStream:
        await self._connect()
        return self

    async def _connect(self) -> None:
        try:
            await self._events._open()
        except APIError as exc:
            await self._fail(exc)
            raise
        await self._fire("connect")

    async def close(self) -> None:
        """Stop the stream and release its connection. Before the end this is a stop, not a
        failure: ``abort`` and ``end`` fire and ``get_final_message()`` raises
        ``APIUserAbortError``."""
        await self._events.close()
        await self._stop()

    async def abort(self) -> None:
        """Stop the stream now (``close()``, under the name the TypeScript SDK uses)."""
        await self.close()

    @property
    def request_id(self) -> str | None:
        return self._events.request_id

    @property
    def response(self) -> Response | None:
        return self._events.response

    @property
    def timings(self) -> StreamTimings:
        """When the request, headers, first token and last event arrived (``StreamTimings``)."""
        return self._events.timings

    # -- callbacks -------------------------------------------------------------------------

    def on(self, event: str, listener: Listener) -> MessageStream:
        """Call ``listener`` (sync or async) on ``event``; returns the stream for chaining.

        Events and arguments: ``connect()``, ``stream_event(event, message_snapshot)``,
        ``text(delta, snapshot)``, ``citation(citation, citations)``,
        ``thinking(delta, snapshot)``, ``signature(signature)``,
        ``input_json(partial_json, snapshot)``, ``compaction(content, encrypted_content)``,
        ``content_block(block)``, ``message(message)``,
        ``final_message(message)``, ``error(exc)``, ``abort(error)`` (the caller stopped the
        stream before its end: an ``APIUserAbortError``), ``end()`` (once, on every exit).

        ``snapshot`` for text, thinking and input_json is a lazy ``TextSnapshot``: it costs
        nothing until used (``str(snapshot)``; ``snapshot.parsed()`` for partial tool JSON).
        ``stream_event`` builds a full message snapshot per event, which costs O(message size).
        """
        if event not in _LISTENER_EVENTS:
            raise ValueError(f"unknown event {event!r}; expected one of {sorted(_LISTENER_EVENTS)}")
        is_async = inspect.iscoroutinefunction(listener)
        self._listeners.setdefault(event, []).append((listener, is_async))
        return self

    def off(self, event: str, listener: Listener) -> MessageStream:
        """Remove a listener added with ``on()``."""
        entries = self._listeners.get(event, [])
        self._listeners[event] = [e for e in entries if e[0] is not listener]
        if not self._listeners[event]:
            del self._listeners[event]
        return self

    async def _fire(self, name: str, *args: Any) -> None:
        pending = _call(self._listeners.get(name), args, None)
        if pending:
            for awaitable in pending:
                await awaitable

    def _emit(self, event: RawMessageStreamEvent) -> list[Awaitable[Any]] | None:
        """Run the listeners interested in ``event`` (already accumulated). Sync listeners run
        now; awaitables from async ones are returned for the caller to await in order."""
        listeners = self._listeners
        state = self._state
        pending: list[Awaitable[Any]] | None = None
        stream_listeners = listeners.get("stream_event")
        if stream_listeners:
            pending = _call(stream_listeners, (event, materialize(state)), pending)
        etype = type(event)
        if etype is not RawContentBlockDeltaEvent:
            etype = known_type(etype)  # a class made for undeclared fields: its declared class
        if etype is RawContentBlockDeltaEvent:
            delta: Any = event.delta  # type: ignore[union-attr]
            dtype = type(delta)
            index: int = event.index  # type: ignore[union-attr]
            if dtype is not TextDelta:
                dtype = known_type(dtype)
            if dtype is TextDelta:  # the hot path: keep it short
                cbs = listeners.get("text")
                if cbs:
                    parts = state.text_parts.get(index)
                    if parts is not None:
                        snapshot = TextSnapshot(parts, len(parts))
                        return _call(cbs, (delta.text, snapshot), pending)
                return pending
            block = state.blocks.get(index)
            if dtype is InputJSONDelta:
                cbs = listeners.get("input_json")
                parts_or_none = state.parts.get(index)
                if cbs and parts_or_none is not None:
                    snap = TextSnapshot(parts_or_none, len(parts_or_none))
                    pending = _call(cbs, (delta.partial_json, snap), pending)
            elif dtype is ThinkingDelta:
                cbs = listeners.get("thinking")
                if cbs and isinstance(block, ThinkingBlock) and index in state.parts:
                    parts = state.parts[index]
                    pending = _call(cbs, (delta.thinking, TextSnapshot(parts, len(parts))), pending)
            elif dtype is SignatureDelta:
                pending = _call(listeners.get("signature"), (delta.signature,), pending)
            elif dtype is CompactionDelta and isinstance(block, CompactionBlock):
                pending = _call(
                    listeners.get("compaction"), (block.content, block.encrypted_content), pending
                )
            elif dtype is CitationsDelta and isinstance(block, TextBlock):
                pending = _call(listeners.get("citation"), (delta.citation, block.citations or []), pending)
        elif etype is RawContentBlockStopEvent:
            cbs = listeners.get("content_block")
            if cbs:
                pending = _call(cbs, (state.blocks.get(event.index),), pending)  # type: ignore[union-attr]
        elif etype is RawMessageStopEvent:
            cbs = listeners.get("message")
            if cbs:
                pending = _call(cbs, (materialize(state),), pending)
        return pending

    # -- consumption -----------------------------------------------------------------------

    def __aiter__(self) -> AsyncIterator[Any]:
        return self._iterate_events()

    async def __anext__(self) -> Any:
        """``anext(stream)``: the next event, as ``async for`` would give it (one iteration
        shared by every ``anext`` call)."""
        stepping = self._stepping
        if stepping is None:
            stepping = self._stepping = self._iterate_events()
        return await stepping.__anext__()

    @property
    def text_stream(self) -> AsyncIterator[str]:
        """The text deltas, as they arrive."""
        return self._iterate_text()

    async def until_done(self) -> None:
        """Consume the rest of the stream (firing callbacks); raise if it failed."""
        if self._ended:
            self._raise_if_failed()
            return
        async for _ in self._consume(_NOTHING):  # yields nothing: no per-event hop
            pass

    async def get_final_message(self) -> Message:
        """The complete message, once the stream has ended (consumes the rest)."""
        await self.until_done()
        assert self._final is not None
        return self._final

    async def get_final_text(self) -> str:
        """The text of the final message's text blocks, joined."""
        message = await self.get_final_message()
        return "".join(b.text for b in message.content if isinstance(b, TextBlock))

    @property
    def current_message_snapshot(self) -> Message | None:
        """The message as accumulated so far (None before ``message_start``)."""
        return materialize(self._state)

    def _iterate_events(self) -> AsyncIterator[Any]:
        return self._consume(_EVENTS)

    def _iterate_text(self) -> AsyncIterator[str]:
        return self._consume(_TEXT)

    async def _consume(self, mode: int) -> AsyncIterator[Any]:
        """The one loop over the events: accumulate each, fire the callbacks, then yield what
        ``mode`` asks for: raw and derived events (``_EVENTS``), text deltas (``_TEXT``), or
        nothing (``_NOTHING``, for ``until_done``). Any exit before the end closes the stream."""
        state = self._state
        quiet = mode == _NOTHING
        # The iterators look at the listeners on every event (never rebound: on() and off()
        # edit them in place), so that on() while iterating takes effect; until_done() looks
        # once, and without any pays nothing per event for them.
        listeners: Any = self._listeners if self._listeners or not quiet else False
        events = mode == _EVENTS
        text_parts = state.text_parts  # never rebound: the open text blocks' parts
        try:
            async for event in self._events:
                if type(event) is RawContentBlockDeltaEvent:
                    # Nearly every event: a text delta to an open text block. What accumulate
                    # and _emit do for it, inline (three Python calls fewer per event); any
                    # other event, or a stream_event listener, takes the general path below.
                    delta: Any = event.delta
                    if type(delta) is TextDelta:
                        parts = text_parts.get(event.index)
                        if parts is not None:
                            parts.append(delta.text)
                            if listeners:
                                if "stream_event" in listeners:
                                    pending = self._emit(event)
                                else:
                                    cbs = listeners.get("text")
                                    pending = None
                                    if cbs:
                                        snapshot = TextSnapshot(parts, len(parts))
                                        if len(cbs) > 1:
                                            pending = _call(cbs, (delta.text, snapshot), None)
                                        else:  # _call's work for one listener, without its frame
                                            listener, is_async = cbs[0]
                                            result = listener(delta.text, snapshot)
                                            if is_async or (
                                                result is not None and inspect.isawaitable(result)
                                            ):
                                                pending = [result]
                                if pending:
                                    for awaitable in pending:
                                        await awaitable
                            if quiet:
                                continue
                            if events:
                                yield event
                                derived = derive_delta(state, event)
                                if derived is not None:
                                    yield derived
                            else:
                                yield delta.text
                            continue
                accumulate(state, event)
                if listeners:
                    pending = self._emit(event)
                    if pending:
                        for awaitable in pending:
                            await awaitable
                if quiet:
                    continue
                if events:
                    etype = type(event)
                    if etype is not RawContentBlockDeltaEvent:
                        etype = known_type(etype)
                    if etype is RawContentBlockDeltaEvent:
                        yield event
                        derived = derive_delta(state, event)  # type: ignore[arg-type]
                        if derived is not None:
                            yield derived
                    elif etype is RawContentBlockStopEvent:
                        index: int = event.index  # type: ignore[union-attr]
                        yield ContentBlockStopEvent(index=index, content_block=state.blocks.get(index))
                    elif etype is RawMessageStopEvent:
                        message = materialize(state)
                        assert message is not None
                        yield MessageStopEvent(message=message)
                    else:
                        yield event
                else:
                    etype = type(event)
                    if etype is RawContentBlockDeltaEvent or known_type(etype) is RawContentBlockDeltaEvent:
                        delta = event.delta  # type: ignore[union-attr]
                        dtype = type(delta)
                        if dtype is TextDelta or known_type(dtype) is TextDelta:
                            yield delta.text
        except BaseException as exc:
            await self._abort(exc)
            raise
        await self._succeed()

    # -- ending ----------------------------------------------------------------------------

    async def _succeed(self) -> None:
        if self._ended:
            return
        self._ended = True
        message = materialize(self._state)
        if message is None or not self._state.done:  # pragma: no cover - EventStream raises first
            raise IncompleteStreamError("stream ended without a message", clean_eof=True)
        message._request_id = self._events.request_id
        self._final = message
        await self._fire("final_message", message)
        await self._fire("end")

    async def _abort(self, exc: BaseException) -> None:
        """Close the connection at once; record and report an API error, or a stop (the task
        cancelled, a callback raising)."""
        if isinstance(exc, GeneratorExit):
            # An abandoned iterator (break out of text_stream ...): the stream itself goes on,
            # another consumer may pick it up; the `async with` exit closes it.
            return
        await self._events.close()
        if isinstance(exc, APIError):
            await self._fail(exc)
        else:
            await self._stop()

    async def _stop(self) -> None:
        """The caller stopped the stream before its end: ``abort``, then ``end``."""
        if self._ended:
            return
        self._ended = True
        # The events stream's own count (set when it closed, as it is by now): what this
        # stream was handed, with no per-event work here.
        seen = self._events.events_received
        error = APIUserAbortError(
            f"the stream was stopped by the caller after {seen} events, before its end",
            request_id=self._events.request_id,
            partial_message=materialize(self._state),
            events_received=seen,
        )
        self._error = error
        try:
            await self._fire("abort", error)
        finally:
            await self._fire("end")

    async def _fail(self, exc: APIError) -> None:
        if self._ended:
            return
        self._ended = True
        if exc.partial_message is None:
            exc.partial_message = materialize(self._state)
        self._error = exc
        try:
            await self._fire("error", exc)
        finally:
            await self._fire("end")

    def _raise_if_failed(self) -> None:
        if self._error is not None:
            raise self._error


_LISTENER_EVENTS = frozenset(
    {
        "connect",
        "stream_event",
        "text",
        "compaction",
        "citation",
        "thinking",
        "signature",
        "input_json",
        "content_block",
        "message",
        "final_message",
        "error",
        "abort",
        "end",
    }
)


def _call(
    listeners: list[tuple[Listener, bool]] | None,
    args: tuple[Any, ...],
    pending: list[Awaitable[Any]] | None,
) -> list[Awaitable[Any]] | None:
    """Call each listener; collect the awaitables of async ones (awaited by the caller, in
    order). Once one listener is waiting, later ones are deferred behind it, so sync and
    async listeners always run in registration (and event) order."""
    if not listeners:
        return pending
    for listener, is_async in listeners:
        if pending:
            pending.append(_deferred(listener, args))
            continue
        result = listener(*args)
        if is_async or (result is not None and inspect.isawaitable(result)):
            pending = [result]
    return pending


async def _deferred(listener: Listener, args: tuple[Any, ...]) -> None:
    result = listener(*args)
    if result is not None and inspect.isawaitable(result):
        await result


class MessageStreamManager(ClosesOnExit):
    """``async with client.messages.stream(...) as stream``: opens on enter, closes on exit."""

    __slots__ = ("_stream",)

    def __init__(self, events: EventStream) -> None:
        self._stream = MessageStream(events)

    def on(self, event: str, listener: Listener) -> MessageStreamManager:
        """Register a listener before the request is sent (the only way to see ``connect``);
        see ``MessageStream.on``."""
        self._stream.on(event, listener)
        return self

    def off(self, event: str, listener: Listener) -> MessageStreamManager:
        self._stream.off(event, listener)
        return self

    async def __aenter__(self) -> MessageStream:
        return await self._stream.__aenter__()

    async def close(self) -> None:
        """Close the stream (what leaving the ``async with`` does)."""
        await self._stream.close()
