"""``RecordedRequest``: what the fake server received, for assertions in tests."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

__all__ = ["RecordedRequest"]


@dataclass(frozen=True)
class RecordedRequest:
    """One request as received. ``headers`` is case-insensitive (``headers["X-Api-Key"]`` and
    ``headers["x-api-key"]`` are the same); ``json`` is the decoded body, or ``None`` if the body
    was empty or not JSON. ``received_at`` is ``time.monotonic()`` when the request's body had
    been read (the clock of asyncio's default loop), so tests can measure a client's waits
    between attempts from the server's side."""

    method: str
    path: str
    query: Mapping[str, str]
    headers: Mapping[str, str]
    body: bytes
    json: Any
    received_at: float = 0.0

    @property
    def stream(self) -> bool:
        """Whether the request asked for a stream (``"stream": true`` in its JSON body)."""
        return isinstance(self.json, Mapping) and self.json.get("stream") is True
