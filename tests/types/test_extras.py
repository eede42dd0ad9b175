"""Fields this client does not declare (``types._extras``): kept, readable, never shadowing.

Every wire struct forbids unknown fields, so a payload with one leaves the one-call C decode
for the slow path, which builds run-time subclasses holding the extras; shapes met once are
then decoded by learned C decoders. These tests pin the rules: every payload encodes back to
exactly itself, declared fields keep their types, an extra never hides a declared name, and a
learned decoder never accepts a payload of another shape.
"""

from __future__ import annotations

import random
from typing import Any

import msgspec
import pytest

import aclaude
from aclaude._exceptions import APIResponseValidationError
from aclaude.testing import FakeAnthropic, Reply
from aclaude.types import _events, extra_fields, known_type
from aclaude.types._events import decode_event
from aclaude.types._extras import convert_keeping_extras

_encode = msgspec.json.encode


def delta_event(delta: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {"type": "content_block_delta", "index": 0, "delta": delta, **extra}


def test_known_payloads_take_the_declared_classes() -> None:
    event = decode_event(_encode(delta_event({"type": "text_delta", "text": "a"})))
    assert type(event) is aclaude.RawContentBlockDeltaEvent
    assert type(event.delta) is aclaude.TextDelta
    assert extra_fields(event) == {} == extra_fields(event.delta)


def test_extras_are_attributes_and_encode_back() -> None:
    wire = delta_event({"type": "text_delta", "text": "a", "weight": 0.5, "tags": ["x"]}, seq=3)
    event = decode_event(_encode(wire))
    assert isinstance(event, aclaude.RawContentBlockDeltaEvent)
    assert known_type(type(event)) is aclaude.RawContentBlockDeltaEvent
    assert isinstance(event.delta, aclaude.TextDelta) and event.delta.text == "a"
    assert event.delta.weight == 0.5  # type: ignore[attr-defined]
    assert event.seq == 3  # type: ignore[attr-defined]
    assert extra_fields(event.delta) == {"weight": 0.5, "tags": ["x"]}
    assert msgspec.to_builtins(event) == wire
    assert msgspec.json.decode(msgspec.json.encode(event)) == wire


@pytest.mark.parametrize(
    "key", ["text", "request_id", "to_param", "__class__", "_private", "content-type", "0", "class"]
)
def test_an_extra_never_shadows_a_declared_name(key: str) -> None:
    block = {"type": "text", "text": "declared", "citations": None}
    message = {
        "id": "msg_1",
        "type": "message",
        "role": "assistant",
        "model": "m",
        "content": [block],
        "usage": {"input_tokens": 1, "output_tokens": 2},
        key: "extra value",
    }
    event = {"type": "message_start", "message": {**message}}
    decoded = decode_event(_encode(event))
    msg = decoded.message  # type: ignore[union-attr]
    assert msg.type == "message"
    assert msg.request_id is None  # still the property
    assert callable(msg.to_param)
    assert msg.__class__ is type(msg) and isinstance(msg, aclaude.Message)
    assert msg.content[0].text == "declared"
    assert extra_fields(msg) == {key: "extra value"}
    assert msgspec.to_builtins(msg) == {k: v for k, v in message.items() if k != "stop_reason"} | {
        "content": [{"type": "text", "text": "declared"}]
    }


def test_declared_fields_keep_their_types() -> None:
    wire = {
        "type": "message_delta",
        "delta": {"stop_reason": "end_turn", "new": 1},
        "usage": {"output_tokens": "many", "new": 2},
    }
    with pytest.raises(APIResponseValidationError):
        decode_event(_encode(wire))


def test_unknown_types_still_win_over_learned_shapes() -> None:
    _events._learned.clear()
    # Teach a shape first, then send an unknown delta type and a text delta of another shape.
    decode_event(_encode(delta_event({"type": "text_delta", "text": "a", "x": 1})))
    unknown = decode_event(_encode(delta_event({"type": "sparkle_delta", "x": 1})))
    assert isinstance(unknown.delta, aclaude.UnknownDelta)  # type: ignore[union-attr]
    other = decode_event(_encode(delta_event({"type": "text_delta", "text": "b", "y": 2})))
    assert extra_fields(other.delta) == {"y": 2}  # type: ignore[union-attr]
    plain = decode_event(_encode(delta_event({"type": "text_delta", "text": "c"})))
    assert type(plain.delta) is aclaude.TextDelta  # type: ignore[union-attr]


def test_random_shapes_round_trip() -> None:
    """Payloads of many shapes (some repeated, so learned decoders serve them) each decode to
    exactly themselves, with the declared classes underneath."""
    _events._learned.clear()
    rng = random.Random(19)
    names = ["a", "b", "c-d", "to_param", "text", "index", "q"]
    deltas = [
        {"type": "text_delta", "text": "t"},
        {"type": "input_json_delta", "partial_json": "{"},
        {"type": "thinking_delta", "thinking": "hm"},
        {"type": "signature_delta", "signature": "s"},
    ]
    for _ in range(300):
        delta = dict(rng.choice(deltas))
        for name in rng.sample(names, rng.randint(0, 2)):
            delta.setdefault(name, rng.choice([1, None, "v", [1, {"z": 2}]]))
        wire = delta_event(delta)
        for name in rng.sample(names, rng.randint(0, 1)):
            wire.setdefault(name, 7)
        event = decode_event(_encode(wire))
        assert msgspec.to_builtins(event) == {k: v for k, v in wire.items()}, wire
        assert known_type(type(event)) is aclaude.RawContentBlockDeltaEvent
        assert known_type(type(event.delta)).type == delta["type"]  # type: ignore[union-attr]


def test_convert_keeping_extras_reports_a_missing_field() -> None:
    with pytest.raises(APIResponseValidationError):
        convert_keeping_extras({"id": "m", "new": 1}, aclaude.Message)


class _Point(msgspec.Struct):
    x: int
    y: int


async def test_parse_keeps_extras(client: aclaude.Client, server: FakeAnthropic) -> None:
    extra = {"x_new": {"n": 1}, "to_param": "field"}
    server.enqueue(Reply.text('{"x": 1, "y": 2}', extra_fields=extra))
    message = await client.messages.parse(
        model="m", max_tokens=10, messages=[{"role": "user", "content": "p"}], output_format=_Point
    )
    assert isinstance(message, aclaude.ParsedMessage)
    assert message.parsed_output == _Point(1, 2)
    assert extra_fields(message) == extra == extra_fields(message.usage) == extra_fields(message.content[0])
    assert message.request_id and callable(message.to_param)
    assert msgspec.to_builtins(message)["to_param"] == "field"


def test_callers_are_typed_and_a_new_caller_type_is_kept_whole() -> None:
    def block(caller: dict[str, Any]) -> Any:
        block = {"type": "tool_use", "id": "t", "name": "n", "input": {}, "caller": caller}
        event = {"type": "content_block_start", "index": 0, "content_block": block}
        decoded = decode_event(_encode(event))
        assert msgspec.to_builtins(decoded) == event
        return decoded.content_block  # type: ignore[union-attr]

    assert block({"type": "direct"}).caller == aclaude.types.DirectCaller()
    new = block({"type": "code_execution_20990101", "tool_id": "s", "depth": 2}).caller
    assert isinstance(new, aclaude.types.UnknownCaller) and new.depth == 2  # type: ignore[attr-defined]
