"""``RecordedRequest``: what the fake server received, for assertions in tests."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

__all__ = ["RecordedRequest"]

# The fake API imports nothing of the client, so it keeps its own list.
_SECRET_HEADERS = frozenset({"x-api-key", "authorization", "proxy-authorization", "cookie"})


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

    def __repr__(self) -> str:
        # Never the credentials a client sent (tests print requests when an assertion fails).
        safe = {
            key: "***" if key.lower() in _SECRET_HEADERS else value for key, value in self.headers.items()
        }
        return (
            f"RecordedRequest(method={self.method!r}, path={self.path!r}, query={dict(self.query)!r}, "
            f"headers={safe!r}, json={self.json!r})"
        )

    @property
    def stream(self) -> bool:
        """Whether the request asked for a stream (``"stream": true`` in its JSON body)."""
        return isinstance(self.json, Mapping) and self.json.get("stream") is True
