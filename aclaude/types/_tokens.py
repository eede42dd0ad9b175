"""Typed model of ``messages.count_tokens()``."""

from __future__ import annotations

import msgspec

from ._request_id import WithRequestId

__all__ = ["MessageTokensCount"]


class MessageTokensCount(
    msgspec.Struct, WithRequestId, kw_only=True, omit_defaults=True, dict=True, forbid_unknown_fields=True
):
    """Input tokens the request would use (messages, system prompt and tools)."""

    input_tokens: int
