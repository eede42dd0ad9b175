"""Logging: the stdlib ``logging`` module, logger ``"aclaude"``.

The level comes from the client's ``log_level`` option, else from ``ANTHROPIC_LOG`` (``debug``,
``info``, ``warn``/``warning``, ``error``, ``off``); when either is set and nobody configured a
handler, a stderr handler is added. Secrets never reach a log line: headers are only ever logged
through ``redact_headers``, which masks ``x-api-key``, ``authorization`` and anything that looks
like a key or token.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping
from urllib.parse import urlsplit, urlunsplit

__all__ = ["configure_logger", "logger", "redact_headers", "redact_url"]

logger = logging.getLogger("aclaude")

_LEVELS = {
    "debug": logging.DEBUG,
    "info": logging.INFO,
    "warn": logging.WARNING,
    "warning": logging.WARNING,
    "error": logging.ERROR,
    "off": logging.CRITICAL + 10,
}
_SECRET_HEADERS = frozenset({"x-api-key", "authorization", "proxy-authorization", "cookie"})


def configure_logger(
    log_level: str | None = None, custom: logging.Logger | None = None
) -> logging.Logger:
    """The logger a client uses: ``custom`` as given, or ``"aclaude"`` set up from the level."""
    if custom is not None:
        return custom
    name = (log_level or os.environ.get("ANTHROPIC_LOG") or "").strip().lower()
    level = _LEVELS.get(name)
    if level is not None:
        logger.setLevel(level)
        if not logger.handlers and not logging.getLogger().handlers and name != "off":
            handler = logging.StreamHandler()
            handler.setFormatter(logging.Formatter("[%(asctime)s %(name)s %(levelname)s] %(message)s"))
            logger.addHandler(handler)
    return logger


def redact_headers(headers: Mapping[str, str]) -> dict[str, str]:
    """A copy of ``headers`` safe to log."""
    safe: dict[str, str] = {}
    for key, value in headers.items():
        lower = key.lower()
        if lower in _SECRET_HEADERS or "key" in lower or "token" in lower or "secret" in lower:
            safe[key] = "***"
        else:
            safe[key] = value
    return safe


def redact_url(url: object) -> str:
    """``url`` as text with any ``user:password@`` replaced by ``***@`` (a proxy or gateway
    URL may carry credentials; they must not reach a repr, a message or a log)."""
    text = str(url)
    try:
        parts = urlsplit(text)
    except ValueError:
        return "(unparseable URL)" if "@" in text else text
    if "@" not in parts.netloc:
        return text
    return urlunsplit(parts._replace(netloc="***@" + parts.netloc.rpartition("@")[2]))
