"""The fake API enforcing an organization's limits: the real 429 and headers, per API key."""

from __future__ import annotations

import aiohttp
from multidict import CIMultiDict

from aclaude.testing import FakeAnthropic, OrgLimits

BODY = {
    "model": "claude-sonnet-4-5",
    "max_tokens": 8,
    "stream": True,
    "messages": [{"role": "user", "content": "Hello there"}],
}


async def _post(session: aiohttp.ClientSession, url: str, key: str) -> tuple[int, CIMultiDict[str], bytes]:
    async with session.post(url + "/v1/messages", json=BODY, headers={"x-api-key": key}) as response:
        return response.status, response.headers.copy(), await response.read()


async def test_requests_limit_answers_429_with_the_real_headers() -> None:
    org = OrgLimits(requests_per_minute=2, output_tokens_per_minute=1000)
    async with FakeAnthropic(org_limits=org, deltas=3) as server, aiohttp.ClientSession() as session:
        first = await _post(session, server.url, "sk-a")
        second = await _post(session, server.url, "sk-a")
        refused = await _post(session, server.url, "sk-a")
        other_key = await _post(session, server.url, "sk-b")
    assert first[0] == second[0] == 200
    assert first[1]["anthropic-ratelimit-requests-limit"] == "2"
    assert first[1]["anthropic-ratelimit-requests-remaining"] == "1"
    assert second[1]["anthropic-ratelimit-requests-remaining"] == "0"
    assert first[1]["anthropic-ratelimit-output-tokens-remaining"] == "997"  # 3 output tokens charged
    assert first[1]["anthropic-ratelimit-tokens-limit"] == "1000"
    status, headers, body = refused
    assert status == 429
    assert b'"rate_limit_error"' in body
    assert 1 <= int(headers["retry-after"]) <= 30  # one request refills in 30 s
    assert headers["anthropic-ratelimit-requests-remaining"] == "0"
    assert headers["anthropic-ratelimit-requests-reset"].endswith("Z")
    assert other_key[0] == 200  # every key has its own buckets
    assert (org.admitted, org.refused, org.output_tokens) == (3, 1, 9)


async def test_output_in_debt_refuses_until_it_refills() -> None:
    org = OrgLimits(output_tokens_per_minute=5)
    async with FakeAnthropic(org_limits=org, deltas=20) as server, aiohttp.ClientSession() as session:
        first = await _post(session, server.url, "sk-a")  # admitted with 5 left, leaves -15
        second = await _post(session, server.url, "sk-a")
    assert first[0] == 200 and second[0] == 429
    assert int(second[1]["retry-after"]) >= 60 * 16 // 5  # 16 tokens to refill at 5 a minute
