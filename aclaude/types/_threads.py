"""Message threads (beta): the ``thread`` field of a Messages request, and the names the
thread helper (``client.beta.messages.thread(...)``) takes. Type information only.

``{"type": "create"}`` asks the API to hold the conversation under the reply's ``id``;
``{"type": "continue", "previous_message_id": id}`` resumes from that reply, so the request
sends only the new turn's messages. The reply is an ordinary ``Message``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal, TypedDict

if TYPE_CHECKING:
    from typing import TypeAlias

__all__ = [
    "MESSAGE_THREADS_BETA",
    "BetaMessageThreadParam",
    "BetaThreadContinueParams",
    "BetaThreadCreateParams",
    "ThreadUnsupportedFeatureName",
    "UnsupportedRequestBehavior",
]

#: The ``anthropic-beta`` value a threaded request carries (the official SDK adds it itself).
MESSAGE_THREADS_BETA = "message-threads-2026-08-12"


class BetaThreadCreateParams(TypedDict):
    """Start holding the conversation under this reply's ``id``."""

    type: Literal["create"]


class BetaThreadContinueParams(TypedDict):
    """Resume from the reply ``previous_message_id``: send only the new messages."""

    previous_message_id: str
    type: Literal["continue"]


BetaMessageThreadParam: TypeAlias = BetaThreadCreateParams | BetaThreadContinueParams

#: What a thread does with a request the API cannot thread: ``"error"`` (the default) raises the
#: API's ``ThreadUnsupportedRequestError``; ``"continue_unthreaded"`` sends that turn and every
#: later one with the whole history and no ``thread``.
UnsupportedRequestBehavior: TypeAlias = Literal["error", "continue_unthreaded"]

#: The request fields or organization settings the API names in
#: ``ThreadUnsupportedRequestError.unsupported`` (a newer name may appear: treat it the same).
ThreadUnsupportedFeatureName: TypeAlias = Literal[
    "cache_control", "context_management", "fallbacks", "hipaa", "inference_hooks", "thinking"
]
