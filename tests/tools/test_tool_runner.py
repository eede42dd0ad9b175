"""``client.messages.tool_runner(...)`` against the embedded fake API, over loopback HTTP.

Each test scripts the model's turns on ``FakeAnthropic`` and checks what the client sent back
(``server.requests``): the assistant turns, the ``tool_result`` blocks in the order the model
asked, ``is_error`` for every failure path. Concurrency is asserted from the tools' own start and
end times (or with barriers that only open when all calls run at once), never from wall-clock
thresholds.
"""

from __future__ import annotations

import asyncio
import runpy
import threading
from collections.abc import Awaitable
from pathlib import Path
from typing import Any, TypeVar

import msgspec
import pytest

import aclaude
from aclaude.testing import FakeAnthropic, Reply, TextBlock, ToolUseBlock

T = TypeVar("T")

TIMEOUT = 10.0  # bound on any single wait; runs take milliseconds
MODEL_PARAMS: dict[str, Any] = {"model": "claude-sonnet-4-6", "max_tokens": 1024}
QUESTION = {"role": "user", "content": "What's the weather in Paris?"}


async def bounded(aw: Awaitable[T]) -> T:
    return await asyncio.wait_for(aw, TIMEOUT)


def sent_messages(server: FakeAnthropic, index: int) -> list[Any]:
    messages: list[Any] = server.requests[index].json["messages"]
    return messages


def tool_results(server: FakeAnthropic, index: int) -> list[dict[str, Any]]:
    """The tool_result blocks of the last message of request ``index`` (a user turn)."""
    last = sent_messages(server, index)[-1]
    assert last["role"] == "user"
    results: list[dict[str, Any]] = last["content"]
    assert all(r["type"] == "tool_result" for r in results)
    return results


@aclaude.tool
async def get_weather(city: str, unit: str = "celsius") -> str:
    """Get the current weather in a city."""
    return f"{city}: 21 degrees {unit}, sunny"


# -- the conversation ------------------------------------------------------------------------


async def test_weather_conversation(server: FakeAnthropic, client: aclaude.Client) -> None:
    server.enqueue(
        Reply.tool_use("get_weather", {"city": "Paris"}, text_before="Let me check.", id="toolu_1"),
        Reply.text("It is sunny in Paris."),
    )
    runner = client.messages.tool_runner(**MODEL_PARAMS, messages=[QUESTION], tools=[get_weather])
    assert isinstance(runner, aclaude.ToolRunner)
    seen = []
    async with runner:
        async for message in runner:
            assert isinstance(message, aclaude.Message)
            # The yielded message is already part of the conversation.
            assert runner.messages[-1] == message.to_param()
            seen.append(message)

    assert [m.stop_reason for m in seen] == ["tool_use", "end_turn"]
    assert runner.end_reason == "done"
    assert runner.iterations == 2
    assert runner.last_message is seen[-1]

    first, second = server.requests
    assert first.stream and second.stream
    assert first.json["tools"] == [get_weather.to_param()]
    assert first.json["model"] == "claude-sonnet-4-6"
    assert first.json["messages"] == [QUESTION]
    assert sent_messages(server, 1) == [
        QUESTION,
        {
            "role": "assistant",
            "content": [
                {"type": "text", "text": "Let me check."},
                {"type": "tool_use", "id": "toolu_1", "name": "get_weather", "input": {"city": "Paris"}},
            ],
        },
        {
            "role": "user",
            "content": [
                {
                    "type": "tool_result",
                    "tool_use_id": "toolu_1",
                    "content": "Paris: 21 degrees celsius, sunny",
                }
            ],
        },
    ]
    assert runner.messages == [*sent_messages(server, 1), seen[-1].to_param()]


