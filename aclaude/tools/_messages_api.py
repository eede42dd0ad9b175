"""``MessagesAPI``: what a tool runner needs of ``client.messages``, as an interface.

The tools layer sits below the resources (``aclaude.resources.messages`` builds tool runners),
so it names what it uses instead of importing ``Messages``.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any, Protocol

__all__ = ["MessagesAPI"]


class MessagesAPI(Protocol):
    """``create`` (drained), ``stream`` and the client's logger: ``Messages`` implements it."""

    @property
    def logger(self) -> logging.Logger: ...

    # Typed loosely on purpose: ``Messages.create``/``stream`` take typed keyword arguments
    # (``Unpack[MessageCreateKwargs]``), which a ``**params: Any`` member would not accept. The
    # runner passes the parameters it was given and awaits a Message / enters a MessageStream.
    @property
    def create(self) -> Callable[..., Any]: ...

    @property
    def stream(self) -> Callable[..., Any]: ...
