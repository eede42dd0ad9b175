"""A websocket relay in front of the API: origin checks, authentication, limits, backpressure.

The app lives in ``aclaude.relay._app`` (see its docstring and docs/relay.md for the protocol
and the threat model); this package re-exports its public names.
"""

from __future__ import annotations

from ._app import (
    DEFAULT_MAX_CONNECTIONS,
    DEFAULT_MAX_PENDING_BYTES,
    DEFAULT_MAX_STREAMS_PER_PRINCIPAL,
    RELAY_PRINCIPAL,
    RELAY_STATS,
    Authenticate,
    RelayStats,
    create_relay_app,
)

__all__ = [
    "DEFAULT_MAX_CONNECTIONS",
    "DEFAULT_MAX_PENDING_BYTES",
    "DEFAULT_MAX_STREAMS_PER_PRINCIPAL",
    "RELAY_PRINCIPAL",
    "RELAY_STATS",
    "Authenticate",
    "RelayStats",
    "create_relay_app",
]
