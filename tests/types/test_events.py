"""decode_event (aclaude.types._events): every wire event to its struct and back, forward
compatibility with types we do not know yet, and broken input as a typed error."""

from __future__ import annotations

import json
from typing import Any

import msgspec
import pytest
from _helpers import block_start, delta, drop_nulls, message_delta, message_start, roundtrip, wire
from hypothesis import given, settings
from hypothesis import strategies as st

import aclaude
from aclaude.types._events import decode_event
from aclaude.types._message import (
    CitationCharLocation,
    CitationContentBlockLocation,
    CitationPageLocation,
    CitationsSearchResultLocation,
    CitationsWebSearchResultLocation,
)

# -- wire examples ---------------------------------------------------------------------------

CITATIONS: dict[str, tuple[type[Any], dict[str, Any]]] = {
    "char_location": (
        CitationCharLocation,
        {
            "type": "char_location",
            "cited_text": "The grass is green.",
            "document_index": 0,
            "document_title": "Facts",
            "start_char_index": 0,
            "end_char_index": 20,
            "file_id": None,
        },
    ),
    "page_location": (
        CitationPageLocation,
        {
            "type": "page_location",
            "cited_text": "Water boils at 100 \u00b0C.",
            "document_index": 1,
            "document_title": None,
            "start_page_number": 3,
            "end_page_number": 4,
            "file_id": "file_011CNha8iCJcU1wXNR6q4V8w",
        },
    ),
    "content_block_location": (
        CitationContentBlockLocation,
        {
            "type": "content_block_location",
            "cited_text": "Paris is the capital of France.",
            "document_index": 2,
            "document_title": "Geo",
            "start_block_index": 0,
            "end_block_index": 1,
        },
    ),
    "web_search_result_location": (
        CitationsWebSearchResultLocation,
        {
            "type": "web_search_result_location",
            "cited_text": "Claude is a family of models",
            "encrypted_index": "EqgfCioIARgBIiQ3YTAwMjY1Mi1mZjM5LTQ1NGUtODgxNC1kNjNjNTk1ZWI3Y2Y",
            "title": "Claude - Anthropic",
            "url": "https://www.anthropic.com/claude",
        },
    ),
    "search_result_location": (
        CitationsSearchResultLocation,
        {
            "type": "search_result_location",
            "cited_text": "API rate limits are 1000 requests per minute",
            "search_result_index": 0,
            "source": "https://docs.example.com/api",
            "title": None,
            "start_block_index": 0,
            "end_block_index": 0,
        },
    ),
}

CALLER = {"type": "direct"}

