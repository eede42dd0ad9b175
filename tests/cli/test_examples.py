"""Every example runs as it is, against the embedded fake API, and exits 0.

Discovered by glob: every ``examples/**/*.py`` that defines ``main`` is run as a script in its own
process, with no ``ANTHROPIC_*`` variable set (so examples pick the fake API), from a scratch
directory, with a time limit. An example that needs arguments to terminate (a server, say)
names them in a comment line of its own::

    # example-test-args: --self-test
"""

from __future__ import annotations

import ast
import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
TIMEOUT = 120.0
_MAIN = re.compile(r"^(async\s+)?def\s+main\s*\(", re.MULTILINE)
_ARGS = re.compile(r"^#\s*example-test-args:(.*)$", re.MULTILINE)


def _examples() -> list[Path]:
    return sorted(p for p in EXAMPLES.rglob("*.py") if _MAIN.search(p.read_text(encoding="utf-8")))


def _test_args(path: Path) -> list[str]:
    found = _ARGS.search(path.read_text(encoding="utf-8"))
    return shlex.split(found.group(1)) if found else []


def test_examples_are_found() -> None:
    names = {p.relative_to(EXAMPLES).as_posix() for p in _examples()}
    assert {"quickstart.py", "callbacks.py", "concurrent_1000.py", "relay/app.py"} <= names


@pytest.mark.parametrize("path", _examples(), ids=lambda p: p.relative_to(EXAMPLES).as_posix())
def test_example_runs(path: Path, tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ANTHROPIC_")}
    env["PYTHONUNBUFFERED"] = "1"
    try:
        result = subprocess.run(
            [sys.executable, str(path), *_test_args(path)],
            cwd=tmp_path,
            env=env,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=TIMEOUT,
        )
    except subprocess.TimeoutExpired as exc:
        pytest.fail(f"{path.name} did not finish within {TIMEOUT} s; output so far: {exc.stdout!r}")
    output = f"--- stdout\n{result.stdout[-3000:]}\n--- stderr\n{result.stderr[-3000:]}"
    assert result.returncode == 0, output
    assert result.stdout.strip(), f"{path.name} printed nothing\n{output}"
    assert "Traceback" not in result.stderr, output
    # Run with no key, every example uses the fake API and says so, in one line.
    said = [line for line in (result.stdout + result.stderr).splitlines() if "embedded fake API" in line]
    assert len(said) == 1, output


@pytest.mark.parametrize("path", _examples(), ids=lambda p: p.relative_to(EXAMPLES).as_posix())
def test_example_docstring_says_when_it_uses_the_fake_api(path: Path) -> None:
    doc = ast.get_docstring(ast.parse(path.read_text(encoding="utf-8"))) or ""
    assert "fake API" in doc, f"{path.name}: its docstring must say when it uses the fake API"
