"""The ``aclaude`` command line (``python -m aclaude``)."""

from __future__ import annotations

from .chat import main

__all__ = ["main"]
