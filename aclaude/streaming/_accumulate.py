"""Building the final Message from stream events: ``accumulate(state, event)``.

The accumulator does no I/O and calls no callbacks; ``MessageStream`` and the non-streaming
``create()`` wire it to the network and to the caller. It mutates and returns ``state`` (a
fresh Message per stream) because copying a message per event would make the cost of an event
grow with the length of the stream.

Cost per event is flat, whatever the length of the stream:

* Text, thinking and tool-input deltas are appended to a list of parts per block; the block's
  string is joined once, at ``content_block_stop`` (or when a snapshot is asked for). Python
  strings are immutable, so ``text += delta`` would copy the whole text on every delta
  (quadratic: the official SDK's stream helper spends 377 us per event at 200k events).
* Tool-input JSON is parsed once, at ``content_block_stop``. A partial parse while the input is
  still streaming happens only when a caller reads an ``input_json`` snapshot.
* Snapshots handed to callbacks (``TextSnapshot``) are lazy views: they join on first use.
"""

from __future__ import annotations

from typing import Any, ClassVar

import msgspec

from .._exceptions import APIResponseValidationError
from ..types._base import tags_as_types
from ..types._events import (
    CitationsDelta,
    CompactionDelta,
    InputJSONDelta,
    RawContentBlockDeltaEvent,
    RawContentBlockStartEvent,
    RawContentBlockStopEvent,
    RawMessageDeltaEvent,
    RawMessageStartEvent,
    RawMessageStopEvent,
    RawMessageStreamEvent,
    SignatureDelta,
    TextDelta,
    ThinkingDelta,
)
from ..types._extras import known_type
from ..types._message import (
    CompactionBlock,
    FallbackBlock,
    MCPToolUseBlock,
    Message,
    ServerToolUseBlock,
    TextBlock,
    ThinkingBlock,
    ToolUseBlock,
)

__all__ = [
    "AccumulatorState",
    "CitationEvent",
    "CompactionEvent",
    "ContentBlockStopEvent",
    "InputJsonEvent",
    "MessageStopEvent",
    "SignatureEvent",
    "TextEvent",
    "TextSnapshot",
    "ThinkingEvent",
    "accumulate",
    "derive_delta",
    "materialize",
    "parse_partial_json",
]

_TOOL_BLOCKS = (ToolUseBlock, ServerToolUseBlock, MCPToolUseBlock)


class TextSnapshot(msgspec.Struct, gc=False):
    """The text of a block up to one event, joined only when first used.

    Behaves like a read-only ``str`` for the common operations (``str()``, ``==``, ``len``,
    ``in``, ``+``, slicing, any ``str`` method by attribute); ``str(snapshot)`` gives the real
    string. The view is fixed at the event it was made for.

    A Struct rather than a plain class only because one is made per text event and a Struct is
    built in C (about a third of the cost): it is not a wire type.
    """

    _parts: list[str]
    _n: int
    _value: str | None = None

    def __str__(self) -> str:
        value = self._value
        if value is None:
            parts = self._parts
            value = "".join(parts if len(parts) == self._n else parts[: self._n])
            self._value = value
        return value

    def __repr__(self) -> str:
        return repr(str(self))

    def __eq__(self, other: object) -> bool:
        if isinstance(other, TextSnapshot):
            return str(self) == str(other)
        return str(self) == other

    def __ne__(self, other: object) -> bool:  # Struct's own __ne__ would compare fields
        return not self == other

    def __hash__(self) -> int:
        return hash(str(self))

    def __len__(self) -> int:
        return len(str(self))

    def __contains__(self, item: str) -> bool:
        return item in str(self)

    def __getitem__(self, key: int | slice) -> str:
        return str(self)[key]

    def __add__(self, other: str) -> str:
        return str(self) + other

    def __radd__(self, other: str) -> str:
        return other + str(self)

    def __getattr__(self, name: str) -> Any:
        # Any other str method (startswith, split, encode ...) on the joined text.
        return getattr(str(self), name)

    def parsed(self) -> Any:
        """The text read as partial JSON (for tool input): see ``parse_partial_json``."""
        return parse_partial_json(str(self))


def parse_partial_json(text: str) -> Any:
    """Best-effort value of an unfinished JSON document (tool input while it streams).

    Uses jiter's partial mode (a maintained parser, the one the official SDK uses); install the
    ``aclaude[partial-json]`` extra. Only called when a snapshot is read.
    """
    if not text or text.isspace():  # nothing but whitespace yet: jiter would reject it
        return {}
    try:
        import jiter
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise ImportError(
            "partial tool-input snapshots need jiter: pip install 'aclaude[partial-json]'"
        ) from exc
    return jiter.from_json(text.encode("utf-8"), partial_mode="trailing-strings")


