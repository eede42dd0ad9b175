"""Stream events of the Messages API as a msgspec tagged union, and the one decoder for them.

``decode_event(data)`` turns one SSE ``data`` payload (bytes) into a typed event in a single C
call on the hot path. Only when that fails does it take the slow path, which tells a type it
does not know yet (passed through as an ``Unknown*`` struct with every field kept) from a
payload that is really broken (``APIResponseValidationError``). New event, block, delta or
citation types therefore never break a stream.
"""

from __future__ import annotations

from typing import Any, ClassVar, TypeVar, cast, get_args

import msgspec

from .._exceptions import APIResponseValidationError
from ._message import (
    Citation,
    ContentBlock,
    KnownContentBlock,
    Message,
    OutputTokensDetails,
    ServerToolUsage,
    TextBlock,
    UnknownCitation,
    UnknownContentBlock,
)

__all__ = [
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
    "decode_event",
]


class _Tagged(msgspec.Struct, kw_only=True, omit_defaults=True, gc=False, tag_field="type"):
    type: ClassVar[str]


# -- deltas ----------------------------------------------------------------------------------


class TextDelta(_Tagged, tag="text_delta", kw_only=True):
    type: ClassVar[str] = "text_delta"
    text: str


class InputJSONDelta(_Tagged, tag="input_json_delta", kw_only=True):
    type: ClassVar[str] = "input_json_delta"
    partial_json: str


class CitationsDelta(_Tagged, tag="citations_delta", kw_only=True):
    type: ClassVar[str] = "citations_delta"
    citation: Citation  # or UnknownCitation at run time


class ThinkingDelta(_Tagged, tag="thinking_delta", kw_only=True):
    type: ClassVar[str] = "thinking_delta"
    thinking: str


class SignatureDelta(_Tagged, tag="signature_delta", kw_only=True):
    type: ClassVar[str] = "signature_delta"
    signature: str


class UnknownDelta(msgspec.Struct, kw_only=True, omit_defaults=True):
    """A delta type this client does not know yet (every field kept)."""

    type: str


Delta = TextDelta | InputJSONDelta | CitationsDelta | ThinkingDelta | SignatureDelta

# -- events ----------------------------------------------------------------------------------


class MessageDelta(msgspec.Struct, kw_only=True, omit_defaults=True, gc=False):
    stop_reason: str | None = None
    stop_sequence: str | None = None
    stop_details: Any = None
    container: Any = None


class MessageDeltaUsage(msgspec.Struct, kw_only=True, omit_defaults=True, gc=False):
    """Cumulative usage counts sent with ``message_delta`` (they overwrite, never add)."""

    output_tokens: int
    input_tokens: int | None = None
    cache_creation_input_tokens: int | None = None
    cache_read_input_tokens: int | None = None
    server_tool_use: ServerToolUsage | None = None
    output_tokens_details: OutputTokensDetails | None = None


class ErrorDetail(msgspec.Struct, kw_only=True, omit_defaults=True, gc=False):
    type: str
    message: str | None = None


class RawMessageStartEvent(_Tagged, tag="message_start", kw_only=True):
    type: ClassVar[str] = "message_start"
    message: Message


class RawContentBlockStartEvent(_Tagged, tag="content_block_start", kw_only=True):
    type: ClassVar[str] = "content_block_start"
    index: int
    content_block: ContentBlock


class RawContentBlockDeltaEvent(_Tagged, tag="content_block_delta", kw_only=True):
    type: ClassVar[str] = "content_block_delta"
    index: int
    delta: Delta  # or UnknownDelta at run time


class RawContentBlockStopEvent(_Tagged, tag="content_block_stop", kw_only=True):
    type: ClassVar[str] = "content_block_stop"
    index: int


class RawMessageDeltaEvent(_Tagged, tag="message_delta", kw_only=True):
    type: ClassVar[str] = "message_delta"
    delta: MessageDelta
    usage: MessageDeltaUsage


class RawMessageStopEvent(_Tagged, tag="message_stop", kw_only=True):
    type: ClassVar[str] = "message_stop"


class PingEvent(_Tagged, tag="ping", kw_only=True):
    type: ClassVar[str] = "ping"


class ErrorEvent(_Tagged, tag="error", kw_only=True):
    """``event: error`` in a stream; the stream layer raises it as a typed ``APIStatusError``."""

    type: ClassVar[str] = "error"
    error: ErrorDetail
    request_id: str | None = None


class UnknownEvent(msgspec.Struct, kw_only=True, omit_defaults=True):
    """An event type this client does not know yet (every field kept)."""

    type: str


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
_unknown_types: dict[tuple[type[Any], tuple[str, ...]], type[Any]] = {}
# Names a generated field must not take: they would shadow the struct's own machinery.
_RESERVED = frozenset({"type", "to_param", "request_id"})
_UNKNOWN_TYPE_CACHE_MAX = 512


