"""Conformance with the official SDK's *beta* stream on beta wire types, and a cut tool input.

The fixtures under ``tests/fixtures/beta/`` carry types the beta API sends: compaction blocks and
``compaction_delta``, ``context_management`` and ``usage.iterations`` on ``message_delta``;
MCP connector blocks (``mcp_tool_listing``, ``mcp_tool_use`` with streamed input,
``mcp_tool_result``) and ``advisor_tool_result``; a mid-stream ``fallback`` block (the SDK
relabels the message's model), ``ThinkingDelta.estimated_tokens``, ``stop_details``,
``container``, ``diagnostics``, ``input_transformations``, ``usage.fallback_credit`` and a
tool call's ``caller``. They
are served with every chunking over loopback HTTP to aclaude and to
``anthropic.AsyncAnthropic().beta.messages.stream``: the final messages must be the same
canonical JSON, and aclaude must type every block (no ``UnknownContentBlock``).

``tool_use_max_tokens.sse`` (in ``tests/fixtures/``, so the non-beta conformance runs it too) is
a tool call cut off by ``max_tokens``: input_json deltas, then ``message_delta`` and
``message_stop`` with no ``content_block_stop``. The SDK parses the input in jiter's partial
mode; aclaude must end with the same input, not ``{}``.
"""

from __future__ import annotations

from typing import Any

import anthropic
import msgspec
import pytest
from test_conformance import (
    API_KEY,
    CHUNKINGS,
    FIXTURES_DIR,
    PARAMS,
    parse_fixture,
    random_size,
    render,
    reply_for,
    sans_io,
    split,
    strip_nulls,
)

import aclaude
from aclaude.testing import FakeAnthropic
from aclaude.testing._extra_fields import with_extra_fields

EXTRA: dict[str, Any] = {"x_new_field": {"a": [1, "\u00fc"]}, "x-dashed": 1, "to_param": "v"}

BETA_DIR = FIXTURES_DIR / "beta"
BETA_NAMES = sorted(p.stem for p in BETA_DIR.glob("*.sse"))


def _cases() -> list[Any]:
    names = [*BETA_NAMES, "../tool_use_max_tokens"]
    return [
        pytest.param(
            name,
            chunking,
            5000 + i,
            id=f"{name.strip('./')}-"
            + (f"random{random_size(5000 + i)}" if chunking == "random" else f"chunk{chunking}"),
        )
        for i, name in enumerate(names)
        for chunking in CHUNKINGS
    ]


async def read_beta(server: FakeAnthropic, body: bytes, chunking: str | int, seed: int) -> dict[str, Any]:
    wire = parse_fixture(body)
    reply = reply_for(body, wire, chunking, seed)
    server.enqueue(reply, reply, reply, reply)
    compactions: list[tuple[Any, Any]] = []
    async with aclaude.Client(api_key=API_KEY, base_url=server.url, max_retries=0) as client:
        events = [e async for e in client.beta.messages.create(stream=True, **PARAMS)]
        created = await client.beta.messages.create(**PARAMS)
        async with client.beta.messages.stream(**PARAMS) as stream:
            stream.on("compaction", lambda content, encrypted: compactions.append((content, encrypted)))
            derived = [e async for e in stream]
            streamed = await stream.get_final_message()
    sdk = anthropic.AsyncAnthropic(api_key=API_KEY, base_url=server.url, max_retries=0)
    try:
        async with sdk.beta.messages.stream(**PARAMS) as sdk_stream:  # type: ignore[arg-type]
            sdk_events = [e async for e in sdk_stream]
            reference = await sdk_stream.get_final_message()
    finally:
        await sdk.close()
    _, sans = sans_io(split(body, chunking, seed))
    return {
        "wire": wire,
        "events": events,
        "created": created,
        "streamed": streamed,
        "sans": sans,
        "derived": derived,
        "compactions": compactions,
        "sdk_events": sdk_events,
        "reference": reference,
    }


@pytest.mark.parametrize(("name", "chunking", "seed"), _cases())
async def test_beta_types_conform_to_the_sdk(
    server: FakeAnthropic, name: str, chunking: str | int, seed: int
) -> None:
    body = (BETA_DIR / f"{name}.sse").read_bytes()
    got = await read_beta(server, body, chunking, seed)
    assert [strip_nulls(msgspec.to_builtins(e)) for e in got["events"]] == strip_nulls(got["wire"])
    created = msgspec.to_builtins(got["created"])
    assert msgspec.to_builtins(got["streamed"]) == created == msgspec.to_builtins(got["sans"])
    reference = got["reference"].model_dump(mode="json", exclude_none=True, by_alias=True)
    assert strip_nulls(created) == strip_nulls(reference)
    assert not [b for b in got["created"].content if isinstance(b, aclaude.UnknownContentBlock)]
    # compaction events: one per compaction_delta, with the block's content, as the SDK's.
    sdk_compactions = [(e.content, e.encrypted_content) for e in got["sdk_events"] if e.type == "compaction"]
    ours = [
        (e.content, e.encrypted_content) for e in got["derived"] if isinstance(e, aclaude.CompactionEvent)
    ]
    assert ours == sdk_compactions == got["compactions"]


