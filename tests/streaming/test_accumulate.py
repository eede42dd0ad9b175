"""The pure accumulator (aclaude.streaming._accumulate): raw events folded into the final Message, lazy
text snapshots and the derived events."""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

import msgspec
import pytest
from _helpers import (
    MESSAGE_ID,
    MESSAGE_STOP,
    MODEL,
    PING,
    block_start,
    block_stop,
    delta,
    drop_nulls,
    ev,
    json_delta,
    message_delta,
    message_start,
    text_delta,
    text_stream,
)
from hypothesis import given, settings
from hypothesis import strategies as st

import aclaude
import aclaude.streaming._accumulate as acc_mod
from aclaude.streaming._accumulate import (
    AccumulatorState,
    CitationEvent,
    InputJsonEvent,
    SignatureEvent,
    TextEvent,
    TextSnapshot,
    ThinkingEvent,
    accumulate,
    derive_delta,
    materialize,
    parse_partial_json,
)
from aclaude.types._events import RawContentBlockDeltaEvent, TextDelta


def run(events: Iterable[dict[str, Any]], state: AccumulatorState | None = None) -> AccumulatorState:
    state = state if state is not None else AccumulatorState()
    for e in events:
        assert accumulate(state, ev(e)) is state
    return state


def final(events: Iterable[dict[str, Any]]) -> dict[str, Any]:
    msg = materialize(run(events))
    assert msg is not None
    return msgspec.to_builtins(msg)


def expected_message(content: list[dict[str, Any]], **changes: Any) -> dict[str, Any]:
    msg = {**message_start()["message"], "content": content, "stop_reason": "end_turn"}
    msg["usage"] = {**msg["usage"], "output_tokens": 15}
    msg.update(changes)
    return drop_nulls(msg)


CHAR_CITATION = {
    "type": "char_location",
    "cited_text": "The grass is green.",
    "document_index": 0,
    "document_title": "Facts",
    "start_char_index": 0,
    "end_char_index": 20,
}
PAGE_CITATION = {
    "type": "page_location",
    "cited_text": "The sky is blue.",
    "document_index": 1,
    "document_title": "More facts",
    "start_page_number": 2,
    "end_page_number": 3,
}
TOOL = {"type": "tool_use", "id": "toolu_01A09q90qw90lq917835lq9", "name": "get_weather", "input": {}}


# -- whole messages --------------------------------------------------------------------------


def test_text_stream_accumulates_to_the_message() -> None:
    state = run(text_stream(["Hello", ", ", "w\u00f6rld", " \U0001f30d"]))
    assert state.done is True
    assert state.parts == {}  # every block closed
    msg = materialize(state)
    assert type(msg) is aclaude.Message
    assert msgspec.to_builtins(msg) == expected_message(
        [{"type": "text", "text": "Hello, w\u00f6rld \U0001f30d"}]
    )
    assert (msg.id, msg.model, msg.stop_reason) == (MESSAGE_ID, MODEL, "end_turn")


def test_done_only_after_message_stop() -> None:
    events = text_stream(["a"])
    state = run(events[:-1])
    assert state.done is False
    run(events[-1:], state)
    assert state.done is True


def test_text_block_starting_with_text() -> None:
    events = [
        message_start(),
        block_start(0, {"type": "text", "text": "Pre"}),
        text_delta(0, "fix"),
        block_stop(0),
        message_delta(),
        MESSAGE_STOP,
    ]
    assert final(events)["content"] == [{"type": "text", "text": "Prefix"}]


def test_empty_text_block() -> None:
    events = [message_start(), block_start(0, {"type": "text", "text": ""}), block_stop(0), message_delta()]
    assert final(events)["content"] == [{"type": "text", "text": ""}]


