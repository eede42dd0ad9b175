"""``client.beta``: the ``betas`` header on every beta method, the fake's beta checks, and beta
content and events passing through (typed where known, every field kept where not)."""

from __future__ import annotations

from typing import Any

import msgspec
import pytest

import aclaude
from aclaude.resources.beta import TOKEN_COUNTING_BETA
from aclaude.testing import FakeAnthropic, Reply

PARAMS: dict[str, Any] = {
    "model": "claude-sonnet-4-6",
    "max_tokens": 64,
    "messages": [{"role": "user", "content": "Hello"}],
}
MCP = "mcp-client-2025-11-20"


def start(content: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    return {
        "type": "message_start",
        "message": {
            "id": "msg_01BETA",
            "type": "message",
            "role": "assistant",
            "model": "claude-sonnet-4-6",
            "content": content or [],
            "stop_reason": None,
            "stop_sequence": None,
            "usage": {"input_tokens": 5, "output_tokens": 1},
        },
    }


MCP_USE = {
    "type": "mcp_tool_use",
    "id": "mcptoolu_01",
    "name": "search",
    "server_name": "docs",
    "input": {"q": "aclaude"},
}
MCP_RESULT = {
    "type": "mcp_tool_result",
    "tool_use_id": "mcptoolu_01",
    "is_error": False,
    "content": [{"type": "text", "text": "found"}],
}
BETA_EVENTS = [
    start(),
    {"type": "content_block_start", "index": 0, "content_block": MCP_USE},
    {"type": "content_block_stop", "index": 0},
    {"type": "content_block_start", "index": 1, "content_block": MCP_RESULT},
    {"type": "content_block_stop", "index": 1},
    {"type": "content_block_start", "index": 2, "content_block": {"type": "text", "text": ""}},
    {"type": "content_block_delta", "index": 2, "delta": {"type": "text_delta", "text": "Done"}},
    {"type": "content_block_delta", "index": 2, "delta": {"type": "compaction_delta", "content": "..."}},
    {"type": "content_block_stop", "index": 2},
    {"type": "context_cleared", "cleared_tokens": 120},
    {
        "type": "message_delta",
        "delta": {"stop_reason": "end_turn", "stop_sequence": None},
        "usage": {"output_tokens": 9},
    },
    {"type": "message_stop"},
]


async def test_create_sends_betas(client: aclaude.Client, server: FakeAnthropic) -> None:
    message = await client.beta.messages.create(**PARAMS, betas=["b-2025-01-01", "c-2025-02-02"])
    assert isinstance(message, aclaude.Message) and message.stop_reason == "end_turn"
    assert server.requests[0].headers["anthropic-beta"] == "b-2025-01-01,c-2025-02-02"
    # extra_headers win over betas, as in the official SDK.
    await client.beta.messages.create(**PARAMS, betas=["b-2025-01-01"], extra_headers={"anthropic-beta": "x"})
    assert server.requests[1].headers["anthropic-beta"] == "x"


async def test_stream_and_create_stream(client: aclaude.Client, server: FakeAnthropic) -> None:
    async with client.beta.messages.stream(**PARAMS, betas=["b-2025-01-01"]) as stream:
        text = await stream.get_final_text()
    assert text
    events = [e async for e in client.beta.messages.create(**PARAMS, stream=True, betas=["b-2025-01-01"])]
    assert events[-1].type == "message_stop"
    assert [r.headers["anthropic-beta"] for r in server.requests] == ["b-2025-01-01"] * 2


async def test_count_tokens_adds_the_token_counting_beta(
    client: aclaude.Client, server: FakeAnthropic
) -> None:
    count = await client.beta.messages.count_tokens(model=PARAMS["model"], messages=PARAMS["messages"])
    assert isinstance(count, aclaude.MessageTokensCount) and count.input_tokens >= 1
    await client.beta.messages.count_tokens(
        model=PARAMS["model"], messages=PARAMS["messages"], betas=["b-2025-01-01"]
    )
    first, second = server.requests
    assert first.headers["anthropic-beta"] == TOKEN_COUNTING_BETA
    assert second.headers["anthropic-beta"] == f"b-2025-01-01,{TOKEN_COUNTING_BETA}"
    assert first.path == "/v1/messages/count_tokens"


async def test_parse_sends_betas(client: aclaude.Client, server: FakeAnthropic) -> None:
    class Answer(msgspec.Struct):
        value: int

    message = await client.beta.messages.parse(**PARAMS, output_format=Answer, betas=["b-2025-01-01"])
    assert message.parsed_output == Answer(value=1)
    assert server.requests[0].headers["anthropic-beta"] == "b-2025-01-01"


async def test_beta_only_fields_need_their_beta(client: aclaude.Client, server: FakeAnthropic) -> None:
    servers = [{"type": "url", "url": "https://mcp.example/sse", "name": "docs"}]
    with pytest.raises(TypeError, match="unexpected keyword argument 'mcp_servers'"):
        await client.messages.create(**PARAMS, mcp_servers=servers)  # a beta field, as in the SDK
    with pytest.raises(aclaude.BadRequestError, match=r"mcp_servers.*mcp-client-"):
        await client.messages.create(**PARAMS, extra_body={"mcp_servers": servers})
    message = await client.beta.messages.create(**PARAMS, mcp_servers=servers, betas=[MCP])
    assert message.stop_reason == "end_turn"
    assert server.requests[-1].json["mcp_servers"] == servers


@pytest.mark.parametrize("value", ["['files-api-2025-04-14']", "a b", "x;y"])
async def test_malformed_beta_header_is_the_apis_400(client: aclaude.Client, value: str) -> None:
    with pytest.raises(aclaude.BadRequestError, match="Unexpected value"):
        await client.models.list(extra_headers={"anthropic-beta": value})


async def test_strict_betas_reject_unknown_shapes(client: aclaude.Client, server: FakeAnthropic) -> None:
    server.resources.strict_betas = True
    with pytest.raises(aclaude.BadRequestError, match="`nonsense`"):
        await client.beta.messages.create(**PARAMS, betas=["nonsense"])
    assert (await client.beta.messages.create(**PARAMS, betas=[MCP])).stop_reason == "end_turn"


async def test_beta_blocks_deltas_and_events_pass_through(
    client: aclaude.Client, server: FakeAnthropic
) -> None:
    server.enqueue(Reply.events(BETA_EVENTS), Reply.events(BETA_EVENTS))
    events = [e async for e in client.beta.messages.create(**PARAMS, stream=True, betas=[MCP])]
    assert [msgspec.to_builtins(e) for e in events] == [_drop_nulls(e) for e in BETA_EVENTS]
    unknown_event = events[9]
    assert isinstance(unknown_event, aclaude.UnknownEvent) and unknown_event.cleared_tokens == 120  # type: ignore[attr-defined]
    assert isinstance(events[7].delta, aclaude.types.CompactionDelta)  # typed since issue 12 item 5
    message = await client.beta.messages.create(**PARAMS, betas=[MCP])
    assert [msgspec.to_builtins(b) for b in message.content] == [
        MCP_USE,
        MCP_RESULT,
        {"type": "text", "text": "Done"},
    ]
    assert isinstance(message.content[0], aclaude.types.MCPToolUseBlock)  # typed since issue 12 item 5
    assert message.content[0].server_name == "docs"


async def test_beta_message_start_with_typed_and_beta_blocks(
    client: aclaude.Client, server: FakeAnthropic
) -> None:
    upload = {"type": "container_upload", "file_id": "file_01X"}
    events = [
        start([upload, MCP_USE]),
        {"type": "message_delta", "delta": {"stop_reason": "end_turn"}, "usage": {"output_tokens": 1}},
        {"type": "message_stop"},
    ]
    server.enqueue(Reply.events(events))
    message = await client.beta.messages.create(**PARAMS, betas=[MCP])
    assert isinstance(message.content[0], aclaude.ContainerUploadBlock)  # known: typed
    assert msgspec.to_builtins(message.content[1]) == MCP_USE  # beta-only: kept whole


async def test_beta_models_and_files_resources(client: aclaude.Client, server: FakeAnthropic) -> None:
    assert [m.id async for m in client.beta.models.list(betas=["b-2025-01-01"])]
    meta = await client.beta.files.upload(file=("a.txt", b"x"))
    assert (await client.beta.files.retrieve_metadata(meta.id)).id == meta.id
    betas = [r.headers.get("anthropic-beta") for r in server.requests]
    assert betas == ["b-2025-01-01", "files-api-2025-04-14", "files-api-2025-04-14"]


def _drop_nulls(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _drop_nulls(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_drop_nulls(v) for v in value]
    return value
