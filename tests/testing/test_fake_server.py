"""The embedded fake Anthropic API (aclaude.testing), checked over real loopback HTTP with a
raw aiohttp client, the ``python -m aclaude.testing`` CLI, and the official SDK as the reference
parser of its wire format."""

from __future__ import annotations

import asyncio
import inspect
import json
import logging
import os
import re
import sys
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from aclaude.testing import (
    CustomBlock,
    FakeAnthropic,
    RecordedRequest,
    RedactedThinkingBlock,
    Reply,
    TextBlock,
    ThinkingBlock,
    ToolUseBlock,
)
from aclaude.testing._control import parse_control
from aclaude.testing._structured import example_json

REPO_ROOT = Path(__file__).resolve().parents[2]
BODY = {
    "model": "claude-test-1",
    "max_tokens": 64,
    "messages": [{"role": "user", "content": "Hello there, fake"}],
}
STREAM_BODY = {**BODY, "stream": True}


@pytest.fixture(autouse=True)
def no_logged_problems(caplog: pytest.LogCaptureFixture) -> Iterator[None]:
    """Dropped, cut and abandoned streams are routine for the fake: aiohttp must log nothing."""
    caplog.set_level(logging.DEBUG, logger="aiohttp")
    yield
    problems = [r for r in caplog.get_records("call") if r.levelno >= logging.WARNING]
    assert not problems, [r.getMessage() for r in problems]


@pytest.fixture
async def server() -> AsyncIterator[FakeAnthropic]:
    async with FakeAnthropic() as fake:
        yield fake


@pytest.fixture
async def session() -> AsyncIterator[aiohttp.ClientSession]:
    # The fake checks authentication like the API: every request carries a (fake) key.
    async with aiohttp.ClientSession(headers={"x-api-key": "sk-test-fake"}) as client:
        yield client


def parse_sse(body: bytes) -> list[tuple[str, dict[str, Any]]]:
    """Strict parse of the fake's own framing: ``event: X\\ndata: JSON\\n\\n`` blocks."""
    assert body.endswith(b"\n\n") or body == b""
    events = []
    for block in body.decode().split("\n\n")[:-1]:
        event_line, data_line = block.split("\n")
        assert event_line.startswith("event: ") and data_line.startswith("data: ")
        data = json.loads(data_line[len("data: ") :])
        assert data["type"] == event_line[len("event: ") :]
        events.append((event_line[len("event: ") :], data))
    return events


async def post(
    session: aiohttp.ClientSession, server: FakeAnthropic, body: Any = STREAM_BODY, **headers: str
) -> tuple[aiohttp.ClientResponse, bytes]:
    hdrs = {k.replace("_", "-"): v for k, v in headers.items()}
    async with session.post(server.url + "/v1/messages", json=body, headers=hdrs) as resp:
        return resp, await resp.read()


async def http_chunks(session: aiohttp.ClientSession, server: FakeAnthropic, **headers: str) -> list[bytes]:
    """The body as the HTTP chunks the server framed it in."""
    hdrs = {k.replace("_", "-"): v for k, v in headers.items()}
    chunks, current = [], b""
    async with session.post(server.url + "/v1/messages", json=STREAM_BODY, headers=hdrs) as resp:
        async for data, end_of_chunk in resp.content.iter_chunks():
            current += data
            if end_of_chunk:
                chunks.append(current)
                current = b""
    assert current == b""
    return chunks


# -- generated replies ---------------------------------------------------------------------------


