"""``aclaude bench --loop``: uvloop when installed (``auto``), the stdlib loop on request, and the
result says which loop ran (also in each ``--processes`` worker)."""

from __future__ import annotations

import importlib.util
import io
import json
from pathlib import Path
from typing import Any

import pytest

from aclaude._cli.bench import main
from aclaude.bench._loop import resolve_loop

FAST = ["-n", "2", "-c", "1", "--pacing", "ttft=5ms,itl=1ms", "--output-tokens", "3", "--plain"]


def _run(tmp_path: Path, *argv: str) -> tuple[int, str, dict[str, Any]]:
    path = tmp_path / "result.json"
    out, err = io.StringIO(), io.StringIO()
    status = main([*FAST, "--json", str(path), *argv], out=out, err=err)
    assert status == 0, err.getvalue()
    return status, out.getvalue(), json.loads(path.read_text())


@pytest.fixture
def without_uvloop(monkeypatch: pytest.MonkeyPatch) -> None:
    find_spec = importlib.util.find_spec

    def hidden(name: str, *args: Any) -> Any:
        return None if name == "uvloop" else find_spec(name, *args)

    monkeypatch.setattr(importlib.util, "find_spec", hidden)


def test_auto_is_uvloop_when_installed() -> None:
    pytest.importorskip("uvloop")  # a dev dependency: installed wherever the suite runs
    assert resolve_loop("auto") == "uvloop"
    assert resolve_loop("asyncio") == "asyncio"


@pytest.mark.usefixtures("without_uvloop")
def test_without_uvloop_auto_falls_back_and_uvloop_is_a_usage_error() -> None:
    assert resolve_loop("auto") == "asyncio"
    with pytest.raises(ValueError, match=r"uvloop is not installed \(pip install 'aclaude\[uvloop\]'\)"):
        resolve_loop("uvloop")
    out, err = io.StringIO(), io.StringIO()
    assert main([*FAST, "--loop", "uvloop"], out=out, err=err) == 2
    assert err.getvalue().startswith("aclaude bench: --loop uvloop: uvloop is not installed")


def test_the_result_names_the_loop_that_ran(tmp_path: Path) -> None:
    pytest.importorskip("uvloop")
    _status, out, result = _run(tmp_path, "--loop", "uvloop")
    assert result["settings"]["loop"] == "uvloop"
    assert out.startswith("aclaude bench: embedded fake API, model claude-sonnet-4-5, uvloop loop\n")
    _status, out, result = _run(tmp_path, "--loop", "asyncio")
    assert result["settings"]["loop"] == "asyncio" and "asyncio loop" in out.splitlines()[0]


def test_worker_processes_run_the_same_loop(tmp_path: Path) -> None:
    pytest.importorskip("uvloop")
    _status, _out, result = _run(tmp_path, "--loop", "uvloop", "--processes", "2", "-c", "2")
    assert result["settings"]["loop"] == "uvloop"
    # Each worker's level says which loop it ran; a run whose workers differ from the one the
    # result names fails (BenchError), so a passing run ran uvloop everywhere.
    assert {level["processes"] for level in result["levels"]} == {2}