async def test_beta_fixtures_are_typed(server: FakeAnthropic) -> None:
    """Spot checks: the typed fields carry what the fixtures sent."""

    async def final(name: str) -> Any:
        got = await read_beta(server, (BETA_DIR / f"{name}.sse").read_bytes(), "event", 0)
        return got

    comp = await final("compaction")
    message = comp["created"]
    block = message.content[0]
    assert isinstance(block, aclaude.types.CompactionBlock)
    assert block.content is not None and block.content.startswith("Summary: the user asked")
    assert block.encrypted_content == "EqUBCkYIBxgCKkD0c0mp=="
    assert [i["type"] for i in message.usage.iterations] == ["compaction", "message"]
    assert message.context_management.applied_edits[0]["cleared_tool_uses"] == 3
    assert len(comp["compactions"]) == 1

    mcp = (await final("mcp_advisor"))["created"]
    types = [type(b) for b in mcp.content]
    assert types == [
        aclaude.TextBlock,
        aclaude.types.MCPToolListingBlock,
        aclaude.types.MCPToolUseBlock,
        aclaude.types.MCPToolResultBlock,
        aclaude.types.AdvisorToolResultBlock,
        aclaude.TextBlock,
    ]
    assert mcp.content[2].input == {"q": "crash on start\u00e9"}
    assert mcp.content[2].server_name == "issues"

    fb = await final("fallback")
    message = fb["created"]
    assert message.model == "claude-sonnet-4-6"  # relabelled by the fallback block
    fallback = message.content[0]
    assert isinstance(fallback, aclaude.types.FallbackBlock)
    assert (fallback.from_.model, fallback.to.model) == ("claude-opus-4-7", "claude-sonnet-4-6")
    assert msgspec.to_builtins(fallback)["from"] == {"model": "claude-opus-4-7"}
    assert message.stop_details.category == "cyber"
    assert message.container.id == "container_01Fb"
    assert message.diagnostics.cache_miss_reason == {
        "type": "model_changed",
        "cache_missed_input_tokens": 1200,
    }
    assert message.input_transformations[0]["type"] == "thinking_dropped"
    assert message.usage.fallback_credit.status == {"type": "redeemed"}
    thinking_deltas = [
        e.delta
        for e in fb["events"]
        if isinstance(e, aclaude.RawContentBlockDeltaEvent) and isinstance(e.delta, aclaude.ThinkingDelta)
    ]
    assert thinking_deltas[0].estimated_tokens == 12
    called = message.content[3]
    assert isinstance(called, aclaude.ToolUseBlock)
    assert called.caller == aclaude.types.ServerToolCaller(tool_id="srvtoolu_01Code")


async def test_tool_input_cut_by_max_tokens_is_parsed_partially(server: FakeAnthropic) -> None:
    got = await read_beta(server, (FIXTURES_DIR / "tool_use_max_tokens.sse").read_bytes(), 7, 1)
    for key in ("created", "streamed", "sans"):
        message = got[key]
        assert message.stop_reason == "max_tokens"
        tool = message.content[1]
        assert isinstance(tool, aclaude.ToolUseBlock)
        # What the model produced, up to the last complete value (jiter's partial mode).
        assert tool.input == {"locations": [{"city": "San Francisco, CA", "days": [1, 2]}, {}]}
        assert message.content[0].text == "Let me check the weather in both cities."


@pytest.mark.parametrize("chunking", ["event", 7])
@pytest.mark.parametrize("name", BETA_NAMES)
async def test_beta_types_with_extra_fields_at_every_level(
    server: FakeAnthropic, name: str, chunking: Any
) -> None:
    events = [with_extra_fields(e, EXTRA) for e in parse_fixture((BETA_DIR / f"{name}.sse").read_bytes())]
    got = await read_beta(server, render(events), chunking, 11)
    created = msgspec.to_builtins(got["created"])
    reference = got["reference"].model_dump(mode="json", exclude_none=True, by_alias=True)
    assert strip_nulls(created) == strip_nulls(reference)
    assert msgspec.to_builtins(got["streamed"]) == created
    for block in got["created"].content:
        assert aclaude.types.extra_fields(block) == EXTRA