async def test_generated_stream_events_and_headers(
    server: FakeAnthropic, session: aiohttp.ClientSession
) -> None:
    resp, body = await post(session, server)
    assert resp.status == 200
    assert resp.headers["content-type"] == "text/event-stream; charset=utf-8"
    assert resp.headers["cache-control"] == "no-cache"
    assert resp.headers["transfer-encoding"] == "chunked"
    assert resp.headers["request-id"].startswith("req_01")
    assert resp.headers["anthropic-organization-id"]
    for kind in ("requests", "tokens"):
        assert int(resp.headers[f"anthropic-ratelimit-{kind}-limit"]) > 0
        assert int(resp.headers[f"anthropic-ratelimit-{kind}-remaining"]) >= 0
        assert resp.headers[f"anthropic-ratelimit-{kind}-reset"].endswith("Z")

    events = parse_sse(body)
    names = [name for name, _ in events]
    assert names == ["message_start", "content_block_start", "ping"] + ["content_block_delta"] * 20 + [
        "content_block_stop",
        "message_delta",
        "message_stop",
    ]
    message = events[0][1]["message"]
    assert message["id"].startswith("msg_01") and len(message["id"]) == 28
    assert message["model"] == "claude-test-1"
    assert message["content"] == [] and message["stop_reason"] is None
    assert message["usage"] == {
        "input_tokens": 4,
        "cache_creation_input_tokens": 0,
        "cache_read_input_tokens": 0,
        "output_tokens": 1,
        "service_tier": "standard",
    }
    assert events[1][1] == {
        "type": "content_block_start",
        "index": 0,
        "content_block": {"type": "text", "text": ""},
    }
    deltas = [data["delta"]["text"] for name, data in events if name == "content_block_delta"]
    # Exact-size deltas, but the last runs on to the end of its word and ends the sentence.
    assert all(len(d.encode()) == 12 and d.isascii() for d in deltas[:-1])
    assert deltas[-1] == "re dolor in."
    assert events[-2][1] == {
        "type": "message_delta",
        "delta": {"stop_reason": "end_turn", "stop_sequence": None},
        "usage": {"output_tokens": 20},
    }
    # Compact JSON, like the real API.
    assert b'{"type":"ping"}' in body and b", " not in body.replace(b"lorem ipsum", b"")


async def test_control_headers_shape_generated_reply(
    server: FakeAnthropic, session: aiohttp.ClientSession
) -> None:
    _, body = await post(session, server, x_fake_deltas="5", x_fake_delta_bytes="30")
    deltas = [d["delta"]["text"] for name, d in parse_sse(body) if name == "content_block_delta"]
    assert len(deltas) == 5 and all(len(d) == 30 for d in deltas)
    assert parse_sse(body)[-2][1]["usage"] == {"output_tokens": 5}

    _, body = await post(session, server, x_fake_deltas="0")
    assert [n for n, _ in parse_sse(body)].count("content_block_delta") == 0


async def test_server_defaults_and_large_delta_sizes(session: aiohttp.ClientSession) -> None:
    async with FakeAnthropic(deltas=3, delta_bytes=5000) as fake:
        _, body = await post(session, fake)
    deltas = [d["delta"]["text"] for name, d in parse_sse(body) if name == "content_block_delta"]
    assert [len(d) for d in deltas[:-1]] == [5000, 5000] and len(deltas[-1]) >= 5000
    assert deltas[-1].endswith(".") and deltas[-1][-2].isalpha()


async def test_event_chunking_is_one_http_chunk_per_event(
    server: FakeAnthropic, session: aiohttp.ClientSession
) -> None:
    chunks = await http_chunks(session, server, x_fake_deltas="3")
    assert [c.split(b"\n", 1)[0] for c in chunks] == [
        b"event: message_start",
        b"event: content_block_start",
        b"event: ping",
        *[b"event: content_block_delta"] * 3,
        b"event: content_block_stop",
        b"event: message_delta",
        b"event: message_stop",
    ]
    assert all(c.endswith(b"\n\n") and c.count(b"\n\n") == 1 for c in chunks)


async def test_byte_chunking_gives_the_same_bytes(
    server: FakeAnthropic, session: aiohttp.ClientSession
) -> None:
    # Fixed ids and multi-byte text, so both bodies are comparable and 7-byte pieces must cut
    # through UTF-8 sequences.
    reply = Reply.events(
        [
            {"type": "message_start", "message": {"id": "msg_fixed", "content": [], "model": "m"}},
            {"type": "content_block_start", "index": 0, "content_block": {"type": "text", "text": ""}},
            {
                "type": "content_block_delta",
                "index": 0,
                "delta": {"type": "text_delta", "text": "héllo wörld ✓ 🎉"},
            },
            {"type": "content_block_stop", "index": 0},
            {"type": "message_stop"},
        ]
    )
    server.enqueue(reply, reply, reply.with_options(chunking=3))
    by_event = await http_chunks(session, server)
    by_seven = await http_chunks(session, server, x_fake_chunking="7")
    by_three = await http_chunks(session, server, x_fake_chunking="7")  # the Reply's own option wins
    assert len(by_event) == 5
    assert b"".join(by_seven) == b"".join(by_event) == b"".join(by_three)
    assert all(len(c) == 7 for c in by_seven[:-1]) and 0 < len(by_seven[-1]) <= 7
    assert all(len(c) == 3 for c in by_three[:-1])
    with pytest.raises(UnicodeDecodeError):
        for piece in by_seven:
            piece.decode()