async def test_until_done_returns_the_final_message(server: FakeAnthropic, client: aclaude.Client) -> None:
    server.enqueue(
        Reply.tool_use("get_weather", {"city": "Paris"}),
        Reply.tool_use("get_weather", {"city": "Rome", "unit": "fahrenheit"}),
        Reply.text("Paris and Rome are sunny."),
    )
    question = [QUESTION]
    runner = client.messages.tool_runner(**MODEL_PARAMS, messages=question, tools=[get_weather])
    final = await bounded(runner.until_done())
    assert final.content[0].text == "Paris and Rome are sunny."  # type: ignore[union-attr]
    assert runner.iterations == 3 and runner.end_reason == "done"
    assert question == [QUESTION]  # the caller's list is not touched
    assert [m["role"] for m in runner.messages] == [
        "user",
        "assistant",
        "user",
        "assistant",
        "user",
        "assistant",
    ]
    assert tool_results(server, 2)[0]["content"] == "Rome: 21 degrees fahrenheit, sunny"
    assert await runner.until_done() is final  # idempotent once done


async def test_request_parameters_go_with_every_request(
    server: FakeAnthropic, client: aclaude.Client
) -> None:
    server.enqueue(Reply.tool_use("get_weather", {"city": "Paris"}), Reply.text("Sunny."))
    web_search = {"type": "web_search_20250305", "name": "web_search", "max_uses": 2}
    runner = client.messages.tool_runner(
        **MODEL_PARAMS,
        system="Be brief.",
        tool_choice={"type": "auto"},
        messages=[QUESTION],
        tools=[get_weather, web_search],
        extra_headers={"x-trace": "t-1"},
    )
    await bounded(runner.until_done())
    for request in server.requests:
        assert request.json["system"] == "Be brief."
        assert request.json["tool_choice"] == {"type": "auto"}
        assert request.json["tools"] == [get_weather.to_param(), web_search]
        assert request.headers["x-trace"] == "t-1"


class Order(msgspec.Struct):
    item: str
    quantity: int = 1


async def test_struct_and_json_schema_tools(server: FakeAnthropic, client: aclaude.Client) -> None:
    @aclaude.tool
    def place_order(order: Order) -> dict[str, Any]:
        """Place an order."""
        return {"ordered": order.item, "quantity": order.quantity}

    lookups: list[dict[str, Any]] = []

    async def lookup(input: dict[str, Any]) -> str:
        lookups.append(input)
        return "in stock"

    stock = aclaude.json_schema_tool(
        {"name": "stock", "input_schema": {"type": "object", "properties": {"sku": {"type": "string"}}}},
        lookup,
    )
    server.enqueue(
        Reply.message(
            [
                ToolUseBlock("stock", {"sku": "tea-1"}, id="toolu_a"),
                ToolUseBlock("place_order", {"item": "tea", "quantity": 2}, id="toolu_b"),
            ]
        ),
        Reply.text("Ordered."),
    )
    await bounded(
        client.messages.tool_runner(
            **MODEL_PARAMS, messages=[QUESTION], tools=[stock, place_order]
        ).until_done()
    )
    assert lookups == [{"sku": "tea-1"}]
    assert tool_results(server, 1) == [
        {"type": "tool_result", "tool_use_id": "toolu_a", "content": "in stock"},
        {"type": "tool_result", "tool_use_id": "toolu_b", "content": '{"ordered":"tea","quantity":2}'},
    ]


async def test_pause_turn_is_sent_back_to_continue(server: FakeAnthropic, client: aclaude.Client) -> None:
    server.enqueue(
        Reply.message([TextBlock("Searching...")], stop_reason="pause_turn"),
        Reply.text("Found it."),
    )
    runner = client.messages.tool_runner(**MODEL_PARAMS, messages=[QUESTION], tools=[get_weather])
    final = await bounded(runner.until_done())
    assert final.stop_reason == "end_turn"
    assert sent_messages(server, 1) == [
        QUESTION,
        {"role": "assistant", "content": [{"type": "text", "text": "Searching..."}]},
    ]


async def test_a_cut_off_tool_call_is_not_run(server: FakeAnthropic, client: aclaude.Client) -> None:
    calls: list[str] = []

    @aclaude.tool
    def record(city: str) -> str:
        calls.append(city)
        return "ok"

    server.enqueue(Reply.message([ToolUseBlock("record", {"city": "Paris"})], stop_reason="max_tokens"))
    runner = client.messages.tool_runner(**MODEL_PARAMS, messages=[QUESTION], tools=[record])
    final = await bounded(runner.until_done())
    assert final.stop_reason == "max_tokens"
    assert runner.end_reason == "done" and calls == [] and len(server.requests) == 1


# -- concurrency -----------------------------------------------------------------------------