def decode_unknown(base: type[_S], obj: dict[str, Any]) -> _S:
    """A struct of a subclass of ``base`` whose fields are exactly ``obj``'s keys.

    Subclasses are made with ``msgspec.defstruct`` and cached per key set (bounded), so an
    unknown block gets attribute access and encodes back to exactly what the server sent.
    """
    keys = tuple(k for k in obj if k != "type")
    cache_key = (base, keys)
    cls = _unknown_types.get(cache_key)
    if cls is None:
        # A key that cannot be an attribute name ("frame-rate", "0") gets a safe field name,
        # renamed back to the key on the wire: nothing is lost either way. (Keywords such as
        # "class" are fine: getattr(block, "class") works.)
        fields: list[tuple[str, Any, Any]] = []
        rename: dict[str, str] = {}
        # Generated names must not take a name another key has ("a-b" -> field_0 beside a key
        # "field_0"): one of the two would be lost.
        taken = {key for key in keys if _usable(key)}
        for i, key in enumerate(keys):
            name = key
            if not _usable(key):
                name = f"field_{i}"
                while name in taken:
                    name += "_"
                taken.add(name)
            fields.append((name, Any, None))
            if name != key:
                rename[name] = key
        cls = msgspec.defstruct(
            base.__name__,
            fields,
            bases=(base,),
            kw_only=True,
            omit_defaults=True,
            rename=rename or None,
            module=base.__module__,
        )
        if len(_unknown_types) < _UNKNOWN_TYPE_CACHE_MAX:
            _unknown_types[cache_key] = cls
    return cast(_S, msgspec.convert(obj, cls))


def _usable(key: str) -> bool:
    """Whether a key can be a field's own name."""
    return key.isidentifier() and key not in _RESERVED and not key.startswith("__")


def _typed_or_unknown(obj: Any, known: Any, unknown: type[_S], known_tags: frozenset[str]) -> Any:
    if not isinstance(obj, dict) or not isinstance(obj.get("type"), str):
        raise APIResponseValidationError(f"expected an object with a string 'type', got {obj!r:.200}")
    if obj["type"] in known_tags:
        return _convert(obj, known)
    return decode_unknown(unknown, obj)


def _convert(obj: Any, typ: Any) -> Any:
    try:
        return msgspec.convert(obj, typ)
    except (msgspec.ValidationError, RecursionError) as exc:
        raise APIResponseValidationError(f"malformed stream event: {exc}") from exc


def _tags(union: Any) -> frozenset[str]:
    return frozenset(t.__struct_config__.tag for t in get_args(union))


_BLOCK_TAGS = _tags(KnownContentBlock)
_DELTA_TAGS = _tags(Delta)
_CITATION_TAGS = _tags(Citation)


def _block(obj: Any) -> Any:
    if isinstance(obj, dict) and obj.get("type") == "text" and obj.get("citations"):
        if not isinstance(obj["citations"], list):
            raise APIResponseValidationError(f"text block 'citations' is not a list: {obj!r:.200}")
        # A known text block may still carry citations of a type we do not know.
        citations = [_citation(c) for c in obj["citations"]]
        block = _convert({**obj, "citations": []}, TextBlock)
        block.citations = citations
        return block
    return _typed_or_unknown(obj, KnownContentBlock, UnknownContentBlock, _BLOCK_TAGS)


def message_from_json(message: dict[str, Any]) -> Message:
    """A ``Message`` from its decoded JSON; content blocks of types added after this client was
    written pass through intact (``UnknownContentBlock`` with every field)."""
    content = message.get("content")
    msg: Message = _convert({**message, "content": []}, Message)
    msg.content = [_block(b) for b in content] if isinstance(content, list) else []
    return msg


def _citation(obj: Any) -> Any:
    return _typed_or_unknown(obj, Citation, UnknownCitation, _CITATION_TAGS)


def _delta(obj: Any) -> Any:
    if isinstance(obj, dict) and obj.get("type") == "citations_delta":
        return CitationsDelta(citation=_citation(obj.get("citation")))
    return _typed_or_unknown(obj, Delta, UnknownDelta, _DELTA_TAGS)


def _decode_slow(data: bytes) -> RawMessageStreamEvent:
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
    if etype == "content_block_start":
        block = _block(obj.get("content_block"))
        return RawContentBlockStartEvent(index=_index(obj), content_block=block)
    if etype == "content_block_delta":
        return RawContentBlockDeltaEvent(index=_index(obj), delta=_delta(obj.get("delta")))
    if (
        etype == "message_start"
        and isinstance(obj.get("message"), dict)
        and isinstance(obj["message"].get("content"), list)
    ):
        return RawMessageStartEvent(message=message_from_json(obj["message"]))
    result: RawMessageStreamEvent = _convert(obj, _KnownEvent)  # genuinely malformed: raises
    return result


def _index(obj: dict[str, Any]) -> int:
    index = obj.get("index")
    if not isinstance(index, int) or isinstance(index, bool):
        raise APIResponseValidationError(f"stream event has no integer 'index': {obj!r:.200}")
    return index


def _preview(data: bytes, limit: int = 200) -> str:
    text = data[:limit].decode("utf-8", "replace")
    return text + ("..." if len(data) > limit else "")
