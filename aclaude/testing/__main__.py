"""``python -m aclaude.testing``: run the fake API server until SIGINT/SIGTERM.

Benchmarks start it in a separate process and read its single stdout line,
``listening on http://HOST:PORT``, to learn the port; so that line is printed (and flushed)
only once the socket accepts connections, and nothing else is written to stdout.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
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


def _parser(prog: str) -> argparse.ArgumentParser:
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
    )
    await server.start()
    try:
        print(f"listening on {server.url}", flush=True)
        await stop.wait()
    finally:
        await server.close()
        for sig in handled:
            loop.remove_signal_handler(sig)


def main(argv: list[str] | None = None, *, prog: str = "python -m aclaude.testing") -> int:
    """Parse ``argv`` (default: ``sys.argv[1:]``), serve until SIGINT/SIGTERM, return 0."""
    args = _parser(prog).parse_args(argv)
    if args.deltas < 0 or args.delta_bytes < 1:
        print("--deltas must be >= 0 and --delta-bytes >= 1", file=sys.stderr)
        return 2
    _raise_fd_limit()
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(_serve(args))
    return 0


if __name__ == "__main__":
    sys.exit(main())
