"""The command line: ``aclaude chat "prompt"`` streams a reply; ``aclaude serve-mock`` runs the
embedded fake API.

With no API key configured (``ANTHROPIC_API_KEY`` / ``ANTHROPIC_AUTH_TOKEN``) and no base URL,
or with ``--mock``, ``chat`` talks to the embedded fake API started in this process, and says so
in one line on stderr. Failures (no or rejected key, unreachable host, bad model ...) print one
line in words on stderr and exit non-zero; never a traceback (``--verbose`` adds the details).
Ctrl-C and SIGTERM end a partly printed line first; a closed pipe ends quietly, with the same
status in text and ``--json`` mode.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import signal
import sys
import time
from collections.abc import Sequence
from typing import Any, TextIO

from .._client import Client
from .._exceptions import APIError
from .._version import __version__
from ..streaming._event_stream import EventStream
from ..types._events import RawContentBlockDeltaEvent, RawMessageDeltaEvent, RawMessageStartEvent, TextDelta
from ..types._extras import known_type
from ._describe import (
    EXIT_API,
    EXIT_AUTH,
    EXIT_CONNECTION,
    EXIT_INTERRUPTED,
    EXIT_TERMINATED,
    EXIT_USAGE,
    describe_error,
    details,
)

__all__ = ["EXIT_API", "EXIT_AUTH", "EXIT_CONNECTION", "EXIT_INTERRUPTED", "EXIT_USAGE", "main"]

DEFAULT_MODEL = "claude-sonnet-4-5"
MOCK_API_KEY = "sk-ant-mock"
# The fake API answers at once; pacing (a wait for the first token, then a steady rate) lets a
# person see the reply stream in, as from the real API.
MOCK_FIRST_TOKEN_DELAY = 0.4
MOCK_TOKEN_INTERVAL = 0.02


class _Terminated(Exception):
    """SIGTERM arrived: the run was cancelled and the command exits 143."""


class _Interrupted(Exception):
    """Ctrl-C (SIGINT) arrived while the command ran: it was cancelled and exits 130."""


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="aclaude", description="Stream replies from the Anthropic Messages API."
    )
    parser.add_argument("--version", action="version", version=f"aclaude {__version__}")
    # One subparser per command; a command's parser is its args' ``usage_parser``, so that an
    # unknown option after a command shows that command's usage (see main()).
    sub = parser.add_subparsers(dest="command", required=True)
    chat = sub.add_parser("chat", help="send one prompt and stream the reply")
    chat.set_defaults(usage_parser=chat)
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
    chat.add_argument("--verbose", "-v", action="store_true", help="on failure, print the details too")
    # Listed for --help only: main() hands everything after "serve-mock" to the fake server's
    # own parser (argparse's REMAINDER cannot take "--port 0" as the first arguments).
    sub.add_parser(
        "serve-mock",
        help="run the embedded fake API server (options: aclaude serve-mock --help)",
        add_help=False,
    )
    # Listed for --help only as well: aclaude._cli.main dispatches "bench" before this parser.
    sub.add_parser(
        "bench",
        help="load-test a Messages endpoint: TTFT, TPOT, ITL, throughput (options: aclaude bench --help)",
        add_help=False,
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line with ``argv`` (default: ``sys.argv[1:]``); return the exit status."""
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["serve-mock"]:
        from ..testing.__main__ import main as serve_main

        return serve_main(argv[1:], prog="aclaude serve-mock", paced=True)
    parser = _parser()
    args, unknown = parser.parse_known_args(argv)
    if unknown:
        # argparse would print the top-level usage; the command's own is the helpful one.
        getattr(args, "usage_parser", parser).error(f"unrecognized arguments: {' '.join(unknown)}")
    printer = _Printer(sys.stdout, as_json=args.json)
    try:
        if args.prompt == "-":
            args.prompt = sys.stdin.read()
        return _run_holding_ctrl_c(args, printer)
    except (KeyboardInterrupt, _Interrupted):
        return _stopped(printer, "interrupted", EXIT_INTERRUPTED)
    except _Terminated:
        return _stopped(printer, "terminated", EXIT_TERMINATED)
    except BrokenPipeError:
        return _closed_pipe()


def _stopped(printer: _Printer, what: str, status: int) -> int:
    """Ctrl-C or SIGTERM: end the partly printed line, then say so on a line of its own."""
    try:
        printer.end_line()
    except BrokenPipeError:
        return _closed_pipe()
    print(f"aclaude: {what}", file=sys.stderr)
    return status


