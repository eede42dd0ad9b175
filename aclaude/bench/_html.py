"""The HTML report: one self-contained page (plotly.js inlined: it opens offline) with the
summary table and three plots: latency distributions, TTFT and throughput against the level
(concurrency or rate), and throughput over time. Needs the ``bench`` extra (plotly)."""

from __future__ import annotations

import html
import itertools
from pathlib import Path
from typing import Any

import msgspec

from ._records import RequestRecord
from ._run import BenchError, BenchResult
from ._stats import LevelSummary
from ._table import format_table

__all__ = ["render_html", "write_html"]

# Enough points for a histogram's shape; more only makes the page heavy.
_MAX_POINTS = 50_000


def _plotly() -> Any:
    try:
        import plotly.graph_objects as go
        from plotly.subplots import make_subplots
    except ImportError:
        raise BenchError("the HTML report needs plotly: pip install 'aclaude[bench]'") from None
    return go, make_subplots


def _name(level: LevelSummary) -> str:
    if level.mode == "rate":
        return "rate inf" if level.level == float("inf") else f"rate {level.level:g}/s"
    return f"concurrency {level.level:g}"


def _thin(values: list[float]) -> list[float]:
    if len(values) <= _MAX_POINTS:
        return values
    step = len(values) / _MAX_POINTS
    return [values[int(i * step)] for i in range(_MAX_POINTS)]


def _latency_figure(result: BenchResult) -> Any:
    go, make_subplots = _plotly()
    fig = make_subplots(rows=2, cols=2, subplot_titles=("TTFT (ms)", "TPOT (ms)", "ITL (ms)", "E2E (ms)"))
    by_level: dict[float, list[RequestRecord]] = {}
    for record in result.requests:
        if record.error is None:
            by_level.setdefault(record.level, []).append(record)
    for colour, level in zip(itertools.cycle(range(10)), result.levels, strict=False):
        records = by_level.get(level.level, [])
        series = {
            "ttft": [r.ttft * 1000 for r in records if r.ttft is not None],
            "tpot": [r.tpot * 1000 for r in records if r.tpot is not None],
            "itl": [gap * 1000 for r in records for gap in (r.itl or ())],
            "e2e": [r.e2e * 1000 for r in records if r.e2e is not None],
        }
        for (row, col), key in zip(((1, 1), (1, 2), (2, 1), (2, 2)), series, strict=True):
            fig.add_trace(
                go.Histogram(
                    x=_thin(series[key]),
                    name=_name(level),
                    legendgroup=_name(level),
                    showlegend=key == "ttft",
                    opacity=0.65,
                    marker_color=f"hsl({colour * 67 % 360},65%,45%)",
                ),
                row=row,
                col=col,
            )
    fig.update_layout(barmode="overlay", title="Latency distributions", height=620)
    return fig


def _levels_figure(result: BenchResult) -> Any:
    go, make_subplots = _plotly()
    levels = result.levels
    mode = levels[0].mode if levels else "concurrency"
    x = [level.level if level.level != float("inf") else 0 for level in levels]
    axis = "concurrency" if mode == "concurrency" else "request rate (req/s)"
    fig = make_subplots(rows=1, cols=3, subplot_titles=("TTFT (ms)", "output tokens / s", "requests / s"))
    for stat in ("p50", "p99"):
        fig.add_trace(
            go.Scatter(
                x=x,
                y=[getattr(level.ttft, stat) for level in levels],
                mode="lines+markers",
                name=f"TTFT {stat}",
            ),
            row=1,
            col=1,
        )
    fig.add_trace(
        go.Scatter(
            x=x, y=[level.output_throughput for level in levels], mode="lines+markers", name="output tokens/s"
        ),
        row=1,
        col=2,
    )
    fig.add_trace(
        go.Scatter(
            x=x, y=[level.request_throughput for level in levels], mode="lines+markers", name="requests/s"
        ),
        row=1,
        col=3,
    )
    fig.update_xaxes(title_text=axis)
    fig.update_layout(title=f"TTFT and throughput against {axis}", height=420)
    return fig


def _over_time_figure(result: BenchResult) -> Any:
    go, _ = _plotly()
    records = [r for r in result.requests if r.error is None and r.ttft is not None]
    fig = go.Figure()
    if records:
        origin = min(r.start for r in result.requests)
        end = max(r.end for r in result.requests)
        width = max((end - origin) / 60.0, 0.001)
        bins = [0] * (int((end - origin) / width) + 1)
        done = [0] * len(bins)
        for record in records:
            assert record.ttft is not None
            at = record.start + record.ttft
            times = [at, *itertools.accumulate(record.itl or (), initial=at)][1:] or [at]
            for t in times:
                bins[min(int((t - origin) / width), len(bins) - 1)] += 1
            done[min(int((record.end - origin) / width), len(done) - 1)] += 1
        x = [round(i * width, 3) for i in range(len(bins))]
        fig.add_trace(go.Scatter(x=x, y=[n / width for n in bins], mode="lines", name="content deltas/s"))
        fig.add_trace(
            go.Scatter(x=x, y=[n / width for n in done], mode="lines", name="requests done/s", yaxis="y2")
        )
    fig.update_layout(
        title="Throughput over time",
        xaxis_title="seconds since the run started",
        yaxis_title="content deltas (tokens) / s",
        yaxis2={"title": "requests / s", "overlaying": "y", "side": "right"},
        height=420,
    )
    return fig


def render_html(result: BenchResult) -> str:
    """The report page as a string."""
    figures = [
        ("latency", _latency_figure(result)),
        ("levels", _levels_figure(result)),
        ("over-time", _over_time_figure(result)),
    ]
    parts = []
    for index, (div_id, figure) in enumerate(figures):
        parts.append(
            figure.to_html(
                full_html=False, include_plotlyjs=index == 0, div_id=div_id, config={"displaylogo": False}
            )
        )
    settings = msgspec.json.format(msgspec.json.encode(result.settings)).decode()
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>aclaude bench report</title>
<style>body{{font-family:system-ui,sans-serif;margin:1.5em;color:#222}}pre{{background:#f6f6f6;padding:1em;overflow:auto}}</style>
</head><body>
<h1>aclaude bench</h1>
<p>{html.escape(result.endpoint)}, model {html.escape(result.settings.model)},
started {html.escape(result.started_at)}
{"<strong>(interrupted: results so far)</strong>" if result.interrupted else ""}</p>
<h2>Summary</h2>
<pre id="summary">{html.escape(format_table(result))}</pre>
{"".join(parts)}
<h2>Settings</h2>
<pre id="settings">{html.escape(settings)}</pre>
</body></html>
"""


def write_html(result: BenchResult, path: str | Path) -> None:
    """Write the report page to ``path``."""
    text = render_html(result)
    try:
        Path(path).write_text(text, encoding="utf-8")
    except OSError as exc:
        raise BenchError(f"cannot write {str(path)!r}: {exc.strerror or exc}") from None