class AccumulatorState:
    """What ``accumulate`` builds: the message so far plus the parts of its open blocks."""

    __slots__ = ("blocks", "done", "message", "parts", "text_parts")

    def __init__(self) -> None:
        self.message: Message | None = None
        #: block index -> block (the same objects as in message.content)
        self.blocks: dict[int, Any] = {}
        #: block index -> parts of its text / thinking / tool-input JSON, while the block is open
        self.parts: dict[int, list[str]] = {}
        #: the same lists, for open text blocks only: one lookup on the hottest path
        self.text_parts: dict[int, list[str]] = {}
        self.done = False


def accumulate(state: AccumulatorState, event: RawMessageStreamEvent) -> AccumulatorState:
    """Fold one raw stream event into ``state`` (mutated and returned).

    Raises ``APIResponseValidationError`` for an impossible order (a delta before its block,
    content before ``message_start``) or tool input that is not valid JSON at its block's end.
    """
    etype = type(event)
    if etype is RawContentBlockDeltaEvent:
        delta: Any = event.delta  # type: ignore[union-attr]
        if type(delta) is TextDelta:  # nearly every event: a text delta to an open text block
            parts = state.text_parts.get(event.index)  # type: ignore[union-attr]
            if parts is not None:
                parts.append(delta.text)
                return state
        _delta(state, event)  # type: ignore[arg-type]
        return state
    # An event that carried fields this client does not declare is of a subclass made at run
    # time (types._extras): switch on the declared class.
    etype = known_type(etype)
    if etype is RawContentBlockDeltaEvent:
        _delta(state, event)  # type: ignore[arg-type]
    elif etype is RawContentBlockStartEvent:
        _block_start(state, event)  # type: ignore[arg-type]
    elif etype is RawContentBlockStopEvent:
        _block_stop(state, event.index)  # type: ignore[union-attr]
    elif etype is RawMessageDeltaEvent:
        _message_delta(state, event)  # type: ignore[arg-type]
    elif etype is RawMessageStartEvent:
        if state.message is not None:
            raise APIResponseValidationError("a second message_start arrived in one stream")
        msg: Message = event.message  # type: ignore[union-attr]
        # Copy what we will mutate, so the event the caller saw keeps its own values. (replace
        # keeps the class, so fields this client does not declare stay on the copies.)
        state.message = msgspec.structs.replace(
            msg,
            content=[_own_copy(block) for block in msg.content],
            usage=msgspec.structs.replace(msg.usage),
        )
        for i, block in enumerate(state.message.content):
            state.blocks[i] = block
    elif etype is RawMessageStopEvent:
        state.done = True
    # ping, error (raised by the stream layer) and unknown events change nothing.
    return state


def _need_message(state: AccumulatorState, what: str) -> Message:
    if state.message is None:
        raise APIResponseValidationError(f"{what} arrived before message_start")
    return state.message


def _own_copy(block: Any) -> Any:
    """A shallow copy of a block (and of its citations list) that accumulation may mutate."""
    copy = msgspec.structs.replace(block)
    if isinstance(copy, TextBlock) and copy.citations is not None:
        copy.citations = list(copy.citations)
    return copy


def _block_start(state: AccumulatorState, event: RawContentBlockStartEvent) -> None:
    message = _need_message(state, "content_block_start")
    block: Any = _own_copy(event.content_block)
    btype = known_type(type(block))
    # Every open block gets a parts list, so "is this block open?" has one answer for all
    # types; only text, thinking and tool blocks ever collect parts.
    if btype is TextBlock:
        state.parts[event.index] = state.text_parts[event.index] = [block.text] if block.text else []
    elif btype is ThinkingBlock:
        state.parts[event.index] = [block.thinking] if block.thinking else []
    else:
        state.parts[event.index] = []
        if btype is FallbackBlock:
            # The block names the model that serves the rest of the response, as the SDK's
            # beta accumulator relabels the message.
            message.model = block.to.model
    message.content.append(block)
    state.blocks[event.index] = block


