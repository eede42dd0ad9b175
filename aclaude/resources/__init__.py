"""API resources; each hangs off ``Client`` (``client.messages`` ...)."""

from .messages import Messages

__all__ = ["Messages"]
