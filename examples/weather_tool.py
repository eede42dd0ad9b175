"""A weather tool and the streaming tool runner.

    python examples/weather_tool.py

Uses the real API when ANTHROPIC_API_KEY is set; otherwise the embedded fake API, scripted to
call the tool once and then answer (so the example runs anywhere, offline).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
from typing import Any, Literal

import aclaude
from aclaude.testing import FakeAnthropic, Reply

MODEL = os.environ.get("ACLAUDE_MODEL", "claude-sonnet-4-5")


@aclaude.tool
async def get_weather(city: str, unit: Literal["celsius", "fahrenheit"] = "celsius") -> dict[str, Any]:
    """Get the current weather in a city.

    Args:
        city: The city, e.g. "Paris".
        unit: The temperature unit.
    """
    await asyncio.sleep(0.2)  # a real tool would call a weather service here
    temperature = 21 if unit == "celsius" else 70
    return {"city": city, "temperature": temperature, "unit": unit, "conditions": "sunny"}


def script_fake_model(server: FakeAnthropic) -> None:
    """What the fake API answers: a tool call, then a reply that uses the tool's result."""
    server.enqueue(
        Reply.tool_use("get_weather", {"city": "Paris"}, text_before="Let me check the weather in Paris."),
        Reply.text("It is sunny in Paris right now, 21 °C. A good day for a walk along the Seine."),
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

        print("The tool definition sent to the model:")
        print(json.dumps(get_weather.to_param(), indent=2), "\n")

        runner = client.messages.tool_runner(
            model=MODEL,
            max_tokens=1024,
            messages=[{"role": "user", "content": "What's the weather like in Paris?"}],
            tools=[get_weather],
            max_iterations=5,
            stream=True,
        )
        async with runner:
            async for stream in runner:  # one MessageStream per turn
                async for text in stream.text_stream:  # text as it is generated
                    print(text, end="", flush=True)
                print()
                message = await stream.get_final_message()
                for block in message.content:
                    if isinstance(block, aclaude.ToolUseBlock):
                        print(f"  -> calling {block.name}({json.dumps(block.input)})")
        print(f"\n[{runner.iterations} requests, ended: {runner.end_reason}]")


if __name__ == "__main__":
    asyncio.run(main())
