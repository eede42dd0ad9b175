"""The keyword arguments of the Messages methods: a request body TypedDict (``types.params``)
plus the parameters sent as headers and the per-call ``RequestOptions``."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TypedDict

from ..types.params import (
    BetaMessageCountTokensParams,
    BetaParams,
    BetaThreadParams,
    MessageCountTokensParams,
    MessageCreateParamsBase,
    MessageCreateParamsNonStreaming,
)
from ._options import RequestOptions

__all__ = [
    "BetaHeaderParams",
    "BetaMessageCountTokensKwargs",
    "BetaMessageCreateKwargs",
    "BetaToolRunnerKwargs",
    "HeaderParams",
    "MessageCountTokensKwargs",
    "MessageCreateKwargs",
    "ToolRunnerKwargs",
]


class HeaderParams(TypedDict, total=False):
    """Sent as the ``anthropic-workspace-id`` and ``anthropic-user-profile-id`` headers."""

    workspace_id: str
    user_profile_id: str


class BetaHeaderParams(HeaderParams, total=False):
    """Also ``betas``, sent as the ``anthropic-beta`` header."""

    betas: Sequence[str]


class MessageCreateKwargs(MessageCreateParamsNonStreaming, HeaderParams, RequestOptions, total=False):
    """``messages.create()`` / ``stream()`` / ``parse()``."""


class ToolRunnerKwargs(MessageCreateParamsBase, HeaderParams, RequestOptions, total=False):
    """``messages.tool_runner()`` (which takes ``tools`` of its own)."""


class MessageCountTokensKwargs(MessageCountTokensParams, HeaderParams, RequestOptions, total=False):
    """``messages.count_tokens()``."""


class BetaMessageCreateKwargs(
    MessageCreateParamsNonStreaming,
    BetaParams,
    BetaThreadParams,
    BetaHeaderParams,
    RequestOptions,
    total=False,
):
    """``beta.messages.create()`` / ``stream()`` / ``parse()``."""


class BetaToolRunnerKwargs(
    MessageCreateParamsBase, BetaParams, BetaHeaderParams, RequestOptions, total=False
):
    """``beta.messages.tool_runner()``."""


class BetaMessageCountTokensKwargs(
    BetaMessageCountTokensParams, BetaHeaderParams, RequestOptions, total=False
):
    """``beta.messages.count_tokens()``."""
