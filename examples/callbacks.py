"""Streaming with callbacks: react to text, blocks and the final message as they arrive.

    python examples/callbacks.py

Uses the real API when ANTHROPIC_API_KEY is set, else the embedded fake API.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import sys
import time
from typing import Any

import aclaude
from aclaude.testing import FakeAnthropic


async def main() -> None:
    async with contextlib.AsyncExitStack() as stack:
        options: dict[str, Any] = {}
        if not os.environ.get("ANTHROPIC_API_KEY"):
            # Paced deltas, so the callbacks visibly fire one by one.
            fake = await stack.enter_async_context(FakeAnthropic(token_interval=0.02))
            options = {"api_key": "sk-ant-fake", "base_url": fake.url}
            print("(no ANTHROPIC_API_KEY: using the embedded fake API)", file=sys.stderr)
        client = await stack.enter_async_context(aclaude.Client(**options))

        started = time.perf_counter()
        first_text: list[float] = []

        def on_text(delta: str, snapshot: aclaude.TextSnapshot) -> None:
            # Sync callbacks run inline; the snapshot is lazy (free unless read).
            if not first_text:
                first_text.append(time.perf_counter() - started)
            print(delta, end="", flush=True)

        async def on_block(block: aclaude.ContentBlock) -> None:
            # Async callbacks are awaited in order, before the next event is read.
            print(f"\n[block done: {block.type}]")

        def on_final(message: aclaude.Message) -> None:
            usage = message.usage
            summary = f"{usage.input_tokens} in, {usage.output_tokens} out"
            print(f"[{message.stop_reason}: {summary}]")

        async with client.messages.stream(
            model="claude-sonnet-4-5",
            max_tokens=512,
            messages=[{"role": "user", "content": "Tell me a very short story about a teapot."}],
        ) as stream:
            stream.on("text", on_text)
            stream.on("content_block", on_block)
            stream.on("final_message", on_final)
            stream.on("error", lambda exc: print(f"\n[stream failed: {exc}]"))
            text = await stream.get_final_text()  # drives the stream; the callbacks fire meanwhile

        print(f"[{len(text)} characters, first text after {first_text[0] * 1000:.0f} ms]")


if __name__ == "__main__":
    asyncio.run(main())