def test_thinking_then_text() -> None:
    events = [
        message_start(),
        block_start(0, {"type": "thinking", "thinking": "", "signature": ""}),
        delta(0, {"type": "thinking_delta", "thinking": "Let me "}),
        delta(0, {"type": "thinking_delta", "thinking": "think."}),
        delta(
            0,
            {"type": "signature_delta", "signature": "EqQBCgIYAhIM1gbcDa9GJwZA2b3hGgxBdjrkzLoky3dl1pkiMOYds"},
        ),
        block_stop(0),
        block_start(1, {"type": "redacted_thinking", "data": "EmwKAhgBEgy3va3p"}),
        block_stop(1),
        block_start(2, {"type": "text", "text": ""}),
        text_delta(2, "42"),
        block_stop(2),
        message_delta(),
        MESSAGE_STOP,
    ]
    assert final(events) == expected_message(
        [
            {
                "type": "thinking",
                "thinking": "Let me think.",
                "signature": "EqQBCgIYAhIM1gbcDa9GJwZA2b3hGgxBdjrkzLoky3dl1pkiMOYds",
            },
            {"type": "redacted_thinking", "data": "EmwKAhgBEgy3va3p"},
            {"type": "text", "text": "42"},
        ]
    )


def test_tool_use_input_is_parsed_once_at_block_stop() -> None:
    obj = {"location": "San Francisco, CA", "unit": "celsius", "days": [1, 2, 3], "nested": {"a": None}}
    raw = json.dumps(obj)
    pieces = ["", raw[:1], raw[1:10], raw[10:11], raw[11:30], raw[30:]]
    assert "".join(pieces) == raw
    state = run([message_start(), block_start(0, TOOL), *(json_delta(0, p) for p in pieces)])
    block = state.blocks[0]
    assert block.input == {}  # not parsed while streaming
    assert materialize(state).content[0].input == {}  # nor by a mid-stream materialize
    run([block_stop(0), message_delta("tool_use"), MESSAGE_STOP], state)
    assert block.input == obj
    assert msgspec.to_builtins(materialize(state))["content"] == [{**TOOL, "input": obj}]
    assert state.message.stop_reason == "tool_use"


def test_server_tool_use_input_is_parsed() -> None:
    server = {"type": "server_tool_use", "id": "srvtoolu_01", "name": "web_search", "input": {}}
    events = [
        message_start(),
        block_start(0, server),
        json_delta(0, '{"query": '),
        json_delta(0, '"weather"}'),
        block_stop(0),
    ]
    assert final(events)["content"] == [{**server, "input": {"query": "weather"}}]


def test_tool_use_without_input_deltas_keeps_its_input() -> None:
    events = [message_start(), block_start(0, {**TOOL, "input": {"preset": 1}}), block_stop(0)]
    assert final(events)["content"][0]["input"] == {"preset": 1}


def test_tool_use_with_only_empty_json_deltas_keeps_empty_input() -> None:
    events = [message_start(), block_start(0, TOOL), json_delta(0, ""), block_stop(0)]
    assert final(events)["content"][0]["input"] == {}


_json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(2**63), 2**63 - 1)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=10),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=6), inner, max_size=4),
    max_leaves=15,
)


@settings(max_examples=150, deadline=None)
@given(obj=st.dictionaries(st.text(max_size=8), _json_values, max_size=6), data=st.data())
def test_tool_input_split_anywhere_parses_to_the_original(obj: dict[str, Any], data: st.DataObject) -> None:
    raw = json.dumps(obj, ensure_ascii=data.draw(st.booleans(), label="ascii"))
    points = sorted(data.draw(st.lists(st.integers(0, len(raw)), max_size=10), label="split"))
    pieces = [raw[a:b] for a, b in zip([0, *points], [*points, len(raw)], strict=True)]
    assert "".join(pieces) == raw
    state = run([message_start(), block_start(0, TOOL), *(json_delta(0, p) for p in pieces), block_stop(0)])
    assert state.blocks[0].input == obj
    assert state.message.content[0].input == obj


def test_citations_are_appended() -> None:
    events = [
        message_start(),
        block_start(0, {"type": "text", "text": "", "citations": None}),
        text_delta(0, "Grass is green"),
        delta(0, {"type": "citations_delta", "citation": CHAR_CITATION}),
        text_delta(0, " and the sky blue."),
        delta(0, {"type": "citations_delta", "citation": PAGE_CITATION}),
        block_stop(0),
        message_delta(),
    ]
    content = final(events)["content"]
    assert content == [
        {
            "type": "text",
            "text": "Grass is green and the sky blue.",
            "citations": [CHAR_CITATION, PAGE_CITATION],
        }
    ]