def three_calls(name: str | list[str]) -> Reply:
    names = name if isinstance(name, list) else [name] * 3
    return Reply.message(
        [TextBlock("Three at once.")]
        + [ToolUseBlock(n, {"n": i}, id=f"toolu_{i}") for i, n in enumerate(names)]
    )


async def test_a_turns_tools_run_concurrently(server: FakeAnthropic, client: aclaude.Client) -> None:
    """Three tools that each sleep: every one starts before any one ends (they overlap), so the
    turn takes one sleep, not three. Sleeps shorter than a realistic 1 s keep the suite fast."""
    loop = asyncio.get_running_loop()
    spans: dict[int, tuple[float, float]] = {}

    @aclaude.tool
    async def slow(n: int) -> str:
        start = loop.time()
        await asyncio.sleep(0.3)
        spans[n] = (start, loop.time())
        return f"done {n}"

    server.enqueue(three_calls("slow"), Reply.text("All done."))
    await bounded(client.messages.tool_runner(**MODEL_PARAMS, messages=[QUESTION], tools=[slow]).until_done())

    assert sorted(spans) == [0, 1, 2]
    starts = [s for s, _ in spans.values()]
    ends = [e for _, e in spans.values()]
    assert max(starts) < min(ends)  # all three were running at the same time
    assert [r["content"] for r in tool_results(server, 1)] == ["done 0", "done 1", "done 2"]


async def test_concurrency_proven_by_a_barrier(server: FakeAnthropic, client: aclaude.Client) -> None:
    """No timing at all: each call waits until all three have started. Run one after another,
    the first would wait forever (bounded here by the test timeout)."""
    started = 0
    all_started = asyncio.Event()

    @aclaude.tool
    async def meet(n: int) -> str:
        nonlocal started
        started += 1
        if started == 3:
            all_started.set()
        await all_started.wait()
        return f"met {n}"

    server.enqueue(three_calls("meet"), Reply.text("ok"))
    await bounded(client.messages.tool_runner(**MODEL_PARAMS, messages=[QUESTION], tools=[meet]).until_done())
    assert [r["content"] for r in tool_results(server, 1)] == ["met 0", "met 1", "met 2"]


async def test_sync_tools_run_concurrently_in_threads(server: FakeAnthropic, client: aclaude.Client) -> None:
    barrier = threading.Barrier(3, timeout=TIMEOUT)
    loop_thread = threading.get_ident()
    threads: set[int] = set()

    @aclaude.tool
    def blocking(n: int) -> str:
        threads.add(threading.get_ident())
        barrier.wait()  # breaks (an error result) unless all three run at once
        return f"ok {n}"

    server.enqueue(three_calls("blocking"), Reply.text("ok"))
    await bounded(
        client.messages.tool_runner(**MODEL_PARAMS, messages=[QUESTION], tools=[blocking]).until_done()
    )
    assert [r.get("is_error") for r in tool_results(server, 1)] == [None, None, None]
    assert len(threads) == 3 and loop_thread not in threads


async def test_results_go_back_in_the_order_asked(server: FakeAnthropic, client: aclaude.Client) -> None:
    """The calls finish in reverse order; the results still follow the model's order."""
    finished: list[int] = []
    gates = [asyncio.Event() for _ in range(3)]

    @aclaude.tool
    async def step(n: int) -> str:
        if n < 2:
            await gates[n + 1].wait()  # call n waits for call n + 1 to finish
        finished.append(n)
        gates[n].set()
        return f"step {n}"

    server.enqueue(three_calls("step"), Reply.text("ok"))
    await bounded(client.messages.tool_runner(**MODEL_PARAMS, messages=[QUESTION], tools=[step]).until_done())
    assert finished == [2, 1, 0]
    results = tool_results(server, 1)
    assert [r["tool_use_id"] for r in results] == ["toolu_0", "toolu_1", "toolu_2"]
    assert [r["content"] for r in results] == ["step 0", "step 1", "step 2"]


# -- error paths: each becomes an is_error tool_result and the run goes on --------------------


