"""Three slow tools, run concurrently: the turn takes about 1 s, not 3.

    python examples/concurrent_tools.py

The model asks for three tools in one turn; each tool waits 1 s (standing in for a slow API).
aclaude's tool runner runs a turn's calls concurrently (the official SDK's async runner runs
them one after another) and sends the results back in the order the model asked.

Uses the real API when ANTHROPIC_API_KEY is set; otherwise the embedded fake API, scripted to
ask for all three tools at once and then answer.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import time
from typing import Any

import aclaude
from aclaude.testing import FakeAnthropic, Reply, TextBlock, ToolUseBlock

MODEL = os.environ.get("ACLAUDE_MODEL", "claude-sonnet-4-5")
T0 = time.monotonic()
timeline: list[tuple[str, float, float]] = []


async def slow_call(name: str, result: Any) -> Any:
    start = time.monotonic() - T0
    await asyncio.sleep(1.0)  # a slow upstream service
    timeline.append((name, start, time.monotonic() - T0))
    return result


@aclaude.tool
async def get_weather(city: str) -> dict[str, Any]:
    """Current weather in a city."""
    return await slow_call("get_weather", {"city": city, "celsius": 21, "conditions": "sunny"})


@aclaude.tool
async def get_local_time(city: str) -> str:
    """Current local time in a city (ISO 8601)."""
    return str(await slow_call("get_local_time", "2025-06-01T14:05:00+02:00"))


@aclaude.tool
async def get_exchange_rate(base: str, quote: str) -> dict[str, Any]:
    """Exchange rate between two currencies (ISO 4217 codes)."""
    return await slow_call("get_exchange_rate", {"pair": f"{base}/{quote}", "rate": 1.08})


def script_fake_model(server: FakeAnthropic) -> None:
    server.enqueue(
        Reply.message(
            [
                TextBlock("I'll look these up at the same time."),
                ToolUseBlock("get_weather", {"city": "Paris"}),
                ToolUseBlock("get_local_time", {"city": "Paris"}),
                ToolUseBlock("get_exchange_rate", {"base": "EUR", "quote": "USD"}),
            ]
        ),
        Reply.text("In Paris it is 14:05 and sunny (21 °C); 1 EUR buys 1.08 USD."),
    )


async def main() -> None:
    async with contextlib.AsyncExitStack() as stack:
        options: dict[str, Any] = {}
        if not os.environ.get("ANTHROPIC_API_KEY"):
            server = await stack.enter_async_context(FakeAnthropic())
            script_fake_model(server)
            options = {"api_key": "sk-ant-fake", "base_url": server.url}
            print("(no ANTHROPIC_API_KEY: using the embedded fake API)\n")
        client = await stack.enter_async_context(aclaude.Client(**options))

        runner = client.messages.tool_runner(
            model=MODEL,
            max_tokens=1024,
            messages=[
                {
                    "role": "user",
                    "content": "In Paris: what's the weather, what time is it, and how many dollars is "
                    "one euro? Call all the tools you need at once.",
                }
            ],
            tools=[get_weather, get_local_time, get_exchange_rate],
            max_iterations=5,
        )
        async with runner:
            async for message in runner:
                calls = [b.name for b in message.content if isinstance(b, aclaude.ToolUseBlock)]
                print(f"turn {runner.iterations}: stop_reason={message.stop_reason} tools={calls}")
        final = runner.last_message
        assert final is not None
        print("\n" + "".join(b.text for b in final.content if isinstance(b, aclaude.TextBlock)))

    print("\ntool timeline (seconds since start):")
    for name, start, end in sorted(timeline, key=lambda t: t[1]):
        print(f"  {name:<18} {start:6.2f} -> {end:6.2f}")
    if timeline:
        starts = [s for _, s, _ in timeline]
        ends = [e for _, _, e in timeline]
        print(
            f"all {len(timeline)} tools ran within {max(ends) - min(starts):.2f} s "
            f"(one after another would take {sum(e - s for _, s, e in timeline):.2f} s)"
        )


if __name__ == "__main__":
    asyncio.run(main())
