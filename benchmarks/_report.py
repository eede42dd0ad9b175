"""Markdown formatting for the benchmark report: tables and number formats, nothing else."""

from __future__ import annotations

from collections.abc import Sequence


def table(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """A GitHub-flavoured Markdown table, columns padded so it also reads well as plain text."""
    widths = [len(h) for h in headers]
    for row in rows:
        widths = [max(w, len(cell)) for w, cell in zip(widths, row, strict=False)]

    def line(cells: Sequence[str]) -> str:
        return "| " + " | ".join(c.ljust(w) for c, w in zip(cells, widths, strict=True)) + " |"

    rule = "|" + "|".join("-" * (w + 2) for w in widths) + "|"
    return "\n".join([line(headers), rule, *(line(r) for r in rows)])


def num(value: float | None, unit: str = "") -> str:
    """Three significant figures: enough to compare, few enough not to suggest false precision."""
    if value is None:
        return "n/a"
    if value >= 100:
        text = f"{value:,.0f}"
    elif value >= 10:
        text = f"{value:.1f}"
    else:
        text = f"{value:.2f}"
    return f"{text} {unit}".rstrip()


def ratio(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.2f}x"


def div(a: float | None, b: float | None) -> float | None:
    """a / b, or None when either side is missing (a client failed or was not run)."""
    if a is None or b is None or b == 0:
        return None
    return a / b


def spread(values: Sequence[float]) -> str:
    """min-max of the repeats and their count, printed beside each median, so that a ratio at
    the edge of its target is visible as such (every run is in the --json output)."""
    if not values:
        return "n/a"
    if len(values) == 1:
        return f"{num(values[0])} (n=1)"
    return f"{num(min(values))}-{num(max(values))} (n={len(values)})"
