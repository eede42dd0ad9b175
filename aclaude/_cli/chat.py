"""The command line: ``aclaude chat "prompt"`` streams a reply; ``aclaude serve-mock`` runs the
embedded fake API.

With no API key configured (``ANTHROPIC_API_KEY`` / ``ANTHROPIC_AUTH_TOKEN``) and no base URL,
or with ``--mock``, ``chat`` talks to the embedded fake API started in this process, and says so
in one line on stderr. Failures (no or rejected key, unreachable host, bad model ...) print one
line on stderr and exit non-zero; never a traceback.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import sys
import time
from collections.abc import Sequence
from typing import Any, TextIO

from .._client import Client
from .._exceptions import (
    APIConnectionError,
    APIError,
    APIStatusError,
    APITimeoutError,
    AuthenticationError,
    IncompleteStreamError,
    NotFoundError,
)
from .._logging import redact_url
from ..streaming._event_stream import EventStream
from ..types._events import RawContentBlockDeltaEvent, RawMessageDeltaEvent, RawMessageStartEvent, TextDelta

__all__ = ["main"]

DEFAULT_MODEL = "claude-sonnet-4-5"
MOCK_API_KEY = "sk-ant-mock"
# The fake API answers at once; pacing its deltas lets a person see the reply stream in.
MOCK_HEADERS = {"x-fake-delay": "0.02"}

# Exit statuses: 0 ok, 1 API error, 2 usage, 3 authentication, 4 connection, 130 interrupted.
EXIT_API, EXIT_USAGE, EXIT_AUTH, EXIT_CONNECTION, EXIT_INTERRUPTED = 1, 2, 3, 4, 130


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="aclaude", description="Stream replies from the Anthropic Messages API."
    )
    sub = parser.add_subparsers(dest="command", required=True)
    chat = sub.add_parser("chat", help="send one prompt and stream the reply")
    chat.add_argument("prompt", help="the user message ('-' reads it from stdin)")
    chat.add_argument(
        "--model",
        "-m",
        default=os.environ.get("ACLAUDE_MODEL", DEFAULT_MODEL),
        help="model name (default: $ACLAUDE_MODEL or %(default)s)",
    )
    chat.add_argument("--max-tokens", type=int, default=1024, help="default: %(default)s")
    chat.add_argument("--system", "-s", default=None, help="system prompt")
    chat.add_argument("--temperature", "-t", type=float, default=None, help="0.0 to 1.0")
    chat.add_argument("--json", action="store_true", help="print the events as JSON lines")
    chat.add_argument("--mock", action="store_true", help="use the embedded fake API")
    chat.add_argument("--base-url", default=None, help="API base URL (default: ANTHROPIC_BASE_URL)")
    # Listed for --help only: main() hands everything after "serve-mock" to the fake server's
    # own parser (argparse's REMAINDER cannot take "--port 0" as the first arguments).
    sub.add_parser(
        "serve-mock",
        help="run the embedded fake API server (options: aclaude serve-mock --help)",
        add_help=False,
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line with ``argv`` (default: ``sys.argv[1:]``); return the exit status."""
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["serve-mock"]:
        from ..testing.__main__ import main as serve_main

        return serve_main(argv[1:], prog="aclaude serve-mock")
    args = _parser().parse_args(argv)
    if args.prompt == "-":
        args.prompt = sys.stdin.read()
    try:
        return asyncio.run(_chat(args, sys.stdout, sys.stderr))
    except KeyboardInterrupt:
        print("aclaude: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        # The reader went away (`aclaude chat ... | head`): stop quietly. Point stdout at
        # devnull so that the interpreter's final flush does not fail a second time.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return EXIT_API


async def _chat(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    has_key = bool(os.environ.get("ANTHROPIC_API_KEY") or os.environ.get("ANTHROPIC_AUTH_TOKEN"))
    base_url = args.base_url or os.environ.get("ANTHROPIC_BASE_URL") or None
    async with contextlib.AsyncExitStack() as stack:
        options: dict[str, Any] = {"base_url": base_url}
        if args.mock or (not has_key and base_url is None):
            from ..testing import FakeAnthropic

            server = await stack.enter_async_context(FakeAnthropic())
            options = {"base_url": server.url, "api_key": MOCK_API_KEY, "default_headers": MOCK_HEADERS}
            options["trust_env"] = False  # the fake API is on loopback: never through a proxy
            reason = "--mock" if args.mock else "no ANTHROPIC_API_KEY set"
            print(f"aclaude: {reason}: using the embedded fake API at {server.url}", file=err)
        client = await stack.enter_async_context(Client(**options))
        params: dict[str, Any] = {
            "model": args.model,
            "max_tokens": args.max_tokens,
            "messages": [{"role": "user", "content": args.prompt}],
        }
        if args.system is not None:
            params["system"] = args.system
        if args.temperature is not None:
            params["temperature"] = args.temperature
        printer = _Printer(out, as_json=args.json)
        try:
            await printer.run(client.messages.create(stream=True, **params))
        except APIError as exc:
            printer.end_line()  # the error line must not start after partial text
            message, status = _describe_error(exc, client.base_url, has_key or bool(args.mock))
            print(f"aclaude: {message}", file=err)
            return status
        print(printer.summary(), file=err)
        return 0


def _describe_error(exc: APIError, base_url: str, sent_key: bool) -> tuple[str, int]:
    """One line for a failure, and the exit status."""
    if isinstance(exc, AuthenticationError):
        if not sent_key:
            return "no API key: set ANTHROPIC_API_KEY (the API answered 401)", EXIT_AUTH
        return f"the API key was rejected ({_status_detail(exc)})", EXIT_AUTH
    if isinstance(exc, NotFoundError):
        return f"not found, check --model ({_status_detail(exc)})", EXIT_API
    if isinstance(exc, APIStatusError):
        return f"the API answered with an error ({_status_detail(exc)})", EXIT_API
    if isinstance(exc, IncompleteStreamError):
        return f"the reply was cut off: {exc.message}", EXIT_CONNECTION
    if isinstance(exc, APITimeoutError):
        return f"timed out talking to {redact_url(base_url)}: {exc.message}", EXIT_CONNECTION
    if isinstance(exc, APIConnectionError):
        return f"cannot reach {redact_url(base_url)}: {exc.message}", EXIT_CONNECTION
    return exc.message, EXIT_API


def _status_detail(exc: APIStatusError) -> str:
    """``401 authentication_error: invalid x-api-key`` from the error body, tolerating any shape."""
    error = exc.body.get("error") if isinstance(exc.body, dict) else None
    text = error.get("message") if isinstance(error, dict) else None
    detail = f"{exc.status_code} {exc.type or 'error'}"
    if isinstance(text, str) and text:
        detail += f": {text}"
    if exc.request_id:
        detail += f", request_id {exc.request_id}"
    return detail


class _Printer:
    """Writes the stream to ``out`` (text as it arrives, or JSON lines) and keeps the numbers
    for the usage line."""

    def __init__(self, out: TextIO, *, as_json: bool) -> None:
        self._out = out
        self._as_json = as_json
        self._started = time.perf_counter()
        self._first_token: float | None = None
        self._ended_at: float | None = None
        self._open_line = False
        self.input_tokens = 0
        self.output_tokens = 0

    async def run(self, events: EventStream) -> None:
        out, as_json = self._out, self._as_json
        async with events:
            # raw_events: --json prints each event's JSON as the API sent it, not re-encoded.
            async for event, data in events.raw_events():
                etype = type(event)
                if etype is RawContentBlockDeltaEvent and type(event.delta) is TextDelta:  # type: ignore[union-attr]
                    if self._first_token is None:
                        self._first_token = time.perf_counter()
                    if not as_json:
                        out.write(event.delta.text)  # type: ignore[union-attr]
                        self._open_line = True
                elif etype is RawMessageStartEvent:
                    self.input_tokens = event.message.usage.input_tokens  # type: ignore[union-attr]
                elif etype is RawMessageDeltaEvent:
                    self.output_tokens = event.usage.output_tokens  # type: ignore[union-attr]
                if as_json:
                    # A newline can only be whitespace between JSON tokens: one event, one line.
                    out.write(data.decode().replace("\n", " ") + "\n")
                out.flush()
        self._ended_at = time.perf_counter()
        self.end_line()

    def end_line(self) -> None:
        if self._open_line:
            self._out.write("\n")
            self._out.flush()
            self._open_line = False

    def summary(self) -> str:
        """``[12 input + 40 output tokens, first token 310 ms, 85 tokens/s, 0.78 s]``"""
        ended = self._ended_at if self._ended_at is not None else time.perf_counter()
        elapsed = ended - self._started
        first = self._first_token
        ttft = f"{(first - self._started) * 1000:.0f} ms" if first is not None else "n/a"
        # Tokens/s over the generation only: the wait for the first token is not throughput.
        generating = ended - first if first is not None else elapsed
        rate = f"{self.output_tokens / generating:.0f} tokens/s" if generating > 0 else "n/a"
        return (
            f"[{self.input_tokens} input + {self.output_tokens} output tokens, "
            f"first token {ttft}, {rate}, {elapsed:.2f} s]"
        )
