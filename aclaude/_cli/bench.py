"""``aclaude bench``: the command line of ``aclaude.bench`` (load an endpoint, report latency).

Failures print one line on stderr and exit non-zero, never a traceback: 2 for a bad option,
prompts file or SLO spec, 3 for a rejected key, 4 for an unreachable endpoint. Ctrl-C stops the
run, writes what was measured so far (table, JSON, HTML) and exits 130; a second Ctrl-C aborts.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import signal
import sys
from collections.abc import Sequence
from typing import TextIO

from ..bench import (
    DEFAULT_PACING,
    BenchError,
    BenchResult,
    BenchSettings,
    PromptError,
    parse_slo,
    print_table,
    run_benchmark,
    write_html,
    write_json,
)
from ..bench._loop import LOOPS, resolve_loop, run_on
from ..bench._progress import make_progress

__all__ = ["main"]

EXIT_OK, EXIT_USAGE, EXIT_AUTH, EXIT_CONNECTION, EXIT_INTERRUPTED = 0, 2, 3, 4, 130


def _ints(text: str) -> list[int]:
    try:
        values = [int(part) for part in text.split(",") if part.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected integers like 1,8,64, got {text!r}") from None
    if not values or min(values) < 1:
        raise argparse.ArgumentTypeError(f"expected integers >= 1 like 1,8,64, got {text!r}")
    return values


def _rates(text: str) -> list[float]:
    try:
        values = [float(part) for part in text.split(",") if part.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected rates like 2,5,inf, got {text!r}") from None
    if not values or not all(value > 0 for value in values):
        raise argparse.ArgumentTypeError(f"rates must be > 0 (or inf), got {text!r}")
    return values


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="aclaude bench",
        description="Load a Messages endpoint (default: the embedded fake API) and report TTFT, "
        "TPOT, ITL, end-to-end latency, throughput and goodput.",
    )
    target = parser.add_argument_group("endpoint")
    target.add_argument(
        "--base-url",
        help="API base URL (key from ANTHROPIC_API_KEY); default: the embedded fake API in its own process",
    )
    target.add_argument("--model", default="claude-sonnet-4-5", help="default: %(default)s")
    target.add_argument(
        "--pacing", default=DEFAULT_PACING, help="the fake API's pacing (default: %(default)s)"
    )
    target.add_argument(
        "--max-retries",
        type=int,
        default=0,
        help="client retries per request (default 0: every error is counted)",
    )
    target.add_argument("--timeout", type=float, default=600.0, help="read timeout, s (default 600)")
    load = parser.add_argument_group("load")
    load.add_argument(
        "--concurrency",
        "-c",
        type=_ints,
        default=[8],
        help="closed loop: requests in flight; a list sweeps (1,8,64). Default 8",
    )
    load.add_argument(
        "--rate", "-r", type=_rates, default=None, help="open loop: requests/s; a list sweeps (1,5,inf)"
    )
    load.add_argument(
        "--arrival",
        choices=("poisson", "constant"),
        default="poisson",
        help="open loop arrivals (default poisson)",
    )
    load.add_argument(
        "--burstiness",
        type=float,
        default=1.0,
        help="gamma shape of the arrivals: 1 = Poisson, <1 burstier, >1 smoother",
    )
    load.add_argument(
        "--max-concurrency", type=int, default=None, help="open loop: cap on requests in flight"
    )
    bound = load.add_mutually_exclusive_group()
    bound.add_argument(
        "--requests", "-n", type=int, default=None, help="measured requests per level (default 100)"
    )
    bound.add_argument("--duration", "-d", type=float, default=None, help="seconds of load per level")
    load.add_argument("--warmup", type=int, default=0, help="requests per level sent first and not counted")
    load.add_argument(
        "--processes", "-p", type=int, default=1, help="spread each level over N processes (merged records)"
    )
    load.add_argument("--seed", type=int, default=0)
    load.add_argument(
        "--loop",
        choices=LOOPS,
        default="auto",
        help="the client's event loop (default auto: uvloop when installed, else asyncio)",
    )
    prompts = parser.add_argument_group("prompts")
    prompts.add_argument(
        "--prompts", help="JSONL file, one request a line: messages, max_tokens, optional system/tools"
    )
    prompts.add_argument("--input-tokens", type=int, default=256, help="synthetic prompt size (default 256)")
    prompts.add_argument("--output-tokens", type=int, default=128, help="synthetic max_tokens (default 128)")
    output = parser.add_argument_group("results")
    output.add_argument("--slo", help="goodput objectives, e.g. ttft=500ms,tpot=50ms (also itl, e2e)")
    output.add_argument("--json", dest="json_path", help="write the JSON result here")
    output.add_argument("--detailed", action="store_true", help="JSON: keep every inter-token gap")
    output.add_argument("--html", dest="html_path", help="write the HTML report here (needs aclaude[bench])")
    output.add_argument("--plain", action="store_true", help="plain text progress and table, no rich")
    return parser


def settings_from_args(args: argparse.Namespace) -> BenchSettings:
    """The run's settings from parsed options; ValueError (one line) if they do not fit."""
    settings = BenchSettings(
        base_url=args.base_url,
        model=args.model,
        concurrency=args.concurrency,
        rate=args.rate,
        arrival=args.arrival,
        burstiness=args.burstiness,
        max_concurrency=args.max_concurrency,
        requests=None if args.duration is not None else (args.requests or 100),
        duration=args.duration,
        warmup=args.warmup,
        prompts=args.prompts,
        input_tokens=args.input_tokens,
        output_tokens=args.output_tokens,
        slo=parse_slo(args.slo) if args.slo else {},
        processes=args.processes,
        seed=args.seed,
        pacing=args.pacing,
        max_retries=args.max_retries,
        timeout=args.timeout,
        loop=resolve_loop(args.loop),
    )
    if args.base_url is None and args.pacing:
        from ..testing._pacing import parse_pacing

        parse_pacing(args.pacing)
    settings.check()
    return settings


