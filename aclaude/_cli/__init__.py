"""The ``aclaude`` command line (``python -m aclaude``)."""

from __future__ import annotations

import sys
from collections.abc import Sequence

from .chat import main as _chat_main

__all__ = ["main"]


def main(argv: Sequence[str] | None = None) -> int:
    """``aclaude bench ...`` (aclaude/_cli/bench.py), else the chat command line."""
    args = list(sys.argv[1:] if argv is None else argv)
    if args[:1] == ["bench"]:
        from .bench import main as bench_main

        return bench_main(args[1:])
    return _chat_main(args)