async def test_a_tool_that_raises(server: FakeAnthropic, client: aclaude.Client) -> None:
    @aclaude.tool
    async def lookup(n: int) -> str:
        if n == 1:
            raise LookupError(f"no record {n}")
        if n == 2:
            raise RuntimeError
        return "found"

    server.enqueue(three_calls("lookup"), Reply.text("One of three."))
    runner = client.messages.tool_runner(**MODEL_PARAMS, messages=[QUESTION], tools=[lookup])
    final = await bounded(runner.until_done())
    assert final.stop_reason == "end_turn" and runner.end_reason == "done"
    assert tool_results(server, 1) == [
        {"type": "tool_result", "tool_use_id": "toolu_0", "content": "found"},
        {
            "type": "tool_result",
            "tool_use_id": "toolu_1",
            "content": "LookupError: no record 1",
            "is_error": True,
        },
        {"type": "tool_result", "tool_use_id": "toolu_2", "content": "RuntimeError", "is_error": True},
    ]


async def test_a_tool_can_return_an_error_result(server: FakeAnthropic, client: aclaude.Client) -> None:
    @aclaude.tool
    def check(n: int) -> aclaude.ToolResult:
        if n:
            return aclaude.ToolResult(content=[{"type": "text", "text": f"bad {n}"}], is_error=True)
        return aclaude.ToolResult(content="fine")

    server.enqueue(
        Reply.message([ToolUseBlock("check", {"n": 0}, id="a"), ToolUseBlock("check", {"n": 7}, id="b")])
    )
    server.enqueue(Reply.text("ok"))
    await bounded(
        client.messages.tool_runner(**MODEL_PARAMS, messages=[QUESTION], tools=[check]).until_done()
    )
    assert tool_results(server, 1) == [
        {"type": "tool_result", "tool_use_id": "a", "content": "fine"},
        {
            "type": "tool_result",
            "tool_use_id": "b",
            "content": [{"type": "text", "text": "bad 7"}],
            "is_error": True,
        },
    ]


async def test_a_result_that_cannot_be_sent(server: FakeAnthropic, client: aclaude.Client) -> None:
    @aclaude.tool
    def opaque() -> object:
        return object()

    server.enqueue(Reply.tool_use("opaque", {}, id="toolu_x"), Reply.text("ok"))
    await bounded(
        client.messages.tool_runner(**MODEL_PARAMS, messages=[QUESTION], tools=[opaque]).until_done()
    )
    (result,) = tool_results(server, 1)
    assert result["is_error"] is True
    assert result["content"].startswith("TypeError: cannot send a object as a tool result")


async def test_input_that_fails_validation(server: FakeAnthropic, client: aclaude.Client) -> None:
    calls: list[Any] = []

    @aclaude.tool
    def forecast(city: str, days: int = 1) -> str:
        calls.append((city, days))
        return "sunny"

    server.enqueue(
        Reply.message(
            [
                ToolUseBlock("forecast", {"city": 75001}, id="a"),
                ToolUseBlock("forecast", {"days": 2}, id="b"),
                ToolUseBlock("forecast", {"city": "Paris", "days": 2}, id="c"),
            ]
        ),
        Reply.text("ok"),
    )
    await bounded(
        client.messages.tool_runner(**MODEL_PARAMS, messages=[QUESTION], tools=[forecast]).until_done()
    )
    assert calls == [("Paris", 2)]  # invalid input never reaches the function
    assert tool_results(server, 1) == [
        {
            "type": "tool_result",
            "tool_use_id": "a",
            "content": "Invalid input for tool 'forecast': Expected `str`, got `int` - at `$.city`",
            "is_error": True,
        },
        {
            "type": "tool_result",
            "tool_use_id": "b",
            "content": "Invalid input for tool 'forecast': Object missing required field `city`",
            "is_error": True,
        },
        {"type": "tool_result", "tool_use_id": "c", "content": "sunny"},
    ]