BLOCKS: dict[str, tuple[type[Any], dict[str, Any]]] = {
    "text": (aclaude.TextBlock, {"type": "text", "text": "", "citations": None}),
    "text-with-text": (aclaude.TextBlock, {"type": "text", "text": "Hi \u2028 \U0001f600"}),
    **{
        f"text-citing-{name}": (aclaude.TextBlock, {"type": "text", "text": "", "citations": [cit]})
        for name, (_, cit) in CITATIONS.items()
    },
    "text-citing-all": (
        aclaude.TextBlock,
        {"type": "text", "text": "x", "citations": [cit for _, cit in CITATIONS.values()]},
    ),
    "thinking": (aclaude.ThinkingBlock, {"type": "thinking", "thinking": "", "signature": ""}),
    "redacted_thinking": (
        aclaude.RedactedThinkingBlock,
        {
            "type": "redacted_thinking",
            "data": "EmwKAhgBEgy3va3pzix/LafPsn4aDFIT2Xlxh0L5L8rLVyIwxtE3rAFBa8cr3qpP",
        },
    ),
    "tool_use": (
        aclaude.ToolUseBlock,
        {"type": "tool_use", "id": "toolu_01A09q90qw90lq917835lq9", "name": "get_weather", "input": {}},
    ),
    "tool_use-with-caller": (
        aclaude.ToolUseBlock,
        {
            "type": "tool_use",
            "id": "toolu_02",
            "name": "get_weather",
            "input": {"city": "Paris", "days": [1, 2], "units": {"t": "C"}},
            "caller": CALLER,
            "toolset_name": None,
        },
    ),
    "server_tool_use": (
        aclaude.ServerToolUseBlock,
        {"type": "server_tool_use", "id": "srvtoolu_01", "name": "web_search", "input": {}, "caller": CALLER},
    ),
    "web_search_tool_result": (
        aclaude.WebSearchToolResultBlock,
        {
            "type": "web_search_tool_result",
            "tool_use_id": "srvtoolu_01",
            "content": [
                {
                    "type": "web_search_result",
                    "title": "Claude - Anthropic",
                    "url": "https://www.anthropic.com/claude",
                    "encrypted_content": "EqgfCioIARgBIiQ3YTAw",
                    "page_age": "April 30, 2025",
                }
            ],
        },
    ),
    "web_search_tool_result-error": (
        aclaude.WebSearchToolResultBlock,
        {
            "type": "web_search_tool_result",
            "tool_use_id": "srvtoolu_02",
            "content": {"type": "web_search_tool_result_error", "error_code": "max_uses_exceeded"},
        },
    ),
    "web_fetch_tool_result": (
        aclaude.WebFetchToolResultBlock,
        {
            "type": "web_fetch_tool_result",
            "tool_use_id": "srvtoolu_03",
            "content": {
                "type": "web_fetch_result",
                "url": "https://example.com/article",
                "retrieved_at": "2025-08-25T10:30:00Z",
                "content": {
                    "type": "document",
                    "source": {"type": "text", "media_type": "text/plain", "data": "Full text"},
                    "title": "Article",
                },
            },
        },
    ),
    "code_execution_tool_result": (
        aclaude.CodeExecutionToolResultBlock,
        {
            "type": "code_execution_tool_result",
            "tool_use_id": "srvtoolu_04",
            "content": {
                "type": "code_execution_result",
                "stdout": "4\n",
                "stderr": "",
                "return_code": 0,
                "content": [],
            },
        },
    ),
    "bash_code_execution_tool_result": (
        aclaude.BashCodeExecutionToolResultBlock,
        {
            "type": "bash_code_execution_tool_result",
            "tool_use_id": "srvtoolu_05",
            "content": {
                "type": "bash_code_execution_result",
                "stdout": "total 0\n",
                "stderr": "",
                "return_code": 0,
                "content": [{"type": "bash_code_execution_output", "file_id": "file_01"}],
            },
        },
    ),
    "text_editor_code_execution_tool_result": (
        aclaude.TextEditorCodeExecutionToolResultBlock,
        {
            "type": "text_editor_code_execution_tool_result",
            "tool_use_id": "srvtoolu_06",
            "content": {
                "type": "text_editor_code_execution_view_result",
                "file_type": "text",
                "content": "print('hi')\n",
                "num_lines": 1,
                "start_line": 1,
                "total_lines": 1,
            },
        },
    ),
    "tool_search_tool_result": (
        aclaude.ToolSearchToolResultBlock,
        {
            "type": "tool_search_tool_result",
            "tool_use_id": "srvtoolu_07",
            "content": {
                "type": "tool_search_tool_search_result",
                "tool_references": [{"type": "tool_reference", "tool_name": "get_weather"}],
            },
        },
    ),
    "container_upload": (aclaude.ContainerUploadBlock, {"type": "container_upload", "file_id": "file_02"}),
}

DELTAS: dict[str, tuple[type[Any], dict[str, Any]]] = {
    "text_delta": (aclaude.TextDelta, {"type": "text_delta", "text": "Hello \u2029 w\u00f6rld"}),
    "input_json_delta": (
        aclaude.InputJSONDelta,
        {"type": "input_json_delta", "partial_json": '{"city": "Par'},
    ),
    "input_json_delta-empty": (aclaude.InputJSONDelta, {"type": "input_json_delta", "partial_json": ""}),
    **{
        f"citations_delta-{name}": (aclaude.CitationsDelta, {"type": "citations_delta", "citation": cit})
        for name, (_, cit) in CITATIONS.items()
    },
    "thinking_delta": (aclaude.ThinkingDelta, {"type": "thinking_delta", "thinking": "Let me think..."}),
    "signature_delta": (
        aclaude.SignatureDelta,
        {"type": "signature_delta", "signature": "EqQBCgIYAhIM1gbcDa9GJwZA2b3hGgxBdjrkzLoky3dl1pkiMOYds"},
    ),
}

