"""Which stream's request is being sent in this task: lets the transport stamp when the request
got its connection (``StreamTimings.connection_acquired``) without passing anything down.

Kept here, below ``aclaude.streaming`` (whose ``EventStream`` sets it around sending), so the
transport can read it; ``aclaude.streaming._timings`` re-exports it.
"""

from __future__ import annotations

import contextvars
from typing import Protocol

__all__ = ["ConnectionStamp", "current_timings"]


class ConnectionStamp(Protocol):
    """What the transport stamps: a ``StreamTimings`` (or anything with the attribute)."""

    connection_acquired: float | None


#: The timings of the stream whose request is being sent in this task right now (None
#: otherwise). aclaude's own connector stamps ``connection_acquired`` on it; a hook on a
#: caller's own session (an aiohttp ``TraceConfig``) can do the same.
current_timings: contextvars.ContextVar[ConnectionStamp | None] = contextvars.ContextVar(
    "aclaude_current_timings", default=None
)
