"""Stream one reply. Uses the real API when ANTHROPIC_API_KEY is set, else the embedded fake API.

python examples/quickstart.py
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import sys

import aclaude
from aclaude.testing import FakeAnthropic


async def main() -> None:
    async with contextlib.AsyncExitStack() as stack:
        options = {}
        if not os.environ.get("ANTHROPIC_API_KEY"):
            # Paced like the real API (a wait for the first token, then a steady rate).
            server = await stack.enter_async_context(
                FakeAnthropic(first_token_delay=0.3, token_interval=0.02)
            )
            options = {"api_key": "sk-ant-fake", "base_url": server.url}
            print("(no ANTHROPIC_API_KEY: using the embedded fake API)", file=sys.stderr)
        client = await stack.enter_async_context(aclaude.Client(**options))
        async with client.messages.stream(
            model="claude-sonnet-4-5",
            max_tokens=256,
            messages=[{"role": "user", "content": "Say hello in five words."}],
        ) as stream:
            async for text in stream.text_stream:
                print(text, end="", flush=True)
            message = await stream.get_final_message()
        print(f"\n[{message.usage.input_tokens} in, {message.usage.output_tokens} out]")


if __name__ == "__main__":
    asyncio.run(main())
