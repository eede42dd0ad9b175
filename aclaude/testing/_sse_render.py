"""Render stream events to the exact SSE bytes the Messages API sends.

The real API frames every event as ``event: <type>\\ndata: <compact json>\\n\\n``: one ``event:``
line, one ``data:`` line (the JSON never contains a raw newline), and a blank line. The data
is compact JSON with UTF-8 text left unescaped, which is what ``msgspec.json`` produces, so a
client under test sees multi-byte characters exactly as in production.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import msgspec

__all__ = ["encode_json", "render_event", "render_events", "split_bytes"]

# One encoder for the whole process: building it is the expensive part, encoding is cheap.
encode_json = msgspec.json.Encoder().encode


def render_event(event: Mapping[str, Any]) -> bytes:
    """Return one SSE event whose ``event:`` name is the event's own ``type`` field."""
    event_type = event.get("type")
    if not isinstance(event_type, str):
        raise ValueError(f"a stream event needs a string 'type' field, got {event!r}")
    return b"event: " + event_type.encode() + b"\ndata: " + encode_json(event) + b"\n\n"


def render_events(events: Sequence[Mapping[str, Any]]) -> list[bytes]:
    """Render each event to its own byte string (one HTTP chunk each when written)."""
    return [render_event(event) for event in events]


def split_bytes(body: bytes, size: int) -> list[bytes]:
    """Cut ``body`` into pieces of ``size`` bytes, ignoring every boundary on purpose.

    Pieces may end inside a multi-byte UTF-8 character, inside ``\\r\\n`` or inside the JSON:
    exactly the splits a client's incremental decoder must survive.
    """
    if size < 1:
        raise ValueError(f"chunk size must be >= 1, got {size}")
    return [body[i : i + size] for i in range(0, len(body), size)]
