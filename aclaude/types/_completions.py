"""Typed model of the legacy Text Completions API (``client.completions``).

One struct serves both the final result and every stream event: the API streams ``completion``
events that are themselves partial ``Completion`` objects (a piece of text each; the last one
carries the ``stop_reason``).
"""

from __future__ import annotations

import msgspec

from ._request_id import WithRequestId

__all__ = ["Completion"]


class Completion(msgspec.Struct, WithRequestId, kw_only=True, omit_defaults=True, dict=True):
    """A text completion (or, in a stream, one piece of it)."""

    id: str
    type: str
    completion: str
    model: str
    stop_reason: str | None = None
    stop: str | None = None