def test_citations_appended_to_initial_list() -> None:
    events = [
        message_start(),
        block_start(0, {"type": "text", "text": "", "citations": [CHAR_CITATION]}),
        delta(0, {"type": "citations_delta", "citation": PAGE_CITATION}),
        block_stop(0),
    ]
    assert final(events)["content"][0]["citations"] == [CHAR_CITATION, PAGE_CITATION]


def test_message_delta_usage_overwrites_and_keeps_absent_fields() -> None:
    start_usage = {
        "input_tokens": 10,
        "output_tokens": 1,
        "cache_creation_input_tokens": 3,
        "cache_read_input_tokens": 4,
        "server_tool_use": {"web_search_requests": 0},
        "service_tier": "standard",
        "cache_creation": {"ephemeral_5m_input_tokens": 3},
    }
    state = run([message_start(usage=start_usage), message_delta("end_turn", {"output_tokens": 50})])
    usage = msgspec.to_builtins(state.message.usage)
    assert usage == {**start_usage, "output_tokens": 50}

    run(
        [
            message_delta(
                "max_tokens",
                {
                    "output_tokens": 60,
                    "input_tokens": 12,
                    "cache_read_input_tokens": 0,
                    "server_tool_use": {"web_search_requests": 2, "web_fetch_requests": 1},
                    "output_tokens_details": {"thinking_tokens": 9},
                },
            )
        ],
        state,
    )
    usage = msgspec.to_builtins(state.message.usage)
    assert usage == {
        "input_tokens": 12,  # cumulative: overwritten, not added
        "output_tokens": 60,  # not 50 + 60
        "cache_creation_input_tokens": 3,  # absent: kept
        "cache_read_input_tokens": 0,  # a zero overwrites too
        "server_tool_use": {"web_search_requests": 2, "web_fetch_requests": 1},
        "output_tokens_details": {"thinking_tokens": 9},
        "service_tier": "standard",
        "cache_creation": {"ephemeral_5m_input_tokens": 3},
    }
    assert state.message.stop_reason == "max_tokens"


def test_message_delta_stop_fields_and_container() -> None:
    container = {"id": "container_011CNha8", "expires_at": "2025-05-09T17:03:33Z"}
    state = run(
        [
            message_start(),
            message_delta(
                "stop_sequence", {"output_tokens": 2}, stop_sequence="\n\nHuman:", container=container
            ),
        ]
    )
    msg = state.message
    assert (msg.stop_reason, msg.stop_sequence) == ("stop_sequence", "\n\nHuman:")
    assert msgspec.to_builtins(msg.container) == container
    run([message_delta("refusal", {"output_tokens": 3}, stop_details={"type": "refusal"})], state)
    assert (msg.stop_reason, msg.stop_sequence) == ("refusal", None)
    assert msgspec.to_builtins(msg.stop_details) == {"type": "refusal"}
    assert msgspec.to_builtins(msg.container) == container  # absent (null) later: kept


def test_interleaved_blocks() -> None:
    events = [
        message_start(),
        block_start(0, {"type": "text", "text": ""}),
        block_start(1, TOOL),
        text_delta(0, "Checking "),
        json_delta(1, '{"city": '),
        text_delta(0, "the weather."),
        json_delta(1, '"Paris"}'),
        block_stop(1),
        text_delta(0, ".."),
        block_stop(0),
        message_delta("tool_use"),
        MESSAGE_STOP,
    ]
    assert final(events)["content"] == [
        {"type": "text", "text": "Checking the weather..."},
        {**TOOL, "input": {"city": "Paris"}},
    ]


UNKNOWN_BLOCK = {"type": "hologram", "id": "holo_1", "frames": [1, 2, 3], "meta": {"fps": 24}}


def test_unknown_blocks_deltas_and_events_are_kept_or_ignored() -> None:
    events = [
        message_start(),
        block_start(0, {"type": "text", "text": ""}),
        text_delta(0, "Hi"),
        delta(0, {"type": "hologram_delta", "frame": 1}),  # unknown delta on a text block
        {"type": "annotation", "note": "x"},  # unknown event
        PING,
        text_delta(0, "!"),
        block_stop(0),
        block_start(1, UNKNOWN_BLOCK),
        delta(1, {"type": "hologram_delta", "frame": 2}),  # unknown delta on an unknown block
        block_stop(1),
        message_delta(),
        MESSAGE_STOP,
    ]
    state = run(events)
    msg = materialize(state)
    assert isinstance(msg.content[1], aclaude.UnknownContentBlock)
    assert msg.content[1].frames == [1, 2, 3]
    assert msgspec.to_builtins(msg) == expected_message([{"type": "text", "text": "Hi!"}, UNKNOWN_BLOCK])
    assert state.done is True


