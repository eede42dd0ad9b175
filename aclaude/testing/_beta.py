"""The ``anthropic-beta`` header, checked as the API does.

A value that cannot be a beta name (spaces, quotes, brackets: a Python list's repr, names
joined with "; ") is answered with the API's 400 ("Unexpected value(s) ... for the
anthropic-beta header"), so a client that builds the header wrong finds out in its tests. With
``strict=True`` (``server.resources.strict_betas``) only real-looking names pass:
``<feature>-<YYYY-MM-DD>``, as the API accepts only betas it knows. Request fields that only
exist behind a beta are refused without it, naming the beta to send.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

__all__ = ["BETA_FIELDS", "beta_problem", "betas_of"]

_BETA_NAME = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*-\d{4}-\d{2}-\d{2}$")
_TOKEN = re.compile(r"^[A-Za-z0-9._-]+$")

#: Messages request fields that need a beta, with the prefix of the beta that enables them and
#: an example of its full name.
BETA_FIELDS: dict[str, tuple[str, str]] = {
    "mcp_servers": ("mcp-client-", "mcp-client-2025-11-20"),
    "context_management": ("context-management-", "context-management-2025-06-27"),
    "thread": ("message-threads-", "message-threads-2026-08-12"),
}


def betas_of(headers: Mapping[str, str]) -> list[str]:
    """The betas named by the request's ``anthropic-beta`` header(s)."""
    values = headers.getall("anthropic-beta", []) if hasattr(headers, "getall") else []
    if not values and headers.get("anthropic-beta"):
        values = [headers["anthropic-beta"]]
    return [name.strip() for value in values for name in value.split(",") if name.strip()]


def beta_problem(
    headers: Mapping[str, str], body: Any, *, messages: bool, strict: bool = False
) -> str | None:
    """Why the request's betas are not acceptable (None if they are)."""
    betas = betas_of(headers)
    name = _BETA_NAME if strict else _TOKEN
    bad = [b for b in betas if not name.match(b)]
    if bad:
        listed = ", ".join(f"`{b}`" for b in bad)
        return (
            f"Unexpected value(s) {listed} for the `anthropic-beta` header. Please consult our "
            "documentation at docs.anthropic.com or try again without the header."
        )
    if messages and isinstance(body, Mapping):
        for field, (prefix, example) in BETA_FIELDS.items():
            if field in body and not any(b.startswith(prefix) for b in betas):
                return f"{field}: Extra inputs are not permitted (send the anthropic-beta header '{example}')"
    return None
