"""Typed model of ``messages.count_tokens()``."""

from __future__ import annotations

import msgspec

__all__ = ["MessageTokensCount"]


class MessageTokensCount(msgspec.Struct, kw_only=True, omit_defaults=True, forbid_unknown_fields=True):
    """Input tokens the request would use (messages, system prompt and tools)."""

    input_tokens: int
