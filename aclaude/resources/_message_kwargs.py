"""The keyword arguments of the Messages methods: a request body TypedDict (``types.params``)
plus the parameters sent as headers and the per-call ``RequestOptions``."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Literal, TypedDict

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
    "BetaToolRunnerOptions",
    "HeaderParams",
    "MessageCountTokensKwargs",
    "MessageCreateKwargs",
    "ToolRunnerKwargs",
    "ToolRunnerOptions",
]


class HeaderParams(TypedDict, total=False):
    """Sent as the ``anthropic-workspace-id`` and ``anthropic-user-profile-id`` headers."""

    workspace_id: str
    user_profile_id: str


class BetaHeaderParams(HeaderParams, total=False):
    """Also ``betas``, sent as the ``anthropic-beta`` header."""

    betas: Sequence[str]


class ToolRunnerOptions(TypedDict, total=False):
    """What the tool runner itself takes (never sent): ``max_iterations``, ``tool_timeout``
    (seconds per call for tools without their own ``timeout``), ``run_tools_eagerly`` (with
    ``stream=True``: start each tool as soon as its call is complete) and ``output_format``
    (as in ``parse()``)."""

    max_iterations: int | None
    tool_timeout: float | None
    run_tools_eagerly: bool
    output_format: Any


class BetaToolRunnerOptions(ToolRunnerOptions, total=False):
    """``thread``: ``False`` or ``None`` only (what each means: ``BetaMessages.tool_runner``)."""

    thread: Literal[False] | None


class MessageCreateKwargs(MessageCreateParamsNonStreaming, HeaderParams, RequestOptions, total=False):
    """``messages.create()`` / ``stream()`` / ``parse()``."""


class ToolRunnerKwargs(MessageCreateParamsBase, ToolRunnerOptions, HeaderParams, RequestOptions, total=False):
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
    MessageCreateParamsBase, BetaParams, BetaToolRunnerOptions, BetaHeaderParams, RequestOptions, total=False
):
    """``beta.messages.tool_runner()``."""


class BetaMessageCountTokensKwargs(
    BetaMessageCountTokensParams, BetaHeaderParams, RequestOptions, total=False
):
    """``beta.messages.count_tokens()``."""