FULL_USAGE = {
    "input_tokens": 2095,
    "cache_creation_input_tokens": 120,
    "cache_read_input_tokens": 1800,
    "cache_creation": {"ephemeral_5m_input_tokens": 120, "ephemeral_1h_input_tokens": 0},
    "output_tokens": 3,
    "server_tool_use": {"web_search_requests": 0, "web_fetch_requests": 0},
    "service_tier": "standard",
    "output_tokens_details": {"thinking_tokens": 0},
    "inference_geo": None,
}

FULL_DELTA_USAGE = {
    "input_tokens": 2095,
    "cache_creation_input_tokens": 120,
    "cache_read_input_tokens": 1800,
    "output_tokens": 503,
    "server_tool_use": {"web_search_requests": 2, "web_fetch_requests": 1},
    "output_tokens_details": {"thinking_tokens": 250},
}


def check_roundtrip(obj: dict[str, Any], cls: type[Any]) -> Any:
    event = decode_event(wire(obj))
    assert type(event) is cls
    assert event.type == obj["type"]
    assert msgspec.to_builtins(event) == drop_nulls(obj)
    return event


# -- every known event -----------------------------------------------------------------------


def test_message_start() -> None:
    obj = message_start(usage=FULL_USAGE)
    event = check_roundtrip(obj, aclaude.RawMessageStartEvent)
    msg = event.message
    assert type(msg) is aclaude.Message
    assert (msg.id, msg.type, msg.role, msg.content) == (obj["message"]["id"], "message", "assistant", [])
    assert msg.usage.cache_creation.ephemeral_5m_input_tokens == 120
    assert msg.usage.server_tool_use.web_search_requests == 0
    assert msg.usage.output_tokens_details.thinking_tokens == 0
    assert msg.stop_reason is None


def test_message_start_with_content() -> None:
    content = [BLOCKS["text-citing-all"][1], BLOCKS["tool_use-with-caller"][1], BLOCKS["thinking"][1]]
    event = check_roundtrip(message_start(content), aclaude.RawMessageStartEvent)
    assert [type(b) for b in event.message.content] == [
        aclaude.TextBlock,
        aclaude.ToolUseBlock,
        aclaude.ThinkingBlock,
    ]


@pytest.mark.parametrize("name", BLOCKS)
def test_content_block_start(name: str) -> None:
    cls, block = BLOCKS[name]
    event = check_roundtrip(block_start(3, block), aclaude.RawContentBlockStartEvent)
    assert event.index == 3
    assert type(event.content_block) is cls
    assert event.content_block.type == block["type"]


@pytest.mark.parametrize("name", CITATIONS)
def test_text_block_citation_types(name: str) -> None:
    cls, cit = CITATIONS[name]
    event = check_roundtrip(
        block_start(0, {"type": "text", "text": "", "citations": [cit]}), aclaude.RawContentBlockStartEvent
    )
    (citation,) = event.content_block.citations
    assert type(citation) is cls
    assert citation.type == name
    assert citation.cited_text == cit["cited_text"]


def test_server_tool_result_content_is_kept_verbatim_including_nulls() -> None:
    # Opaque (Any) parts are plain JSON: nested nulls stay as they are.
    block = {
        "type": "web_search_tool_result",
        "tool_use_id": "srvtoolu_01",
        "content": [
            {
                "type": "web_search_result",
                "title": "t",
                "url": "u",
                "encrypted_content": "e",
                "page_age": None,
            }
        ],
    }
    assert roundtrip(block_start(0, block)) == block_start(0, block)


@pytest.mark.parametrize("name", DELTAS)
def test_content_block_delta(name: str) -> None:
    cls, d = DELTAS[name]
    event = check_roundtrip(delta(1, d), aclaude.RawContentBlockDeltaEvent)
    assert event.index == 1
    assert type(event.delta) is cls
    assert event.delta.type == d["type"]


@pytest.mark.parametrize("name", CITATIONS)
def test_citations_delta_citation_types(name: str) -> None:
    cls, cit = CITATIONS[name]
    event = check_roundtrip(
        delta(0, {"type": "citations_delta", "citation": cit}), aclaude.RawContentBlockDeltaEvent
    )
    assert type(event.delta.citation) is cls


