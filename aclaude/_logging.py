"""Logging: the stdlib ``logging`` module, logger ``"aclaude"``.

The level comes from the client's ``log_level`` option, else from ``ANTHROPIC_LOG`` (``debug``,
``info``, ``warn``/``warning``, ``error``, ``off``), and is the client's own: two clients may log
at different levels (see ``configure_logger``). When one is set and nobody configured a handler,
a stderr handler is added. At debug a client logs each request's headers and body and each
response's headers. Secrets never reach a log line: headers are only ever logged
through ``redact_headers``, which masks ``x-api-key``, ``authorization`` and anything that looks
like a key or token.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import msgspec

__all__ = ["configure_logger", "describe_body", "logger", "redact_headers", "redact_url"]

#: A logged request body is cut after this many characters.
MAX_LOGGED_BODY = 10_000

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
    """The logger one client uses.

    Without a level (neither ``log_level`` nor ``ANTHROPIC_LOG``): ``custom``, or ``"aclaude"``,
    as configured by the application. With a level: a logger of this client's own that filters
    by that level and hands its records to ``custom``'s (or ``"aclaude"``'s) handlers. The
    shared logger's level is never changed, so one client asking for ``"error"`` does not
    silence another that asked for ``"debug"``.
    """
    base = custom if custom is not None else logger
    name = (log_level or os.environ.get("ANTHROPIC_LOG") or "").strip().lower()
    level = _LEVELS.get(name)
    if level is None:
        return base
    if custom is None and not logger.handlers and not logging.getLogger().handlers and name != "off":
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter("[%(asctime)s %(name)s %(levelname)s] %(message)s"))
        logger.addHandler(handler)
    return _client_logger(base, level)


def _client_logger(base: logging.Logger, level: int) -> logging.Logger:
    """A logger named like ``base`` with its own level, emitting through ``base``'s handlers
    (then its parents', as ``base`` propagates). Not registered with ``logging.getLogger``: it
    goes away with its client."""
    own = logging.Logger(base.name, level)
    own.parent = base
    own.propagate = True
    own.filters = base.filters  # the same list: base's filters apply to this client's records
    return own


def describe_body(body: Any, content: object = None) -> str:
    """A request body for a debug log line: the JSON (cut after ``MAX_LOGGED_BODY`` characters),
    or the size of a raw body, or that it is streamed (an upload, never read for a log)."""
    if body is not None:
        try:
            text = msgspec.json.encode(body).decode("utf-8", "replace")
        except (TypeError, msgspec.EncodeError):
            return f"<{type(body).__name__}>"
        if len(text) > MAX_LOGGED_BODY:
            return f"{text[:MAX_LOGGED_BODY]}... ({len(text)} characters)"
        return text
    if isinstance(content, (bytes, bytearray, memoryview)):
        return f"<{len(content)} bytes>"
    return "<streamed>" if content is not None else "<none>"


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