def _delta(state: AccumulatorState, event: RawContentBlockDeltaEvent) -> None:
    delta: Any = event.delta
    dtype = known_type(type(delta))
    index = event.index
    if dtype is TextDelta or dtype is InputJSONDelta or dtype is ThinkingDelta:
        parts = state.parts.get(index)
        if parts is None:
            raise APIResponseValidationError(f"{dtype.type} for block {index}, which is not open")
        btype = known_type(type(state.blocks[index]))
        # A delta must match its block's kind; a mismatch is ignored, as the official SDK does.
        if dtype is TextDelta:
            if btype is TextBlock:
                parts.append(delta.text)
        elif dtype is InputJSONDelta:
            if btype in _TOOL_BLOCKS:
                parts.append(delta.partial_json)
        elif btype is ThinkingBlock:
            parts.append(delta.thinking)
        return
    block = state.blocks.get(index)
    if block is None:
        raise APIResponseValidationError(f"{dtype.__name__} for block {index}, which never started")
    btype = known_type(type(block))
    if dtype is SignatureDelta:
        if btype is ThinkingBlock:
            block.signature = delta.signature
    elif dtype is CompactionDelta:
        if btype is CompactionBlock:  # replaces, as the SDK does
            block.content = delta.content
            block.encrypted_content = delta.encrypted_content
    elif dtype is CitationsDelta:
        if btype is TextBlock:
            if block.citations is None:
                block.citations = [delta.citation]
            else:
                block.citations.append(delta.citation)
    # Unknown delta types pass through to the caller as events and change nothing here.


def _block_stop(state: AccumulatorState, index: int, *, cut: bool = False) -> None:
    state.text_parts.pop(index, None)
    parts = state.parts.pop(index, None)
    if parts is None:
        return
    block = state.blocks[index]
    if _join_text(block, parts):
        return
    if known_type(type(block)) in _TOOL_BLOCKS:
        # Tool input: parse the whole JSON once, now that it is complete. A tool called
        # without arguments streams only empty pieces: its input stays the start's {}.
        raw = "".join(parts)
        if not raw:
            return
        if cut:
            block.input = _cut_input(raw, block.input)
            return
        try:
            block.input = msgspec.json.decode(raw)
        except (msgspec.DecodeError, RecursionError) as exc:  # the model's output: anything
            raise APIResponseValidationError(
                f"tool input of block {index} ({block.name}) is not valid JSON: {exc}"
            ) from exc


def _cut_input(raw: str, start: Any) -> Any:
    """Tool input cut off by the end of the message (max_tokens): what the model produced,
    parsed in jiter's partial mode as the official SDK does (``aclaude[partial-json]``);
    without jiter, only input that happens to be complete JSON is kept."""
    try:
        return msgspec.json.decode(raw)
    except msgspec.DecodeError:
        pass
    try:
        import jiter
    except ImportError:  # pragma: no cover - depends on the environment
        return start
    try:
        return jiter.from_json(raw.encode("utf-8"), partial_mode=True)
    except ValueError:
        return start


def _message_delta(state: AccumulatorState, event: RawMessageDeltaEvent) -> None:
    message = _need_message(state, "message_delta")
    # Blocks still open here were cut off (max_tokens arrives with no content_block_stop):
    # close them with what they hold, partial tool input included.
    for index in [i for i, b in state.blocks.items() if i in state.parts]:
        _block_stop(state, index, cut=True)
    delta = event.delta
    message.stop_reason = delta.stop_reason
    message.stop_sequence = delta.stop_sequence
    if delta.stop_details is not None:
        message.stop_details = delta.stop_details
    if delta.container is not None:
        message.container = delta.container
    if event.context_management is not None:
        message.context_management = event.context_management
    if event.input_transformations is not None:  # after a mid-stream fallback: replaces
        message.input_transformations = event.input_transformations
    # Usage on message_delta is cumulative: overwrite; optional counts left out keep their value.
    usage, new = message.usage, event.usage
    usage.output_tokens = new.output_tokens
    for name in _DELTA_USAGE_FIELDS:
        value = getattr(new, name)
        if value is not None:
            setattr(usage, name, value)


#: The optional counts of ``message_delta``'s usage, copied onto the message's when present (its
#: declared fields only: extras stay on the event, as the official SDK's accumulator does).
_DELTA_USAGE_FIELDS = (
    "input_tokens",
    "cache_creation_input_tokens",
    "cache_read_input_tokens",
    "server_tool_use",
    "output_tokens_details",
    "iterations",
    "fallback_credit",
)