def _closed_pipe() -> int:
    """The reader went away (``aclaude chat ... | head``): stop quietly, with the same status
    in text and ``--json`` mode. Point stdout at devnull so that the interpreter's final flush
    does not fail a second time."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
    return EXIT_API


_SIGMASK = getattr(signal, "pthread_sigmask", None)  # None on Windows


def _run_holding_ctrl_c(args: argparse.Namespace, printer: _Printer) -> int:
    """``asyncio.run(_run(...))`` with Ctrl-C held back while the event loop starts and stops.

    Inside, ``_run`` turns SIGINT into a cancellation of the command (as SIGTERM). Outside that
    window a KeyboardInterrupt raised in the middle of the loop's own setup or teardown would
    leave it half closed (Python 3.10 then prints "Exception ignored in BaseEventLoop.__del__"),
    so the signal is blocked there and delivered once the loop is gone.
    """
    if _SIGMASK is None:
        return asyncio.run(_run(args, printer, sys.stderr))
    previous = _SIGMASK(signal.SIG_BLOCK, {signal.SIGINT})
    try:
        return asyncio.run(_run(args, printer, sys.stderr, previous))
    finally:
        _SIGMASK(signal.SIG_SETMASK, previous)  # a Ctrl-C held back is raised here


async def _run(
    args: argparse.Namespace, printer: _Printer, err: TextIO, mask: set[signal.Signals] | None = None
) -> int:
    """``_chat`` with SIGTERM and SIGINT turned into a cancellation, so the command can end its
    line. ``mask``: the signal mask to restore once the handlers are in place (SIGINT is
    blocked until then, see ``_run_holding_ctrl_c``)."""
    loop = asyncio.get_running_loop()
    task = asyncio.current_task()
    stopped_by: signal.Signals | None = None

    def on_signal(sig: signal.Signals) -> None:
        nonlocal stopped_by
        stopped_by = sig
        if task is not None:
            task.cancel()

    handled: list[signal.Signals] = []
    for sig in (signal.SIGTERM, signal.SIGINT):
        with contextlib.suppress(NotImplementedError, RuntimeError):  # Windows: no signal handlers
            loop.add_signal_handler(sig, on_signal, sig)
            handled.append(sig)
    if mask is not None and _SIGMASK is not None:
        _SIGMASK(signal.SIG_SETMASK, mask)
    try:
        return await _chat(args, printer, err)
    except asyncio.CancelledError:
        if stopped_by is signal.SIGTERM:
            raise _Terminated from None
        if stopped_by is signal.SIGINT:
            raise _Interrupted from None
        raise
    finally:
        if mask is not None and _SIGMASK is not None:
            _SIGMASK(signal.SIG_BLOCK, {signal.SIGINT})
        for sig in handled:
            loop.remove_signal_handler(sig)


async def _chat(args: argparse.Namespace, printer: _Printer, err: TextIO) -> int:
    has_key = bool(os.environ.get("ANTHROPIC_API_KEY") or os.environ.get("ANTHROPIC_AUTH_TOKEN"))
    base_url = args.base_url or os.environ.get("ANTHROPIC_BASE_URL") or None
    async with contextlib.AsyncExitStack() as stack:
        options: dict[str, Any] = {"base_url": base_url}
        if args.mock or (not has_key and base_url is None):
            from ..testing import FakeAnthropic

            server = await stack.enter_async_context(
                FakeAnthropic(first_token_delay=MOCK_FIRST_TOKEN_DELAY, token_interval=MOCK_TOKEN_INTERVAL)
            )
            options = {"base_url": server.url, "api_key": MOCK_API_KEY}
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
        try:
            await printer.run(client.messages.create(stream=True, **params))
        except APIError as exc:
            printer.end_line()  # the error line must not start after partial text
            message, status = describe_error(exc, client.base_url, has_key or bool(args.mock))
            print(f"aclaude: {message}", file=err)
            if args.verbose:
                for line in details(exc):
                    print(f"aclaude: {line}", file=err)
            return status
        print(printer.summary(), file=err)
        return 0


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
        self._started = time.perf_counter()  # the clock of the usage line starts with the request
        async with events:
            # raw_events: --json prints each event's JSON as the API sent it, not re-encoded.
            async for event, data in events.raw_events():
                etype = known_type(type(event))  # the declared class, even with undeclared fields
                if etype is RawContentBlockDeltaEvent and isinstance(event.delta, TextDelta):  # type: ignore[union-attr]
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
