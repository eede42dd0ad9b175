"""The relay's live counters (``app[RELAY_STATS]``)."""

from __future__ import annotations

from dataclasses import dataclass, field

from ._replay import Budget

__all__ = ["RelayStats"]


@dataclass
class RelayStats:
    """Counters of one relay app, for metrics and tests (``app[RELAY_STATS]``)."""

    #: The byte accounting shared by the app's replies (see ``buffered_bytes`` and friends).
    budget: Budget = field(default_factory=lambda: Budget(1 << 62))
    #: Websockets open now.
    connections: int = 0
    #: Upstream replies running now, started in total, and cancelled (stop, grace period over,
    #: shutdown) before their end.
    streams_open: int = 0
    streams_started: int = 0
    streams_cancelled: int = 0
    #: Events and data bytes read from the API, frames and bytes sent to browsers.
    upstream_events: int = 0
    upstream_bytes: int = 0
    frames_sent: int = 0
    bytes_sent: int = 0
    #: Resumes served (``resumes_remote``: from the store, the reply running on another node),
    #: and refused because the events were no longer held (or the stream was unknown).
    resumes: int = 0
    resumes_remote: int = 0
    resume_unavailable: int = 0
    #: Handshakes refused: a foreign ``Origin`` (403), no principal (401), over a limit (429);
    #: prompts refused by ``requests_per_minute``.
    refused_origin: int = 0
    refused_unauthenticated: int = 0
    refused_limit: int = 0
    refused_rate: int = 0

    @property
    def buffered_bytes(self) -> int:
        """Bytes read from the API and not yet handed to a socket, over all replies."""
        return self.budget.pending

    @property
    def peak_buffered_bytes(self) -> int:
        """The most one reply ever held unsent (never above ``max_pending_bytes`` unless a
        single event is larger)."""
        return self.budget.peak_pending

    @property
    def resume_bytes(self) -> int:
        """Bytes held for resumes and pending, over all replies (bounded by
        ``max_buffered_bytes`` plus the pending bound of each reply)."""
        return self.budget.held
