"""Structured output: ``messages.parse`` / ``messages.stream(output_format=...)`` over loopback
HTTP, the strict schema sent, validation by msgspec, and the failures that must not pass."""

from __future__ import annotations

import dataclasses
from typing import Annotated, Any, Literal

import msgspec
import pytest

import aclaude
from aclaude._json_schema import strict_schema, validator_for
from aclaude.streaming._parse import StructuredOutputError
from aclaude.testing import FakeAnthropic, Reply

PARAMS: dict[str, Any] = {
    "model": "claude-sonnet-4-6",
    "max_tokens": 1024,
    "messages": [{"role": "user", "content": "Extract the contact"}],
}


class Address(msgspec.Struct):
    city: str
    zip_code: Annotated[str, msgspec.Meta(min_length=5)]


class Contact(msgspec.Struct):
    name: str
    email: str
    age: Annotated[int, msgspec.Meta(ge=0, le=150)]
    tags: list[str]
    kind: Literal["person", "company"]
    address: Address | None = None


SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "name": {"type": "string"},
        "score": {"type": "number", "minimum": 0, "maximum": 10},
        "labels": {"type": "array", "items": {"type": "string", "enum": ["a", "b"]}, "minItems": 1},
        "nickname": {"type": ["string", "null"]},
    },
    "required": ["name", "score", "labels"],
    "additionalProperties": False,
}


def reply_text(text: str, stop_reason: str = "end_turn") -> Reply:
    return Reply.text(text, stop_reason=stop_reason)


async def test_parse_into_a_struct(client: aclaude.Client, server: FakeAnthropic) -> None:
    message = await client.messages.parse(**PARAMS, output_format=Contact)
    assert isinstance(message, aclaude.ParsedMessage) and isinstance(message, aclaude.Message)
    contact = message.parsed_output
    assert isinstance(contact, Contact)
    assert (
        contact.kind in ("person", "company")
        and contact.tags == ["lorem ipsum"]
        and contact.address is not None
    )
    # The wire JSON of the message is unchanged (parsed_output is not a field).
    assert "parsed_output" not in msgspec.to_builtins(message)
    assert message.request_id
    # The request carried the strict schema in output_config.format.
    fmt = server.requests[0].json["output_config"]["format"]
    assert fmt["type"] == "json_schema"
    contact_schema = fmt["schema"]["$defs"]["Contact"]
    assert contact_schema["additionalProperties"] is False
    assert contact_schema["properties"]["age"]["description"] == "{minimum: 0, maximum: 150}"
    assert server.requests[0].json["stream"] is True


async def test_parse_with_a_schema_dict(client: aclaude.Client, server: FakeAnthropic) -> None:
    message = await client.messages.parse(**PARAMS, output_format=SCHEMA)
    assert message.parsed_output == {
        "name": "lorem ipsum",
        "score": 1.5,
        "labels": ["a"],
        "nickname": "lorem ipsum",
    }
    sent = server.requests[0].json["output_config"]["format"]["schema"]
    assert sent["properties"]["nickname"] == {"anyOf": [{"type": "string"}, {"type": "null"}]}


async def test_parse_with_output_config_format_only(client: aclaude.Client, server: FakeAnthropic) -> None:
    config = {"format": {"type": "json_schema", "schema": SCHEMA}, "effort": "low"}
    message = await client.messages.parse(**PARAMS, output_config=config)
    assert message.parsed_output is not None and message.parsed_output["labels"] == ["a"]
    assert server.requests[0].json["output_config"] == config  # sent exactly as given


async def test_parse_merges_output_config(client: aclaude.Client, server: FakeAnthropic) -> None:
    await client.messages.parse(**PARAMS, output_format=Address, output_config={"effort": "high"})
    config = server.requests[0].json["output_config"]
    assert config["effort"] == "high" and config["format"]["type"] == "json_schema"
    with pytest.raises(ValueError, match="not both"):
        await client.messages.parse(
            **PARAMS,
            output_format=Address,
            output_config={"format": {"type": "json_schema", "schema": SCHEMA}},
        )


async def test_reply_that_fails_validation(client: aclaude.Client, server: FakeAnthropic) -> None:
    server.enqueue(reply_text('{"city": "Paris", "zip_code": "75"}'))
    with pytest.raises(StructuredOutputError, match="zip_code") as info:
        await client.messages.parse(**PARAMS, output_format=Address)
    assert isinstance(info.value, aclaude.APIResponseValidationError)
    assert info.value.text == '{"city": "Paris", "zip_code": "75"}'
    assert info.value.response_message.stop_reason == "end_turn"


async def test_schema_dict_validation_failures(client: aclaude.Client, server: FakeAnthropic) -> None:
    bad = [
        '{"name": "x", "score": 11, "labels": ["a"]}',  # maximum
        '{"name": "x", "score": 1, "labels": ["c"]}',  # enum
        '{"name": "x", "score": 1, "labels": []}',  # minItems
        '{"name": "x", "score": 1, "labels": ["a"], "extra": 1}',  # closed object
        '{"score": 1, "labels": ["a"]}',  # required
    ]
    for text in bad:
        server.enqueue(reply_text(text))
        with pytest.raises(StructuredOutputError):
            await client.messages.parse(**PARAMS, output_format=SCHEMA)


