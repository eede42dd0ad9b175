"""``client.beta.messages.thread(...)`` puts the same requests on the wire as the official SDK's
``BetaAsyncMessageThread`` (anthropic 2.17) for the same conversation: method, path, query, the
headers that carry parameters, and the JSON body (canonical form), turn by turn, including the
replay under a new thread after the server lost one and the unthreaded resend of a request the
API cannot thread.

Both clients talk to the same fake API, which holds threads (``aclaude.testing._threads``). Reply
ids differ from run to run, so each ``previous_message_id`` is compared as the ordinal of the reply
it names (``reply-1`` ...), which also checks that each turn continues from the latest reply.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import anthropic
import pytest
from _conformance import wire

import aclaude
from aclaude.testing import FakeAnthropic, RecordedRequest

API_KEY = "sk-ant-test-not-a-real-key"
TOOL = {"name": "lookup", "description": "Look a word up.", "input_schema": {"type": "object"}}
FIRST = {"role": "user", "content": [{"type": "text", "text": "one", "cache_control": {"type": "ephemeral"}}]}
THREAD_KWARGS: dict[str, Any] = {
    "model": "claude-sonnet-4-6",
    "max_tokens": 64,
    "system": "Be brief.",
    "tools": [TOOL],
    "metadata": {"user_id": "user-1"},
    "betas": ["files-api-2025-04-14"],
    "workspace_id": "wrkspc_1",
    "extra_headers": {"X-Extra": "1"},
}


def wire_in_turns(request: RecordedRequest, reply_ids: list[str]) -> dict[str, Any]:
    """``wire``, with the thread's ``previous_message_id`` named by the turn it answers (each
    client's server-made ids differ)."""
    compared = wire(request)
    body = compared["body"]
    thread = body.get("thread") if isinstance(body, dict) else None
    if isinstance(thread, dict) and "previous_message_id" in thread:
        previous = thread["previous_message_id"]
        ordinal = reply_ids.index(previous) + 1 if previous in reply_ids else "unknown"
        body["thread"] = {**thread, "previous_message_id": f"reply-{ordinal}"}
    return compared


Conversation = Callable[[Any, FakeAnthropic, list[str]], Awaitable[None]]


async def recorded(
    server: FakeAnthropic, conversation: Conversation, messages_api: Any
) -> list[dict[str, Any]]:
    server.reset()
    reply_ids: list[str] = []
    await conversation(messages_api, server, reply_ids)
    return [wire_in_turns(r, reply_ids) for r in server.requests]


async def turns_stream_and_replay(messages_api: Any, server: FakeAnthropic, reply_ids: list[str]) -> None:
    thread = messages_api.thread(messages=[FIRST], **THREAD_KWARGS)
    reply = await thread.send()
    reply_ids.append(reply.id)
    reply = await thread.send({"role": "user", "content": "two"}, max_tokens=20, stop_sequences=["END"])
    reply_ids.append(reply.id)
    async with thread.stream({"role": "user", "content": "three"}) as stream:
        reply = await stream.get_final_message()
    reply_ids.append(reply.id)
    thread.append({"role": "user", "content": "four"})
    server.resources.threads.forget(reply.id)  # the server lost the thread: replay it whole
    reply = await thread.send()
    reply_ids.append(reply.id)
    reply = await thread.send({"role": "user", "content": "five"})
    reply_ids.append(reply.id)


async def unsupported_then_unthreaded(messages_api: Any, server: FakeAnthropic, reply_ids: list[str]) -> None:
    thread = messages_api.thread(
        model="claude-sonnet-4-6",
        max_tokens=32,
        context_management={"edits": [{"type": "clear_tool_uses_20250919"}]},
        betas=["context-management-2025-06-27"],
        unsupported_request_behavior="continue_unthreaded",
    )
    reply = await thread.send({"role": "user", "content": "hi"})
    reply_ids.append(reply.id)
    await thread.send({"role": "user", "content": "more"})


#: Each conversation's requests as (thread type or None, previous reply, messages sent): what
#: both clients must have done, so that agreeing on something else cannot pass.
SHAPES: dict[str, list[tuple[str | None, str | None, int]]] = {
    "turns_stream_and_replay": [
        ("create", None, 1),
        ("continue", "reply-1", 1),
        ("continue", "reply-2", 1),
        ("continue", "reply-3", 1),  # the server lost it: thread_not_found
        ("create", None, 7),  # the whole history replayed under a new thread
        ("continue", "reply-4", 1),
    ],
    "unsupported_then_unthreaded": [
        ("create", None, 1),  # thread_unsupported_request (context_management)
        (None, None, 1),
        (None, None, 3),
    ],
}


def shape(request: dict[str, Any]) -> tuple[str | None, str | None, int]:
    thread = request["body"].get("thread")
    return (
        thread["type"] if thread else None,
        thread.get("previous_message_id") if thread else None,
        len(request["body"]["messages"]),
    )


@pytest.mark.parametrize("conversation", [turns_stream_and_replay, unsupported_then_unthreaded])
async def test_thread_requests_match_the_sdk(
    conversation: Conversation, client: aclaude.Client, sdk: anthropic.AsyncAnthropic, server: FakeAnthropic
) -> None:
    ref = await recorded(server, conversation, sdk.beta.messages)
    got = await recorded(server, conversation, client.beta.messages)
    assert got == ref
    assert [shape(r) for r in ref] == SHAPES[conversation.__name__]


RUNNER_TOOL = {
    "name": "get_weather",
    "description": "The weather in a city.",
    "input_schema": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]},
}


async def _weather(city: str) -> str:
    return f"{city}: sunny"


def runner_tool(messages_api: Any) -> Any:
    """The same tool for either client: the SDK's ``beta_async_tool`` or aclaude's
    ``json_schema_tool``, with the same definition."""
    if isinstance(messages_api, aclaude.resources.beta.BetaMessages):
        return aclaude.json_schema_tool(RUNNER_TOOL, lambda args: _weather(args["city"]))
    return anthropic.beta_async_tool(
        _weather,
        name="get_weather",
        description=RUNNER_TOOL["description"],
        input_schema=RUNNER_TOOL["input_schema"],
    )


async def threaded_tool_runner(messages_api: Any, server: FakeAnthropic, reply_ids: list[str]) -> None:
    from aclaude.testing import Reply

    server.resources.threads.enqueue(
        Reply.tool_use("get_weather", {"city": "Paris"}, id="toolu_1"), Reply.text("Sunny in Paris.")
    )
    runner = messages_api.tool_runner(
        model="claude-sonnet-4-6",
        max_tokens=64,
        system="Be brief.",
        messages=[{"role": "user", "content": "Weather in Paris?"}],
        tools=[runner_tool(messages_api)],
        betas=["x-2025-01-01"],
    )
    async for message in runner:
        reply_ids.append(message.id)


SHAPES["threaded_tool_runner"] = [("create", None, 1), ("continue", "reply-1", 1)]


async def test_the_beta_tool_runner_runs_on_a_thread_as_the_sdks(
    client: aclaude.Client, sdk: anthropic.AsyncAnthropic, server: FakeAnthropic
) -> None:
    ref = await recorded(server, threaded_tool_runner, sdk.beta.messages)
    got = await recorded(server, threaded_tool_runner, client.beta.messages)
    assert got == ref
    assert [shape(r) for r in ref] == SHAPES["threaded_tool_runner"]
    tool_result = ref[1]["body"]["messages"][0]["content"][0]
    assert tool_result["type"] == "tool_result" and tool_result["tool_use_id"] == "toolu_1"