@pytest.mark.parametrize(
    ("block", "d"),
    [
        ({"type": "thinking", "thinking": "", "signature": "s"}, {"type": "text_delta", "text": "x"}),
        (
            {"type": "thinking", "thinking": "", "signature": "s"},
            {"type": "input_json_delta", "partial_json": "{"},
        ),
        (
            {"type": "thinking", "thinking": "", "signature": "s"},
            {"type": "citations_delta", "citation": CHAR_CITATION},
        ),
        ({"type": "text", "text": ""}, {"type": "thinking_delta", "thinking": "x"}),
        ({"type": "text", "text": ""}, {"type": "signature_delta", "signature": "x"}),
        ({"type": "text", "text": ""}, {"type": "input_json_delta", "partial_json": "{"}),
        (TOOL, {"type": "text_delta", "text": "x"}),
        (TOOL, {"type": "signature_delta", "signature": "x"}),
    ],
    ids=[
        "text->thinking",
        "json->thinking",
        "citation->thinking",
        "thinking->text",
        "signature->text",
        "json->text",
        "text->tool",
        "signature->tool",
    ],
)
def test_delta_of_the_wrong_kind_is_ignored(block: dict[str, Any], d: dict[str, Any]) -> None:
    state = run([message_start(), block_start(0, block), delta(0, d)])
    assert derive_delta(state, ev(delta(0, d))) is None
    run([block_stop(0)], state)
    assert msgspec.to_builtins(state.message.content) == [drop_nulls(block)]


@pytest.mark.parametrize(
    "block",
    [
        UNKNOWN_BLOCK,
        {"type": "redacted_thinking", "data": "abc"},
        {"type": "container_upload", "file_id": "f"},
    ],
    ids=["unknown", "redacted_thinking", "container_upload"],
)
def test_known_delta_to_a_block_without_text_is_ignored(block: dict[str, Any]) -> None:
    state = run([message_start(), block_start(0, block), text_delta(0, "x"), block_stop(0)])
    assert msgspec.to_builtins(state.message.content) == [block]


# -- the caller's events are not mutated -----------------------------------------------------


def test_raw_events_are_not_mutated() -> None:
    start = ev(message_start(usage={"input_tokens": 5, "output_tokens": 1}))
    text_start = ev(block_start(0, {"type": "text", "text": "", "citations": [CHAR_CITATION]}))
    think_start = ev(block_start(1, {"type": "thinking", "thinking": "", "signature": ""}))
    tool_start = ev(block_start(2, TOOL))
    raw = [start, text_start, think_start, tool_start]
    before = [msgspec.to_builtins(e) for e in raw]
    state = AccumulatorState()
    for e in raw:
        accumulate(state, e)
    run(
        [
            text_delta(0, "abc"),
            delta(0, {"type": "citations_delta", "citation": PAGE_CITATION}),
            delta(1, {"type": "thinking_delta", "thinking": "hm"}),
            delta(1, {"type": "signature_delta", "signature": "sig"}),
            json_delta(2, '{"a": 1}'),
            block_stop(0),
            block_stop(1),
            block_stop(2),
            message_delta("tool_use", {"output_tokens": 99, "input_tokens": 7}),
            MESSAGE_STOP,
        ],
        state,
    )
    assert [msgspec.to_builtins(e) for e in raw] == before
    assert start.message.content == []
    assert start.message.usage.output_tokens == 1
    assert start.message.stop_reason is None
    assert len(text_start.content_block.citations) == 1
    assert (think_start.content_block.thinking, think_start.content_block.signature) == ("", "")
    assert tool_start.content_block.input == {}
    # ... while the accumulated message has it all
    msg = msgspec.to_builtins(materialize(state))
    assert msg["usage"] == {"input_tokens": 7, "output_tokens": 99}
    assert [b.get("text", b.get("thinking", b.get("input"))) for b in msg["content"]] == [
        "abc",
        "hm",
        {"a": 1},
    ]


