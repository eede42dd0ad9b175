"""Which of the API's events the relay forwards: a category per event, and the ``forward=`` set.

Categories (``forward=`` takes any of them; default: all but ``"ping"``):

* ``"message"``: ``message_start``, ``message_delta`` (stop reason, usage), ``message_stop``.
* ``"text"``: text blocks (their start, ``text_delta``s, stop).
* ``"thinking"``: thinking and redacted thinking blocks (``thinking_delta``, ``signature_delta``).
* ``"tool_use"``: ``tool_use`` / ``server_tool_use`` / ``mcp_tool_use`` blocks and their
  ``input_json_delta``s.
* ``"citations"``: ``citations_delta``s.
* ``"server_tool_results"``: blocks whose type ends in ``_tool_result`` (web search, code
  execution ...) and other server-side result blocks.
* ``"ping"``: keep-alive pings (off by default: the relay's websocket has its own heartbeat).
* ``"other"``: events and blocks aclaude does not know yet (on by default: forward compatibility).

The category of a ``content_block_stop`` is its block's, remembered by index from its start.
Text deltas, nearly every event, are classified with two ``type()`` checks.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from ..types import _events as wire
from ..types._events import (
    PingEvent,
    RawContentBlockDeltaEvent,
    RawContentBlockStartEvent,
    RawContentBlockStopEvent,
)
from ..types._extras import known_type

__all__ = ["ALL_CATEGORIES", "DEFAULT_FORWARD", "Classifier", "check_forward"]

ALL_CATEGORIES = frozenset(
    ("message", "text", "thinking", "tool_use", "citations", "server_tool_results", "ping", "other")
)
DEFAULT_FORWARD = ALL_CATEGORIES - {"ping"}

# The tables name their classes through the module (looked up once, here); the four events
# that ``Classifier.category`` compares per event are imported by name.
_DELTAS: dict[type, str] = {
    wire.TextDelta: "text",
    wire.ThinkingDelta: "thinking",
    wire.SignatureDelta: "thinking",
    wire.InputJSONDelta: "tool_use",
    wire.CitationsDelta: "citations",
}
_MESSAGE_EVENTS = (wire.RawMessageStartEvent, wire.RawMessageDeltaEvent, wire.RawMessageStopEvent)
_BLOCKS = {
    "text": "text",
    "thinking": "thinking",
    "redacted_thinking": "thinking",
    "tool_use": "tool_use",
    "server_tool_use": "tool_use",
    "mcp_tool_use": "tool_use",
}


def check_forward(forward: Iterable[str]) -> frozenset[str]:
    """``forward=`` as a frozenset, refusing unknown categories (a typo would hide events)."""
    chosen = frozenset([forward] if isinstance(forward, str) else forward)
    unknown = chosen - ALL_CATEGORIES
    if unknown:
        raise ValueError(f"forward: unknown categories {sorted(unknown)}; known: {sorted(ALL_CATEGORIES)}")
    return chosen


def block_type(block: Any) -> str:
    """A content block's ``type``: its tag for known blocks, its field for unknown ones."""
    config = getattr(type(block), "__struct_config__", None)
    tag = getattr(config, "tag", None)
    if isinstance(tag, str):
        return tag
    value = getattr(block, "type", None)
    return value if isinstance(value, str) else ""


def _block_category(kind: str) -> str:
    category = _BLOCKS.get(kind)
    if category is not None:
        return category
    if kind.endswith("_tool_result") or kind.endswith("_result"):
        return "server_tool_results"
    return "other"


class Classifier:
    """Categories of one stream's events (it remembers each open block's category)."""

    __slots__ = ("_blocks",)

    def __init__(self) -> None:
        self._blocks: dict[int, str] = {}

    def category(self, event: Any) -> str:
        etype = type(event)
        if etype is not RawContentBlockDeltaEvent:
            etype = known_type(etype)  # an event with fields aclaude does not declare
        if etype is RawContentBlockDeltaEvent:
            return _DELTAS.get(known_type(type(event.delta)), "other")
        if etype in _MESSAGE_EVENTS:
            return "message"
        if etype is RawContentBlockStartEvent:
            category = _block_category(block_type(event.content_block))
            self._blocks[event.index] = category
            return category
        if etype is RawContentBlockStopEvent:
            return self._blocks.pop(event.index, "other")
        if etype is PingEvent:
            return "ping"
        return "other"
