"""The legacy Text Completions request body (``POST /v1/complete``); type information only."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, TypedDict

if TYPE_CHECKING:
    from typing_extensions import Required

    from ._messages import MetadataParam

__all__ = ["CompletionCreateParams"]


class CompletionCreateParams(TypedDict, total=False):
    max_tokens_to_sample: Required[int]
    model: Required[str]
    prompt: Required[str]
    metadata: MetadataParam
    stop_sequences: Sequence[str]
    temperature: float
    top_k: int
    top_p: float