async def test_generated_json_reply_is_a_message(
    server: FakeAnthropic, session: aiohttp.ClientSession
) -> None:
    resp, body = await post(session, server, BODY, x_fake_deltas="4")
    assert resp.status == 200 and resp.headers["content-type"] == "application/json"
    assert resp.headers["request-id"].startswith("req_")
    message = json.loads(body)
    assert set(message) == {"id", "type", "role", "model", "content", "stop_reason", "stop_sequence", "usage"}
    assert message["type"] == "message" and message["role"] == "assistant"
    assert message["model"] == "claude-test-1" and message["stop_reason"] == "end_turn"
    assert len(message["content"][0]["text"]) == 48
    assert message["usage"]["output_tokens"] == 4

    # The same text as the streamed version of the same shape.
    _, streamed = await post(session, server, x_fake_deltas="4")
    text = "".join(d["delta"]["text"] for n, d in parse_sse(streamed) if n == "content_block_delta")
    assert text == message["content"][0]["text"]


async def test_echo_header_replies_with_last_user_message(
    server: FakeAnthropic, session: aiohttp.ClientSession
) -> None:
    body = {**STREAM_BODY, "messages": [{"role": "user", "content": [{"type": "text", "text": "echo me ✓"}]}]}
    _, raw = await post(session, server, body, x_fake_echo="1", x_fake_delta_bytes="4")
    deltas = [d["delta"]["text"] for n, d in parse_sse(raw) if n == "content_block_delta"]
    assert deltas == ["echo", " me ", "✓"]


# -- scripted replies ----------------------------------------------------------------------------


async def test_scripted_text_reply(server: FakeAnthropic, session: aiohttp.ClientSession) -> None:
    server.enqueue(Reply.text("Hello world", chunk_chars=3), Reply.text("Hello big world"))
    assert server.queued() == 2
    _, body = await post(session, server)
    events = parse_sse(body)
    assert [d["delta"]["text"] for n, d in events if n == "content_block_delta"] == [
        "Hel",
        "lo ",
        "wor",
        "ld",
    ]
    assert [n for n, _ in events][:3] == ["message_start", "content_block_start", "ping"]
    assert events[-2][1]["usage"] == {"output_tokens": 4}
    _, body = await post(session, server)
    pieces = [d["delta"]["text"] for n, d in parse_sse(body) if n == "content_block_delta"]
    assert pieces == ["Hello", " big", " world"]
    assert server.queued() == 0
    # Queue empty again: back to generated replies.
    _, body = await post(session, server)
    assert [n for n, _ in parse_sse(body)].count("content_block_delta") == 20


async def test_scripted_reply_options(server: FakeAnthropic, session: aiohttp.ClientSession) -> None:
    server.enqueue(
        Reply.text(
            "x", model="claude-other", stop_reason="max_tokens", usage={"input_tokens": 7, "output_tokens": 9}
        )
    )
    _, body = await post(session, server)
    events = parse_sse(body)
    assert events[0][1]["message"]["model"] == "claude-other"
    assert events[0][1]["message"]["usage"]["input_tokens"] == 7
    assert events[-2][1]["delta"]["stop_reason"] == "max_tokens"
    assert events[-2][1]["usage"] == {"output_tokens": 9}


def test_message_constructors_take_model_and_usage() -> None:
    """``model`` and ``usage`` (MessageReplyOptions) reach the reply from every message
    constructor, beside the stream options."""
    usage = {"output_tokens": 4}
    replies = [
        Reply.text("x", model="m", usage=usage, chunking=3),
        Reply.tool_use("f", {}, model="m", usage=usage, chunking=3),
        Reply.thinking("t", "x", model="m", usage=usage, chunking=3),
        Reply.message([TextBlock("x")], model="m", usage=usage, chunking=3),
    ]
    assert [(r.model, r.usage, r.chunking) for r in replies] == [("m", usage, 3)] * 4
    assert [r.stop_reason for r in replies] == ["end_turn", "tool_use", "end_turn", "end_turn"]