def test_message_start_content_blocks_are_not_mutated() -> None:
    start = ev(message_start([{"type": "thinking", "thinking": "t", "signature": "old"}]))
    state = AccumulatorState()
    accumulate(state, start)
    run([delta(0, {"type": "signature_delta", "signature": "new"})], state)
    assert state.message.content[0].signature == "new"
    assert start.message.content[0].signature == "old"


# -- impossible orders and bad tool input ----------------------------------------------------

_BAD_ORDERS: dict[str, list[dict[str, Any]]] = {
    "delta-before-its-block": [message_start(), text_delta(0, "x")],
    "delta-to-another-index": [
        message_start(),
        block_start(0, {"type": "text", "text": ""}),
        text_delta(1, "x"),
    ],
    "delta-after-block-stop": [
        message_start(),
        block_start(0, {"type": "text", "text": ""}),
        block_stop(0),
        text_delta(0, "x"),
    ],
    "json-delta-before-block": [message_start(), json_delta(0, "{}")],
    "signature-before-block": [message_start(), delta(0, {"type": "signature_delta", "signature": "s"})],
    "citation-before-block": [
        message_start(),
        delta(0, {"type": "citations_delta", "citation": CHAR_CITATION}),
    ],
    "block-before-message-start": [block_start(0, {"type": "text", "text": ""})],
    "delta-before-message-start": [text_delta(0, "x")],
    "message-delta-before-message-start": [message_delta()],
    "second-message-start": [message_start(), message_start()],
    "invalid-tool-json": [
        message_start(),
        block_start(0, TOOL),
        json_delta(0, '{"a": '),
        json_delta(0, "}"),
        block_stop(0),
    ],
    "truncated-tool-json": [
        message_start(),
        block_start(0, TOOL),
        json_delta(0, '{"a": [1, 2'),
        block_stop(0),
    ],
    "tool-json-trailing-garbage": [
        message_start(),
        block_start(0, TOOL),
        json_delta(0, '{"a": 1} {'),
        block_stop(0),
    ],
}


@pytest.mark.parametrize("events", _BAD_ORDERS.values(), ids=_BAD_ORDERS.keys())
def test_impossible_streams_raise(events: list[dict[str, Any]]) -> None:
    state = run(events[:-1])  # everything before the last event is fine
    with pytest.raises(aclaude.APIResponseValidationError):
        accumulate(state, ev(events[-1]))


def test_invalid_tool_json_error_names_the_block() -> None:
    state = run([message_start(), block_start(3, TOOL), json_delta(3, "{oops")])
    with pytest.raises(aclaude.APIResponseValidationError, match=r"block 3 \(get_weather\)") as info:
        accumulate(state, ev(block_stop(3)))
    assert isinstance(info.value.__cause__, msgspec.DecodeError)


# -- TextSnapshot ----------------------------------------------------------------------------


def _snapshots(pieces: list[str]) -> tuple[AccumulatorState, list[TextEvent]]:
    state = run([message_start(), block_start(0, {"type": "text", "text": ""})])
    events = []
    for p in pieces:
        raw = ev(text_delta(0, p))
        accumulate(state, raw)
        derived = derive_delta(state, raw)
        assert type(derived) is TextEvent
        events.append(derived)
    return state, events


def test_snapshot_is_fixed_at_its_event() -> None:
    state, events = _snapshots(["a", "b", "c", "d", "e"])
    third = events[2].snapshot
    assert str(third) == "abc"  # read after more deltas arrived: still the 3-delta text
    fourth = events[3].snapshot
    run([block_stop(0)], state)
    assert state.message.content[0].text == "abcde"
    assert third == "abc"
    assert fourth == "abcd"
    assert events[4].snapshot == "abcde"
    assert [e.text for e in events] == ["a", "b", "c", "d", "e"]


def test_snapshot_read_before_and_after_more_deltas() -> None:
    state, events = _snapshots(["x", "y"])
    snap = events[1].snapshot
    assert snap == "xy"
    accumulate(state, ev(text_delta(0, "z")))
    assert snap == "xy"
    assert str(snap) == "xy"


