"""Fold a scripted event sequence into the final Message, for non-streaming requests.

Scripted replies are described once, as stream events; a request without ``"stream": true``
gets the same reply as one JSON Message. This is a deliberately small fold (known deltas only,
tool input parsed at block stop): it serves the fake server, it is not the client's
accumulator, and it never has to cope with malformed input from a real network.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping, Sequence
from typing import Any

import msgspec

__all__ = ["message_from_events"]


def _apply_delta(
    block: dict[str, Any], delta: Mapping[str, Any], partial_json: dict[int, str], index: int
) -> None:
    kind = delta.get("type")
    if kind == "text_delta":
        block["text"] = block.get("text", "") + delta["text"]
    elif kind == "input_json_delta":
        partial_json[index] = partial_json.get(index, "") + delta["partial_json"]
    elif kind == "thinking_delta":
        block["thinking"] = block.get("thinking", "") + delta["thinking"]
    elif kind == "signature_delta":
        block["signature"] = delta["signature"]
    elif kind == "citations_delta":
        citations = block.get("citations")
        block["citations"] = [*(citations or []), delta["citation"]]
    # Unknown delta types have no agreed meaning, so the final block simply ignores them.


def message_from_events(events: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """Return the Message dict that the given ``message_start``... events describe."""
    message: dict[str, Any] = {}
    blocks: dict[int, dict[str, Any]] = {}
    partial_json: dict[int, str] = {}
    for event in events:
        kind = event.get("type")
        if kind == "message_start":
            message = copy.deepcopy(dict(event["message"]))
        elif kind == "content_block_start":
            blocks[event["index"]] = copy.deepcopy(dict(event["content_block"]))
        elif kind == "content_block_delta":
            block = blocks.get(event["index"])
            if block is not None:
                _apply_delta(block, event["delta"], partial_json, event["index"])
        elif kind == "content_block_stop":
            raw = partial_json.pop(event["index"], None)
            block = blocks.get(event["index"])
            if raw and block is not None:
                block["input"] = msgspec.json.decode(raw)
        elif kind == "message_delta":
            message.update(event.get("delta", {}))
            usage = message.setdefault("usage", {})
            usage.update(event.get("usage", {}))
    message["content"] = [blocks[i] for i in sorted(blocks)]
    return message