def test_content_block_stop() -> None:
    event = check_roundtrip({"type": "content_block_stop", "index": 7}, aclaude.RawContentBlockStopEvent)
    assert event.index == 7


def test_message_delta_with_full_usage() -> None:
    obj = message_delta("tool_use", FULL_DELTA_USAGE)
    event = check_roundtrip(obj, aclaude.RawMessageDeltaEvent)
    assert event.delta.stop_reason == "tool_use"
    assert event.delta.stop_sequence is None
    u = event.usage
    assert (u.input_tokens, u.cache_creation_input_tokens, u.cache_read_input_tokens, u.output_tokens) == (
        2095,
        120,
        1800,
        503,
    )
    assert (u.server_tool_use.web_search_requests, u.server_tool_use.web_fetch_requests) == (2, 1)
    assert u.output_tokens_details.thinking_tokens == 250


def test_message_delta_minimal_and_extras() -> None:
    event = check_roundtrip(message_delta("end_turn", {"output_tokens": 15}), aclaude.RawMessageDeltaEvent)
    assert event.usage.input_tokens is None
    assert event.usage.server_tool_use is None
    obj = message_delta(
        "refusal",
        {"output_tokens": 1},
        stop_details={"type": "refusal", "category": "cyber"},
        container={"id": "container_1", "expires_at": "2025-01-01T00:00:00Z"},
    )
    event = check_roundtrip(obj, aclaude.RawMessageDeltaEvent)
    assert event.delta.container is not None and event.delta.container.id == "container_1"
    assert event.delta.stop_details == aclaude.types.StopDetails(type="refusal", category="cyber")


@pytest.mark.parametrize(
    ("obj", "cls"),
    [
        ({"type": "message_stop"}, aclaude.RawMessageStopEvent),
        ({"type": "ping"}, aclaude.PingEvent),
        (
            {"type": "error", "error": {"type": "overloaded_error", "message": "Overloaded"}},
            aclaude.ErrorEvent,
        ),
        (
            {
                "type": "error",
                "error": {"type": "api_error", "message": "Internal server error"},
                "request_id": "req_011CSHoEeqs5C35K2UUqR7Fy",
            },
            aclaude.ErrorEvent,
        ),
    ],
    ids=["message_stop", "ping", "error", "error-with-request-id"],
)
def test_simple_events(obj: dict[str, Any], cls: type[Any]) -> None:
    event = check_roundtrip(obj, cls)
    if cls is aclaude.ErrorEvent:
        assert event.error.type == obj["error"]["type"]
        assert event.error.message == obj["error"]["message"]


def test_known_event_with_new_fields_still_decodes() -> None:
    # Schema evolution: a field added to a known event must not break decoding.
    event = decode_event(wire({"type": "content_block_stop", "index": 2, "new_field": {"x": 1}}))
    assert isinstance(event, aclaude.RawContentBlockStopEvent)
    assert aclaude.types.known_type(type(event)) is aclaude.RawContentBlockStopEvent
    assert event.index == 2
    assert event.new_field == {"x": 1}  # type: ignore[attr-defined]
    event = decode_event(wire(delta(0, {"type": "text_delta", "text": "a", "new": True})))
    assert event.delta.text == "a"
    assert aclaude.types.extra_fields(event.delta) == {"new": True}


def test_json_whitespace_and_key_order_do_not_matter() -> None:
    data = (
        b' { "index" : 0 ,\n "delta": {"text": "x", "type": "text_delta"}, "type": "content_block_delta" } '
    )
    event = decode_event(data)
    assert type(event) is aclaude.RawContentBlockDeltaEvent
    assert event.delta.text == "x"


# -- forward compatibility -------------------------------------------------------------------


def test_unknown_event_type() -> None:
    obj = {
        "type": "message_annotation",
        "index": 3,
        "payload": {"a": [1, 2, None]},
        "flag": True,
        "gone": None,
    }
    event = decode_event(wire(obj))
    assert isinstance(event, aclaude.UnknownEvent)
    assert event.type == "message_annotation"
    assert event.index == 3
    assert event.payload == {"a": [1, 2, None]}
    assert event.flag is True
    assert msgspec.to_builtins(event) == {k: v for k, v in obj.items() if v is not None}


