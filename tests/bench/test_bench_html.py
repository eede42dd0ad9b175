"""The HTML report, rendered by headless Chromium: its three plots must have drawn."""

from __future__ import annotations

import asyncio
import io
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from _chromium import Browser, chromium_path, launch_chromium

from aclaude.bench import BenchSettings, run_benchmark, write_html
from aclaude.bench._progress import PlainProgress

CHROMIUM = chromium_path()
pytestmark = pytest.mark.skipif(
    CHROMIUM is None, reason="chromium is not installed (apt-get install chromium); .ci/run installs it"
)


@pytest.fixture
async def browser(tmp_path: Path) -> AsyncIterator[Browser]:
    assert CHROMIUM is not None
    async with launch_chromium(CHROMIUM, tmp_path) as browser:
        yield browser


async def test_report_plots_draw_in_chromium(browser: Browser, tmp_path: Path) -> None:
    settings = BenchSettings(
        requests=4, concurrency=[1, 2], output_tokens=5, input_tokens=10, pacing="ttft=10ms,itl=2ms"
    )
    async with asyncio.timeout(60):
        result = await run_benchmark(settings, PlainProgress(io.StringIO()))
    path = tmp_path / "report.html"
    write_html(result, path)

    page = await browser.new_page()
    await page.goto(path.as_uri(), timeout=30)
    # Plotly draws each figure into SVG: wait until all three have their plot area.
    await page.wait_for("document.querySelectorAll('.js-plotly-plot .main-svg').length >= 3", timeout=30)
    # Histograms: a bar path per bin for each level of each of the four latency metrics.
    bars = await page.evaluate("document.querySelectorAll('#latency g.trace.bars path').length")
    assert bars > 8
    # Against the level: markers and lines for TTFT p50/p99, output tokens/s and requests/s.
    points = await page.evaluate("document.querySelectorAll('#levels g.trace.scatter path.point').length")
    assert points == 4 * 2
    line = await page.evaluate(
        "document.querySelector('#over-time g.trace.scatter path.js-line').getAttribute('d')"
    )
    assert line and line.count("L") > 3  # a polyline with several points
    assert "concurrency 2" in await page.evaluate("document.getElementById('summary').textContent")