def test_snapshot_behaves_like_str() -> None:
    snap = TextSnapshot(["Hello", ", ", "world"], 3)
    other = TextSnapshot(["Hello, world"], 1)
    assert snap == "Hello, world"
    assert "Hello, world" == snap
    assert snap == other
    assert snap != "Hello"
    assert not (snap != "Hello, world")
    assert str(snap) == "Hello, world"
    assert type(str(snap)) is str
    assert len(snap) == 12
    assert "o, w" in snap
    assert "xyz" not in snap
    assert snap + "!" == "Hello, world!"
    assert ">" + snap == ">Hello, world"
    assert snap + other == "Hello, worldHello, world"
    assert snap[0] == "H"
    assert snap[-5:] == "world"
    assert snap[::2] == "Hlo ol"
    assert snap.startswith("Hell")
    assert not snap.endswith("Hell")
    assert snap.upper() == "HELLO, WORLD"
    assert snap.split(", ") == ["Hello", "world"]
    assert snap.encode() == b"Hello, world"
    assert repr(snap) == repr("Hello, world")
    assert hash(snap) == hash("Hello, world")
    assert {snap: 1}["Hello, world"] == 1
    assert f"{snap}" == "Hello, world"


def test_snapshot_of_a_prefix_of_the_parts() -> None:
    parts = ["a", "b", "c"]
    snap = TextSnapshot(parts, 2)
    parts.append("d")
    assert snap == "ab"
    assert len(snap) == 2
    assert TextSnapshot(parts, 0) == ""


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('{"a": "b', {"a": "b"}),
        ('{"a": [1, 2', {"a": [1, 2]}),
        ('{"city": "Par', {"city": "Par"}),
        ('{"a": {"b": true, "c": nu', {"a": {"b": True}}),
        ('{"a": 1}', {"a": 1}),
        ("{", {}),
        ("", {}),
    ],
    ids=["open-string", "open-list", "city", "nested-partial-literal", "complete", "brace", "empty"],
)
def test_snapshot_parsed_partial_json(text: str, expected: Any) -> None:
    assert TextSnapshot([text[:3], text[3:]], 2).parsed() == expected
    assert parse_partial_json(text) == expected


# -- derived events --------------------------------------------------------------------------


def _state_with_blocks() -> AccumulatorState:
    return run(
        [
            message_start(),
            block_start(0, {"type": "text", "text": ""}),
            block_start(1, {"type": "thinking", "thinking": "", "signature": ""}),
            block_start(2, TOOL),
            block_start(3, UNKNOWN_BLOCK),
        ]
    )


def _fold(state: AccumulatorState, obj: dict[str, Any]) -> Any:
    raw = ev(obj)
    accumulate(state, raw)
    return derive_delta(state, raw)


def test_derive_text_and_thinking() -> None:
    state = _state_with_blocks()
    t1 = _fold(state, text_delta(0, "Hel"))
    t2 = _fold(state, text_delta(0, "lo"))
    assert type(t2) is TextEvent
    assert (t1.type, t1.text, t1.snapshot, t2.text, t2.snapshot) == ("text", "Hel", "Hel", "lo", "Hello")
    k1 = _fold(state, delta(1, {"type": "thinking_delta", "thinking": "Hm"}))
    k2 = _fold(state, delta(1, {"type": "thinking_delta", "thinking": "m."}))
    assert type(k2) is ThinkingEvent
    assert (k1.type, k1.thinking, k1.snapshot, k2.snapshot) == ("thinking", "Hm", "Hm", "Hmm.")
    s = _fold(state, delta(1, {"type": "signature_delta", "signature": "sig"}))
    assert type(s) is SignatureEvent
    assert (s.type, s.signature) == ("signature", "sig")
    # Derived events are the client's, not wire events: their snapshots are lazy views.
    assert msgspec.to_builtins(t2)["type"] == "text"
    assert isinstance(t2.snapshot, TextSnapshot) and str(t2.snapshot) == "Hello"


def test_derive_citation() -> None:
    state = _state_with_blocks()
    c1 = _fold(state, delta(0, {"type": "citations_delta", "citation": CHAR_CITATION}))
    assert type(c1) is CitationEvent
    assert c1.type == "citation"
    assert msgspec.to_builtins(c1.citation) == CHAR_CITATION
    assert msgspec.to_builtins(c1.snapshot) == [CHAR_CITATION]
    c2 = _fold(state, delta(0, {"type": "citations_delta", "citation": PAGE_CITATION}))
    assert msgspec.to_builtins(c2.snapshot) == [CHAR_CITATION, PAGE_CITATION]