async def test_scripted_tool_use(server: FakeAnthropic, session: aiohttp.ClientSession) -> None:
    tool_input = {"city": "Paris", "units": "celsius", "days": [1, 2]}
    server.enqueue(Reply.tool_use("get_weather", tool_input, text_before="Let me check.", chunk_chars=5))
    _, body = await post(session, server)
    events = parse_sse(body)
    starts = [d for n, d in events if n == "content_block_start"]
    assert starts[0]["content_block"] == {"type": "text", "text": ""}
    block = starts[1]["content_block"]
    assert block["type"] == "tool_use" and block["name"] == "get_weather" and block["input"] == {}
    assert block["id"].startswith("toolu_01")
    partial = [
        d["delta"]["partial_json"] for n, d in events if n == "content_block_delta" and d["index"] == 1
    ]
    assert all(len(p) <= 5 for p in partial) and len(partial) > 3
    assert json.loads("".join(partial)) == tool_input
    assert events[-2][1]["delta"]["stop_reason"] == "tool_use"

    # Non-streaming: the same reply folded into a Message.
    server.enqueue(Reply.tool_use("get_weather", tool_input, id="toolu_fixed"))
    _, body = await post(session, server, BODY)
    message = json.loads(body)
    assert message["content"] == [
        {"type": "tool_use", "id": "toolu_fixed", "name": "get_weather", "input": tool_input}
    ]
    assert message["stop_reason"] == "tool_use"


async def test_scripted_mixed_blocks(server: FakeAnthropic, session: aiohttp.ClientSession) -> None:
    citation = {
        "type": "char_location",
        "cited_text": "The sky is blue.",
        "document_index": 0,
        "document_title": "Facts",
        "start_char_index": 0,
        "end_char_index": 16,
    }
    server.enqueue(
        Reply.message(
            [
                ThinkingBlock("Two tools needed.", signature="sig-1"),
                RedactedThinkingBlock("opaque"),
                TextBlock("the sky is blue", citations=[citation]),
                ToolUseBlock("a", {"x": 1}),
                ToolUseBlock("b", {}),
                CustomBlock({"type": "future_block", "payload": 1}, [{"type": "future_delta", "bit": 2}]),
            ]
        )
    )
    _, body = await post(session, server, BODY)
    message = json.loads(body)
    content = message["content"]
    assert content[0] == {"type": "thinking", "thinking": "Two tools needed.", "signature": "sig-1"}
    assert content[1] == {"type": "redacted_thinking", "data": "opaque"}
    assert content[2] == {"type": "text", "text": "the sky is blue", "citations": [citation]}
    assert content[3]["input"] == {"x": 1} and content[4]["input"] == {}
    assert content[3]["id"] != content[4]["id"]
    assert content[5] == {"type": "future_block", "payload": 1}
    assert message["stop_reason"] == "tool_use"


async def test_scripted_thinking_and_citation_stream(
    server: FakeAnthropic, session: aiohttp.ClientSession
) -> None:
    citation = {
        "type": "char_location",
        "cited_text": "c",
        "document_index": 0,
        "start_char_index": 0,
        "end_char_index": 1,
    }
    server.enqueue(
        Reply.thinking("Let me think about it.", "Answer."),
        Reply.message([TextBlock("cited", citations=[citation])]),
    )
    _, body = await post(session, server)
    events = parse_sse(body)
    assert events[1][1]["content_block"] == {"type": "thinking", "thinking": "", "signature": ""}
    kinds = [(d["index"], d["delta"]["type"]) for n, d in events if n == "content_block_delta"]
    assert kinds == [(0, "thinking_delta")] * 5 + [(0, "signature_delta")] + [(1, "text_delta")]
    signature_at = next(
        i for i, (n, d) in enumerate(events) if n == "content_block_delta" and "signature" in d["delta"]
    )
    assert events[signature_at + 1][1] == {"type": "content_block_stop", "index": 0}

    _, body = await post(session, server)
    events = parse_sse(body)
    assert events[1][1]["content_block"] == {"type": "text", "text": "", "citations": []}
    assert events[3][1]["delta"] == {"type": "citations_delta", "citation": citation}


