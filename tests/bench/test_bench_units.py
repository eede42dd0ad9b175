"""The pure parts of ``aclaude bench``: SLO specs, prompts files, percentiles, summaries."""

from __future__ import annotations

import io
import math
from pathlib import Path

import pytest

from aclaude.bench import PromptError, RequestRecord, load_jsonl, parse_slo, percentile, synthetic
from aclaude.bench._run import split
from aclaude.bench._runner import LevelPlan
from aclaude.bench._stats import is_good, summarize


def test_slo_spec_is_parsed_in_seconds() -> None:
    assert parse_slo("ttft=500ms,tpot=50ms") == {"ttft": 0.5, "tpot": 0.05}
    assert parse_slo("e2e=2s, itl=30") == {"e2e": 2.0, "itl": 0.03}  # a bare number is ms (vLLM)


@pytest.mark.parametrize(
    ("spec", "reason"),
    [
        ("ttft", "expected metric=duration"),
        ("speed=5ms", "metric must be one of"),
        ("ttft=fast", "not a duration"),
        ("ttft=-5ms", "positive"),
        ("ttft=1ms,ttft=2ms", "given twice"),
        ("", "empty"),
    ],
)
def test_bad_slo_spec_is_one_clear_line(spec: str, reason: str) -> None:
    with pytest.raises(ValueError, match=reason) as caught:
        parse_slo(spec)
    assert "\n" not in str(caught.value)


def test_jsonl_prompts_are_read_with_optional_fields(tmp_path: Path) -> None:
    path = tmp_path / "prompts.jsonl"
    path.write_text(
        '{"messages": [{"role": "user", "content": "hi"}], "max_tokens": 5}\n'
        "\n"
        '{"messages": [{"role": "user", "content": "hey"}], "max_tokens": 7, "system": "be brief",'
        ' "tools": [{"name": "t", "input_schema": {"type": "object"}}]}\n'
    )
    first, second = load_jsonl(path)
    assert first.params() == {"messages": [{"role": "user", "content": "hi"}], "max_tokens": 5}
    assert second.params()["system"] == "be brief" and second.params()["tools"][0]["name"] == "t"


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        ('{"messages": [], "max_tokens": 5}\n', ":1: needs non-empty messages"),
        ('{"max_tokens": 5}\n', ":1: Object missing required field `messages`"),
        ('{"messages": [{"role": "user", "content": "x"}], "max_tokens": 5}\nnot json\n', ":2: not JSON"),
        ("\n\n", "has no requests"),
    ],
)
def test_bad_prompts_file_names_file_and_line(tmp_path: Path, content: str, reason: str) -> None:
    path = tmp_path / "bad.jsonl"
    path.write_text(content)
    with pytest.raises(PromptError, match=reason):
        load_jsonl(path)


def test_missing_prompts_file_is_a_prompt_error(tmp_path: Path) -> None:
    with pytest.raises(PromptError, match="cannot read prompts file"):
        load_jsonl(tmp_path / "nowhere.jsonl")


def test_synthetic_prompts_aim_at_the_token_targets() -> None:
    specs = synthetic(3, input_tokens=100, output_tokens=42, seed=1)
    assert len({spec.messages[0]["content"] for spec in specs}) == 3
    for spec in specs:
        assert spec.max_tokens == 42
        assert 400 <= len(spec.messages[0]["content"]) < 420  # about four characters a token


def test_percentile_interpolates_like_numpy() -> None:
    values = [1.0, 2.0, 3.0, 4.0]
    # numpy.percentile([1, 2, 3, 4], [50, 90, 99]) == [2.5, 3.7, 3.97]
    assert percentile(values, 50) == 2.5
    assert percentile(values, 90) == pytest.approx(3.7)
    assert percentile(values, 99) == pytest.approx(3.97)
    assert percentile([5.0], 99) == 5.0


def _record(
    i: int, ttft: float, tpot: float | None, error: str | None = None, status: int | None = None
) -> RequestRecord:
    return RequestRecord(
        level=8,
        index=i,
        start=float(i),
        end=float(i) + 1.0,
        ttft=ttft,
        tpot=tpot,
        e2e=1.0,
        itl=[0.01, 0.03],
        itl_max=0.03,
        output_tokens=10,
        input_tokens=5,
        error=error,
        status=status,
    )


def test_summary_counts_goodput_errors_and_429s() -> None:
    records = [
        _record(0, 0.1, 0.02),
        _record(1, 0.6, 0.02),  # TTFT over the SLO
        _record(2, 0.2, None),  # one token: TPOT SLO counts as met (vLLM)
        _record(3, 0.0, None, error="RateLimitError", status=429),
    ]
    slo = {"ttft": 0.5, "tpot": 0.05}
    assert [is_good(r, slo) for r in records] == [True, False, True, False]
    summary = summarize(records, mode="concurrency", level=8, slo=slo, cpu_seconds=0.5, events=100)
    assert summary.requests == 4 and summary.completed == 3 and summary.failed == 1
    assert summary.duration == 4.0
    assert summary.good_requests == 2 and summary.goodput == 0.5
    assert summary.errors_by_type == {"RateLimitError": 1} and summary.rate_limited == 1
    assert summary.output_throughput == 30 / 4.0 and summary.total_token_throughput == 45 / 4.0
    assert summary.ttft.count == 3 and summary.ttft.max == pytest.approx(600.0)
    assert summary.itl.count == 6 and summary.itl.mean == pytest.approx(20.0)
    assert summary.client_cpu_us_per_event == pytest.approx(5000.0)


def test_a_level_is_shared_out_between_processes() -> None:
    plan = LevelPlan(mode="concurrency", level=10, concurrency=10, requests=7, warmup=3)
    parts = split(plan, 3)
    assert [p.concurrency for p in parts] == [4, 3, 3]
    assert [p.requests for p in parts] == [3, 2, 2]
    assert [p.warmup for p in parts] == [1, 1, 1]
    assert [p.process for p in parts] == [0, 1, 2]
    rate = split(LevelPlan(mode="rate", level=9, rate=9.0, requests=2), 3)
    assert [p.rate for p in rate] == [3.0, 3.0]  # the third process would send nothing
    assert split(LevelPlan(mode="rate", level=math.inf, requests=1), 2)[0].rate == math.inf


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_rich_progress_and_table_on_a_terminal() -> None:
    from aclaude.bench import BenchResult, BenchSettings, print_table
    from aclaude.bench._progress import PlainProgress, make_progress

    out = _Terminal()
    progress = make_progress(out)
    assert not isinstance(progress, PlainProgress)  # rich, from the bench extra
    progress.start_level("concurrency=2", 3)
    for ok in (True, False, True):
        progress.advance(ok)
    progress.end_level()
    progress.close()
    assert "concurrency=2" in out.getvalue() and "1 failed" in out.getvalue()
    assert isinstance(make_progress(io.StringIO()), PlainProgress)  # not a terminal
    records = [_record(0, 0.1, 0.02), _record(1, 0.2, 0.03)]
    result = BenchResult(
        settings=BenchSettings(),
        endpoint="embedded fake API",
        started_at="now",
        levels=[summarize(records, mode="concurrency", level=8)],
        requests=records,
    )
    table = _Terminal()
    print_table(result, table)
    text = table.getvalue()
    assert "concurrency 8" in text and "TTFT" in text and "150.0" in text  # the TTFT mean, ms
