"""The official SDK's tool-runner methods (``append_messages``, ``set_messages_params``,
``generate_tool_call_response``, ``add_tools``/``remove_tools``) and the tool decorator's
definition fields (``input_examples``, ``defer_loading``, ``allowed_callers``,
``eager_input_streaming``, ``strict`` with the reduced schema)."""

from __future__ import annotations

import asyncio
from typing import Annotated, Any

import msgspec
import pytest

import aclaude
from aclaude.testing import FakeAnthropic, Reply

PARAMS: dict[str, Any] = {"model": "claude-sonnet-4-6", "max_tokens": 256}
QUESTION = {"role": "user", "content": "What's the weather in Paris?"}
CALLS: list[str] = []


@aclaude.tool
async def get_weather(city: str) -> str:
    """Get the current weather in a city."""
    CALLS.append(city)
    return f"{city}: sunny"


@aclaude.tool
def get_time(city: str) -> str:
    """The local time in a city."""
    return f"{city}: noon"


@pytest.fixture(autouse=True)
def _reset_calls() -> None:
    CALLS.clear()


async def test_generate_tool_call_response_runs_once_and_is_what_is_sent(
    client: aclaude.Client, server: FakeAnthropic
) -> None:
    server.enqueue(Reply.tool_use("get_weather", {"city": "Paris"}, id="toolu_1"), Reply.text("Sunny."))
    runner = client.messages.tool_runner(**PARAMS, messages=[QUESTION], tools=[get_weather])
    async with runner:
        first = await asyncio.wait_for(anext(runner), 10)
        assert first.stop_reason == "tool_use"
        response = await runner.generate_tool_call_response()
        assert response == await runner.generate_tool_call_response()  # cached: ran once
        assert response is not None and response["content"][0]["tool_use_id"] == "toolu_1"
        await asyncio.wait_for(runner.until_done(), 10)
    assert CALLS == ["Paris"]
    assert server.requests[1].json["messages"][-1] == response


async def test_append_messages_replaces_the_tool_results(
    client: aclaude.Client, server: FakeAnthropic
) -> None:
    server.enqueue(Reply.tool_use("get_weather", {"city": "Paris"}, id="toolu_1"), Reply.text("Fine."))
    runner = client.messages.tool_runner(**PARAMS, messages=[QUESTION], tools=[get_weather])
    async with runner:
        await asyncio.wait_for(anext(runner), 10)
        mine = {
            "role": "user",
            "content": [{"type": "tool_result", "tool_use_id": "toolu_1", "content": "cloudy (cached)"}],
        }
        runner.append_messages(mine)
        await asyncio.wait_for(runner.until_done(), 10)
    assert CALLS == []  # the caller answered the call: nothing ran
    assert server.requests[1].json["messages"][-1] == mine


async def test_set_messages_params_replaces_fields_but_keeps_headers(
    client: aclaude.Client, server: FakeAnthropic
) -> None:
    server.enqueue(Reply.tool_use("get_weather", {"city": "Paris"}, id="toolu_1"), Reply.text("Ok."))
    runner = client.beta.messages.tool_runner(
        **PARAMS,
        messages=[QUESTION],
        tools=[get_weather],
        betas=["x-2025-01-01"],
        system="Be brief.",
        thread=False,  # the whole conversation each turn (threaded runners: tests/resources/test_threads.py)
    )
    async with runner:
        await asyncio.wait_for(anext(runner), 10)
        runner.set_messages_params(
            lambda p: {**{k: v for k, v in p.items() if k != "system"}, "max_tokens": 99}
        )
        await asyncio.wait_for(runner.until_done(), 10)
    first, second = server.requests
    assert first.json["system"] == "Be brief." and "system" not in second.json
    assert second.json["max_tokens"] == 99
    assert second.headers["anthropic-beta"] == "x-2025-01-01"  # betas kept
    assert second.json["messages"][-1]["content"][0]["type"] == "tool_result"