async def test_scripted_events_sent_verbatim(server: FakeAnthropic, session: aiohttp.ClientSession) -> None:
    events = [
        {"type": "ping"},
        {"type": "brand_new_event", "nested": {"ünïcode": [1, None, True]}},
        {"type": "ping"},
    ]
    server.enqueue(Reply.events(events))
    _, body = await post(session, server)
    assert body == (
        b'event: ping\ndata: {"type":"ping"}\n\n'
        b"event: brand_new_event\n"
        b'data: {"type":"brand_new_event","nested":{"\xc3\xbcn\xc3\xafcode":[1,null,true]}}\n\n'
        b'event: ping\ndata: {"type":"ping"}\n\n'
    )
    with pytest.raises(ValueError):
        Reply.events([{"no_type": 1}])


async def test_scripted_raw_bytes(server: FakeAnthropic, session: aiohttp.ClientSession) -> None:
    raw = b'\xef\xbb\xbf: a comment\r\nevent: ping\r\ndata: {"type":"ping"}\r\n\r\n'
    server.enqueue(
        Reply.raw(raw), Reply.raw(raw, chunking=2), Reply.raw(b"", status=202, headers={"x-odd": "1"})
    )
    _, body = await post(session, server)
    assert body == raw
    chunks = await http_chunks(session, server)
    assert b"".join(chunks) == raw and {len(c) for c in chunks} == {2}
    resp, body = await post(session, server)
    assert (resp.status, body, resp.headers["x-odd"]) == (202, b"", "1")

    # abort=True: the socket closes in the middle of an event.
    cut = b'event: message_start\ndata: {"ty'
    server.enqueue(Reply.raw(cut, abort=True))
    received = b""
    with pytest.raises(aiohttp.ClientPayloadError):
        async with session.post(server.url + "/v1/messages", json=STREAM_BODY) as resp:
            async for data in resp.content.iter_any():
                received += data
    assert received == cut


async def test_scripted_http_error(server: FakeAnthropic, session: aiohttp.ClientSession) -> None:
    server.enqueue(
        Reply.error(
            529, "overloaded_error", "Overloaded", headers={"retry-after": "3", "x-should-retry": "true"}
        )
    )
    resp, body = await post(session, server)
    assert resp.status == 529
    assert resp.headers["content-type"] == "application/json"
    assert resp.headers["retry-after"] == "3" and resp.headers["x-should-retry"] == "true"
    assert json.loads(body) == {
        "type": "error",
        "error": {"type": "overloaded_error", "message": "Overloaded"},
        "request_id": resp.headers["request-id"],
    }


async def test_json_reply_on_any_path_and_404(server: FakeAnthropic, session: aiohttp.ClientSession) -> None:
    # (/v1/models has a built-in answer now; an endpoint the fake does not know still 404s.)
    server.enqueue(Reply.json({"data": [], "has_more": False}), path="/v1/not-an-endpoint")
    async with session.get(server.url + "/v1/not-an-endpoint") as resp:
        assert resp.status == 200 and await resp.json() == {"data": [], "has_more": False}
    async with session.get(server.url + "/v1/not-an-endpoint") as resp:
        assert resp.status == 404
        body = await resp.json()
    assert body["type"] == "error" and body["error"]["type"] == "not_found_error"
    assert body["request_id"] == resp.headers["request-id"]

    count_body = {k: v for k, v in BODY.items() if k != "max_tokens"}  # the API refuses it here
    async with session.post(server.url + "/v1/messages/count_tokens", json=count_body) as resp:
        assert await resp.json() == {"input_tokens": 4}


async def test_invalid_control_header_is_a_400(server: FakeAnthropic, session: aiohttp.ClientSession) -> None:
    resp, body = await post(session, server, x_fake_deltas="many")
    assert resp.status == 400
    error = json.loads(body)["error"]
    assert error["type"] == "invalid_request_error" and "x-fake-deltas" in error["message"]
    resp, body = await post(session, server, ["not", "an", "object"])
    assert resp.status == 400


# -- stream faults -------------------------------------------------------------------------------


