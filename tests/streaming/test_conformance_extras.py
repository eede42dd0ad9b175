"""Conformance with the official SDK when the API sends fields this client does not declare.

The same bytes, over real loopback HTTP, go to aclaude and to the official SDK, with unknown
fields added at every level (every event, the message, its usage and its nested counters,
every content block and citation, every delta, ``message_delta``'s delta and usage, batch
results, model info, files, token counts). The final messages must be the same canonical JSON
(nulls dropped), extras included; each event must still encode back to its wire JSON; and the
extras must be readable (attribute access and ``extra_fields``).

Where the extras end up follows the SDK's accumulator (``lib/streaming/_messages.py``): those of
``message_start``'s message (and usage) and of ``content_block_start``'s block are kept in the
final message; those of ``message_delta`` (its delta and usage), of ``content_block_stop`` and of
deltas stay on their events only (the SDK copies declared fields from them, nothing else).
"""

from __future__ import annotations

import json
from typing import Any

import anthropic
import msgspec
import pytest
from test_conformance import (
    API_KEY,
    CHUNKINGS,
    FIXTURE_NAMES,
    FIXTURES_DIR,
    PARAMS,
    check_conformance,
    generate_stream,
    parse_fixture,
    random_size,
    render,
    sans_io,
    strip_nulls,
)

import aclaude
from aclaude.testing import FakeAnthropic, Reply, TextBlock, ThinkingBlock, ToolUseBlock
from aclaude.testing._extra_fields import with_extra_fields
from aclaude.types import extra_fields, known_type

# A nested value, a key that is not an identifier, one that names a property of Message
# (request_id) and one that names a method (to_param): none may shadow anything, all survive.
EXTRA: dict[str, Any] = {
    "x_new_field": {"level": [1, 2.5, "\u00fc\U0001f389"], "on": True},
    "x-dashed key": 7,
    "request_id": "req_in_body",
    "to_param": "not a method",
}


def with_extras(events: list[dict[str, Any]]) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = [with_extra_fields(e, EXTRA) for e in events]
    return out


def _cases(names: list[str], base_seed: int) -> list[Any]:
    return [
        pytest.param(
            name,
            chunking,
            base_seed + i,
            id=f"{name}-"
            + (f"random{random_size(base_seed + i)}" if chunking == "random" else f"chunk{chunking}"),
        )
        for i, name in enumerate(names)
        for chunking in CHUNKINGS
    ]


def assert_extras_everywhere(message: aclaude.Message) -> None:
    """The final message carries the extras at the message, usage and every block level."""
    assert extra_fields(message) == EXTRA
    assert extra_fields(message.usage) == EXTRA
    for block in message.content:
        if isinstance(block, aclaude.UnknownContentBlock):
            continue
        assert extra_fields(block) == EXTRA, block
        for citation in getattr(block, "citations", None) or []:
            assert extra_fields(citation) == EXTRA


@pytest.mark.parametrize(("name", "chunking", "seed"), _cases(FIXTURE_NAMES, 3000))
async def test_fixture_with_extra_fields_at_every_level(
    server: FakeAnthropic, name: str, chunking: str | int, seed: int
) -> None:
    events = with_extras(parse_fixture((FIXTURES_DIR / f"{name}.sse").read_bytes()))
    message = await check_conformance(server, render(events), chunking, seed)
    assert_extras_everywhere(message)


@pytest.mark.parametrize("seed", [7101, 7102, 7103, 7104])
@pytest.mark.parametrize("chunking", CHUNKINGS)
async def test_generated_stream_with_extra_fields(
    server: FakeAnthropic, seed: int, chunking: str | int
) -> None:
    message = await check_conformance(server, render(with_extras(generate_stream(seed))), chunking, seed * 7)
    assert_extras_everywhere(message)


def test_extras_are_readable_and_never_shadow() -> None:
    events = with_extras(parse_fixture((FIXTURES_DIR / "full_usage.sse").read_bytes()))
    raw_events, message = sans_io([render(events)])
    assert raw_events == [strip_nulls(e) for e in events]  # every event encodes back, extras too
    # Attribute access for identifier keys; declared names keep their meaning.
    assert message.x_new_field == EXTRA["x_new_field"]  # type: ignore[attr-defined]
    assert message.request_id is None  # the property (the response header), not the body field
    assert callable(message.to_param)
    assert message.usage.x_new_field == EXTRA["x_new_field"]  # type: ignore[attr-defined]
    assert message.usage.cache_creation is not None
    assert extra_fields(message.usage.cache_creation) == EXTRA
    assert isinstance(message.usage.input_tokens, int)  # declared fields keep their types
    text = message.content[0]
    assert isinstance(text, aclaude.TextBlock) and known_type(type(text)) is aclaude.TextBlock
    assert message.to_param()["content"][0]["x-dashed key"] == 7