def test_unknown_event_with_only_a_type() -> None:
    event = decode_event(b'{"type": "heartbeat"}')
    assert isinstance(event, aclaude.UnknownEvent)
    assert msgspec.to_builtins(event) == {"type": "heartbeat"}


def test_unknown_block_in_content_block_start() -> None:
    block = {"type": "hologram", "id": "holo_1", "frames": [1, 2, 3], "meta": {"fps": 24}, "class": "x"}
    event = decode_event(wire(block_start(2, block)))
    assert type(event) is aclaude.RawContentBlockStartEvent
    assert event.index == 2
    cb = event.content_block
    assert isinstance(cb, aclaude.UnknownContentBlock)
    assert (cb.type, cb.id, cb.frames, cb.meta) == ("hologram", "holo_1", [1, 2, 3], {"fps": 24})
    assert getattr(cb, "class") == "x"
    assert msgspec.to_builtins(event) == block_start(2, block)


def test_unknown_blocks_with_different_fields_do_not_mix() -> None:
    a = decode_event(wire(block_start(0, {"type": "hologram", "x": 1}))).content_block
    b = decode_event(wire(block_start(1, {"type": "hologram", "y": 2}))).content_block
    assert msgspec.to_builtins(a) == {"type": "hologram", "x": 1}
    assert msgspec.to_builtins(b) == {"type": "hologram", "y": 2}


def test_unknown_block_with_non_identifier_keys_keeps_its_fields() -> None:
    block = {"type": "hologram", "frame-rate": 24, "x.y": [1], "0": "zero", "ok": True}
    event = decode_event(wire(block_start(0, block)))
    assert isinstance(event.content_block, aclaude.UnknownContentBlock)
    assert msgspec.to_builtins(event.content_block) == block


def test_unknown_delta_type() -> None:
    d = {"type": "hologram_delta", "frame": 3, "pixels": [[0, 1], [1, 0]]}
    event = decode_event(wire(delta(4, d)))
    assert type(event) is aclaude.RawContentBlockDeltaEvent
    assert event.index == 4
    assert isinstance(event.delta, aclaude.UnknownDelta)
    assert (event.delta.type, event.delta.frame, event.delta.pixels) == (
        "hologram_delta",
        3,
        [[0, 1], [1, 0]],
    )
    assert msgspec.to_builtins(event) == delta(4, d)


UNKNOWN_CITATION = {"type": "video_location", "cited_text": "frame 3", "start_ms": 1000, "end_ms": 2000}


def test_unknown_citation_in_known_text_block() -> None:
    known = CITATIONS["char_location"][1]
    block = {"type": "text", "text": "so it is", "citations": [known, UNKNOWN_CITATION]}
    event = decode_event(wire(block_start(0, block)))
    tb = event.content_block
    assert type(tb) is aclaude.TextBlock
    assert tb.text == "so it is"
    assert type(tb.citations[0]) is CitationCharLocation
    assert isinstance(tb.citations[1], aclaude.UnknownCitation)
    assert (tb.citations[1].type, tb.citations[1].start_ms) == ("video_location", 1000)
    assert msgspec.to_builtins(event) == drop_nulls(block_start(0, block))


def test_unknown_citation_in_citations_delta() -> None:
    event = decode_event(wire(delta(0, {"type": "citations_delta", "citation": UNKNOWN_CITATION})))
    assert type(event.delta) is aclaude.CitationsDelta
    cit = event.delta.citation
    assert isinstance(cit, aclaude.UnknownCitation)
    assert (cit.type, cit.cited_text, cit.end_ms) == ("video_location", "frame 3", 2000)
    assert msgspec.to_builtins(event) == delta(0, {"type": "citations_delta", "citation": UNKNOWN_CITATION})