async def test_error_event_after(server: FakeAnthropic, session: aiohttp.ClientSession) -> None:
    server.enqueue(
        Reply.text("a b c d", error_event_after=4),
        Reply.text("a", error_event_after=0, error_type="api_error"),
    )
    _, body = await post(session, server)
    assert body.endswith(
        b'event: error\ndata: {"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}\n\n'
    )
    assert [n for n, _ in parse_sse(body)] == [
        "message_start",
        "content_block_start",
        "ping",
        "content_block_delta",
        "error",
    ]
    _, body = await post(session, server)
    assert parse_sse(body)[0][1]["error"]["type"] == "api_error"
    # The header form, for out-of-process callers.
    _, body = await post(session, server, x_fake_error_after="1", x_fake_error_type="api_error")
    assert [n for n, _ in parse_sse(body)] == ["message_start", "error"]


async def test_truncate_after_is_a_clean_eof(server: FakeAnthropic, session: aiohttp.ClientSession) -> None:
    server.enqueue(Reply.text("one two three", truncate_after=4))
    resp, body = await post(session, server)
    assert resp.status == 200
    assert [n for n, _ in parse_sse(body)] == [
        "message_start",
        "content_block_start",
        "ping",
        "content_block_delta",
    ]
    _, body = await post(session, server, x_fake_truncate_after="2")
    assert len(parse_sse(body)) == 2


async def test_drop_after_breaks_the_connection(
    server: FakeAnthropic, session: aiohttp.ClientSession
) -> None:
    server.enqueue(Reply.text("one two three", drop_after=4))
    received = b""
    with pytest.raises(aiohttp.ClientPayloadError):
        async with session.post(server.url + "/v1/messages", json=STREAM_BODY) as resp:
            async for data in resp.content.iter_any():
                received += data
    # Exactly the events before the drop arrived, nothing after.
    assert [n for n, _ in parse_sse(received)] == [
        "message_start",
        "content_block_start",
        "ping",
        "content_block_delta",
    ]
    # Also with the header, on a generated 200k-delta stream (the socket buffer is full when
    # the drop happens), and the server keeps serving afterwards.
    received = b""
    with pytest.raises(aiohttp.ClientPayloadError):
        async with session.post(
            server.url + "/v1/messages",
            json=STREAM_BODY,
            headers={"x-fake-drop-after": "50000", "x-fake-deltas": "60000"},
        ) as resp:
            async for data in resp.content.iter_any():
                received += data
    assert received.count(b"\n\n") == 50000 and received.endswith(b"\n\n")
    resp, _ = await post(session, server)
    assert resp.status == 200


async def test_disconnect_reply_sends_nothing(server: FakeAnthropic, session: aiohttp.ClientSession) -> None:
    server.enqueue(Reply.disconnect())
    with pytest.raises(aiohttp.ClientConnectionError):
        await post(session, server)
    resp, _ = await post(session, server)
    assert resp.status == 200


async def test_hold_and_delay(server: FakeAnthropic, session: aiohttp.ClientSession) -> None:
    start = time.monotonic()
    async with session.post(
        server.url + "/v1/messages", json=STREAM_BODY, headers={"x-fake-hold": "0.3"}
    ) as resp:
        first = await resp.content.readuntil(b"\n\n")
        first_at = time.monotonic() - start
        rest = await resp.read()
    total = time.monotonic() - start
    assert first.startswith(b"event: message_start")
    assert first_at < 0.25 <= total
    assert parse_sse(first + rest)[-1][0] == "message_stop"

    server.enqueue(Reply.text("a b c", delay_between=0.05, delay_headers=0.1))
    start = time.monotonic()
    await post(session, server)
    assert time.monotonic() - start >= 0.1 + 8 * 0.05


async def test_client_leaving_a_held_stream_and_close_are_quick(session: aiohttp.ClientSession) -> None:
    fake = FakeAnthropic()
    await fake.start()
    try:
        # A client that goes away ends its held stream at once (nothing is left to cancel).
        async with session.post(
            fake.url + "/v1/messages", json=STREAM_BODY, headers={"x-fake-hold": "30"}
        ) as resp:
            await resp.content.readuntil(b"\n\n")
        for _ in range(100):
            if not fake._active:
                break
            await asyncio.sleep(0.01)
        assert not fake._active

        # Streams still held when the server closes are cut; close() does not wait for them.
        held = [
            await session.post(fake.url + "/v1/messages", json=STREAM_BODY, headers={"x-fake-hold": "30"})
            for _ in range(5)
        ]
    finally:
        start = time.monotonic()
        await fake.close()
        assert time.monotonic() - start < 1.0
    for resp in held:
        with pytest.raises(aiohttp.ClientPayloadError):
            await resp.read()
        resp.release()
    await fake.close()  # idempotent


