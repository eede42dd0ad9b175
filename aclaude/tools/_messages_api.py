"""``MessagesAPI``: what a tool runner needs of ``client.messages``, as an interface.

The tools layer sits below the resources (``aclaude.resources.messages`` builds tool runners),
so it names what it uses instead of importing ``Messages``.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable
from contextlib import AbstractAsyncContextManager
from typing import Any, Literal, Protocol

from ..streaming._message_stream import MessageStream
from ..types._message import Message

__all__ = ["MessagesAPI"]


class MessagesAPI(Protocol):
    """``create`` (drained), ``stream`` and the client's logger: ``Messages`` implements it."""

    @property
    def logger(self) -> logging.Logger: ...

    def create(self, *, stream: Literal[False] = ..., **params: Any) -> Awaitable[Message]: ...

    def stream(self, **params: Any) -> AbstractAsyncContextManager[MessageStream]: ...
