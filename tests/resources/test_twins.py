"""The official SDK's names: ``client.with_raw_response``, ``client.beta.with_raw_response``,
``client.beta.messages.tool_runner``, ``anext(stream)`` on a ``MessageStream``, and the
``AsyncAnthropicBedrock`` / ``AsyncAnthropicVertex`` / ``AsyncAnthropicFoundry`` aliases."""

from __future__ import annotations

import asyncio
from typing import Any

import anthropic

import aclaude
from aclaude.testing import FakeAnthropic, Reply

PARAMS: dict[str, Any] = {
    "model": "claude-sonnet-4-6",
    "max_tokens": 64,
    "messages": [{"role": "user", "content": "Hello"}],
}


async def test_client_with_raw_response(client: aclaude.Client, server: FakeAnthropic) -> None:
    raw = await client.with_raw_response.messages.create(**PARAMS)
    assert raw.status_code == 200 and raw.request_id
    assert isinstance(await raw.parse(), aclaude.Message)
    page = await client.with_raw_response.models.list(limit=2)
    assert page.status_code == 200 and len((await page.parse()).data) == 2
    beta = await client.with_raw_response.beta.messages.create(**PARAMS, betas=["x-2025-01-01"])
    assert beta.status_code == 200
    assert server.requests[-1].headers["anthropic-beta"] == "x-2025-01-01"
    assert (await client.beta.with_raw_response.models.retrieve("claude-sonnet-4-5")).status_code == 200


async def test_beta_messages_tool_runner(client: aclaude.Client, server: FakeAnthropic) -> None:
    server.enqueue(Reply.text("No tools needed."))
    runner = client.beta.messages.tool_runner(**PARAMS, tools=[], betas=["x-2025-01-01"])
    message = await asyncio.wait_for(runner.until_done(), 10)
    assert message.content[0].text == "No tools needed."  # type: ignore[union-attr]
    # The beta runner runs on a message thread by default, as the SDK's: its beta is added.
    assert server.requests[0].headers["anthropic-beta"] == "x-2025-01-01,message-threads-2026-08-12"


async def test_anext_on_a_message_stream(client: aclaude.Client) -> None:
    async with client.messages.stream(**PARAMS) as stream:
        first = await asyncio.wait_for(anext(stream), 10)
        second = await asyncio.wait_for(anext(stream), 10)
        assert first.type == "message_start"
        assert second.type != "message_start"  # one iteration, shared by every anext()
        rest = [event.type async for event in stream]
    assert rest[-1] == "message_stop" and "message_start" not in rest  # it went on, not over
    assert (await stream.get_final_message()).stop_reason == "end_turn"


def test_platform_aliases() -> None:
    assert aclaude.AsyncAnthropicBedrock is aclaude.BedrockClient
    assert aclaude.AsyncAnthropicVertex is aclaude.VertexClient
    assert aclaude.AsyncAnthropicFoundry is aclaude.FoundryClient
    for name in ("AsyncAnthropicBedrock", "AsyncAnthropicVertex", "AsyncAnthropicFoundry"):
        assert hasattr(anthropic, name) and name in aclaude.__all__
