"""An organization's rate limits, enforced by the fake API (``FakeAnthropic(org_limits=...)``).

Like the real API: per API key, token buckets whose capacity is the per-minute limit and which
refill continuously (limit/60 per second) for requests, input tokens and output tokens. A
``POST /v1/messages`` that does not fit is answered 429 ``rate_limit_error`` with ``retry-after``
(whole seconds, rounded up, as the API sends it) and nothing is charged; every answer carries
``anthropic-ratelimit-{requests,input-tokens,output-tokens,tokens}-{limit,remaining,reset}``
that describe the buckets after the request.

Input tokens are the fake's own count of the prompt; output tokens are charged when the request
is admitted, for the reply the fake is about to generate (its delta count), since the fake knows
it in advance. Output only needs a bucket that is not in debt to be admitted.

Independent of aclaude's client-side limiter on purpose (the fake imports nothing of the
client): the tests check one against the other.
"""

from __future__ import annotations

import datetime
import math
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from ._message import estimate_input_tokens

__all__ = ["OrgLimits"]

# Where an admitted request keeps the headers of its answer (a typed key where aiohttp has them:
# a plain string key warns from aiohttp 3.12 on).
_HEADERS_KEY: Any = (
    web.RequestKey("aclaude_fake_org_limit_headers", dict)
    if hasattr(web, "RequestKey")
    else "aclaude_fake_org_limit_headers"
)

_KINDS = ("requests", "input-tokens", "output-tokens")


@dataclass
class _Buckets:
    levels: list[float]
    updated: float


@dataclass
class OrgLimits:
    """Per-minute limits per API key (``None``: unlimited). ``refused`` counts the 429s sent,
    ``admitted`` the requests let through; ``output_tokens`` the output charged in total."""

    requests_per_minute: int | None = None
    input_tokens_per_minute: int | None = None
    output_tokens_per_minute: int | None = None
    admitted: int = 0
    refused: int = 0
    output_tokens: int = 0
    _buckets: dict[str, _Buckets] = field(default_factory=dict)

    @property
    def _capacities(self) -> tuple[int | None, int | None, int | None]:
        return (self.requests_per_minute, self.input_tokens_per_minute, self.output_tokens_per_minute)

    def _refilled(self, key: str, now: float) -> _Buckets:
        capacities = self._capacities
        buckets = self._buckets.get(key)
        if buckets is None:
            buckets = self._buckets[key] = _Buckets([float(c or 0) for c in capacities], now)
        elapsed = max(0.0, now - buckets.updated)
        buckets.updated = now
        for d, capacity in enumerate(capacities):
            if capacity:
                buckets.levels[d] = min(float(capacity), buckets.levels[d] + elapsed * capacity / 60.0)
        return buckets

    def admit(self, request: web.BaseRequest, body: Any, expected_output: int) -> web.Response | None:
        """Charge one ``POST /v1/messages``; return the 429 to send instead, or None."""
        key = request.headers.get("x-api-key") or request.headers.get("authorization") or ""
        now = time.monotonic()
        buckets = self._refilled(key, now)
        cost = (1.0, float(estimate_input_tokens(body)), float(expected_output))
        wait = 0.0
        for d, capacity in enumerate(self._capacities):
            if not capacity:
                continue
            need = min(max(cost[d], 1.0) if d < 2 else 1.0, float(capacity))
            if buckets.levels[d] < need:
                wait = max(wait, (need - buckets.levels[d]) * 60.0 / capacity)
        if wait > 0.0:
            self.refused += 1
            headers = self._headers(buckets, now)
            headers["retry-after"] = str(max(1, math.ceil(wait)))
            return _rate_limited(headers)
        for d, capacity in enumerate(self._capacities):
            if capacity:
                buckets.levels[d] -= cost[d]
        self.admitted += 1
        self.output_tokens += expected_output
        request[_HEADERS_KEY] = self._headers(buckets, now)
        return None

    def _headers(self, buckets: _Buckets, now: float) -> dict[str, str]:
        headers: dict[str, str] = {}
        wall = datetime.datetime.now(datetime.timezone.utc)
        token_limits: list[int] = []
        token_remaining: list[int] = []
        latest_reset = wall
        for d, (kind, capacity) in enumerate(zip(_KINDS, self._capacities, strict=True)):
            if not capacity:
                continue
            level = buckets.levels[d]
            remaining = max(0, math.floor(level))
            reset = wall + datetime.timedelta(seconds=max(0.0, capacity - level) * 60.0 / capacity)
            headers[f"anthropic-ratelimit-{kind}-limit"] = str(capacity)
            headers[f"anthropic-ratelimit-{kind}-remaining"] = str(remaining)
            headers[f"anthropic-ratelimit-{kind}-reset"] = _rfc3339(reset)
            if d:
                token_limits.append(capacity)
                token_remaining.append(remaining)
                latest_reset = max(latest_reset, reset)
        if token_limits:
            # "tokens": the most restrictive of the token limits, as the API reports it.
            headers["anthropic-ratelimit-tokens-limit"] = str(min(token_limits))
            headers["anthropic-ratelimit-tokens-remaining"] = str(min(token_remaining))
            headers["anthropic-ratelimit-tokens-reset"] = _rfc3339(latest_reset)
        return headers

    async def on_response_prepare(self, request: web.Request, response: web.StreamResponse) -> None:
        """aiohttp signal: put the buckets' headers on the admitted request's answer."""
        headers: Mapping[str, str] | None = request.get(_HEADERS_KEY)
        if headers:
            response.headers.update(headers)


def _rfc3339(moment: datetime.datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def _rate_limited(headers: dict[str, str]) -> web.Response:
    body = (
        b'{"type":"error","error":{"type":"rate_limit_error","message":'
        b'"Number of request tokens has exceeded your per-minute rate limit"}}'
    )
    headers["content-type"] = "application/json"
    headers["x-should-retry"] = "true"
    return web.Response(status=429, body=body, headers=headers)
