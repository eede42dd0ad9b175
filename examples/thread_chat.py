"""A chat on a message thread: the server holds the conversation, so each turn sends only the
new message. Uses the real API when ANTHROPIC_API_KEY is set, else the embedded fake API (which
answers by saying how many messages it holds).

python examples/thread_chat.py
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import sys

import aclaude
from aclaude.testing import FakeAnthropic

QUESTIONS = ["Name a prime number.", "Double it.", "Is the result prime?"]


async def main() -> None:
    async with contextlib.AsyncExitStack() as stack:
        options = {}
        if not os.environ.get("ANTHROPIC_API_KEY"):
            server = await stack.enter_async_context(FakeAnthropic())
            options = {"api_key": "sk-ant-fake", "base_url": server.url}
            print("(no ANTHROPIC_API_KEY: using the embedded fake API)", file=sys.stderr)
        client = await stack.enter_async_context(aclaude.Client(**options))
        thread = client.beta.messages.thread(
            model="claude-sonnet-4-5",
            max_tokens=256,
            system="Answer in one short sentence.",
            # A request the API cannot thread is sent whole, without a thread, instead of failing.
            unsupported_request_behavior="continue_unthreaded",
        )
        for question in QUESTIONS[:-1]:
            reply = await thread.send({"role": "user", "content": question})
            print(f"> {question}\n{reply.content[0].text}  [{reply.usage.input_tokens} input tokens]")
        # The last turn streamed: the reply joins the thread once its stream has ended.
        async with thread.stream({"role": "user", "content": QUESTIONS[-1]}) as stream:
            print(f"> {QUESTIONS[-1]}")
            async for text in stream.text_stream:
                print(text, end="", flush=True)
        print(f"\n[{len(thread.messages)} messages held; next turn continues {thread.previous_message_id}]")


if __name__ == "__main__":
    asyncio.run(main())
