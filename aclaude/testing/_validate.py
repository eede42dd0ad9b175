"""Request checks the real API makes, so that a test passes here only if the API would accept it.

Pure functions over the decoded request: each returns ``None`` (accepted) or a ``Rejection``
(status, error type, message) that the server turns into the API's error body. The messages
copy the real API's wording (``max_tokens: Field required``, ``temperature: Input should be
less than or equal to 1``, ``x-api-key header is required`` ...), so a client's error handling
sees what it will see in production.

Checked: authentication (a key or bearer token present; equal to one of ``api_keys`` when the
server is given some), and for ``POST /v1/messages`` (and ``/count_tokens``) the body's shape:
required fields, field types, ranges, unknown top-level fields, an empty message list, empty
content, and an unknown model when the server is given a model list. Checking can be turned
off per server (``FakeAnthropic(validate=False)``) or per request (``x-fake-validate: off``).
"""

from __future__ import annotations

import hmac
import math
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from typing import Any

__all__ = ["Rejection", "check_auth", "check_messages_body", "check_model"]

# Every top-level field of a Messages request (the official SDK's MessageCreateParams, betas
# included: the beta endpoint is the same path with ``?beta=true``).
MESSAGES_FIELDS = frozenset(
    {
        "model", "messages", "max_tokens", "system", "metadata", "stop_sequences", "stream",
        "temperature", "top_k", "top_p", "tools", "tool_choice", "thinking", "service_tier",
        "container", "context_management", "mcp_servers", "output_config", "output_format",
        "inference_geo", "speed", "thread",
    }
)  # fmt: skip
# count_tokens takes the prompt-shaping fields only.
COUNT_TOKENS_FIELDS = frozenset(
    {
        "model", "messages", "system", "tools", "tool_choice", "thinking", "context_management",
        "mcp_servers", "output_config", "output_format",
    }
)  # fmt: skip
_ROLES = ("user", "assistant")


@dataclass(frozen=True)
class Rejection:
    """Why a request is refused, as the API would say it."""

    status: int
    error_type: str
    message: str


def _invalid(message: str) -> Rejection:
    return Rejection(400, "invalid_request_error", message)


def check_auth(headers: Mapping[str, str], api_keys: Collection[str] | None) -> Rejection | None:
    """401 without ``x-api-key`` or ``authorization: Bearer``; with ``api_keys``, also for a
    key that is not one of them (compared in constant time, like any credential check)."""
    key = headers.get("x-api-key")
    if key is None:
        auth = headers.get("authorization", "")
        if auth[:7].lower() == "bearer ":
            key = auth[7:].strip()
    if not key:
        return Rejection(401, "authentication_error", "x-api-key header is required")
    if api_keys is not None and not any(hmac.compare_digest(key, k) for k in api_keys):
        return Rejection(401, "authentication_error", "invalid x-api-key")
    return None


def check_model(body: Any, models: Collection[str] | None) -> Rejection | None:
    """404 ``not_found_error`` for a model outside ``models`` (when the server has a list)."""
    if models is None or not isinstance(body, Mapping):
        return None
    model = body.get("model")
    if isinstance(model, str) and model not in models:
        return Rejection(404, "not_found_error", f"model: {model}")
    return None


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_number(value: Any) -> bool:
    return (_is_int(value) or isinstance(value, float)) and math.isfinite(value)


def _check_range(name: str, value: Any, low: float, high: float | None) -> Rejection | None:
    if not _is_number(value):
        return _invalid(f"{name}: Input should be a valid number")
    if value < low:
        return _invalid(f"{name}: Input should be greater than or equal to {low:g}")
    if high is not None and value > high:
        return _invalid(f"{name}: Input should be less than or equal to {high:g}")
    return None


def _check_content(index: int, content: Any, last_assistant: bool) -> Rejection | None:
    where = f"messages.{index}"
    if isinstance(content, str):
        # The API lets only a final assistant message (a prefill) be empty.
        if not content.strip() and not last_assistant:
            return _invalid(
                f"{where}: all messages must have non-empty content except for the optional final "
                "assistant message"
            )
        return None
    if not isinstance(content, list):
        return _invalid(f"{where}.content: Input should be a valid list")
    if not content and not last_assistant:
        return _invalid(
            f"{where}: all messages must have non-empty content except for the optional final "
            "assistant message"
        )
    for block_index, block in enumerate(content):
        if not isinstance(block, Mapping) or not isinstance(block.get("type"), str):
            return _invalid(f"{where}.content.{block_index}: Input should be a valid dictionary or object")
        if block["type"] == "text":
            text = block.get("text")
            if not isinstance(text, str):
                return _invalid(f"{where}.content.{block_index}.text: Field required")
            if not text:
                return _invalid("messages: text content blocks must be non-empty")
    return None


