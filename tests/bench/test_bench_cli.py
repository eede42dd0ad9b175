"""``aclaude bench`` on the command line: a short run, its files, one-line errors, Ctrl-C."""

from __future__ import annotations

import io
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from aclaude._cli import main as cli_main
from aclaude._cli.bench import main

FAST = ["--pacing", "ttft=10ms,itl=1ms", "--output-tokens", "4", "--input-tokens", "10", "--plain"]


def run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    status = main(list(argv), out=out, err=err)
    return status, out.getvalue(), err.getvalue()


def test_short_run_prints_the_table_and_writes_json(tmp_path: Path) -> None:
    path = tmp_path / "result.json"
    status, out, err = run(
        "-n", "3", "-c", "1,2", *FAST, "--slo", "ttft=2s", "--json", str(path), "--detailed"
    )
    assert status == 0, err
    assert "== concurrency 1 ==" in out and "== concurrency 2 ==" in out
    for label in ("TTFT", "TPOT", "ITL", "E2E"):
        assert label in out
    assert "goodput" in out and "client CPU" in out
    result = json.loads(path.read_text())
    assert result["schema"] == "aclaude-bench/1"
    assert result["settings"]["concurrency"] == [1, 2] and result["settings"]["slo"] == {"ttft": 2.0}
    assert [level["completed"] for level in result["levels"]] == [3, 3]
    assert len(result["requests"]) == 6
    assert all(len(r["itl"]) == 3 for r in result["requests"])  # --detailed: 4 tokens, 3 gaps
    assert set(result["levels"][0]["ttft"]) == {"count", "mean", "p50", "p90", "p95", "p99", "max"}


def test_the_aclaude_command_dispatches_bench(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli_main(["bench", "-n", "1", *FAST]) == 0
    assert "== concurrency 8 ==" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--slo", "ttft=soon"], "aclaude bench: bad SLO 'ttft=soon': 'soon' is not a duration"),
        (["--prompts", "/nonexistent/prompts.jsonl"], "aclaude bench: cannot read prompts file"),
        (["--pacing", "ttft=x"], "aclaude bench: could not convert string to float"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(argv: list[str], message: str) -> None:
    status, out, err = run(*argv, "-n", "1", "--plain")
    assert status == 2
    assert err.startswith(message) and err.count("\n") == 1, err
    assert "Traceback" not in err and out == ""


def test_unreachable_endpoint_is_one_line_and_exit_4() -> None:
    status, _, err = run("--base-url", "http://127.0.0.1:9", "-n", "1", "--plain")  # discard port
    assert status == 4
    assert err.startswith("aclaude bench: cannot reach http://127.0.0.1:9: ") and err.count("\n") == 1, err


def test_ctrl_c_writes_the_results_so_far(tmp_path: Path) -> None:
    path = tmp_path / "partial.json"
    env = {k: v for k, v in os.environ.items() if not k.startswith("ANTHROPIC_")}
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "aclaude",
            "bench",
            "--duration",
            "60",
            "-c",
            "2",
            *FAST,
            "--pacing",
            "ttft=5ms,itl=20ms",
            "--json",
            str(path),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    try:
        assert process.stderr is not None
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:  # wait for the first progress line: load is running
            line = process.stderr.readline()
            if "done" in line and not line.startswith("concurrency=2: 0/"):
                break
        process.send_signal(signal.SIGINT)
        out, err = process.communicate(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()
    assert process.returncode == 130, err
    assert "INTERRUPTED" in out
    result = json.loads(path.read_text())
    assert result["interrupted"] is True and len(result["requests"]) >= 1


def test_aclaude_help_lists_bench(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as info:
        cli_main(["--help"])
    assert info.value.code == 0
    listed = capsys.readouterr().out
    assert "bench" in listed and "aclaude bench --help" in " ".join(listed.split())