async def test_an_unknown_tool(server: FakeAnthropic, client: aclaude.Client) -> None:
    server.enqueue(
        Reply.message(
            [
                ToolUseBlock("get_wether", {"city": "Paris"}, id="a"),
                ToolUseBlock("get_weather", {"city": "Paris"}, id="b"),
            ]
        ),
        Reply.text("ok"),
    )
    # A definition dict is sent but not run here: a call to it is unknown to the runner too.
    other = {"name": "translate", "input_schema": {"type": "object"}}
    await bounded(
        client.messages.tool_runner(
            **MODEL_PARAMS, messages=[QUESTION], tools=[get_weather, other]
        ).until_done()
    )
    assert tool_results(server, 1) == [
        {
            "type": "tool_result",
            "tool_use_id": "a",
            "content": "Unknown tool 'get_wether'. Tools available: get_weather.",
            "is_error": True,
        },
        {"type": "tool_result", "tool_use_id": "b", "content": "Paris: 21 degrees celsius, sunny"},
    ]


async def test_a_tool_that_times_out_is_cancelled(server: FakeAnthropic, client: aclaude.Client) -> None:
    cancelled: list[str] = []

    @aclaude.tool(timeout=0.05)
    async def hang() -> str:
        try:
            await asyncio.Event().wait()
        except asyncio.CancelledError:
            cancelled.append("hang")
            raise
        return "never"

    @aclaude.tool
    async def quick() -> str:
        return "quick"

    server.enqueue(
        Reply.message([ToolUseBlock("hang", {}, id="a"), ToolUseBlock("quick", {}, id="b")]), Reply.text("ok")
    )
    runner = client.messages.tool_runner(**MODEL_PARAMS, messages=[QUESTION], tools=[hang, quick])
    await bounded(runner.until_done())
    assert cancelled == ["hang"]
    assert tool_results(server, 1) == [
        {
            "type": "tool_result",
            "tool_use_id": "a",
            "content": "Tool 'hang' timed out after 0.05 s.",
            "is_error": True,
        },
        {"type": "tool_result", "tool_use_id": "b", "content": "quick"},
    ]


async def test_runner_wide_tool_timeout_and_per_tool_override(
    server: FakeAnthropic, client: aclaude.Client
) -> None:
    @aclaude.tool
    async def slow_default() -> str:
        await asyncio.sleep(TIMEOUT)
        return "never"

    @aclaude.tool(timeout=TIMEOUT)
    async def patient() -> str:
        await asyncio.sleep(0.1)  # longer than the runner's default, shorter than its own
        return "patient"

    server.enqueue(
        Reply.message([ToolUseBlock("slow_default", {}, id="a"), ToolUseBlock("patient", {}, id="b")]),
        Reply.text("ok"),
    )
    runner = client.messages.tool_runner(
        **MODEL_PARAMS, messages=[QUESTION], tools=[slow_default, patient], tool_timeout=0.02
    )
    await bounded(runner.until_done())
    assert [(r["content"], r.get("is_error")) for r in tool_results(server, 1)] == [
        ("Tool 'slow_default' timed out after 0.02 s.", True),
        ("patient", None),
    ]


async def test_a_tools_own_timeout_error_is_not_the_runners(
    server: FakeAnthropic, client: aclaude.Client
) -> None:
    @aclaude.tool(timeout=TIMEOUT)
    async def fetch() -> str:
        raise TimeoutError("upstream took too long")

    server.enqueue(Reply.tool_use("fetch", {}, id="a"), Reply.text("ok"))
    await bounded(
        client.messages.tool_runner(**MODEL_PARAMS, messages=[QUESTION], tools=[fetch]).until_done()
    )
    assert tool_results(server, 1) == [
        {
            "type": "tool_result",
            "tool_use_id": "a",
            "content": "TimeoutError: upstream took too long",
            "is_error": True,
        }
    ]


async def test_max_iterations_ends_the_run_with_a_typed_flag(
    server: FakeAnthropic, client: aclaude.Client
) -> None:
    calls: list[int] = []

    @aclaude.tool
    def again(n: int) -> str:
        calls.append(n)
        return "again"

    for n in range(5):
        server.enqueue(Reply.tool_use("again", {"n": n}))
    runner = client.messages.tool_runner(**MODEL_PARAMS, messages=[QUESTION], tools=[again], max_iterations=2)
    messages = [m async for m in runner]
    assert len(messages) == 2 and len(server.requests) == 2
    assert runner.end_reason == "max_iterations"
    assert runner.iterations == 2
    assert calls == [0]  # the last turn's tool calls are not run: nobody would read their results
    assert runner.messages[-1] == messages[-1].to_param()
    # until_done() gives the last, unanswered tool request; end_reason says why.
    last = await runner.until_done()
    assert last is messages[-1] and last.stop_reason == "tool_use"
    assert server.queued() == 3


