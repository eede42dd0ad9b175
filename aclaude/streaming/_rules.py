"""The rules of a streamed response, in one sans-IO place (no sockets, no asyncio).

Every stream that is read as it arrives (``EventStream``, ``CompletionStream``,
``BatchResults``) follows the same rules; their loops only drive them:

* **Read-ahead** (``ReadAhead``): before anything is handed to the caller an attempt may still
  be retried, so events are held back until the first *content* event. What is held back is
  bounded in count and bytes (a hostile server sending endless ``message_start`` or ``ping``
  events gets an ``APIResponseValidationError``, not the client's memory), an impossible order
  (a second ``message_start``, content before it) is an ``APIResponseValidationError``, an
  ``error`` event before content is reported as such (retryable), and only content counts as
  progress for the read timeout (pings-only for longer than it: ``APITimeoutError``).
* **The end** (``Reading.finish``): a stream that ends before its protocol says it is done
  (``message_stop``; a ``stop_reason`` for completions) is an ``IncompleteStreamError``,
  never a partial result passed off as whole.
* **Read errors** (``Reading``, a context manager around a loop): a framing error of the
  decoder becomes ``APIResponseValidationError``, a dropped connection ``IncompleteStreamError``
  (ignored when the stream was already done), and every aclaude error learns the request id and
  how many events were read.

The hot per-event loop keeps its own locals: the rules are consulted per read-ahead event, per
chunk (``Reading.count``) and at the end, never per content event.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import TracebackType
from typing import Any, Protocol

from .._decoders.sse import SSEError
from .._exceptions import (
    APIConnectionError,
    APIError,
    APIResponseValidationError,
    APITimeoutError,
    IncompleteStreamError,
)

__all__ = [
    "CONTENT",
    "ERROR",
    "HELD",
    "MAX_HELD_EVENTS",
    "ReadAhead",
    "Reading",
    "check_content_type",
    "held_bytes_limit",
    "pings_only",
]

#: Events held back before the first content event: a real stream has a message_start and a
#: ping or a few (one every few seconds while the model thinks before its first token).
MAX_HELD_EVENTS = 1000

# What a read-ahead event means (ReadAhead.hold).
HELD = 0  #: held back: not content (message_start, ping)
CONTENT = 1  #: the first content event: the read-ahead ends
ERROR = 2  #: an ``error`` event before content

_MESSAGE_CONTENT = frozenset(
    {"content_block_start", "content_block_delta", "content_block_stop", "message_delta", "message_stop"}
)


class _HasHeaders(Protocol):
    headers: Mapping[str, str]
    request_id: str | None


def check_content_type(response: _HasHeaders, decoder: Any) -> None:
    """A 200 answer in another format than the decoder's (``CONTENT_TYPE``, e.g.
    ``text/event-stream``) is ``APIResponseValidationError`` naming what came: a gateway that
    ignored ``stream: true`` or an HTML error page, not a stream that ended early (which would
    be retried, paying for the generation again)."""
    expected: str | None = getattr(decoder, "CONTENT_TYPE", None)
    if expected is None:
        return
    given = response.headers.get("content-type", "")
    if given.partition(";")[0].strip().lower() != expected:
        raise APIResponseValidationError(
            f"expected a {expected} response to a streaming request, got content-type {given[:100]!r}",
            request_id=response.request_id,
        )


def held_bytes_limit(max_event_bytes: int) -> int:
    """Bytes that may be held back: one event at its cap (message_start) and room for pings."""
    return max_event_bytes + 1024 * 1024


class ReadAhead:
    """The read-ahead window of one attempt of a Messages stream (sans-IO).

    ``hold(kind, size)`` for each event in arrival order says whether it is held back, the
    first content or an error event, and raises ``APIResponseValidationError`` for an
    impossible order or when the window's bounds are passed. ``check_idle(now)`` raises
    ``APITimeoutError`` when no content came within the idle limit of ``started``.
    """

    __slots__ = ("_idle", "_max_bytes", "_max_events", "_started", "count", "has_start", "size")

    def __init__(
        self,
        *,
        started: float,
        idle: float | None,
        max_bytes: int,
        max_events: int = MAX_HELD_EVENTS,
    ) -> None:
        self._started = started
        self._idle = idle
        self._max_bytes = max_bytes
        self._max_events = max_events
        #: Events and bytes read ahead so far.
        self.count = 0
        self.size = 0
        #: A message_start was read.
        self.has_start = False

    def hold(self, kind: str, size: int) -> int:
        """``HELD``, ``CONTENT`` or ``ERROR`` for the next event; raises for a broken order or
        a window past its bounds."""
        self.count += 1
        self.size += size
        if kind == "error":
            return ERROR
        if kind == "ping":
            pass
        elif kind == "message_start":
            if self.has_start:
                raise self._invalid("a second message_start before any content")
            self.has_start = True
        elif kind in _MESSAGE_CONTENT and not self.has_start:
            raise self._invalid(f"{kind} before message_start")
        else:
            return CONTENT  # known content, or an event type added later: handed out
        if self.count > self._max_events or self.size > self._max_bytes:
            raise self._invalid(
                f"{self.count} events ({self.size} bytes) before any content, more than the "
                f"limit of {self._max_events} events or {self._max_bytes} bytes"
            )
        return HELD

    def check_idle(self, now: float) -> None:
        """Pings and a message_start are not progress: no content within the idle limit of
        the response's arrival raises ``APITimeoutError``."""
        idle = self._idle
        if idle is not None and now - self._started > idle:
            raise pings_only(idle, None, self.count)

    def _invalid(self, problem: str) -> APIResponseValidationError:
        return APIResponseValidationError(
            f"stream events in an impossible order or amount: {problem}", events_received=self.count
        )