def test_unknown_block_in_message_start_content() -> None:
    unknown = {"type": "hologram", "id": "h", "frames": []}
    text = {"type": "text", "text": "hi", "citations": [UNKNOWN_CITATION]}
    obj = message_start([BLOCKS["tool_use"][1], unknown, text])
    event = decode_event(wire(obj))
    assert type(event) is aclaude.RawMessageStartEvent
    c0, c1, c2 = event.message.content
    assert type(c0) is aclaude.ToolUseBlock
    assert isinstance(c1, aclaude.UnknownContentBlock)
    assert (c1.id, c1.frames) == ("h", [])
    assert type(c2) is aclaude.TextBlock
    assert isinstance(c2.citations[0], aclaude.UnknownCitation)
    assert msgspec.to_builtins(event) == drop_nulls(obj)


def test_unknown_stop_reason_is_kept() -> None:
    event = check_roundtrip(message_delta("brand_new_reason"), aclaude.RawMessageDeltaEvent)
    assert event.delta.stop_reason == "brand_new_reason"


# -- broken input ----------------------------------------------------------------------------

MSG = message_start()["message"]

BROKEN: dict[str, bytes] = {
    "empty": b"",
    "not-json": b"not json",
    "truncated": b'{"type": "ping"',
    "trailing-garbage": b'{"type": "ping"} x',
    "invalid-utf8": b"\xff\xfe",
    "invalid-utf8-in-text": b'{"type":"content_block_delta","index":0,'
    b'"delta":{"type":"text_delta","text":"\xff"}}',
    "invalid-utf8-in-unknown-event": b'{"type":"future","x":"\xc3"}',
    "invalid-utf8-in-type": b'{"type":"\xc3\x28"}',
    "no-type": b'{"index": 0}',
    "type-not-string": b'{"type": 5}',
    "type-null": b'{"type": null}',
    "array": b"[]",
    "array-of-event": b'[{"type": "ping"}]',
    "number": b"1",
    "string": b'"ping"',
    "null": b"null",
    "true": b"true",
    "delta-missing-index": wire(
        {"type": "content_block_delta", "delta": {"type": "text_delta", "text": "a"}}
    ),
    "delta-missing-delta": wire({"type": "content_block_delta", "index": 0}),
    "delta-not-object": wire({"type": "content_block_delta", "index": 0, "delta": "a"}),
    "delta-without-type": wire({"type": "content_block_delta", "index": 0, "delta": {"text": "a"}}),
    "text-delta-missing-text": wire(delta(0, {"type": "text_delta"})),
    "text-delta-text-not-string": wire(delta(0, {"type": "text_delta", "text": 5})),
    "json-delta-missing-partial": wire(delta(0, {"type": "input_json_delta"})),
    "citations-delta-missing-citation": wire(delta(0, {"type": "citations_delta"})),
    "citations-delta-bad-citation": wire(
        delta(0, {"type": "citations_delta", "citation": {"type": "char_location", "cited_text": "x"}})
    ),
    "delta-index-string": wire({**delta(0, {"type": "text_delta", "text": "a"}), "index": "0"}),
    "delta-index-bool": wire({**delta(0, {"type": "text_delta", "text": "a"}), "index": True}),
    "start-missing-block": wire({"type": "content_block_start", "index": 0}),
    "start-block-not-object": wire(block_start(0, "text")),  # type: ignore[arg-type]
    "start-text-missing-text": wire(block_start(0, {"type": "text"})),
    "start-text-bad-citation": wire(
        block_start(0, {"type": "text", "text": "", "citations": [{"type": "page_location"}]})
    ),
    "start-text-citation-unknown-but-text-wrong": wire(
        block_start(0, {"type": "text", "text": 5, "citations": [UNKNOWN_CITATION]})
    ),
    "start-tool-missing-id": wire(block_start(0, {"type": "tool_use", "name": "f", "input": {}})),
    "start-block-missing-type": wire(block_start(0, {"text": ""})),
    "start-index-float": wire({**block_start(0, {"type": "text", "text": ""}), "index": 1.5}),
    "stop-missing-index": wire({"type": "content_block_stop"}),
    "stop-index-string": wire({"type": "content_block_stop", "index": "0"}),
    "message-start-missing-message": wire({"type": "message_start"}),
    "message-start-message-not-object": wire({"type": "message_start", "message": []}),
    "message-start-missing-usage": wire(
        {"type": "message_start", "message": {k: v for k, v in MSG.items() if k != "usage"}}
    ),
    "message-start-missing-id": wire(
        {"type": "message_start", "message": {k: v for k, v in MSG.items() if k != "id"}}
    ),
    "message-start-usage-wrong-type": wire(
        {"type": "message_start", "message": {**MSG, "usage": {"input_tokens": "1", "output_tokens": 1}}}
    ),
    "message-start-bad-block": wire(message_start([{"type": "tool_use", "id": "t"}])),
    "message-delta-missing-usage": wire({"type": "message_delta", "delta": {"stop_reason": "end_turn"}}),
    "message-delta-usage-missing-output": wire(message_delta("end_turn", {"input_tokens": 3})),
    "message-delta-delta-not-object": wire(
        {"type": "message_delta", "delta": 1, "usage": {"output_tokens": 1}}
    ),
    "error-missing-error": wire({"type": "error"}),
    "error-detail-missing-type": wire({"type": "error", "error": {"message": "x"}}),
}


