"""``client.beta.messages.thread(...)`` against the fake API, which holds each thread between
turns and answers ``held N messages; last: <text>`` from the whole conversation it holds: so a
test sees both what the client sent (only the new messages) and the context the server answered
from (all of them)."""

from __future__ import annotations

import asyncio
from typing import Any

import msgspec
import pytest

import aclaude
from aclaude import (
    ThreadAlreadyContinuedError,
    ThreadFingerprintMismatchError,
    ThreadNotFoundError,
    ThreadUnsupportedRequestError,
)
from aclaude.testing import FakeAnthropic, Reply

MODEL = "claude-sonnet-4-6"
THREADS_BETA = "message-threads-2026-08-12"


def user(text: str) -> dict[str, Any]:
    return {"role": "user", "content": text}


def text_of(message: aclaude.types.Message) -> str:
    return "".join(block.text for block in message.content if isinstance(block, aclaude.types.TextBlock))


def sent_messages(server: FakeAnthropic) -> list[int]:
    return [len(request.json["messages"]) for request in server.requests]


async def test_each_turn_sends_only_its_new_messages_and_the_server_answers_from_all(
    client: aclaude.Client, server: FakeAnthropic
) -> None:
    thread = client.beta.messages.thread(model=MODEL, max_tokens=64, system="Be brief.")
    assert server.requests == []  # thread() sends nothing
    async with asyncio.timeout(10):
        first = await thread.send(user("one"))
        second = await thread.send(user("two"))
        third = await thread.send(user("three"))
    assert [text_of(m) for m in (first, second, third)] == [
        "held 1 messages; last: one",
        "held 3 messages; last: two",
        "held 5 messages; last: three",
    ]
    assert sent_messages(server) == [1, 1, 1]
    bodies = [request.json for request in server.requests]
    assert bodies[0]["thread"] == {"type": "create"} and bodies[0]["system"] == "Be brief."
    assert bodies[1]["thread"] == {"type": "continue", "previous_message_id": first.id}
    assert bodies[2]["thread"] == {"type": "continue", "previous_message_id": second.id}
    assert "system" not in bodies[1] and "system" not in bodies[2]  # the server keeps it
    assert all(request.headers["anthropic-beta"] == THREADS_BETA for request in server.requests)
    assert thread.previous_message_id == third.id
    assert len(thread.messages) == 6
    assert server.resources.threads.held(third.id) is not None
    assert len(server.resources.threads.held(third.id) or ()) == 6


async def test_a_streamed_turn_joins_the_thread_when_it_ends(
    client: aclaude.Client, server: FakeAnthropic
) -> None:
    thread = client.beta.messages.thread(model=MODEL, max_tokens=64)
    async with asyncio.timeout(10):
        await thread.send(user("one"))
        async with thread.stream(user("two")) as stream:
            pieces = [piece async for piece in stream.text_stream]
            streamed = await stream.get_final_message()
        assert "".join(pieces) == "held 3 messages; last: two"
        assert thread.previous_message_id == streamed.id
        after = await thread.send(user("three"))
    assert text_of(after) == "held 5 messages; last: three"
    assert sent_messages(server) == [1, 1, 1]
    assert server.requests[2].json["thread"]["previous_message_id"] == streamed.id


async def test_a_stream_left_early_drops_its_turn_and_the_thread_goes_on(
    client: aclaude.Client, server: FakeAnthropic
) -> None:
    thread = client.beta.messages.thread(model=MODEL, max_tokens=64)
    async with asyncio.timeout(10):
        first = await thread.send(user("one"))
        async with thread.stream(user("left early")) as stream:
            async for _ in stream.text_stream:
                break
        assert thread.previous_message_id == first.id
        assert len(thread.messages) == 2  # the unfinished turn is not part of the history
        # Whether or not the server stored the left turn, the next one answers from [one, reply, next]
        # (continued from the first reply, or replayed whole if that one was continued already).
        after = await thread.send(user("next"))
    assert text_of(after) == "held 3 messages; last: next"


async def test_a_lost_thread_is_replayed_whole_under_a_new_thread(
    client: aclaude.Client, server: FakeAnthropic
) -> None:
    thread = client.beta.messages.thread(model=MODEL, max_tokens=64, system="S")
    async with asyncio.timeout(10):
        await thread.send(user("one"))
        second = await thread.send(user("two"))
        server.resources.threads.forget(second.id)
        server.reset()
        third = await thread.send(user("three"))
    assert text_of(third) == "held 5 messages; last: three"
    first_try, replay = (request.json for request in server.requests)
    assert first_try["thread"] == {"type": "continue", "previous_message_id": second.id}
    assert replay["thread"] == {"type": "create"} and replay["system"] == "S"
    assert len(replay["messages"]) == 5
    assert thread.previous_message_id == third.id