def pings_only(idle: float, request_id: str | None, count: int) -> APITimeoutError:
    """The error of a stream whose socket is busy (pings, comments) without progress: the read
    timeout's limit, applied to events."""
    return APITimeoutError(
        f"no stream event but pings for {idle:g} s", request_id=request_id, events_received=count
    )


class Reading:
    """The error rules around one loop reading a stream (``with Reading(...) as reading:``).

    The loop sets ``count`` (events read) and ``done`` (the protocol's end was seen) as it
    goes, at least once per chunk; on the way out the exception in flight is mapped:

    * ``SSEError`` (or a subclass: the body's framing is broken) -> ``APIResponseValidationError``;
    * a plain ``APIConnectionError`` (the connection dropped) -> ``IncompleteStreamError``, or
      nothing at all when ``done`` (a drop after the end loses nothing);
    * any aclaude error: ``events_received`` and ``request_id`` filled in when missing.
    """

    __slots__ = ("count", "done", "end", "request_id", "what")

    def __init__(self, request_id: str | None, *, what: str = "events", end: str = "message_stop") -> None:
        self.request_id = request_id
        #: What is counted, and what ends the stream (for messages).
        self.what = what
        self.end = end
        self.count = 0
        self.done = False

    def __enter__(self) -> Reading:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> bool:
        if exc is None or not isinstance(exc, (SSEError, APIError)):
            return False
        count = self.count
        if isinstance(exc, SSEError):
            raise APIResponseValidationError(
                str(exc), request_id=self.request_id, events_received=count
            ) from exc
        if type(exc) is APIConnectionError:  # from the transport: dropped or reset
            if self.done:
                return True  # the result is whole; swallowed
            if count:
                raise self.dropped(exc) from exc
        if not exc.events_received:
            exc.events_received = count
        if exc.request_id is None:
            exc.request_id = self.request_id
        return False

    def dropped(self, exc: APIConnectionError) -> IncompleteStreamError:
        """The error of a connection lost before the end."""
        return IncompleteStreamError(
            f"connection dropped after {self.count} {self.what}, before {self.end}: {exc.message}",
            clean_eof=False,
            request_id=self.request_id,
            events_received=self.count,
        )

    def finish(self, *, leftover: bool = False) -> None:
        """The body ended: raises ``IncompleteStreamError`` unless the stream was done."""
        if self.done:
            return
        detail = " (an unfinished event was discarded)" if leftover else ""
        raise IncompleteStreamError(
            f"stream ended after {self.count} {self.what} without {self.end}{detail}",
            clean_eof=True,
            request_id=self.request_id,
            events_received=self.count,
        )
