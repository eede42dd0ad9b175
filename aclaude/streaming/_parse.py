"""Structured output: ``messages.parse(..., output_format=T)`` and ``messages.stream(..., output_format=T)``.

``output_format`` is a type msgspec can decode into (a ``msgspec.Struct`` subclass, a dataclass,
``list[Item]`` ...) or a JSON schema as a dict. It is sent as
``output_config={"format": {"type": "json_schema", "schema": ...}}`` (the schema made strict by
``_json_schema.strict_schema``) and the reply's text is decoded and validated by msgspec: into an
instance of the type, or, for a dict schema, into plain JSON values checked against it.

The result is a ``ParsedMessage``: the ``Message`` itself (same fields, same wire JSON) with
``parsed_output``. A reply that does not match (truncated by ``max_tokens``, a refusal, a
validation failure) raises ``StructuredOutputError`` carrying the message and its text, rather
than returning a half-parsed object.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Generic, TypeVar, cast

import msgspec

from .._exceptions import StructuredOutputError
from .._json_schema import strict_schema, validator_for
from ..types._extras import rebase
from ..types._message import Message, TextBlock
from ._event_stream import EventStream
from ._message_stream import MessageStream, MessageStreamManager

__all__ = [
    "OutputFormat",
    "ParsedMessage",
    "ParsedMessageStream",
    "ParsedMessageStreamManager",
    "StructuredOutputError",
    "apply_output_format",
    "parse_message",
]

_T = TypeVar("_T")


class OutputFormat(Generic[_T]):
    """A requested output format: the JSON schema to send and the decoder of the reply."""

    __slots__ = ("_decoder", "_validator", "schema", "spec")

    def __init__(self, spec: type[_T] | Mapping[str, Any]) -> None:
        self.spec = spec
        self._decoder: msgspec.json.Decoder[Any] | None = None
        self._validator: Any = None
        if isinstance(spec, Mapping):
            schema: Mapping[str, Any] = spec
            if schema.get("type") == "json_schema" and isinstance(schema.get("schema"), Mapping):
                schema = schema["schema"]  # an output_config "format" object was passed whole
            raw = dict(schema)
            self._validator = validator_for(raw)
        else:
            try:
                raw = msgspec.json.schema(spec)
                self._decoder = msgspec.json.Decoder(spec)
            except (TypeError, ValueError) as exc:
                raise TypeError(
                    f"output_format must be a type msgspec can decode (a msgspec.Struct, a dataclass, "
                    f"list[...] ...) or a JSON schema dict; {spec!r} is not: {exc}"
                ) from exc
        #: The strict schema sent to the API.
        self.schema = strict_schema(raw)

    def param(self) -> dict[str, Any]:
        """The ``output_config.format`` value."""
        return {"type": "json_schema", "schema": self.schema}

    def decode(self, text: str) -> _T:
        """The reply's text decoded and validated (raises ``msgspec.DecodeError``)."""
        data = text.encode("utf-8")
        if self._decoder is not None:
            return cast(_T, self._decoder.decode(data))
        value = msgspec.json.decode(data)
        msgspec.convert(value, self._validator)  # validation only: the value stays plain JSON
        return cast(_T, value)


def apply_output_format(
    params: dict[str, Any], output_format: Any
) -> tuple[dict[str, Any], OutputFormat[Any] | None]:
    """``params`` with ``output_format`` merged into ``output_config.format``, and the format to
    parse the reply with (also when the schema came as ``output_config={"format": ...}``)."""
    output_config = params.get("output_config")
    given = output_config.get("format") if isinstance(output_config, Mapping) else None
    if output_format is None:
        if isinstance(given, Mapping) and given.get("type") == "json_schema":
            return params, OutputFormat(given)
        return params, None
    if given is not None:
        raise ValueError("pass either output_format or output_config={'format': ...}, not both")
    fmt = OutputFormat(output_format)
    params = {**params, "output_config": {**(output_config or {}), "format": fmt.param()}}
    return params, fmt


class ParsedMessage(Message, Generic[_T]):
    """A ``Message`` whose text was decoded as the requested output format.

    Its fields and wire JSON are the message's own; ``parsed_output`` is not a wire field.
    """

    @property
    def parsed_output(self) -> _T | None:
        """The decoded output (None when the reply has no text, e.g. it stopped for a tool)."""
        value: _T | None = self.__dict__.get("_parsed_output")
        return value


def parse_message(message: Message, fmt: OutputFormat[_T] | None) -> ParsedMessage[_T]:
    """``message`` as a ``ParsedMessage`` (raises ``StructuredOutputError`` if it does not parse;
    without a format, ``parsed_output`` is None)."""
    parsed: ParsedMessage[_T] = rebase(message, ParsedMessage)  # fields newer than aclaude kept
    parsed.__dict__.update(message.__dict__)  # the request id and other non-wire attributes
    texts = [b.text for b in message.content if isinstance(b, TextBlock)]
    if fmt is None or not texts:
        parsed.__dict__["_parsed_output"] = None
        return parsed
    text = "".join(texts)
    if message.stop_reason == "refusal":
        raise StructuredOutputError(
            "the model refused to answer (stop_reason 'refusal'); there is no structured output",
            response_message=message,
            text=text,
        )
    try:
        value = fmt.decode(text)
    except (msgspec.DecodeError, UnicodeDecodeError, RecursionError) as exc:
        why = (
            " (the reply was cut by max_tokens; raise max_tokens)"
            if message.stop_reason == "max_tokens"
            else ""
        )
        raise StructuredOutputError(
            f"the reply does not match output_format{why}: {exc}", response_message=message, text=text
        ) from exc
    parsed.__dict__["_parsed_output"] = value
    return parsed


class ParsedMessageStream(MessageStream, Generic[_T]):
    """A ``MessageStream`` whose final message is a ``ParsedMessage`` (parsed once, at the end)."""

    def __init__(self, events: EventStream, output_format: OutputFormat[_T]) -> None:
        super().__init__(events)
        self._output_format = output_format
        self._parsed: ParsedMessage[_T] | None = None

    async def get_final_message(self) -> ParsedMessage[_T]:
        """The complete message with ``parsed_output`` (consumes the rest of the stream)."""
        if self._parsed is None:
            message = await super().get_final_message()
            self._parsed = parse_message(message, self._output_format)
        return self._parsed


class ParsedMessageStreamManager(MessageStreamManager, Generic[_T]):
    """``async with client.messages.stream(..., output_format=T) as stream``."""

    __slots__ = ()

    def __init__(self, events: EventStream, output_format: OutputFormat[_T]) -> None:
        self._stream = ParsedMessageStream(events, output_format)

    async def __aenter__(self) -> ParsedMessageStream[_T]:
        stream = await self._stream.__aenter__()
        return cast("ParsedMessageStream[_T]", stream)
