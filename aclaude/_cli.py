"""The command line: ``aclaude chat "prompt"`` streams a reply; ``aclaude serve-mock`` runs the
embedded fake API.

With no API key configured (``ANTHROPIC_API_KEY`` / ``ANTHROPIC_AUTH_TOKEN``), or with
``--mock``, ``chat`` talks to the embedded fake API started in this process, and says so in one
line on stderr. Failures (no or rejected key, unreachable host, bad model ...) print one line on
stderr and exit non-zero; never a traceback.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import sys
import time
from collections.abc import AsyncIterator, Sequence
from typing import Any, TextIO

import msgspec

from ._client import Client
from ._events import RawContentBlockDeltaEvent, RawMessageDeltaEvent, RawMessageStartEvent, TextDelta
from ._exceptions import APIConnectionError, APIError, APIStatusError, AuthenticationError

__all__ = ["main"]

DEFAULT_MODEL = "claude-sonnet-4-5"

# Exit statuses: 0 ok, 1 API error, 2 usage, 3 authentication, 4 connection, 130 interrupted.
EXIT_API, EXIT_USAGE, EXIT_AUTH, EXIT_CONNECTION, EXIT_INTERRUPTED = 1, 2, 3, 4, 130


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="aclaude", description="Stream replies from the Anthropic Messages API."
    )
    sub = parser.add_subparsers(dest="command", required=True)
    chat = sub.add_parser("chat", help="send one prompt and stream the reply")
    chat.add_argument("prompt", help="the user message ('-' reads it from stdin)")
    chat.add_argument("--model", "-m", default=os.environ.get("ACLAUDE_MODEL", DEFAULT_MODEL))
    chat.add_argument("--max-tokens", type=int, default=1024)
    chat.add_argument("--system", "-s", default=None, help="system prompt")
    chat.add_argument("--temperature", "-t", type=float, default=None)
    chat.add_argument("--json", action="store_true", help="print the events as JSON lines")
    chat.add_argument("--mock", action="store_true", help="use the embedded fake API")
    chat.add_argument("--base-url", default=None, help="API base URL (default: ANTHROPIC_BASE_URL)")
    mock = sub.add_parser("serve-mock", help="run the embedded fake API server")
    mock.add_argument("args", nargs=argparse.REMAINDER, help="options of python -m aclaude.testing")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.command == "serve-mock":
        from .testing.__main__ import main as serve_main

        return serve_main(list(args.args), prog="aclaude serve-mock")
    if args.prompt == "-":
        args.prompt = sys.stdin.read()
    try:
        return asyncio.run(_chat(args, sys.stdout, sys.stderr))
    except KeyboardInterrupt:
        print("aclaude: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED


async def _chat(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    has_key = bool(os.environ.get("ANTHROPIC_API_KEY") or os.environ.get("ANTHROPIC_AUTH_TOKEN"))
    async with contextlib.AsyncExitStack() as stack:
        base_url = args.base_url
        api_key = None
        if args.mock or (not has_key and base_url is None):
            from .testing import FakeAnthropic

            server = await stack.enter_async_context(FakeAnthropic())
            base_url, api_key = server.url, "sk-ant-mock"
            reason = "--mock" if args.mock else "no ANTHROPIC_API_KEY set"
            print(f"aclaude: {reason}: using the embedded fake API at {server.url}", file=err)
        client = await stack.enter_async_context(Client(api_key=api_key, base_url=base_url))
        params: dict[str, Any] = {
            "model": args.model,
            "max_tokens": args.max_tokens,
            "messages": [{"role": "user", "content": args.prompt}],
        }
        if args.system is not None:
            params["system"] = args.system
        if args.temperature is not None:
            params["temperature"] = args.temperature
        try:
            return await _run(client, params, args.json, out, err)
        except AuthenticationError as exc:
            print(f"aclaude: the API key was rejected ({exc.type or exc.status_code})", file=err)
            return EXIT_AUTH
        except APIStatusError as exc:
            print(f"aclaude: {exc.message}", file=err)
            return EXIT_API
        except APIConnectionError as exc:
            print(f"aclaude: cannot reach {client.base_url}: {exc.message}", file=err)
            return EXIT_CONNECTION
        except APIError as exc:
            print(f"aclaude: {exc.message}", file=err)
            return EXIT_API


async def _run(client: Client, params: dict[str, Any], as_json: bool, out: TextIO, err: TextIO) -> int:
    started = time.perf_counter()
    first_token: float | None = None
    usage_in = usage_out = 0
    events: AsyncIterator[Any] = client.messages.create(stream=True, **params)
    encode = msgspec.json.encode
    async for event in events:
        etype = type(event)
        if etype is RawContentBlockDeltaEvent and type(event.delta) is TextDelta:
            if first_token is None:
                first_token = time.perf_counter()
            if not as_json:
                out.write(event.delta.text)
                out.flush()
        elif etype is RawMessageStartEvent:
            usage_in = event.message.usage.input_tokens
        elif etype is RawMessageDeltaEvent:
            usage_out = event.usage.output_tokens
        if as_json:
            out.write(encode(event).decode() + "\n")
            out.flush()
    elapsed = time.perf_counter() - started
    if not as_json:
        out.write("\n")
    ttft = f"{(first_token - started) * 1000:.0f} ms" if first_token is not None else "n/a"
    generating = elapsed - (first_token - started) if first_token is not None else elapsed
    rate = f"{usage_out / generating:.0f} tokens/s" if generating > 0 else "n/a"
    print(
        f"[{usage_in} input + {usage_out} output tokens, first token {ttft}, {rate}, "
        f"{elapsed:.2f} s]",
        file=err,
    )
    return 0