async def _run(settings: BenchSettings, plain: bool, err: TextIO) -> BenchResult:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    task = asyncio.current_task()

    def interrupt() -> None:
        if stop.is_set():
            if task is not None:
                task.cancel()
            return
        stop.set()
        print("aclaude bench: stopping; writing the results so far (Ctrl-C again to abort)", file=err)

    handled = False
    with contextlib.suppress(NotImplementedError, RuntimeError):
        loop.add_signal_handler(signal.SIGINT, interrupt)
        handled = True
    progress = make_progress(err, plain=plain)
    try:
        return await run_benchmark(settings, progress, stop=stop)
    finally:
        progress.close()
        if handled:
            loop.remove_signal_handler(signal.SIGINT)


def main(argv: Sequence[str] | None = None, *, out: TextIO | None = None, err: TextIO | None = None) -> int:
    """Run ``aclaude bench`` with ``argv`` (its options; default ``sys.argv[1:]``); the exit status."""
    out = out or sys.stdout
    err = err or sys.stderr
    args = _parser().parse_args(list(sys.argv[1:] if argv is None else argv))
    try:
        settings = settings_from_args(args)
    except ValueError as exc:
        print(f"aclaude bench: {exc}", file=err)
        return EXIT_USAGE
    try:
        result = run_on(settings.loop, _run(settings, args.plain, err))
    except PromptError as exc:
        print(f"aclaude bench: {exc}", file=err)
        return EXIT_USAGE
    except BenchError as exc:
        text = str(exc)
        print(f"aclaude bench: {text}", file=err)
        if "rejected the API key" in text:
            return EXIT_AUTH
        return EXIT_CONNECTION if text.startswith("cannot reach") else 1
    except (KeyboardInterrupt, asyncio.CancelledError):
        print("aclaude bench: aborted", file=err)
        return EXIT_INTERRUPTED
    print_table(result, out, plain=args.plain)
    try:
        if args.json_path:
            write_json(result, args.json_path, detailed=args.detailed)
            print(f"JSON result: {args.json_path}", file=out)
        if args.html_path:
            write_html(result, args.html_path)
            print(f"HTML report: {args.html_path}", file=out)
    except BenchError as exc:
        print(f"aclaude bench: {exc}", file=err)
        return 1
    if result.interrupted:
        return EXIT_INTERRUPTED
    failed = sum(level.failed for level in result.levels)
    return 1 if failed and failed == sum(level.requests for level in result.levels) else EXIT_OK


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
