"""Response headers that look like the real API's.

Clients read ``request-id`` into their errors and some surface the rate-limit headers, so every
response (streams, JSON bodies and errors alike) carries them. The static part is computed once
per server; only the request id and the reset timestamps change per response.
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping

__all__ = ["ORGANIZATION_ID", "SSE_CONTENT_TYPE", "JSON_CONTENT_TYPE", "response_headers"]

SSE_CONTENT_TYPE = "text/event-stream; charset=utf-8"
JSON_CONTENT_TYPE = "application/json"
ORGANIZATION_ID = "00000000-0000-4000-8000-00000000fa4e"

_REQUESTS_LIMIT = 4000
_TOKENS_LIMIT = 2_000_000


def _rfc3339(moment: datetime.datetime) -> str:
    # The API writes whole seconds in UTC with a "Z" suffix, e.g. 2025-01-01T00:00:07Z.
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def response_headers(
    request_id: str, *, content_type: str | None, extra: Mapping[str, str] | None = None
) -> dict[str, str]:
    """Build the headers of one response; ``extra`` (a scripted reply's) wins over defaults."""
    now = datetime.datetime.now(datetime.timezone.utc)
    reset = _rfc3339(now + datetime.timedelta(seconds=1))
    headers = {
        "request-id": request_id,
        "anthropic-organization-id": ORGANIZATION_ID,
        "anthropic-ratelimit-requests-limit": str(_REQUESTS_LIMIT),
        "anthropic-ratelimit-requests-remaining": str(_REQUESTS_LIMIT - 1),
        "anthropic-ratelimit-requests-reset": reset,
        "anthropic-ratelimit-tokens-limit": str(_TOKENS_LIMIT),
        "anthropic-ratelimit-tokens-remaining": str(_TOKENS_LIMIT),
        "anthropic-ratelimit-tokens-reset": reset,
        "anthropic-ratelimit-input-tokens-limit": str(_TOKENS_LIMIT),
        "anthropic-ratelimit-input-tokens-remaining": str(_TOKENS_LIMIT),
        "anthropic-ratelimit-input-tokens-reset": reset,
        "anthropic-ratelimit-output-tokens-limit": str(_TOKENS_LIMIT // 5),
        "anthropic-ratelimit-output-tokens-remaining": str(_TOKENS_LIMIT // 5),
        "anthropic-ratelimit-output-tokens-reset": reset,
    }
    if content_type is not None:
        headers["content-type"] = content_type
    if extra:
        # Case-insensitive override: a scripted "Content-Type" must replace "content-type".
        lowered = {key.lower(): key for key in headers}
        for key, value in extra.items():
            existing = lowered.get(key.lower())
            if existing is not None:
                del headers[existing]
            headers[key] = value
    return headers