async def test_thread_errors_are_typed_by_their_error_code(
    client: aclaude.Client, server: FakeAnthropic
) -> None:
    betas = [THREADS_BETA]
    base: dict[str, Any] = {"model": MODEL, "max_tokens": 16, "betas": betas}
    async with asyncio.timeout(10):
        with pytest.raises(ThreadNotFoundError) as not_found:
            await client.beta.messages.create(
                messages=[user("hi")], thread={"type": "continue", "previous_message_id": "msg_gone"}, **base
            )
        first = await client.beta.messages.create(
            messages=[user("hi")], thread={"type": "create"}, system="A", **base
        )
        continued = {"type": "continue", "previous_message_id": first.id}
        with pytest.raises(ThreadFingerprintMismatchError):
            await client.beta.messages.create(messages=[user("x")], thread=continued, system="B", **base)
        await client.beta.messages.create(messages=[user("again")], thread=continued, **base)
        with pytest.raises(ThreadAlreadyContinuedError):
            await client.beta.messages.create(messages=[user("twice")], thread=continued, **base)
    error = not_found.value
    assert isinstance(error, aclaude.NotFoundError) and error.status_code == 404
    assert error.error_code == "thread_not_found"


def _unthreadable(client: aclaude.Client, **options: Any) -> aclaude.MessageThread[Any]:
    """A thread whose requests the server cannot thread (context management)."""
    return client.beta.messages.thread(
        model=MODEL,
        max_tokens=64,
        context_management={"edits": [{"type": "clear_tool_uses_20250919"}]},
        betas=["context-management-2025-06-27"],
        **options,
    )


async def test_an_unthreadable_request_raises_by_default(
    client: aclaude.Client, server: FakeAnthropic
) -> None:
    thread = _unthreadable(client)
    async with asyncio.timeout(10):
        with pytest.raises(ThreadUnsupportedRequestError) as raised:
            await thread.send(user("hi"))
    assert isinstance(raised.value, aclaude.BadRequestError)
    assert raised.value.unsupported == ["context_management"]
    assert len(server.requests) == 1
    assert thread.messages == ()  # the failed turn's message is dropped: send it again to retry
    assert thread.threading


async def test_continue_unthreaded_sends_the_whole_history_from_then_on(
    client: aclaude.Client, server: FakeAnthropic
) -> None:
    thread = _unthreadable(client, unsupported_request_behavior="continue_unthreaded")
    async with asyncio.timeout(10):
        await thread.send(user("one"))
        await thread.send(user("two"))
    assert not thread.threading and thread.previous_message_id is None
    assert sent_messages(server) == [1, 1, 3]
    assert [("thread" in request.json) for request in server.requests] == [True, False, False]
    assert server.requests[2].headers["anthropic-beta"] == "context-management-2025-06-27"


async def test_system_and_tools_cannot_change_once_the_thread_exists(
    client: aclaude.Client, server: FakeAnthropic
) -> None:
    tool = {"name": "lookup", "description": "d", "input_schema": {"type": "object"}}
    thread = client.beta.messages.thread(model=MODEL, max_tokens=64, system="A", tools=[tool])
    async with asyncio.timeout(10):
        await thread.send(user("one"))
        thread.update(max_tokens=8)  # any other field may change
        await thread.send(user("two"))
        thread.update(system="B")
        with pytest.raises(aclaude.AnthropicError, match="cannot change `system`"):
            await thread.send(user("three"))
    assert len(server.requests) == 2  # refused before sending
    assert server.requests[1].json["max_tokens"] == 8 and "tools" not in server.requests[1].json
    forked = thread.fork()  # a new thread may have another system
    async with asyncio.timeout(10):
        reply = await forked.send(user("three"))
    assert text_of(reply) == "held 5 messages; last: three"
    assert (
        server.requests[2].json["thread"] == {"type": "create"} and server.requests[2].json["system"] == "B"
    )


async def test_a_refused_turn_is_not_kept_and_the_next_one_starts_a_new_thread(
    client: aclaude.Client, server: FakeAnthropic
) -> None:
    thread = client.beta.messages.thread(model=MODEL, max_tokens=64)
    async with asyncio.timeout(10):
        await thread.send(user("one"))
        server.resources.threads.enqueue(Reply.text("I can't help with that.", stop_reason="refusal"))
        refused = await thread.send(user("bad"))
        assert refused.stop_reason == "refusal"
        assert thread.previous_message_id is None and len(thread.messages) == 2
        after = await thread.send(user("fine"))
    assert text_of(after) == "held 3 messages; last: fine"
    assert server.requests[2].json["thread"] == {"type": "create"}
    assert sent_messages(server) == [1, 1, 3]