async def test_truncated_reply_says_max_tokens(client: aclaude.Client, server: FakeAnthropic) -> None:
    server.enqueue(reply_text('{"city": "Par', stop_reason="max_tokens"))
    with pytest.raises(StructuredOutputError, match="max_tokens"):
        await client.messages.parse(**PARAMS, output_format=Address)


async def test_refusal_is_not_parsed(client: aclaude.Client, server: FakeAnthropic) -> None:
    server.enqueue(reply_text("I can't help with that.", stop_reason="refusal"))
    with pytest.raises(StructuredOutputError, match="refused"):
        await client.messages.parse(**PARAMS, output_format=Address)


async def test_no_text_means_no_parsed_output(client: aclaude.Client, server: FakeAnthropic) -> None:
    from aclaude.testing import ToolUseBlock

    server.enqueue(Reply.message([ToolUseBlock("lookup", {"q": "x"})]))
    message = await client.messages.parse(**PARAMS, output_format=Address, tools=[{"name": "lookup"}])
    assert message.parsed_output is None and message.stop_reason == "tool_use"


async def test_parse_without_a_format(client: aclaude.Client) -> None:
    message = await client.messages.parse(**PARAMS)
    assert message.parsed_output is None and message.content


async def test_stream_gives_the_parsed_object_at_the_end(
    client: aclaude.Client, server: FakeAnthropic
) -> None:
    texts: list[str] = []
    async with client.messages.stream(**PARAMS, output_format=Contact) as stream:
        stream.on("text", lambda delta, snapshot: texts.append(delta))
        message = await stream.get_final_message()
    assert isinstance(message, aclaude.ParsedMessage)
    assert isinstance(message.parsed_output, Contact)
    assert msgspec.json.decode("".join(texts).encode(), type=Contact) == message.parsed_output
    assert server.requests[0].json["output_config"]["format"]["type"] == "json_schema"


async def test_stream_without_output_format_is_unchanged(
    client: aclaude.Client, server: FakeAnthropic
) -> None:
    async with client.messages.stream(**PARAMS) as stream:
        message = await stream.get_final_message()
    assert not isinstance(message, aclaude.ParsedMessage)
    assert "output_config" not in server.requests[0].json


async def test_count_tokens_with_output_format(client: aclaude.Client, server: FakeAnthropic) -> None:
    count = await client.messages.count_tokens(
        model=PARAMS["model"], messages=PARAMS["messages"], output_format=Address
    )
    assert count.input_tokens >= 1
    sent = server.requests[0].json
    assert sent["output_config"]["format"]["schema"]["$defs"]["Address"]["type"] == "object"
    assert "stream" not in sent


async def test_other_msgspec_types(client: aclaude.Client) -> None:
    @dataclasses.dataclass
    class Point:
        x: int
        y: int

    message = await client.messages.parse(**PARAMS, output_format=list[Point])
    assert message.parsed_output == [Point(1, 1)]
    with pytest.raises(TypeError, match="output_format"):
        await client.messages.parse(**PARAMS, output_format=object)


# -- the schema helpers ----------------------------------------------------------------------------


def test_strict_schema_closes_objects_and_notes_unsupported_keywords() -> None:
    schema = strict_schema(
        {
            "type": "object",
            "description": "A thing",
            "properties": {
                "n": {"type": "integer", "minimum": 1},
                "s": {"type": "string", "format": "email", "maxLength": 9},
                "u": {"oneOf": [{"type": "string"}, {"type": "integer"}]},
                "t": {"type": "string", "format": "custom-thing"},
            },
            "additionalProperties": True,
        }
    )
    assert schema["additionalProperties"] is False
    assert schema["description"] == "A thing"
    props = schema["properties"]
    assert props["n"] == {"type": "integer", "description": "{minimum: 1}"}
    assert props["s"] == {"type": "string", "format": "email", "description": "{maxLength: 9}"}
    assert props["u"] == {"anyOf": [{"type": "string"}, {"type": "integer"}]}
    assert props["t"] == {"type": "string", "description": '{format: "custom-thing"}'}
    with pytest.raises(TypeError):
        strict_schema([])  # type: ignore[arg-type]


def test_validator_for_refs_unions_and_constraints() -> None:
    schema = {
        "$defs": {
            "Node": {
                "type": "object",
                "properties": {
                    "v": {"type": "integer"},
                    "next": {"anyOf": [{"$ref": "#/$defs/Node"}, {"type": "null"}]},
                },
                "required": ["v"],
            }
        },
        "$ref": "#/$defs/Node",
    }
    node = validator_for(schema)
    msgspec.convert({"v": 1, "next": {"v": 2, "next": None}}, node)  # recursion accepted
    with pytest.raises(msgspec.ValidationError):
        msgspec.convert({"v": "one"}, node)
    text = validator_for({"type": "string", "minLength": 2, "pattern": "^a"})
    msgspec.convert("ab", text)
    for bad in ("a", "ba"):
        with pytest.raises(msgspec.ValidationError):
            msgspec.convert(bad, text)
    const = validator_for({"const": "x"})
    with pytest.raises(msgspec.ValidationError):
        msgspec.convert("y", const)
    mapping = validator_for({"type": "object", "additionalProperties": {"type": "integer"}})
    msgspec.convert({"a": 1}, mapping)
    with pytest.raises(msgspec.ValidationError):
        msgspec.convert({"a": "1"}, mapping)
    assert validator_for({}) is Any
