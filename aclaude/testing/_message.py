"""The envelope of a Messages API reply: message_start / message_delta / message_stop, usage,
error bodies, and the token estimate of a request.

Field names and order follow the official SDK's types (``anthropic.types.Message``,
``RawMessageStartEvent``, ``RawMessageDeltaEvent``), so recorded streams from this server and
from the real API differ only in ids and text.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

__all__ = [
    "DEFAULT_MODEL",
    "MESSAGE_STOP",
    "PING",
    "error_body",
    "error_event",
    "estimate_input_tokens",
    "last_user_text",
    "message_delta_event",
    "message_start_event",
    "start_usage",
]

DEFAULT_MODEL = "claude-sonnet-4-6"

PING: Mapping[str, Any] = {"type": "ping"}
MESSAGE_STOP: Mapping[str, Any] = {"type": "message_stop"}


def start_usage(input_tokens: int, overrides: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """Usage as message_start carries it: output_tokens is 1 there, the total comes later."""
    usage: dict[str, Any] = {
        "input_tokens": input_tokens,
        "cache_creation_input_tokens": 0,
        "cache_read_input_tokens": 0,
        "output_tokens": 1,
        "service_tier": "standard",
    }
    if overrides:
        usage.update((k, v) for k, v in overrides.items() if k != "output_tokens")
    return usage


def message_start_event(message_id: str, model: str, usage: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "type": "message_start",
        "message": {
            "id": message_id,
            "type": "message",
            "role": "assistant",
            "model": model,
            "content": [],
            "stop_reason": None,
            "stop_sequence": None,
            "usage": dict(usage),
        },
    }


def message_delta_event(
    stop_reason: str | None, stop_sequence: str | None, output_tokens: int
) -> dict[str, Any]:
    return {
        "type": "message_delta",
        "delta": {"stop_reason": stop_reason, "stop_sequence": stop_sequence},
        "usage": {"output_tokens": output_tokens},
    }


def error_event(error_type: str, message: str) -> dict[str, Any]:
    """The in-stream error event (sent with HTTP status 200 already on the wire)."""
    return {"type": "error", "error": {"type": error_type, "message": message}}


def error_body(error_type: str, message: str, request_id: str) -> dict[str, Any]:
    """The JSON body of an HTTP error response."""
    return {"type": "error", "error": {"type": error_type, "message": message}, "request_id": request_id}


def _texts(content: Any) -> list[str]:
    # Message content is either a string or a list of blocks; only text counts toward the estimate.
    if isinstance(content, str):
        return [content]
    out: list[str] = []
    if isinstance(content, list):
        for block in content:
            if isinstance(block, Mapping):
                text = block.get("text")
                if isinstance(text, str):
                    out.append(text)
    return out


def estimate_input_tokens(request_json: Any) -> int:
    """About one token per four characters of prompt text (system + messages), at least 1."""
    if not isinstance(request_json, Mapping):
        return 1
    chars = sum(len(t) for t in _texts(request_json.get("system")))
    messages = request_json.get("messages")
    if isinstance(messages, list):
        for message in messages:
            if isinstance(message, Mapping):
                chars += sum(len(t) for t in _texts(message.get("content")))
    return max(1, chars // 4)


def last_user_text(request_json: Any) -> str:
    """The text of the last user message ("" if there is none), for echo replies."""
    if isinstance(request_json, Mapping):
        messages = request_json.get("messages")
        if isinstance(messages, list):
            for message in reversed(messages):
                if isinstance(message, Mapping) and message.get("role") == "user":
                    return "".join(_texts(message.get("content")))
    return ""