# -- the fake API's own option ---------------------------------------------------------------


def without_ids(message: dict[str, Any]) -> Any:
    message = {**message, "id": None, "content": [{**b, "id": None} for b in message["content"]]}
    return strip_nulls(message)


async def test_fake_api_extra_fields_option_reaches_both_clients(server: FakeAnthropic) -> None:
    blocks = [ThinkingBlock("Let me see.", "c2ln"), TextBlock("Hello there"), ToolUseBlock("f", {"a": [1]})]
    reply = Reply.message(blocks, extra_fields=EXTRA)
    server.enqueue(reply, reply)
    async with aclaude.Client(api_key=API_KEY, base_url=server.url, max_retries=0) as client:
        async with client.messages.stream(**PARAMS) as stream:
            events = [e async for e in stream]
            ours = await stream.get_final_message()
    sdk = anthropic.AsyncAnthropic(api_key=API_KEY, base_url=server.url, max_retries=0)
    try:
        async with sdk.messages.stream(**PARAMS) as sdk_stream:  # type: ignore[arg-type]
            theirs = await sdk_stream.get_final_message()
    finally:
        await sdk.close()
    # The fake makes new message and tool-use ids per request: compare everything else.
    assert without_ids(msgspec.to_builtins(ours)) == without_ids(theirs.model_dump(mode="json"))
    assert_extras_everywhere(ours)
    assert ours.content[2].input == {"a": [1]}  # tool input is data: left alone
    stops = [e for e in events if isinstance(e, aclaude.MessageStopEvent)]
    assert len(stops) == 1  # a message_stop with extras still ends the stream


async def test_text_stream_and_callbacks_see_deltas_with_extras(server: FakeAnthropic) -> None:
    server.enqueue(Reply.text("one two three", extra_fields=EXTRA))
    seen: list[str] = []
    async with aclaude.Client(api_key=API_KEY, base_url=server.url, max_retries=0) as client:
        async with client.messages.stream(**PARAMS) as stream:
            stream.on("text", lambda delta, snapshot: seen.append(delta))
            text = [t async for t in stream.text_stream]
            message = await stream.get_final_message()
    assert "".join(text) == "".join(seen) == "one two three"
    assert message.content[0].text == "one two three"


# -- JSON resources ----------------------------------------------------------------------------

MODEL_INFO = {
    "type": "model",
    "id": "claude-sonnet-4-6",
    "display_name": "Claude Sonnet 4.6",
    "created_at": "2025-02-19T00:00:00Z",
    "max_input_tokens": 200000,
    "max_tokens": 64000,
    "capabilities": {
        "batch": {"supported": True},
        "thinking": {"supported": True, "types": {"enabled": {"supported": True}}},
        "context_management": {"supported": True, "compact_20260112": {"supported": True}},
    },
}


def canonical(value: Any) -> Any:
    """JSON with nulls dropped (both clients omit or null absent optional fields)."""
    return strip_nulls(json.loads(json.dumps(value)))


async def _both(server: FakeAnthropic, path: str, body: Any, ours: Any, theirs: Any) -> tuple[Any, Any]:
    reply = Reply.json(body, extra_fields=EXTRA)
    server.enqueue(reply, reply, path=path)
    async with aclaude.Client(api_key=API_KEY, base_url=server.url, max_retries=0) as client:
        mine = await ours(client)
    sdk = anthropic.AsyncAnthropic(api_key=API_KEY, base_url=server.url, max_retries=0)
    try:
        reference = await theirs(sdk)
    finally:
        await sdk.close()
    expected = canonical(with_extra_fields(body, EXTRA))
    assert canonical(msgspec.to_builtins(mine)) == expected
    assert canonical(reference.model_dump(mode="json", exclude_none=True)) == expected
    return mine, reference


async def test_model_info_keeps_extras(server: FakeAnthropic) -> None:
    mine, _ = await _both(
        server,
        "/v1/models/claude-sonnet-4-6",
        MODEL_INFO,
        lambda c: c.models.retrieve("claude-sonnet-4-6"),
        lambda s: s.models.retrieve("claude-sonnet-4-6"),
    )
    assert mine.x_new_field == EXTRA["x_new_field"]
    assert extra_fields(mine.capabilities.thinking.types.enabled) == EXTRA


