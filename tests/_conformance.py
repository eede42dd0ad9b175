"""What the conformance tests compare between aclaude's request and the official SDK's, both
recorded by the same fake API."""

from __future__ import annotations

from typing import Any

from aclaude.testing import RecordedRequest

#: The request headers compared (the rest differ by design: user agent, retry counters ...).
HEADERS = ("anthropic-beta", "anthropic-workspace-id", "anthropic-user-profile-id", "x-extra")


def wire(request: RecordedRequest) -> dict[str, Any]:
    """Method, path, query, the compared headers and the JSON body; ``stream`` is left out of
    the body (aclaude always streams, the SDK says so only when asked)."""
    body = request.json
    if isinstance(body, dict):
        body = {k: v for k, v in body.items() if k != "stream"}
    return {
        "method": request.method,
        "path": request.path,
        "query": dict(request.query),
        "headers": {h: request.headers.get(h) for h in HEADERS},
        "body": body,
    }
