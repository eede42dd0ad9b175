"""Stream events of the Messages API as a msgspec tagged union, and the one decoder for them.

``decode_event(data)`` turns one SSE ``data`` payload (bytes) into a typed event in a single C
call on the hot path. Only when that fails does it take the slow path, which tells a type it
does not know yet (passed through as an ``Unknown*`` struct with every field kept) from a
payload that is really broken (``APIResponseValidationError``). New event, block, delta or
citation types therefore never break a stream.
"""

from __future__ import annotations

from typing import Any, TypeVar, get_args

import msgspec

from .._exceptions import APIResponseValidationError
from ._base import Tagged, Unknown, WireStruct, tags_as_types
from ._extras import convert_keeping_extras, exact_type, register_unknown, unknown_struct
from ._message import (
    Caller,
    Citation,
    Container,
    ContentBlock,
    ContextManagementResponse,
    FallbackCreditUsage,
    KnownContentBlock,
    Message,
    OutputTokensDetails,
    ServerToolUsage,
    StopDetails,
    UnknownCaller,
    UnknownCitation,
    UnknownContentBlock,
)

__all__ = [
    "CompactionDelta",
    "CitationsDelta",
    "Delta",
    "ErrorDetail",
    "ErrorEvent",
    "InputJSONDelta",
    "MessageDelta",
    "MessageDeltaUsage",
    "PingEvent",
    "RawContentBlockDeltaEvent",
    "RawContentBlockStartEvent",
    "RawContentBlockStopEvent",
    "RawMessageDeltaEvent",
    "RawMessageStartEvent",
    "RawMessageStopEvent",
    "RawMessageStreamEvent",
    "SignatureDelta",
    "TextDelta",
    "ThinkingDelta",
    "UnknownDelta",
    "UnknownEvent",
]  # decode_event is the stream layer's, imported from this module; not a wire type


# -- deltas ----------------------------------------------------------------------------------


class TextDelta(Tagged, tag="text_delta", kw_only=True):
    text: str


class InputJSONDelta(Tagged, tag="input_json_delta", kw_only=True):
    partial_json: str


class CitationsDelta(Tagged, tag="citations_delta", kw_only=True):
    citation: Citation  # or UnknownCitation at run time


class ThinkingDelta(Tagged, tag="thinking_delta", kw_only=True):
    thinking: str
    estimated_tokens: int | None = None


class SignatureDelta(Tagged, tag="signature_delta", kw_only=True):
    signature: str


class CompactionDelta(Tagged, tag="compaction_delta", kw_only=True):
    """The compaction block's content (it replaces, it does not append)."""

    content: str | None = None
    encrypted_content: str | None = None


class UnknownDelta(Unknown):
    """A delta type this client does not know yet (every field kept)."""


Delta = TextDelta | InputJSONDelta | CitationsDelta | ThinkingDelta | SignatureDelta | CompactionDelta

# -- events ----------------------------------------------------------------------------------


class MessageDelta(WireStruct, kw_only=True):
    stop_reason: str | None = None
    stop_sequence: str | None = None
    stop_details: StopDetails | None = None
    container: Container | None = None


class MessageDeltaUsage(WireStruct, kw_only=True):
    """Cumulative usage counts sent with ``message_delta`` (they overwrite, never add)."""

    output_tokens: int
    input_tokens: int | None = None
    cache_creation_input_tokens: int | None = None
    cache_read_input_tokens: int | None = None
    server_tool_use: ServerToolUsage | None = None
    output_tokens_details: OutputTokensDetails | None = None
    iterations: list[Any] | None = None
    fallback_credit: FallbackCreditUsage | None = None


class ErrorDetail(WireStruct, kw_only=True):
    type: str
    message: str | None = None


class RawMessageStartEvent(Tagged, tag="message_start", kw_only=True):
    message: Message


class _ContentBlockEvent(Tagged, kw_only=True):
    """What the events of one content block share: the block's place in ``message.content``
    (a private base: ``index`` stays the first field, so the wire order is unchanged)."""

    index: int


class RawContentBlockStartEvent(_ContentBlockEvent, tag="content_block_start", kw_only=True):
    content_block: ContentBlock


class RawContentBlockDeltaEvent(_ContentBlockEvent, tag="content_block_delta", kw_only=True):
    delta: Delta  # or UnknownDelta at run time


class RawContentBlockStopEvent(_ContentBlockEvent, tag="content_block_stop", kw_only=True):
    """The end of block ``index``: its content is complete."""


class RawMessageDeltaEvent(Tagged, tag="message_delta", kw_only=True):
    delta: MessageDelta
    usage: MessageDeltaUsage
    context_management: ContextManagementResponse | None = None
    input_transformations: list[Any] | None = None


class RawMessageStopEvent(Tagged, tag="message_stop", kw_only=True):
    """The end of the message: nothing follows in this stream."""


class PingEvent(Tagged, tag="ping", kw_only=True):
    """A keep-alive the API may send at any point of a stream."""