# -- bookkeeping ---------------------------------------------------------------------------------


async def test_requests_are_recorded(server: FakeAnthropic, session: aiohttp.ClientSession) -> None:
    server.enqueue(Reply.text("hi"))
    async with session.post(
        server.url + "/v1/messages?beta=true",
        json=STREAM_BODY,
        headers={"X-Api-Key": "sk-test", "anthropic-version": "2023-06-01"},
    ) as resp:
        await resp.read()
    async with session.get(server.url + "/v1/nothing", data=b"not json") as resp:
        await resp.read()
    first, second = server.requests
    assert isinstance(first, RecordedRequest)
    assert (first.method, first.path, first.query) == ("POST", "/v1/messages", {"beta": "true"})
    assert first.headers["x-api-key"] == first.headers["X-API-KEY"] == "sk-test"
    assert first.json == STREAM_BODY and json.loads(first.body) == STREAM_BODY and first.stream
    assert (second.method, second.body, second.json, second.stream) == ("GET", b"not json", None, False)
    server.enqueue(Reply.text("x"))
    server.reset()
    assert server.requests == [] and server.queued() == 0


async def test_url_and_lifecycle() -> None:
    fake = FakeAnthropic()
    with pytest.raises(RuntimeError):
        _ = fake.url
    await fake.start()
    try:
        assert fake.url == f"http://127.0.0.1:{fake.port}" and fake.port > 0
        with pytest.raises(RuntimeError):
            await fake.start()
    finally:
        await fake.close()
    with pytest.raises(ValueError):
        Reply.text("x", truncate_after=1, drop_after=2)


async def test_large_generated_stream_is_fast(server: FakeAnthropic, session: aiohttp.ClientSession) -> None:
    start = time.process_time()
    async with session.post(
        server.url + "/v1/messages", json=STREAM_BODY, headers={"x-fake-deltas": "100000"}
    ) as resp:
        size = 0
        async for data in resp.content.iter_any():
            size += len(data)
    # Client and server share this process; generous bound, it is ~0.5 s here.
    assert time.process_time() - start < 5.0
    assert size > 100_000 * 100


# -- the CLI -------------------------------------------------------------------------------------


async def test_cli_prints_listening_line_and_serves(session: aiohttp.ClientSession) -> None:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(REPO_ROOT), os.environ.get("PYTHONPATH", "")])}
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "aclaude.testing",
        "--port",
        "0",
        "--deltas",
        "3",
        "--delta-bytes",
        "5",
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        env=env,
    )
    try:
        assert proc.stdout is not None
        line = (await asyncio.wait_for(proc.stdout.readline(), 20)).decode()
        assert line.startswith("listening on http://127.0.0.1:") and line.endswith("\n")
        url = line.split()[-1]
        async with session.post(url + "/v1/messages", json=STREAM_BODY) as resp:
            body = await resp.read()
        deltas = [d["delta"]["text"] for n, d in parse_sse(body) if n == "content_block_delta"]
        assert [len(d) for d in deltas[:-1]] == [5, 5] and deltas[-1].endswith(".")
    finally:
        if proc.returncode is None:
            proc.terminate()
        _, stderr = await asyncio.wait_for(proc.communicate(), 20)
    assert proc.returncode == 0, stderr.decode()
    assert stderr == b""


# -- the official SDK as the reference parser ----------------------------------------------------


