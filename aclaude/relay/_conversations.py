"""Conversations kept on the server: each a bounded history of message params.

The browser holds only a conversation id; the history (its prompts, the assistant's replies
and the tool calls and results in between) stays here, so a page cannot rewrite what the model
said or smuggle in a system-like turn. Bounds: ``max_bytes`` of encoded JSON per conversation
(the oldest exchanges go first, whole: a user prompt and everything after it up to the next
prompt) and ``max_conversations`` per app (the least recently used goes).
"""

from __future__ import annotations

from collections import OrderedDict
from typing import Any

import msgspec

__all__ = ["Conversations", "bound_history"]


def bound_history(messages: list[Any], max_bytes: int) -> list[Any]:
    """``messages`` without its oldest exchanges until it encodes within ``max_bytes`` (the
    latest exchange is kept even if it alone is larger: the next request needs it)."""
    sizes = [len(msgspec.json.encode(m)) for m in messages]
    total = sum(sizes)
    start = 0
    while total > max_bytes:
        # The next exchange starts at the next user message whose content is a prompt (a str).
        nxt = next(
            (i for i in range(start + 1, len(messages)) if _is_prompt(messages[i])),
            None,
        )
        if nxt is None:
            break
        total -= sum(sizes[start:nxt])
        start = nxt
    return messages[start:]


def _is_prompt(message: Any) -> bool:
    if not isinstance(message, dict):
        return False
    return message.get("role") == "user" and isinstance(message.get("content"), str)


class Conversations:
    """In-memory histories by id, each owned by one principal (least recently used evicted)."""

    def __init__(self, max_conversations: int, max_bytes: int) -> None:
        self._items: OrderedDict[str, tuple[str, list[Any]]] = OrderedDict()
        self.max_conversations = max_conversations
        self.max_bytes = max_bytes

    def __len__(self) -> int:
        return len(self._items)

    def get(self, conversation: str) -> tuple[str, list[Any]] | None:
        item = self._items.get(conversation)
        if item is not None:
            self._items.move_to_end(conversation)
        return item

    def put(self, conversation: str, principal: str, messages: list[Any]) -> list[Any]:
        """Store (bounded); the history as stored."""
        messages = bound_history(messages, self.max_bytes)
        self._items[conversation] = (principal, messages)
        self._items.move_to_end(conversation)
        while len(self._items) > self.max_conversations:
            self._items.popitem(last=False)
        return messages
