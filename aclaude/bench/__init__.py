"""``aclaude bench``: load an Anthropic Messages endpoint and measure what a user feels.

Closed loop at one or more concurrencies or open loop at one or more request rates, against any
Messages endpoint (``--base-url``, key from the environment) or the embedded fake API with
realistic pacing. Per request: TTFT, TPOT, ITL and end-to-end latency from the stream's own
``StreamTimings`` (stamped when the bytes are read); per level: percentiles, throughput,
goodput under SLOs, errors by type, 429s and the client's own CPU per event. Results as a table,
JSON (schema in docs/bench.md) and an HTML report (the ``bench`` extra: rich, plotly).

Above the client: it only uses ``aclaude.Client`` and the stream timings.
"""

from __future__ import annotations

from ._html import render_html, write_html
from ._prompts import PromptError, RequestSpec, load_jsonl, synthetic
from ._records import RequestRecord
from ._result import read_json, write_json
from ._run import BenchError, BenchResult, run_benchmark
from ._settings import DEFAULT_PACING, BenchSettings
from ._slo import parse_slo
from ._stats import Distribution, LevelSummary, percentile
from ._table import format_table, print_table

__all__ = [
    "DEFAULT_PACING",
    "BenchError",
    "BenchResult",
    "BenchSettings",
    "Distribution",
    "LevelSummary",
    "PromptError",
    "RequestRecord",
    "RequestSpec",
    "format_table",
    "load_jsonl",
    "parse_slo",
    "percentile",
    "print_table",
    "read_json",
    "render_html",
    "run_benchmark",
    "synthetic",
    "write_html",
    "write_json",
]
