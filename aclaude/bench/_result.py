"""Writing and reading the JSON result (schema ``aclaude-bench/1``, see docs/bench.md)."""

from __future__ import annotations

from pathlib import Path

import msgspec

from ._run import BenchError, BenchResult

__all__ = ["read_json", "write_json"]


def write_json(result: BenchResult, path: str | Path, *, detailed: bool = False) -> None:
    """Write the result; each request's inter-token gaps (``itl``) only when ``detailed``."""
    if not detailed:
        result = msgspec.structs.replace(
            result, requests=[msgspec.structs.replace(r, itl=None) for r in result.requests]
        )
    try:
        Path(path).write_bytes(msgspec.json.format(msgspec.json.encode(result), indent=1))
    except OSError as exc:
        raise BenchError(f"cannot write {str(path)!r}: {exc.strerror or exc}") from None


def read_json(path: str | Path) -> BenchResult:
    """A result written by ``write_json`` (for reports and comparisons)."""
    return msgspec.json.decode(Path(path).read_bytes(), type=BenchResult)
