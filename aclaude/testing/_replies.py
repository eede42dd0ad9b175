"""``Reply``: an immutable description of one scripted response.

A test enqueues replies on the server; each request to the path pops the next one. A reply says
*what* to send (blocks, literal events, literal bytes, an HTTP error...) and *how* to send it
(chunking, delays, and the stream faults: an error event, a clean truncation, or a dropped
connection after N events). Rendering happens per request in ``_respond``, so one Reply value
can be enqueued any number of times.

Stream options left as ``None`` defer to the request's ``x-fake-*`` control headers and then to
the server's defaults; a value set on the Reply always wins.
"""

from __future__ import annotations

import inspect
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any, Literal, TypeAlias, TypedDict

from ._blocks import DEFAULT_SIGNATURE, Block, TextBlock, ThinkingBlock, ToolUseBlock

if TYPE_CHECKING:
    from typing_extensions import Unpack

__all__ = [
    "Chunking",
    "MessageReplyOptions",
    "Reply",
    "ReplyKind",
    "ReplyOptions",
    "StallWith",
    "StreamOptions",
]

ReplyKind: TypeAlias = Literal["message", "events", "raw", "error", "json", "disconnect"]

#: What a stalled stream keeps sending (see ``Reply.stall_after``): ``"nothing"`` (a silent
#: socket), ``"pings"`` (keep-alive ``ping`` events, no progress) or ``"deltas"`` (a one-character
#: ``text_delta`` of block 0 each time: an endless trickle).
StallWith: TypeAlias = Literal["nothing", "pings", "deltas"]

#: ``"event"``: one HTTP chunk (one write) per SSE event; an int: the body cut into pieces of
#: that many bytes regardless of event, line or UTF-8 boundaries; ``None``: not set here.
Chunking: TypeAlias = int | Literal["event"] | None


class StreamOptions(TypedDict, total=False):
    """How a streamed reply is sent, and which fault it ends with (see ``Reply``); every
    streamed constructor takes them as keywords."""

    error_event_after: int | None
    error_type: str
    error_message: str
    truncate_after: int | None
    drop_after: int | None
    chunking: Chunking
    delay_between: float | None
    hold_after_start: float | None
    delay_headers: float
    extra_fields: Mapping[str, Any] | None


class MessageReplyOptions(StreamOptions, total=False):
    """The keywords every message constructor (``text``, ``tool_use``, ``thinking``,
    ``message``) takes: the stream options, ``model`` (the request's model when None) and
    ``usage`` (fields merged into the reported usage)."""

    model: str | None
    usage: Mapping[str, Any] | None


class ReplyOptions(StreamOptions, total=False):
    """The keywords of ``Reply.with_options``: the stream options, and the stall (see ``Reply``)."""

    stall_after: int | None
    stall_with: StallWith
    stall_interval: float
    stall_for: float


def _check_count(name: str, value: int | None) -> None:
    if value is not None and value < 0:
        raise ValueError(f"{name} must be >= 0, got {value}")