async def test_official_sdk_parses_the_stream(server: FakeAnthropic) -> None:
    anthropic = pytest.importorskip("anthropic")
    client = anthropic.AsyncAnthropic(base_url=server.url, api_key="sk-test-fake", max_retries=0)
    try:
        text = "Hello wörld, this is the fake server ✓"
        server.enqueue(Reply.text(text, chunk_chars=4))
        async with client.messages.stream(
            model="claude-test-1", max_tokens=64, messages=BODY["messages"]
        ) as stream:
            message = await stream.get_final_message()
        assert message.content[0].text == text
        assert message.stop_reason == "end_turn" and message.model == "claude-test-1"

        server.enqueue(Reply.message([ThinkingBlock("hmm"), ToolUseBlock("get_weather", {"city": "Paris"})]))
        async with client.messages.stream(model="m", max_tokens=64, messages=BODY["messages"]) as stream:
            message = await stream.get_final_message()
        assert message.content[0].thinking == "hmm"
        assert message.content[1].input == {"city": "Paris"} and message.stop_reason == "tool_use"

        # Generated replies, streamed and not.
        async with client.messages.stream(model="m", max_tokens=64, messages=BODY["messages"]) as stream:
            message = await stream.get_final_message()
        assert len(message.content[0].text) == 20 * 12 and message.usage.output_tokens == 20
        assert message.content[0].text.endswith(" dolor in.")
        message = await client.messages.create(model="m", max_tokens=64, messages=BODY["messages"])
        assert len(message.content[0].text) == 20 * 12

        server.enqueue(Reply.error(404, "not_found_error", "model: nope"))
        with pytest.raises(anthropic.NotFoundError) as info:
            await client.messages.create(model="nope", max_tokens=64, messages=BODY["messages"])
        assert info.value.request_id.startswith("req_01")
        assert info.value.body["error"] == {"type": "not_found_error", "message": "model: nope"}
    finally:
        await client.close()


@pytest.mark.parametrize(
    ("name", "value", "refusal"),
    [
        ("x-fake-deltas", "-1", "must be >= 0"),
        ("x-fake-truncate-after", "-3", "must be >= 0"),
        ("x-fake-delta-bytes", "0", "must be >= 1"),
        ("x-fake-chunking", "0", "must be 'event' or a positive integer"),
        ("x-fake-hold", "nan", "must be a number of seconds >= 0"),
        ("x-fake-delay", "-0.5", "must be a number of seconds >= 0"),
    ],
)
def test_control_headers_below_their_minimum_are_refused(name: str, value: str, refusal: str) -> None:
    with pytest.raises(ValueError, match=re.escape(f"invalid {name} header {value!r}: {refusal}")):
        parse_control({name: value})


def test_control_headers_at_their_minimum_are_taken() -> None:
    control = parse_control(
        {"x-fake-deltas": "0", "x-fake-delta-bytes": "1", "x-fake-chunking": "1", "x-fake-hold": "0"}
    )
    assert (control.deltas, control.delta_bytes, control.chunking, control.hold) == (0, 1, 1, 0.0)
    assert isinstance(control.hold, float)
    assert parse_control({"x-fake-chunking": " Event "}).chunking == "event"


def test_reply_with_options_checks_and_lists_its_keywords() -> None:
    stalled = Reply.text("Hi").with_options(stall_after=2, stall_with="pings", delay_between=None)
    assert (stalled.stall_after, stalled.stall_with, stalled.delay_between) == (2, "pings", None)
    with pytest.raises(TypeError, match="unexpected keyword argument 'stal_after'"):
        Reply.text("Hi").with_options(stal_after=2)  # type: ignore[call-arg]
    with pytest.raises(TypeError, match="unexpected keyword argument 'kind'"):
        Reply.text("Hi").with_options(kind="raw")  # type: ignore[call-arg]
    parameters = inspect.signature(Reply.with_options).parameters
    assert {"truncate_after", "drop_after", "stall_after", "stall_for"} <= parameters.keys()
    assert all(p.kind is inspect.Parameter.KEYWORD_ONLY for name, p in parameters.items() if name != "self")


def test_structured_example_follows_local_refs() -> None:
    schema = {
        "type": "object",
        "properties": {
            "a": {"$ref": "#/$defs/Point"},
            "b": {"$ref": "#/definitions/a~1b"},
            "c": {"$ref": "#/$defs/Missing"},
            "d": {"$ref": "https://example.com/remote.json"},
        },
        "required": ["a", "b", "c", "d"],
        "$defs": {"Point": {"type": "object", "properties": {"x": {"const": 3}}, "required": ["x"]}},
        "definitions": {"a/b": {"enum": ["first", "second"]}},
    }
    assert json.loads(example_json(schema)) == {"a": {"x": 3}, "b": "first", "c": None, "d": None}