def _check_messages(messages: Any) -> Rejection | None:
    if not isinstance(messages, list):
        return _invalid("messages: Input should be a valid list")
    if not messages:
        return _invalid("messages: at least one message is required")
    for index, message in enumerate(messages):
        if not isinstance(message, Mapping):
            return _invalid(f"messages.{index}: Input should be a valid dictionary")
        role = message.get("role")
        if role is None:
            return _invalid(f"messages.{index}.role: Field required")
        if role not in _ROLES:
            return _invalid(f"messages.{index}.role: Input should be 'user' or 'assistant'")
        if "content" not in message:
            return _invalid(f"messages.{index}.content: Field required")
        last_assistant = index == len(messages) - 1 and role == "assistant"
        problem = _check_content(index, message["content"], last_assistant)
        if problem is not None:
            return problem
    return None


def _check_optional_fields(body: Mapping[str, Any]) -> Rejection | None:
    if "temperature" in body:
        problem = _check_range("temperature", body["temperature"], 0, 1)
        if problem is not None:
            return problem
    if "top_p" in body:
        problem = _check_range("top_p", body["top_p"], 0, 1)
        if problem is not None:
            return problem
    if "top_k" in body:
        if not _is_int(body["top_k"]):
            return _invalid("top_k: Input should be a valid integer")
        if body["top_k"] < 0:
            return _invalid("top_k: Input should be greater than or equal to 0")
    if "stream" in body and not isinstance(body["stream"], bool):
        return _invalid("stream: Input should be a valid boolean")
    if "system" in body and not isinstance(body["system"], (str, list)):
        return _invalid("system: Input should be a valid string or a list of text blocks")
    stops = body.get("stop_sequences")
    if stops is not None and not (isinstance(stops, list) and all(isinstance(s, str) for s in stops)):
        return _invalid("stop_sequences: Input should be a valid list of strings")
    for name in ("tools", "mcp_servers"):
        if name in body and not isinstance(body[name], list):
            return _invalid(f"{name}: Input should be a valid list")
    for name in ("metadata", "tool_choice", "thinking"):
        if name in body and not isinstance(body[name], Mapping):
            return _invalid(f"{name}: Input should be a valid dictionary")
    return _check_thinking(body)


def _check_thinking(body: Mapping[str, Any]) -> Rejection | None:
    thinking = body.get("thinking")
    if not isinstance(thinking, Mapping) or thinking.get("type") != "enabled":
        return None
    budget = thinking.get("budget_tokens")
    if budget is None:
        return _invalid("thinking.enabled.budget_tokens: Field required")
    if not _is_int(budget):
        return _invalid("thinking.enabled.budget_tokens: Input should be a valid integer")
    if budget < 1024:
        return _invalid("thinking.enabled.budget_tokens: Input should be greater than or equal to 1024")
    max_tokens = body.get("max_tokens")
    if _is_int(max_tokens) and max_tokens <= budget:
        return _invalid("`max_tokens` must be greater than `thinking.budget_tokens`")
    return None


def check_messages_body(body: Any, *, count_tokens: bool = False) -> Rejection | None:
    """The body checks of ``POST /v1/messages`` (``count_tokens``: of its count_tokens twin)."""
    if not isinstance(body, Mapping):
        return _invalid("request body must be a JSON object")
    allowed = COUNT_TOKENS_FIELDS if count_tokens else MESSAGES_FIELDS
    for name in body:
        if name not in allowed:
            return _invalid(f"{name}: Extra inputs are not permitted")
    required = ("model", "messages") if count_tokens else ("model", "messages", "max_tokens")
    for name in required:
        if name not in body:
            return _invalid(f"{name}: Field required")
    if not isinstance(body["model"], str):
        return _invalid("model: Input should be a valid string")
    if not body["model"]:
        return _invalid("model: String should have at least 1 character")
    if not count_tokens:
        max_tokens = body["max_tokens"]
        if not _is_int(max_tokens):
            return _invalid("max_tokens: Input should be a valid integer")
        if max_tokens < 1:
            return _invalid("max_tokens: Input should be greater than or equal to 1")
    return _check_messages(body["messages"]) or _check_optional_fields(body)
