"""Content block specs for scripted replies, and the stream events each one turns into.

A block spec is an immutable description ("a tool_use block calling get_weather with this
input, streamed in 8-character pieces"); ``events(index)`` expands it to the
``content_block_start`` / ``content_block_delta``... / ``content_block_stop`` dicts the API
would send for that block at that position. Ids that the API makes up (``toolu_…``) are drawn
per expansion, so one spec enqueued twice yields two distinct ids, as the real API would.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TypeAlias

from ._ids import new_id
from ._sse_render import encode_json

__all__ = [
    "Block",
    "CustomBlock",
    "DEFAULT_SIGNATURE",
    "RedactedThinkingBlock",
    "TextBlock",
    "ThinkingBlock",
    "ToolUseBlock",
    "split_text",
]

# Opaque like the real one (base64 of a signed payload); clients must pass it through untouched.
DEFAULT_SIGNATURE = "EqQBCkgIBxABGAIiQGZha2Utc2lnbmF0dXJlLW5vdC12ZXJpZmllZC1ieS1hbnl0aGluZw=="

# Default piece size for tool input JSON: compact JSON has no spaces to split words on.
_DEFAULT_JSON_CHUNK = 12

# A word with the whitespace before it, like the API's tokens ("Hello", " world"); the second
# alternative only ever matches trailing whitespace, so the pieces always join back to the text.
_WORDISH = re.compile(r"\s*\S+|\s+")


def split_text(text: str, chunk_chars: int | None) -> list[str]:
    """Split ``text`` into delta pieces: word-ish pieces for ``None``, else ``chunk_chars`` chars."""
    if chunk_chars is None:
        return _WORDISH.findall(text)
    if chunk_chars < 1:
        raise ValueError(f"chunk_chars must be >= 1, got {chunk_chars}")
    return [text[i : i + chunk_chars] for i in range(0, len(text), chunk_chars)]


def _delta(index: int, delta: Mapping[str, Any]) -> dict[str, Any]:
    return {"type": "content_block_delta", "index": index, "delta": delta}


def _framed(
    index: int, start: Mapping[str, Any], deltas: Sequence[Mapping[str, Any]]
) -> list[dict[str, Any]]:
    events: list[dict[str, Any]] = [{"type": "content_block_start", "index": index, "content_block": start}]
    events.extend(_delta(index, d) for d in deltas)
    events.append({"type": "content_block_stop", "index": index})
    return events


@dataclass(frozen=True)
class TextBlock:
    """A text block; with ``citations`` its start carries ``"citations": []`` and each citation
    dict (e.g. ``{"type": "char_location", "cited_text": ..., "document_index": 0, ...}``) is
    sent as a ``citations_delta`` before the text deltas."""

    text: str
    chunk_chars: int | None = None
    citations: Sequence[Mapping[str, Any]] = ()

    def events(self, index: int) -> list[dict[str, Any]]:
        start: dict[str, Any] = {"type": "text", "text": ""}
        deltas: list[Mapping[str, Any]] = []
        if self.citations:
            start["citations"] = []
            deltas.extend({"type": "citations_delta", "citation": dict(c)} for c in self.citations)
        deltas.extend(
            {"type": "text_delta", "text": piece} for piece in split_text(self.text, self.chunk_chars)
        )
        return _framed(index, start, deltas)


@dataclass(frozen=True)
class ToolUseBlock:
    """A client tool call: ``input`` is streamed as ``input_json_delta`` pieces of its compact JSON."""

    name: str
    input: Mapping[str, Any]
    id: str | None = None
    chunk_chars: int | None = None

    def events(self, index: int) -> list[dict[str, Any]]:
        start = {"type": "tool_use", "id": self.id or new_id("toolu"), "name": self.name, "input": {}}
        payload = encode_json(self.input).decode()
        pieces = split_text(payload, self.chunk_chars or _DEFAULT_JSON_CHUNK)
        return _framed(index, start, [{"type": "input_json_delta", "partial_json": p} for p in pieces])


@dataclass(frozen=True)
class ThinkingBlock:
    """Extended thinking: ``thinking_delta`` pieces, then one ``signature_delta`` before the stop."""

    thinking: str
    signature: str = DEFAULT_SIGNATURE
    chunk_chars: int | None = None

    def events(self, index: int) -> list[dict[str, Any]]:
        start = {"type": "thinking", "thinking": "", "signature": ""}
        deltas: list[Mapping[str, Any]] = [
            {"type": "thinking_delta", "thinking": piece}
            for piece in split_text(self.thinking, self.chunk_chars)
        ]
        deltas.append({"type": "signature_delta", "signature": self.signature})
        return _framed(index, start, deltas)


@dataclass(frozen=True)
class RedactedThinkingBlock:
    """A redacted thinking block: complete in its start event, no deltas."""

    data: str

    def events(self, index: int) -> list[dict[str, Any]]:
        return _framed(index, {"type": "redacted_thinking", "data": self.data}, [])


@dataclass(frozen=True)
class CustomBlock:
    """Any block, known or not: ``content_block`` is sent as-is in the start event and each
    item of ``deltas`` as the ``delta`` of a ``content_block_delta`` (forward-compatibility tests)."""

    content_block: Mapping[str, Any]
    deltas: Sequence[Mapping[str, Any]] = ()

    def events(self, index: int) -> list[dict[str, Any]]:
        return _framed(index, dict(self.content_block), [dict(d) for d in self.deltas])


Block: TypeAlias = TextBlock | ToolUseBlock | ThinkingBlock | RedactedThinkingBlock | CustomBlock