async def test_add_and_remove_tools_change_the_next_request(
    client: aclaude.Client, server: FakeAnthropic
) -> None:
    server.enqueue(
        Reply.tool_use("get_weather", {"city": "Paris"}, id="toolu_1"),
        Reply.tool_use("get_time", {"city": "Paris"}, id="toolu_2"),
        Reply.text("Done."),
    )
    runner = client.messages.tool_runner(**PARAMS, messages=[QUESTION], tools=[get_weather])
    async with runner:
        await asyncio.wait_for(anext(runner), 10)
        runner.add_tools(get_time)
        runner.remove_tools("get_weather")
        await asyncio.wait_for(runner.until_done(), 10)
    names = [[t["name"] for t in r.json["tools"]] for r in server.requests]
    assert names == [["get_weather"], ["get_time"], ["get_time"]]
    # get_weather was removed before its call was answered: an error result, not a run.
    assert CALLS == []
    assert server.requests[1].json["messages"][-1]["content"][0]["is_error"] is True
    assert server.requests[2].json["messages"][-1]["content"][0]["content"] == "Paris: noon"


def test_decorator_definition_fields() -> None:
    @aclaude.tool(
        input_examples=[{"city": "Paris"}],
        defer_loading=True,
        allowed_callers=["direct", "code_execution_20250825"],
        eager_input_streaming=True,
    )
    def where(city: str) -> str:
        """Where a city is."""
        return city

    param = where.to_param()
    assert param["input_examples"] == [{"city": "Paris"}]
    assert param["defer_loading"] is True
    assert param["allowed_callers"] == ["direct", "code_execution_20250825"]
    assert param["eager_input_streaming"] is True
    assert "strict" not in param


class Query(msgspec.Struct):
    city: str
    days: int = 1


def test_strict_reduces_the_schema_and_still_validates() -> None:
    @aclaude.tool(strict=True)
    def forecast(city: str, days: int = 1) -> str:
        """A forecast."""
        return city

    @aclaude.tool(strict=True)
    def forecast_struct(query: Query) -> str:
        """A forecast."""
        return query.city

    for t in (forecast, forecast_struct):
        param = t.to_param()
        assert param["strict"] is True
        assert param["input_schema"]["additionalProperties"] is False


def test_strict_moves_unsupported_keywords_into_the_description() -> None:
    @aclaude.tool(strict=True)
    def pick(count: Annotated[int, msgspec.Meta(ge=1, le=5)]) -> int:
        """Pick some."""
        return count

    schema = pick.to_param()["input_schema"]
    prop = schema["properties"]["count"]
    assert "minimum" not in prop and "maximum" not in prop
    assert "minimum" in prop.get("description", "")
    with pytest.raises(msgspec.ValidationError):
        pick.parse_input({"count": 9})  # the full constraint is still checked here


async def test_run_tools_eagerly_starts_a_call_before_the_reply_ends(
    client: aclaude.Client, server: FakeAnthropic
) -> None:
    started = asyncio.Event()

    @aclaude.tool
    async def slow_lookup(city: str) -> str:
        """Look a city up."""
        started.set()
        CALLS.append(city)
        return f"{city}: found"

    server.enqueue(Reply.tool_use("slow_lookup", {"city": "Paris"}, id="toolu_1"), Reply.text("Done."))
    runner = client.messages.tool_runner(
        **PARAMS, messages=[QUESTION], tools=[slow_lookup], stream=True, run_tools_eagerly=True
    )
    async with runner:
        first = await asyncio.wait_for(anext(runner), 10)
        # Read the first reply only up to its tool_use block's end: the tool is already running.
        async for event in first:
            if event.type == "content_block_stop":
                break
        await asyncio.wait_for(started.wait(), 10)
        assert CALLS == ["Paris"]
        await asyncio.wait_for(runner.until_done(), 10)
    assert CALLS == ["Paris"]  # run once: its early result is the one sent
    assert server.requests[1].json["messages"][-1]["content"][0]["content"] == "Paris: found"


async def test_without_eagerness_tools_wait_for_the_reply(
    client: aclaude.Client, server: FakeAnthropic
) -> None:
    server.enqueue(Reply.tool_use("get_weather", {"city": "Paris"}, id="toolu_1"), Reply.text("Done."))
    runner = client.messages.tool_runner(**PARAMS, messages=[QUESTION], tools=[get_weather], stream=True)
    async with runner:
        first = await asyncio.wait_for(anext(runner), 10)
        async for event in first:
            if event.type == "content_block_stop":
                break
        await asyncio.sleep(0.05)
        assert CALLS == []
        await asyncio.wait_for(runner.until_done(), 10)
    assert CALLS == ["Paris"]
