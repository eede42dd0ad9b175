"""The final table in the terminal: per level, mean/p50/p90/p95/p99/max of TTFT, TPOT, ITL and
E2E, throughput, goodput, errors and the client's own CPU. Plain text (``format_table``), or a
``rich`` table when the ``bench`` extra is installed and the output is a terminal."""

from __future__ import annotations

from typing import TextIO

from ._run import BenchResult
from ._stats import Distribution, LevelSummary

__all__ = ["format_table", "print_table"]

_COLUMNS = ("mean", "p50", "p90", "p95", "p99", "max")
_METRICS = (("TTFT", "ttft"), ("TPOT", "tpot"), ("ITL", "itl"), ("E2E", "e2e"))


def _ms(value: float | None) -> str:
    return "-" if value is None else f"{value:,.1f}"


def _level_title(level: LevelSummary) -> str:
    if level.mode == "rate":
        value = "inf" if level.level == float("inf") else f"{level.level:g}/s"
        return f"rate {value}"
    return f"concurrency {level.level:g}"


def _facts(level: LevelSummary) -> list[str]:
    lines = [
        f"requests {level.completed} ok / {level.failed} failed in {level.duration:.2f} s"
        f"  |  {level.request_throughput:.2f} req/s  |  {level.output_throughput:,.0f} output tok/s"
        f"  |  {level.total_token_throughput:,.0f} total tok/s",
    ]
    if level.goodput is not None:
        within = f"{level.good_requests} of {level.requests} within SLO"
        lines.append(f"goodput {level.goodput:.2f} req/s ({within})")
    if level.errors_by_type or level.rate_limited:
        errors = ", ".join(f"{name} x{count}" for name, count in level.errors_by_type.items())
        lines.append(
            f"errors: {errors or 'none'}  |  429s: {level.rate_limited}  |  retries: {level.retries}"
        )
    if level.client_cpu_us_per_event is not None:
        lines.append(
            f"client CPU {level.client_cpu_us_per_event:.1f} us/event"
            f" ({level.client_cpu_percent or 0:.0f}% of a core, {level.processes} process"
            f"{'es' if level.processes > 1 else ''})"
        )
    return lines


def format_table(result: BenchResult) -> str:
    """The summary as plain text (also what the README shows)."""
    out = [f"aclaude bench: {result.endpoint}, model {result.settings.model}, {result.settings.loop} loop"]
    if result.interrupted:
        out.append("INTERRUPTED: results so far")
    for level in result.levels:
        out.append("")
        out.append(f"== {_level_title(level)} ==")
        out.append(f"{'ms':<6}" + "".join(f"{name:>10}" for name in _COLUMNS))
        for label, attr in _METRICS:
            dist: Distribution = getattr(level, attr)
            out.append(f"{label:<6}" + "".join(f"{_ms(getattr(dist, c)):>10}" for c in _COLUMNS))
        out.extend(_facts(level))
    return "\n".join(out)


def print_table(result: BenchResult, out: TextIO, *, plain: bool = False) -> None:
    """Print the summary: a rich table on a terminal when available, else ``format_table``."""
    if not plain and out.isatty():
        try:
            from rich.console import Console
            from rich.table import Table
        except ImportError:
            pass
        else:
            console = Console(file=out)
            console.print(
                f"[bold]aclaude bench[/]: {result.endpoint}, model {result.settings.model}, "
                f"{result.settings.loop} loop"
            )
            if result.interrupted:
                console.print("[red]INTERRUPTED: results so far[/]")
            for level in result.levels:
                table = Table(title=_level_title(level), title_justify="left")
                table.add_column("ms")
                for name in _COLUMNS:
                    table.add_column(name, justify="right")
                for label, attr in _METRICS:
                    dist = getattr(level, attr)
                    table.add_row(label, *(_ms(getattr(dist, c)) for c in _COLUMNS))
                console.print(table)
                for line in _facts(level):
                    console.print(line, highlight=False)
            return
    print(format_table(result), file=out)