async def test_max_iterations_until_done(server: FakeAnthropic, client: aclaude.Client) -> None:
    for _ in range(3):
        server.enqueue(Reply.tool_use("get_weather", {"city": "Paris"}))
    runner = client.messages.tool_runner(
        **MODEL_PARAMS, messages=[QUESTION], tools=[get_weather], max_iterations=1
    )
    last = await bounded(runner.until_done())
    assert (runner.end_reason, runner.iterations, last.stop_reason) == ("max_iterations", 1, "tool_use")
    assert len(server.requests) == 1


async def test_a_final_answer_on_the_last_iteration_is_done(
    server: FakeAnthropic, client: aclaude.Client
) -> None:
    server.enqueue(Reply.tool_use("get_weather", {"city": "Paris"}), Reply.text("Sunny."))
    runner = client.messages.tool_runner(
        **MODEL_PARAMS, messages=[QUESTION], tools=[get_weather], max_iterations=2
    )
    await bounded(runner.until_done())
    assert runner.end_reason == "done"


async def test_cancelling_the_runner_cancels_running_tools(
    server: FakeAnthropic, client: aclaude.Client
) -> None:
    started: list[int] = []
    cancelled: list[int] = []
    all_started = asyncio.Event()

    @aclaude.tool
    async def wait_forever(n: int) -> str:
        started.append(n)
        if len(started) == 3:
            all_started.set()
        try:
            await asyncio.Event().wait()
        except asyncio.CancelledError:
            cancelled.append(n)
            raise
        return "never"

    server.enqueue(three_calls("wait_forever"), Reply.text("never sent"))
    runner = client.messages.tool_runner(**MODEL_PARAMS, messages=[QUESTION], tools=[wait_forever])
    task = asyncio.ensure_future(runner.until_done())
    await bounded(all_started.wait())
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await bounded(task)
    assert sorted(cancelled) == [0, 1, 2]  # every running tool was cancelled, and has finished
    assert len(server.requests) == 1  # and nothing more was sent
    assert [m async for m in runner] == []  # the run is over


async def test_api_errors_propagate(server: FakeAnthropic, client: aclaude.Client) -> None:
    server.enqueue(
        Reply.tool_use("get_weather", {"city": "Paris"}),
        Reply.error(400, "invalid_request_error", "tool_result block(s) missing"),
    )
    runner = client.messages.tool_runner(**MODEL_PARAMS, messages=[QUESTION], tools=[get_weather])
    with pytest.raises(aclaude.BadRequestError, match="tool_result block"):
        await bounded(runner.until_done())
    assert runner.end_reason is None
    assert runner.messages[-1]["content"][0]["type"] == "tool_result"  # the results were ready


def test_arguments_are_checked(client: aclaude.Client) -> None:
    make = client.messages.tool_runner
    with pytest.raises(ValueError, match="max_iterations"):
        make(**MODEL_PARAMS, messages=[QUESTION], tools=[get_weather], max_iterations=0)
    with pytest.raises(ValueError, match="tool_timeout"):
        make(**MODEL_PARAMS, messages=[QUESTION], tools=[get_weather], tool_timeout=0)
    with pytest.raises(ValueError, match="two tools are named 'get_weather'"):
        make(
            **MODEL_PARAMS,
            messages=[QUESTION],
            tools=[get_weather, {"name": "get_weather", "input_schema": {}}],
        )
    with pytest.raises(TypeError, match=r"aclaude\.Tool objects or definition dicts"):
        make(**MODEL_PARAMS, messages=[QUESTION], tools=[get_weather.func])
    with pytest.raises(TypeError, match="messages"):
        make(**MODEL_PARAMS, tools=[get_weather])


# -- the streaming variant -------------------------------------------------------------------


