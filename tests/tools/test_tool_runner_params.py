"""Where the tool runner's parameters go on the wire, on every turn: ``betas``,
``workspace_id`` and ``user_profile_id`` in headers, ``output_format`` as ``output_config`` (as
``parse()`` sends it), ``run_tools_eagerly`` and ``thread=False`` nowhere."""

from __future__ import annotations

import asyncio
from typing import Any

import msgspec
import pytest

import aclaude
from aclaude.testing import FakeAnthropic, Reply

PARAMS: dict[str, Any] = {
    "model": "claude-sonnet-4-6",
    "max_tokens": 256,
    "messages": [{"role": "user", "content": "What's the weather in Paris?"}],
}


class Answer(msgspec.Struct):
    value: int


@aclaude.tool
async def get_weather(city: str) -> str:
    """Get the current weather in a city."""
    return f"{city}: sunny"


@pytest.mark.parametrize("stream", [False, True])
async def test_every_turn_sends_headers_not_body_fields(
    stream: bool, client: aclaude.Client, server: FakeAnthropic
) -> None:
    server.enqueue(Reply.tool_use("get_weather", {"city": "Paris"}, id="toolu_1"), Reply.text("Sunny."))
    runner = client.beta.messages.tool_runner(
        **PARAMS,
        tools=[get_weather],
        stream=stream,  # type: ignore[call-overload]
        run_tools_eagerly=stream,
        thread=False,
        betas=["x-2025-01-01"],
        workspace_id="wrkspc_1",
        user_profile_id="uprof_1",
    )
    await asyncio.wait_for(runner.until_done(), 10)
    assert len(server.requests) == 2
    for request in server.requests:
        assert request.headers["anthropic-beta"] == "x-2025-01-01"
        assert request.headers["anthropic-workspace-id"] == "wrkspc_1"
        assert request.headers["anthropic-user-profile-id"] == "uprof_1"
        not_sent = ("betas", "workspace_id", "user_profile_id", "run_tools_eagerly", "thread")
        assert not set(not_sent) & set(request.json)


async def test_output_format_is_sent_as_parse_sends_it(client: aclaude.Client, server: FakeAnthropic) -> None:
    await client.messages.parse(**PARAMS, output_format=Answer)
    expected = server.requests[0].json["output_config"]
    server.reset()
    await asyncio.wait_for(
        client.messages.tool_runner(**PARAMS, tools=[get_weather], output_format=Answer).until_done(), 10
    )
    assert server.requests[0].json["output_config"] == expected
    assert expected["format"]["type"] == "json_schema"


async def test_thread_other_than_false_is_refused(client: aclaude.Client) -> None:
    with pytest.raises(ValueError, match="takes only False"):
        client.beta.messages.tool_runner(**PARAMS, tools=[get_weather], thread={"type": "create"})  # type: ignore[arg-type]