def materialize(state: AccumulatorState) -> Message | None:
    """The message so far with every open block's text joined (O(size of the message)).

    Open tool-use blocks keep their input as it was at block start (``{}``): a partial parse
    is available from ``input_json`` snapshots instead.
    """
    for index, parts in state.parts.items():
        _join_text(state.blocks[index], parts)
    return state.message


def _join_text(block: Any, parts: list[str]) -> bool:
    """Set a text or thinking block's string to its parts joined; False for any other block."""
    btype = known_type(type(block))
    if btype is TextBlock:
        block.text = "".join(parts)
    elif btype is ThinkingBlock:
        block.thinking = "".join(parts)
    else:
        return False
    return True


# -- derived events (what MessageStream yields besides the raw events) -----------------------


class _Derived(msgspec.Struct, kw_only=True, gc=False, tag_field="type"):
    """Events made by the client, not sent by the API. Their snapshots are lazy views
    (``TextSnapshot``): use ``str(event.snapshot)``; encoding a derived event shows the view's
    internals, not the text. Wire events encode back to the wire JSON."""

    type: ClassVar[str]  # the tag (tags_as_types, below)


class TextEvent(_Derived, tag="text", kw_only=True):
    """A text delta with the block's text so far (``snapshot``: a lazy ``TextSnapshot``)."""

    text: str
    snapshot: TextSnapshot


class ThinkingEvent(_Derived, tag="thinking", kw_only=True):
    thinking: str
    snapshot: TextSnapshot


class CitationEvent(_Derived, tag="citation", kw_only=True):
    citation: Any
    snapshot: list[Any]  # the block's citations so far (the live list)


class SignatureEvent(_Derived, tag="signature", kw_only=True):
    signature: str


class InputJsonEvent(_Derived, tag="input_json", kw_only=True):
    """A piece of tool-input JSON. ``partial_json_so_far`` is the accumulated text (lazy);
    ``snapshot`` parses it as partial JSON, only when read."""

    partial_json: str
    partial_json_so_far: TextSnapshot

    @property
    def snapshot(self) -> Any:
        return self.partial_json_so_far.parsed()


class CompactionEvent(_Derived, tag="compaction", kw_only=True):
    """A compaction block's content, after its ``compaction_delta`` (as the SDK's beta stream)."""

    content: str | None
    encrypted_content: str | None


tags_as_types(*_Derived.__subclasses__())


class ContentBlockStopEvent(RawContentBlockStopEvent, tag="content_block_stop", kw_only=True):
    """``content_block_stop`` with the finished block."""

    content_block: Any


class MessageStopEvent(RawMessageStopEvent, tag="message_stop", kw_only=True):
    """``message_stop`` with the complete message."""

    message: Message


def derive_delta(state: AccumulatorState, event: RawContentBlockDeltaEvent) -> _Derived | None:
    """The derived event for a delta already folded into ``state`` (None if there is none)."""
    delta: Any = event.delta
    dtype = type(delta)
    index = event.index
    if dtype is TextDelta:  # the common case: the open text blocks are exactly text_parts
        parts = state.text_parts.get(index)
        if parts is not None:
            return TextEvent(text=delta.text, snapshot=TextSnapshot(parts, len(parts)))
        return None
    dtype = known_type(dtype)
    block = state.blocks.get(index)
    btype = known_type(type(block))
    if dtype is TextDelta:  # a text delta that carried undeclared fields
        parts = state.text_parts.get(index)
        if parts is not None:
            return TextEvent(text=delta.text, snapshot=TextSnapshot(parts, len(parts)))
    elif dtype is InputJSONDelta:
        if btype in _TOOL_BLOCKS and index in state.parts:
            parts = state.parts[index]
            return InputJsonEvent(
                partial_json=delta.partial_json, partial_json_so_far=TextSnapshot(parts, len(parts))
            )
    elif dtype is ThinkingDelta:
        if btype is ThinkingBlock and index in state.parts:
            parts = state.parts[index]
            return ThinkingEvent(thinking=delta.thinking, snapshot=TextSnapshot(parts, len(parts)))
    elif dtype is SignatureDelta:
        if btype is ThinkingBlock:
            return SignatureEvent(signature=delta.signature)
    elif dtype is CompactionDelta:
        if btype is CompactionBlock and block is not None:
            return CompactionEvent(content=block.content, encrypted_content=block.encrypted_content)
    elif dtype is CitationsDelta and isinstance(block, TextBlock):
        return CitationEvent(citation=delta.citation, snapshot=block.citations or [])
    return None