@pytest.mark.parametrize("data", BROKEN.values(), ids=BROKEN.keys())
def test_broken_input_raises_validation_error(data: bytes) -> None:
    with pytest.raises(aclaude.APIResponseValidationError) as info:
        decode_event(data)
    assert not isinstance(info.value, (msgspec.MsgspecError, UnicodeDecodeError))
    assert isinstance(info.value, aclaude.APIError)
    assert info.value.message


@pytest.mark.parametrize(
    "content",
    ["oops", None, {"type": "text", "text": "x"}, "missing"],
    ids=["string", "null", "object", "missing"],
)
def test_message_start_with_bad_content_raises(content: Any) -> None:
    message = {**MSG, "content": content}
    if content == "missing":
        del message["content"]
    with pytest.raises(aclaude.APIResponseValidationError):
        decode_event(wire({"type": "message_start", "message": message}))


def test_error_message_shows_a_preview_of_the_data() -> None:
    with pytest.raises(aclaude.APIResponseValidationError, match="not valid JSON") as info:
        decode_event(b"<html>502 Bad Gateway</html>" + b"x" * 1000)
    assert "<html>502 Bad Gateway</html>" in str(info.value)
    assert len(str(info.value)) < 600  # a preview, not the whole payload
    assert isinstance(info.value.__cause__, (msgspec.DecodeError, UnicodeDecodeError))


# -- property: generated events round-trip ---------------------------------------------------

_text = st.text(max_size=40)
_json_scalar = (
    st.booleans() | st.integers(-(2**53), 2**53) | st.floats(allow_nan=False, allow_infinity=False) | _text
)
_json = st.recursive(
    _json_scalar,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(_text, inner, max_size=4),
    max_leaves=12,
)
_index = st.integers(0, 2**31)

_event_dicts = st.one_of(
    st.builds(lambda i, t: delta(i, {"type": "text_delta", "text": t}), _index, _text),
    st.builds(lambda i, t: delta(i, {"type": "thinking_delta", "thinking": t}), _index, _text),
    st.builds(lambda i, t: delta(i, {"type": "signature_delta", "signature": t}), _index, _text),
    st.builds(lambda i, t: delta(i, {"type": "input_json_delta", "partial_json": t}), _index, _text),
    st.builds(lambda i, t: block_start(i, {"type": "text", "text": t}), _index, _text),
    st.builds(
        lambda i, t, s: block_start(i, {"type": "thinking", "thinking": t, "signature": s}),
        _index,
        _text,
        _text,
    ),
    st.builds(
        lambda i, id_, name, inp: block_start(i, {"type": "tool_use", "id": id_, "name": name, "input": inp}),
        _index,
        _text,
        _text,
        st.dictionaries(_text, _json, max_size=5),
    ),
    st.builds(lambda i: {"type": "content_block_stop", "index": i}, _index),
)


@settings(max_examples=200, deadline=None)
@given(obj=_event_dicts)
def test_generated_events_round_trip(obj: dict[str, Any]) -> None:
    data = msgspec.json.encode(obj)
    event = decode_event(data)
    assert event.type == obj["type"]
    assert not isinstance(event, aclaude.UnknownEvent)
    assert msgspec.to_builtins(event) == obj
    assert json.loads(msgspec.json.encode(event)) == json.loads(data)