async def test_models_page_items_keep_extras(server: FakeAnthropic) -> None:
    body = {"data": [MODEL_INFO], "has_more": False, "first_id": "a", "last_id": "a"}
    server.enqueue(Reply.json(body, extra_fields=EXTRA), path="/v1/models")
    async with aclaude.Client(api_key=API_KEY, base_url=server.url, max_retries=0) as client:
        page = await client.models.list()
    (model,) = page.data
    assert canonical(msgspec.to_builtins(model)) == canonical(with_extra_fields(MODEL_INFO, EXTRA))


BATCH = {
    "id": "msgbatch_01",
    "type": "message_batch",
    "processing_status": "ended",
    "request_counts": {"processing": 0, "succeeded": 1, "errored": 1, "canceled": 0, "expired": 0},
    "created_at": "2025-01-01T00:00:00Z",
    "expires_at": "2025-01-02T00:00:00Z",
    "ended_at": "2025-01-01T01:00:00Z",
    "results_url": None,
}


async def test_batch_keeps_extras(server: FakeAnthropic) -> None:
    mine, _ = await _both(
        server,
        "/v1/messages/batches/msgbatch_01",
        BATCH,
        lambda c: c.messages.batches.retrieve("msgbatch_01"),
        lambda s: s.messages.batches.retrieve("msgbatch_01"),
    )
    assert extra_fields(mine.request_counts) == EXTRA


async def test_token_count_and_file_keep_extras(server: FakeAnthropic) -> None:
    await _both(
        server,
        "/v1/messages/count_tokens",
        {"input_tokens": 12},
        lambda c: c.messages.count_tokens(**{k: v for k, v in PARAMS.items() if k != "max_tokens"}),
        lambda s: s.messages.count_tokens(**{k: v for k, v in PARAMS.items() if k != "max_tokens"}),
    )
    file = {
        "id": "file_01",
        "type": "file",
        "filename": "a.txt",
        "mime_type": "text/plain",
        "size_bytes": 3,
        "created_at": "2025-01-01T00:00:00Z",
        "downloadable": False,
    }
    await _both(
        server,
        "/v1/files/file_01",
        file,
        lambda c: c.beta.files.retrieve_metadata("file_01"),
        lambda s: s.beta.files.retrieve_metadata("file_01"),
    )


def _results_lines() -> list[dict[str, Any]]:
    events = parse_fixture((FIXTURES_DIR / "text_citations.sse").read_bytes())
    _, message = sans_io([render(events)])
    return [
        {"custom_id": "ok", "result": {"type": "succeeded", "message": msgspec.to_builtins(message)}},
        {
            "custom_id": "bad",
            "result": {
                "type": "errored",
                "error": {"type": "error", "error": {"type": "invalid_request_error", "message": "no"}},
            },
        },
        {"custom_id": "gone", "result": {"type": "expired"}},
    ]


async def test_batch_results_keep_extras_at_every_level(server: FakeAnthropic) -> None:
    lines = [with_extra_fields(line, EXTRA) for line in _results_lines()]
    jsonl = b"".join(json.dumps(line, ensure_ascii=False).encode() + b"\n" for line in lines)
    batch = {**BATCH, "results_url": f"{server.url}/v1/messages/batches/msgbatch_01/results"}
    for _ in range(2):
        server.enqueue(Reply.json(batch), path="/v1/messages/batches/msgbatch_01")
        server.enqueue(
            Reply.raw(jsonl, content_type="application/binary"),
            path="/v1/messages/batches/msgbatch_01/results",
        )
    async with aclaude.Client(api_key=API_KEY, base_url=server.url, max_retries=0) as client:
        mine = [r async for r in client.messages.batches.results("msgbatch_01")]
    sdk = anthropic.AsyncAnthropic(api_key=API_KEY, base_url=server.url, max_retries=0)
    try:
        theirs = [r async for r in await sdk.messages.batches.results("msgbatch_01")]
    finally:
        await sdk.close()
    expected = [canonical(line) for line in lines]
    assert [canonical(msgspec.to_builtins(r)) for r in mine] == expected
    assert [canonical(r.model_dump(mode="json", exclude_none=True)) for r in theirs] == expected
    ok = mine[0].result
    assert isinstance(ok, aclaude.MessageBatchSucceededResult)
    assert_extras_everywhere(ok.message)
    assert extra_fields(mine[0]) == extra_fields(ok) == EXTRA
