"""``python -m aclaude.testing``: run the fake API server until SIGINT/SIGTERM.

Benchmarks start it in a separate process and read its single stdout line,
``listening on http://HOST:PORT``, to learn the port; so that line is printed (and flushed)
only once the socket accepts connections, and nothing else is written to stdout.

``aclaude serve-mock`` is the same program for people: its replies are paced by default (a wait
for the first token, then a steady rate, so streaming and concurrency are visible), while
``python -m aclaude.testing`` answers as fast as it can. A port that cannot be bound (in use,
out of range, not allowed) is one line on stderr and exit status 1, not a traceback.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import signal
import sys

from ._control import parse_chunking
from ._replies import Chunking
from ._server import FakeAnthropic

__all__ = ["main"]


def _chunking(value: str) -> Chunking:
    try:
        return parse_chunking(value)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected 'event' or a positive byte count, got {value!r}"
        ) from None


# The pacing of ``aclaude serve-mock`` (seconds): about what the real API feels like.
DEMO_FIRST_TOKEN_DELAY = 0.4
DEMO_TOKEN_INTERVAL = 0.02


def _seconds(value: str) -> float:
    try:
        seconds = float(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected seconds, got {value!r}") from None
    if not seconds >= 0:
        raise argparse.ArgumentTypeError(f"expected seconds >= 0, got {value!r}")
    return seconds


def _parser(prog: str, *, paced: bool = False) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog=prog, description="Run a fake Anthropic Messages API server.")
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (default: %(default)s)")
    parser.add_argument("--port", type=int, default=0, help="port to bind; 0 picks a free one (default: 0)")
    parser.add_argument(
        "--deltas", type=int, default=20, help="text deltas per generated reply (default: 20)"
    )
    parser.add_argument("--delta-bytes", type=int, default=12, help="bytes per text delta (default: 12)")
    parser.add_argument(
        "--chunking",
        type=_chunking,
        default="event",
        help="'event' (one HTTP chunk per SSE event) or a byte count per write (default: event)",
    )
    parser.add_argument(
        "--first-token-delay",
        type=_seconds,
        default=DEMO_FIRST_TOKEN_DELAY if paced else 0.0,
        help="seconds before the first token of a reply (default: %(default)s)",
    )
    parser.add_argument(
        "--token-interval",
        type=_seconds,
        default=DEMO_TOKEN_INTERVAL if paced else 0.0,
        help="seconds between a reply's events (default: %(default)s)",
    )
    parser.add_argument(
        "--no-validate",
        dest="validate",
        action="store_false",
        help="accept any request (by default requests are checked as the real API checks them)",
    )
    return parser


def _raise_fd_limit() -> None:
    """Lift the soft limit on open files to the hard one: the memory benchmark holds 2,000
    streams open, more than the soft limit of 1,024 that many systems start processes with."""
    if sys.platform == "win32":
        return
    import resource

    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = hard if hard != resource.RLIM_INFINITY else 1 << 16
    if soft != resource.RLIM_INFINITY and soft < target:
        with contextlib.suppress(ValueError, OSError):
            resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))


async def _serve(args: argparse.Namespace) -> None:
    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    handled: list[signal.Signals] = []
    for sig in (signal.SIGINT, signal.SIGTERM):
        # Not available on Windows' event loop: there Ctrl-C raises KeyboardInterrupt instead.
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(sig, stop.set)
            handled.append(sig)
    # Nobody can read server.requests from outside the process, so recording would only grow.
    server = FakeAnthropic(
        args.host,
        args.port,
        deltas=args.deltas,
        delta_bytes=args.delta_bytes,
        chunking=args.chunking,
        record=False,
        validate=args.validate,
        first_token_delay=args.first_token_delay,
        token_interval=args.token_interval,
    )
    await server.start()
    try:
        print(f"listening on {server.url}", flush=True)
        await stop.wait()
    finally:
        await server.close()
        for sig in handled:
            loop.remove_signal_handler(sig)


def main(
    argv: list[str] | None = None, *, prog: str = "python -m aclaude.testing", paced: bool = False
) -> int:
    """Parse ``argv`` (default: ``sys.argv[1:]``), serve until SIGINT/SIGTERM, return 0
    (1 if the address cannot be bound). ``paced``: demo pacing by default (serve-mock)."""
    args = _parser(prog, paced=paced).parse_args(argv)
    if args.deltas < 0 or args.delta_bytes < 1:
        print(f"{prog}: --deltas must be >= 0 and --delta-bytes >= 1", file=sys.stderr)
        return 2
    if not 0 <= args.port <= 65535:
        print(f"{prog}: --port must be 0 to 65535 (0 picks a free port), got {args.port}", file=sys.stderr)
        return 2
    _raise_fd_limit()
    try:
        asyncio.run(_serve(args))
    except KeyboardInterrupt:
        pass
    except OSError as exc:
        # Port in use, address not on this machine, a privileged port: one line, no traceback.
        reason = os.strerror(exc.errno).lower() if exc.errno else str(exc)
        print(f"{prog}: cannot listen on {args.host}:{args.port}: {reason}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
