"""A websocket relay in front of the API: origin checks, authentication, limits, whole
conversations, every event, resume after a drop (on this node or, with Redis, on another).

The app lives in ``aclaude.relay._app`` (see its docstring and docs/relay.md for the protocol
and the threat model); this package re-exports its public names.
"""

from __future__ import annotations

from ._app import (
    DEFAULT_MAX_BUFFERED_BYTES,
    DEFAULT_MAX_CONNECTIONS,
    DEFAULT_MAX_PENDING_BYTES,
    DEFAULT_MAX_RESUME_BYTES,
    DEFAULT_MAX_STREAMS_PER_PRINCIPAL,
    RELAY_PRINCIPAL,
    RELAY_STATS,
    Authenticate,
    Override,
    RelayStats,
    create_relay_app,
)
from ._forward import ALL_CATEGORIES, DEFAULT_FORWARD
from ._store import RedisStore

__all__ = [
    "ALL_CATEGORIES",
    "DEFAULT_FORWARD",
    "DEFAULT_MAX_BUFFERED_BYTES",
    "DEFAULT_MAX_CONNECTIONS",
    "DEFAULT_MAX_PENDING_BYTES",
    "DEFAULT_MAX_RESUME_BYTES",
    "DEFAULT_MAX_STREAMS_PER_PRINCIPAL",
    "RELAY_PRINCIPAL",
    "RELAY_STATS",
    "Authenticate",
    "Override",
    "RedisStore",
    "RelayStats",
    "create_relay_app",
]
