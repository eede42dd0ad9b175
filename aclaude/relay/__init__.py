"""A websocket relay in front of the API (see ``aclaude.relay._app`` and docs/relay.md)."""

from __future__ import annotations

from ._app import DEFAULT_MAX_PENDING_BYTES, RELAY_STATS, RelayStats, create_relay_app

__all__ = ["DEFAULT_MAX_PENDING_BYTES", "RELAY_STATS", "RelayStats", "create_relay_app"]