@dataclass(frozen=True)
class Reply:
    """One scripted response. Build it with the classmethods (``Reply.text(...)`` etc.).

    Stream options (streamed replies only; ignored for JSON bodies):

    - ``error_event_after``: send N events, then ``event: error`` (``error_type`` /
      ``error_message``), then end the body cleanly. N=0 sends the error first.
    - ``truncate_after``: send N events, then end the body cleanly (no ``message_stop``).
    - ``drop_after``: send N events, then close the TCP connection without ending the chunked
      body, so the client sees a broken transfer.
    - ``chunking``: ``"event"`` or a byte count (see ``Chunking``).
    - ``delay_between``: seconds to sleep between writes.
    - ``hold_after_start``: seconds to wait after message_start and the first
      content_block_start, or until the client goes away.
    - ``delay_headers``: seconds to wait before sending the status line and headers.
    - ``extra_fields``: fields merged into every JSON object sent (events, message, usage,
      blocks, deltas; any JSON body), as a newer API would send: forward-compatibility tests.
    - ``stall_after``: send N events, then stall: send ``stall_with`` (nothing, a ping or a
      text delta of block 0) every ``stall_interval`` seconds, never finishing. Bounded: the
      stall ends when the client goes away, or after ``stall_for`` seconds by closing the
      connection mid-body (a dropped stream). Set these with ``with_options``.
    """

    kind: ReplyKind
    blocks: tuple[Block, ...] = ()
    event_list: tuple[Mapping[str, Any], ...] = ()
    body: bytes = b""
    raw_pieces: tuple[bytes, ...] = ()
    json_body: Any = None
    status: int = 200
    headers: Mapping[str, str] | None = None
    content_type: str | None = None
    model: str | None = None
    stop_reason: str | None = "end_turn"
    stop_sequence: str | None = None
    usage: Mapping[str, Any] | None = None
    ping: bool = True
    error_type: str = "overloaded_error"
    error_message: str = "Overloaded"
    error_event_after: int | None = None
    truncate_after: int | None = None
    drop_after: int | None = None
    chunking: Chunking = None
    delay_between: float | None = None
    hold_after_start: float | None = None
    delay_headers: float = 0.0
    abort: bool = False
    stall_after: int | None = None
    stall_with: StallWith = "nothing"
    stall_interval: float = 0.05
    stall_for: float = 10.0
    extra_fields: Mapping[str, Any] | None = None

    def __post_init__(self) -> None:
        ends = [
            n
            for n in (self.error_event_after, self.truncate_after, self.drop_after, self.stall_after)
            if n is not None
        ]
        if len(ends) > 1:
            raise ValueError("set at most one of error_event_after, truncate_after, drop_after, stall_after")
        _check_count("error_event_after", self.error_event_after)
        _check_count("truncate_after", self.truncate_after)
        _check_count("drop_after", self.drop_after)
        _check_count("stall_after", self.stall_after)
        if self.stall_with not in ("nothing", "pings", "deltas"):
            raise ValueError(f"stall_with must be 'nothing', 'pings' or 'deltas', got {self.stall_with!r}")
        if not self.stall_interval > 0:
            raise ValueError(f"stall_interval must be > 0, got {self.stall_interval}")
        if not self.stall_for >= 0:
            raise ValueError(f"stall_for must be >= 0, got {self.stall_for}")
        if isinstance(self.chunking, int) and self.chunking < 1:
            raise ValueError(f"chunking must be 'event' or >= 1, got {self.chunking}")

    # -- message replies -------------------------------------------------------------------

    @classmethod
    def text(
        cls,
        text: str,
        *,
        chunk_chars: int | None = None,
        stop_reason: str | None = "end_turn",
        **options: Unpack[MessageReplyOptions],
    ) -> Reply:
        """A one-text-block message, streamed in pieces of ``chunk_chars`` characters
        (``None``: word-ish pieces like the API's tokens)."""
        # Not through message(): stop_reason=None here means a null stop reason on the wire.
        blocks = (TextBlock(text, chunk_chars),)
        return cls(kind="message", blocks=blocks, stop_reason=stop_reason, **options)

    @classmethod
    def tool_use(
        cls,
        name: str,
        input: Mapping[str, Any],
        *,
        text_before: str | None = None,
        id: str | None = None,
        chunk_chars: int | None = None,
        **options: Unpack[MessageReplyOptions],
    ) -> Reply:
        """A tool call (optionally after a text block), ``stop_reason="tool_use"``. For several
        calls in one turn use ``Reply.message([ToolUseBlock(...), ToolUseBlock(...)])``."""
        blocks: list[Block] = []
        if text_before is not None:
            blocks.append(TextBlock(text_before))
        blocks.append(ToolUseBlock(name, input, id=id, chunk_chars=chunk_chars))
        return cls.message(blocks, stop_reason="tool_use", **options)

    @classmethod
    def thinking(
        cls,
        thinking: str,
        text: str,
        signature: str = DEFAULT_SIGNATURE,
        *,
        chunk_chars: int | None = None,
        **options: Unpack[MessageReplyOptions],
    ) -> Reply:
        """A thinking block (``thinking_delta``s and one ``signature_delta``), then a text block."""
        blocks: list[Block] = [ThinkingBlock(thinking, signature, chunk_chars), TextBlock(text, chunk_chars)]
        return cls.message(blocks, **options)

    @classmethod
    def message(
        cls,
        blocks: Sequence[Block],
        *,
        stop_reason: str | None = None,
        stop_sequence: str | None = None,
        ping: bool = True,
        **options: Unpack[MessageReplyOptions],
    ) -> Reply:
        """Any mix of blocks (``TextBlock``, ``ToolUseBlock``, ``ThinkingBlock``,
        ``RedactedThinkingBlock``, ``CustomBlock``), indexed in order. ``stop_reason`` defaults
        to ``"tool_use"`` if a tool_use block is present, else ``"end_turn"``."""
        if stop_reason is None:
            stop_reason = "tool_use" if any(isinstance(b, ToolUseBlock) for b in blocks) else "end_turn"
        return cls(
            kind="message",
            blocks=tuple(blocks),
            stop_reason=stop_reason,
            stop_sequence=stop_sequence,
            ping=ping,
            **options,
        )

    # -- literal replies ---------------------------------------------------------------------

    @classmethod
    def events(
        cls,
        events: Sequence[Mapping[str, Any]],
        **options: Unpack[StreamOptions],
    ) -> Reply:
        """Exactly these events, each sent as ``event: <its type>\\ndata: <json>\\n\\n`` (unknown
        types and odd orders welcome). A non-streaming request gets them folded into a Message."""
        for event in events:
            if not isinstance(event.get("type"), str):
                raise ValueError(f"every event needs a string 'type' field, got {event!r}")
        return cls(kind="events", event_list=tuple(events), **options)

    @classmethod
    def raw(
        cls,
        body: bytes | Sequence[bytes],
        *,
        status: int = 200,
        headers: Mapping[str, str] | None = None,
        content_type: str | None = "text/event-stream",
        chunking: Chunking = None,
        delay_between: float | None = None,
        abort: bool = False,
        delay_headers: float = 0.0,
    ) -> Reply:
        """These exact bytes as the body (BOMs, CR line ends, comments, garbage...), chunked
        encoding. ``chunking``: an int cuts it into pieces (``"event"``/unset: one write).
        A list of byte strings is written one write per item, ``delay_between`` apart (so a
        test decides what a client has seen before the next bytes exist).
        ``abort=True`` closes the connection after the bytes instead of ending the body."""
        if isinstance(body, (bytes, bytearray, memoryview)):
            pieces: tuple[bytes, ...] = ()
            whole = bytes(body)
        else:
            pieces = tuple(bytes(piece) for piece in body)
            whole = b"".join(pieces)
        return cls(
            kind="raw",
            body=whole,
            raw_pieces=pieces,
            status=status,
            headers=headers,
            content_type=content_type,
            chunking=chunking,
            delay_between=delay_between,
            abort=abort,
            delay_headers=delay_headers,
        )

    @classmethod
    def error(
        cls,
        status: int,
        error_type: str,
        message: str,
        *,
        headers: Mapping[str, str] | None = None,
        delay_headers: float = 0.0,
    ) -> Reply:
        """An HTTP error with the API's body ``{"type":"error","error":{...},"request_id":...}``.
        Put ``retry-after`` / ``x-should-retry`` in ``headers`` to test retry policies."""
        return cls(
            kind="error",
            status=status,
            error_type=error_type,
            error_message=message,
            headers=headers,
            delay_headers=delay_headers,
        )

    @classmethod
    def json(
        cls,
        body: Any,
        *,
        status: int = 200,
        headers: Mapping[str, str] | None = None,
        extra_fields: Mapping[str, Any] | None = None,
    ) -> Reply:
        """Any JSON body (for endpoints other than messages: models, batches, count_tokens...);
        ``extra_fields`` are merged into its every object."""
        return cls(kind="json", json_body=body, status=status, headers=headers, extra_fields=extra_fields)

    @classmethod
    def disconnect(cls, *, delay_headers: float = 0.0) -> Reply:
        """Close the connection without sending a status line (reset before headers)."""
        return cls(kind="disconnect", delay_headers=delay_headers)

    @classmethod
    def redirect(cls, location: str, *, status: int = 302) -> Reply:
        """A redirect (``location`` header, empty body): a client must not follow it with its
        credentials, least of all to another host."""
        if not 300 <= status < 400:
            raise ValueError(f"a redirect status is 3xx, got {status}")
        return cls(kind="raw", status=status, headers={"location": location}, content_type=None)

    def with_options(self, **options: Unpack[ReplyOptions]) -> Reply:
        """A copy with the given stream options set (options passed as ``None`` are kept).

        ``Reply.text("Hi").with_options(stall_after=2, stall_with="pings")``: message_start and
        content_block_start, then pings only (for idle timeouts); ``stall_with="deltas"``: an
        endless trickle (for overall deadlines); ``stall_after=0``: headers, then silence.
        """
        unknown = options.keys() - ReplyOptions.__optional_keys__
        if unknown:
            raise TypeError(f"with_options() got an unexpected keyword argument {min(unknown)!r}")
        changes: dict[str, Any] = {k: v for k, v in options.items() if v is not None}
        return replace(self, **changes)


# help(Reply.with_options) lists its keywords, as if written out (they are said once, above).
Reply.with_options.__signature__ = inspect.Signature(  # type: ignore[attr-defined]
    [
        inspect.Parameter("self", inspect.Parameter.POSITIONAL_OR_KEYWORD),
        *(
            inspect.Parameter(name, inspect.Parameter.KEYWORD_ONLY, default=None, annotation=text)
            for name, hint in ReplyOptions.__annotations__.items()
            for text in [getattr(hint, "__forward_arg__", hint)]
        ),
    ],
    return_annotation="Reply",
)