async def test_one_turn_at_a_time_and_appends_wait_for_it(
    client: aclaude.Client, server: FakeAnthropic
) -> None:
    thread = client.beta.messages.thread(model=MODEL, max_tokens=64)
    async with asyncio.timeout(10):
        async with thread.stream(user("one")) as stream:
            with pytest.raises(aclaude.AnthropicError, match="in flight"):
                await thread.send(user("two"))
            thread.append(user("later"))  # deferred until the turn ends
            first = await stream.get_final_message()
        assert [m["content"] for m in thread.messages if m["role"] == "user"] == ["one", "later"]
        thread.append(first)  # the reply just received is held already: not added twice
        reply = await thread.send()
    assert text_of(reply) == "held 3 messages; last: later"
    assert sent_messages(server) == [1, 1]


class Answer(msgspec.Struct):
    value: int


async def test_parse_decodes_the_reply_against_the_threads_output_format(
    client: aclaude.Client, server: FakeAnthropic
) -> None:
    thread = client.beta.messages.thread(model=MODEL, max_tokens=64, output_format=Answer)
    server.resources.threads.enqueue(Reply.text('{"value": 3}'), Reply.text('{"value": 4}'))
    async with asyncio.timeout(10):
        first = await thread.parse(user("three?"))
        second = await thread.parse(user("four?"))
    assert first.parsed_output == Answer(3) and second.parsed_output == Answer(4)
    assert all(r.json["output_config"]["format"]["type"] == "json_schema" for r in server.requests)
    assert thread.params["output_format"] is Answer and "output_config" not in thread.params


async def test_unknown_keywords_are_type_errors_before_anything_is_sent(
    client: aclaude.Client, server: FakeAnthropic
) -> None:
    with pytest.raises(TypeError, match="max_token"):
        client.beta.messages.thread(model=MODEL, max_tokens=8, max_token=5)  # type: ignore[call-arg]
    thread = client.beta.messages.thread(model=MODEL, max_tokens=8)
    with pytest.raises(TypeError, match="temprature"):
        await thread.send(user("hi"), temprature=0.5)  # type: ignore[call-arg]
    with pytest.raises(TypeError, match="thread"):
        thread.update(thread={"type": "create"})  # type: ignore[call-arg]
    assert server.requests == [] and thread.messages == ()


@aclaude.tool
async def get_weather(city: str) -> str:
    """The weather in a city."""
    return f"{city}: sunny"


@pytest.mark.parametrize("stream", [False, True])
async def test_the_beta_tool_runner_sends_each_turn_on_the_thread(
    stream: bool, client: aclaude.Client, server: FakeAnthropic
) -> None:
    server.resources.threads.enqueue(
        Reply.tool_use("get_weather", {"city": "Paris"}, id="toolu_1"),
        Reply.tool_use("get_weather", {"city": "Rome"}, id="toolu_2"),
        Reply.text("Sunny in both."),
    )
    runner = client.beta.messages.tool_runner(
        model=MODEL,
        max_tokens=64,
        system="Be brief.",
        messages=[user("Paris and Rome?")],
        tools=[get_weather],
        stream=stream,
    )
    async with asyncio.timeout(10):
        final = await runner.until_done()
    assert text_of(final) == "Sunny in both."
    assert sent_messages(server) == [1, 1, 1]  # the question, then one tool result each turn
    assert [r.json["thread"]["type"] for r in server.requests] == ["create", "continue", "continue"]
    assert "tools" in server.requests[0].json and "tools" not in server.requests[1].json
    held = server.resources.threads.held(final.id)
    assert held is not None and len(held) == 6
    # The server holds the tool calls with their input and the results the runner sent.
    assert held[3]["content"][0]["input"] == {"city": "Rome"}
    assert held[4]["content"][0]["tool_use_id"] == "toolu_2"


async def test_thread_false_sends_the_whole_conversation_every_turn(
    client: aclaude.Client, server: FakeAnthropic
) -> None:
    server.enqueue(Reply.tool_use("get_weather", {"city": "Paris"}, id="toolu_1"), Reply.text("Sunny."))
    runner = client.beta.messages.tool_runner(
        model=MODEL, max_tokens=64, messages=[user("Paris?")], tools=[get_weather], thread=False
    )
    async with asyncio.timeout(10):
        await runner.until_done()
    assert sent_messages(server) == [1, 3]
    assert all("thread" not in r.json for r in server.requests)
    assert all("anthropic-beta" not in r.headers for r in server.requests)


async def test_no_threads_on_a_cloud_platform(server: FakeAnthropic) -> None:
    async with aclaude.FoundryClient(base_url=server.url, api_key="k") as foundry:
        with pytest.raises(aclaude.AnthropicError, match="not available"):
            foundry.beta.messages.thread(model=MODEL, max_tokens=8)
        runner = foundry.beta.messages.tool_runner(model=MODEL, max_tokens=8, messages=[user("hi")], tools=[])
        assert isinstance(runner._api, aclaude.resources.beta.BetaMessages)  # not threaded