class ErrorEvent(Tagged, tag="error", kw_only=True):
    """``event: error`` in a stream; the stream layer raises it as a typed ``APIStatusError``."""

    error: ErrorDetail
    request_id: str | None = None


class UnknownEvent(Unknown):
    """An event type this client does not know yet (every field kept)."""


_KnownEvent = (
    RawContentBlockDeltaEvent
    | RawContentBlockStartEvent
    | RawContentBlockStopEvent
    | RawMessageStartEvent
    | RawMessageDeltaEvent
    | RawMessageStopEvent
    | PingEvent
    | ErrorEvent
)
RawMessageStreamEvent = _KnownEvent | UnknownEvent
tags_as_types(Delta, _KnownEvent)

# The hot path: one decoder, built once at import (msgspec "performance tips").
event_decoder: msgspec.json.Decoder[_KnownEvent] = msgspec.json.Decoder(_KnownEvent)
_KNOWN_EVENT_TYPES = frozenset(t.type for t in get_args(_KnownEvent))


def decode_event(data: bytes) -> RawMessageStreamEvent:
    """Decode one SSE ``data`` payload into a typed event.

    Raises ``APIResponseValidationError`` for data that is not JSON, not UTF-8, or a known type
    with the wrong shape.
    """
    try:
        return event_decoder.decode(data)
    except msgspec.ValidationError:
        return _decode_slow(data)
    except _UNDECODABLE as exc:
        raise APIResponseValidationError(
            f"stream event is not valid JSON: {exc}; data: {_preview(data)}"
        ) from exc


# What msgspec raises for bytes that are not the JSON we can take: malformed, not UTF-8, or
# nested deeper than its recursion limit (about 1,000 levels: 2 KB from a hostile server).
_UNDECODABLE = (msgspec.DecodeError, UnicodeDecodeError, RecursionError)


# -- slow path: forward compatibility --------------------------------------------------------

_S = TypeVar("_S", bound=msgspec.Struct)

register_unknown(KnownContentBlock, UnknownContentBlock)
register_unknown(Citation, UnknownCitation)
register_unknown(Caller, UnknownCaller)
register_unknown(Delta, UnknownDelta)
register_unknown(_KnownEvent, UnknownEvent)


def decode_unknown(base: type[_S], obj: dict[str, Any]) -> _S:
    """A struct of a subclass of ``base`` whose fields are exactly ``obj``'s keys.

    Subclasses are made with ``msgspec.defstruct`` and cached per key set (bounded), so an
    unknown block gets attribute access and encodes back to exactly what the server sent.
    """
    return unknown_struct(base, obj)


def message_from_json(message: dict[str, Any]) -> Message:
    """A ``Message`` from its decoded JSON; content blocks of types added after this client was
    written pass through intact (``UnknownContentBlock`` with every field), and so do fields
    added to known types."""
    result: Message = convert_keeping_extras(message, Message)
    return result


# Decoders for the shapes the slow path has met (see ``_extras.exact_type``), newest last: when the
# API adds a field to every delta, each delta costs two C calls instead of the slow path.
_learned: dict[type[Any], msgspec.json.Decoder[Any]] = {}
_LEARNED_MAX = 8


def _decode_slow(data: bytes) -> RawMessageStreamEvent:
    # A new type (event, block, delta, citation) or a new field on a known one; the object is
    # rebuilt with everything kept (see ``_extras``), or the payload is really malformed.
    for decoder in tuple(_learned.values()):  # a snapshot: another thread may add one
        try:
            learned: RawMessageStreamEvent = decoder.decode(data)
            return learned
        except msgspec.DecodeError:
            continue
    event = _rebuild(data)
    shape = exact_type(event)
    if shape is not None:
        if len(_learned) >= _LEARNED_MAX:  # the oldest shape goes: the API's current one stays
            del _learned[next(iter(_learned))]
        _learned[shape] = msgspec.json.Decoder(shape)
    return event


def _rebuild(data: bytes) -> RawMessageStreamEvent:
    try:
        obj = msgspec.json.decode(data)
    except _UNDECODABLE as exc:
        raise APIResponseValidationError(
            f"stream event is not valid JSON: {exc}; data: {_preview(data)}"
        ) from exc
    if not isinstance(obj, dict) or not isinstance(obj.get("type"), str):
        raise APIResponseValidationError(f"stream event has no string 'type': {_preview(data)}")
    etype = obj["type"]
    if etype not in _KNOWN_EVENT_TYPES:
        return decode_unknown(UnknownEvent, obj)
    if etype in ("content_block_start", "content_block_delta", "content_block_stop"):
        _index(obj)
    result: RawMessageStreamEvent = convert_keeping_extras(obj, _KnownEvent)
    return result


def _index(obj: dict[str, Any]) -> int:
    index = obj.get("index")
    if not isinstance(index, int) or isinstance(index, bool):
        raise APIResponseValidationError(f"stream event has no integer 'index': {obj!r:.200}")
    return index


def _preview(data: bytes, limit: int = 200) -> str:
    text = data[:limit].decode("utf-8", "replace")
    return text + ("..." if len(data) > limit else "")