def test_derive_input_json_parses_lazily(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[str] = []

    def counting(text: str) -> Any:
        calls.append(text)
        return parse_partial_json(text)

    monkeypatch.setattr(acc_mod, "parse_partial_json", counting)
    state = _state_with_blocks()
    j1 = _fold(state, json_delta(2, '{"city": "Pa'))
    j2 = _fold(state, json_delta(2, 'ris", "days": [1'))
    assert type(j2) is InputJsonEvent
    assert calls == []  # nothing parsed until a snapshot is read
    assert (j1.type, j1.partial_json, j2.partial_json) == ("input_json", '{"city": "Pa', 'ris", "days": [1')
    assert j2.partial_json_so_far == '{"city": "Paris", "days": [1'
    assert calls == []
    assert j1.snapshot == {"city": "Pa"}
    assert j2.snapshot == {"city": "Paris", "days": [1]}
    assert calls == ['{"city": "Pa', '{"city": "Paris", "days": [1']
    run([json_delta(2, "]}"), block_stop(2)], state)
    assert state.blocks[2].input == {"city": "Paris", "days": [1]}
    assert len(calls) == 2  # the final parse is msgspec's, not the partial parser


@pytest.mark.parametrize(
    ("index", "d"),
    [
        (0, {"type": "thinking_delta", "thinking": "x"}),
        (0, {"type": "signature_delta", "signature": "x"}),
        (0, {"type": "input_json_delta", "partial_json": "{"}),
        (1, {"type": "text_delta", "text": "x"}),
        (1, {"type": "input_json_delta", "partial_json": "{"}),
        (1, {"type": "citations_delta", "citation": CHAR_CITATION}),
        (2, {"type": "text_delta", "text": "x"}),
        (2, {"type": "thinking_delta", "thinking": "x"}),
        (0, {"type": "hologram_delta", "frame": 1}),
        (3, {"type": "hologram_delta", "frame": 1}),
    ],
    ids=[
        "thinking->text",
        "signature->text",
        "json->text",
        "text->thinking",
        "json->thinking",
        "citation->thinking",
        "text->tool",
        "thinking->tool",
        "unknown->text",
        "unknown->unknown",
    ],
)
def test_derive_returns_none_for_mismatched_kinds(index: int, d: dict[str, Any]) -> None:
    state = _state_with_blocks()
    assert _fold(state, delta(index, d)) is None
    assert state.parts[0] == [] and state.parts[1] == [] and state.parts[2] == []


# -- materialize -----------------------------------------------------------------------------


def test_materialize_mid_stream_then_continue() -> None:
    assert materialize(AccumulatorState()) is None
    state = run([message_start(), block_start(0, {"type": "text", "text": ""}), text_delta(0, "ab")])
    assert state.blocks[0].text == ""  # the block's string is not rebuilt per delta
    msg = materialize(state)
    assert msg.content[0].text == "ab"
    run([text_delta(0, "cd"), block_stop(0)], state)
    assert materialize(state).content[0].text == "abcd"


# -- linear cost (counted, never timed) ------------------------------------------------------


def test_many_one_character_deltas() -> None:
    n = 200_000
    alphabet = "abcdefghij"
    state = run([message_start(), block_start(0, {"type": "text", "text": ""})])
    for i in range(n):
        raw = RawContentBlockDeltaEvent(index=0, delta=TextDelta(text=alphabet[i % 10]))
        accumulate(state, raw)
    parts = state.parts[0]
    assert len(parts) == n  # one append per delta ...
    assert all(len(p) == 1 for p in parts[:100])
    assert state.blocks[0].text == ""  # ... and no join until the block ends
    last = derive_delta(state, RawContentBlockDeltaEvent(index=0, delta=TextDelta(text="j")))
    assert len(last.snapshot) == n
    run([block_stop(0), message_delta(), MESSAGE_STOP], state)
    text = state.message.content[0].text
    assert len(text) == n
    assert text == alphabet * (n // 10)
    assert last.snapshot == text