async def test_streaming_runner_yields_a_stream_per_turn(
    server: FakeAnthropic, client: aclaude.Client
) -> None:
    server.enqueue(
        Reply.tool_use("get_weather", {"city": "Paris"}, text_before="Checking the sky.", id="toolu_1"),
        Reply.text("It is sunny in Paris.", chunk_chars=4),
    )
    runner = client.messages.tool_runner(
        **MODEL_PARAMS, messages=[QUESTION], tools=[get_weather], stream=True
    )
    assert isinstance(runner, aclaude.StreamingToolRunner)
    texts: list[list[str]] = []
    async with runner:
        async for stream in runner:
            assert isinstance(stream, aclaude.MessageStream)
            texts.append([t async for t in stream.text_stream])
            final = await stream.get_final_message()
            assert final.id == stream.current_message_snapshot.id  # type: ignore[union-attr]
    # Text came as it was generated: delta by delta, turn by turn.
    assert texts == [["Checking", " the", " sky."], ["It i", "s su", "nny ", "in P", "aris", "."]]
    assert runner.end_reason == "done" and runner.iterations == 2
    assert tool_results(server, 1) == [
        {"type": "tool_result", "tool_use_id": "toolu_1", "content": "Paris: 21 degrees celsius, sunny"}
    ]
    assert runner.last_message is not None
    assert runner.last_message.content[0].text == "It is sunny in Paris."  # type: ignore[union-attr]
    assert runner.messages[-1] == runner.last_message.to_param()


async def test_streaming_runner_finishes_unread_streams(
    server: FakeAnthropic, client: aclaude.Client
) -> None:
    server.enqueue(Reply.tool_use("get_weather", {"city": "Paris"}), Reply.text("Sunny."))
    runner = client.messages.tool_runner(
        **MODEL_PARAMS, messages=[QUESTION], tools=[get_weather], stream=True
    )
    final = await bounded(runner.until_done())
    assert final.content[0].text == "Sunny."  # type: ignore[union-attr]
    assert len(server.requests) == 2


async def test_streaming_runner_callbacks(server: FakeAnthropic, client: aclaude.Client) -> None:
    server.enqueue(Reply.tool_use("get_weather", {"city": "Paris"}, chunk_chars=5), Reply.text("Sunny."))
    partial: list[Any] = []
    async with client.messages.tool_runner(
        **MODEL_PARAMS, messages=[QUESTION], tools=[get_weather], stream=True
    ) as runner:
        async for stream in runner:
            stream.on("input_json", lambda delta, snapshot: partial.append(snapshot.parsed()))
    assert partial[-1] == {"city": "Paris"}
    assert {"city": "P"} in partial  # the input took shape while it streamed


async def test_stopping_early_closes_the_stream(server: FakeAnthropic, api_key: str) -> None:
    server.enqueue(
        Reply.tool_use(
            "get_weather", {"city": "Paris"}, text_before="Checking.", hold_after_start=TIMEOUT * 10
        ),
        Reply.text("after"),
    )
    # One request in flight at most: the follow-up below can only start once the held stream
    # has been closed (a leaked stream would block it until the bounded wait fails).
    async with aclaude.Client(api_key=api_key, base_url=server.url, max_retries=0, max_in_flight=1) as client:
        async with client.messages.tool_runner(
            **MODEL_PARAMS, messages=[QUESTION], tools=[get_weather], stream=True
        ) as runner:
            async for stream in runner:
                assert isinstance(stream, aclaude.MessageStream)
                break  # while the server holds the stream open
        assert runner.end_reason is None
        assert [s async for s in runner] == []
        after = await bounded(client.messages.create(**MODEL_PARAMS, messages=[QUESTION]))
    assert after.content[0].text == "after"  # type: ignore[union-attr]
    assert len(server.requests) == 2


# -- the examples ----------------------------------------------------------------------------

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


@pytest.mark.parametrize(
    ("script", "expected"),
    [
        ("weather_tool.py", "-> calling get_weather"),
        ("concurrent_tools.py", "all 3 tools ran within"),
    ],
)
def test_examples_run_against_the_embedded_fake_api(
    script: str, expected: str, capsys: pytest.CaptureFixture[str]
) -> None:
    # The conftest removed ANTHROPIC_API_KEY: the examples start the fake API themselves. Run
    # in this process (as `python examples/...` would), under this suite's warnings-as-errors.
    runpy.run_path(str(EXAMPLES / script), run_name="__main__")
    out = capsys.readouterr().out
    assert "using the embedded fake API" in out
    assert expected in out
