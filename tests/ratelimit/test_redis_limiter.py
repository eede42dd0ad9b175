"""The Redis-backed budget against a real redis-server (the ``redis_server`` fixture)."""

from __future__ import annotations

import asyncio
import logging

import pytest
import redis.asyncio as aioredis
from _redis_support import RedisServer
from conftest import API_KEY

import aclaude
from aclaude.ratelimit import Limits, RateLimiter, RedisRateLimiter
from aclaude.testing import FakeAnthropic, OrgLimits, Reply

SONNET = "claude-sonnet-4-5"


def _params() -> dict[str, object]:
    return {"model": SONNET, "max_tokens": 64, "messages": [{"role": "user", "content": "Hello"}]}


async def _burst(clients: list[aclaude.Client], calls: int) -> list[object]:
    async with asyncio.timeout(30):
        return await asyncio.gather(
            *(clients[i % len(clients)].messages.create(**_params()) for i in range(calls)),  # type: ignore[arg-type]
            return_exceptions=True,
        )


@pytest.mark.parametrize("shared", [True, False], ids=["redis", "local-per-client"])
async def test_two_limiters_share_one_budget_through_redis(redis_server: RedisServer, shared: bool) -> None:
    # Two limiters stand for two processes. 60 requests a minute, 64 calls split between them.
    org = OrgLimits(requests_per_minute=60)
    limiters: list[RateLimiter] = (
        [RedisRateLimiter(redis_server.url) for _ in range(2)] if shared else [RateLimiter(), RateLimiter()]
    )
    try:
        async with FakeAnthropic(org_limits=org, deltas=2) as server:
            clients = [
                aclaude.Client(api_key=API_KEY, base_url=server.url, rate_limiter=limiter, max_retries=0)
                for limiter in limiters
            ]
            try:
                results = await _burst(clients, 64)
            finally:
                for client in clients:
                    await client.close()
    finally:
        for limiter in limiters:
            await limiter.aclose()
    failures = [r for r in results if isinstance(r, BaseException)]
    if shared:
        assert failures == [] and org.refused == 0
    else:
        assert org.refused > 0


async def test_lua_buckets_admit_refill_and_expire(redis_server: RedisServer) -> None:
    limiter = RedisRateLimiter(redis_server.url, limits=Limits(requests_per_minute=2))
    store = limiter.redis_store
    caps = limiter.capacities("sonnet")
    try:
        assert await store.reserve("sonnet", (1.0, 10.0, 0.0), caps) == 0.0
        assert await store.reserve("sonnet", (1.0, 10.0, 0.0), caps) == 0.0
        wait = await store.reserve("sonnet", (1.0, 10.0, 0.0), caps)
        assert 29.0 < wait <= 30.0  # one request refills in 30 s at 2 a minute
        store.adjust("sonnet", (1.0, 0.0, 0.0), caps)  # give one back
        await store.aclose()  # flushes
        assert await store.reserve("sonnet", (1.0, 10.0, 0.0), caps) == 0.0
        ttl = await store.redis.pttl(store.prefix + "sonnet")
        assert 0 < ttl <= 120_000
        state = await limiter.state(SONNET)
        assert state["shared"] is True and state["requests_limit"] == 2.0
    finally:
        await limiter.aclose()


async def test_a_429_pauses_the_budget_for_every_process(
    redis_server: RedisServer, server: FakeAnthropic
) -> None:
    first = RedisRateLimiter(redis_server.url, limits=Limits(requests_per_minute=1000))
    second = RedisRateLimiter(redis_server.url, limits=Limits(requests_per_minute=1000))
    server.enqueue(Reply.error(429, "rate_limit_error", "slow down", headers={"retry-after": "2"}))
    try:
        async with aclaude.Client(
            api_key=API_KEY, base_url=server.url, rate_limiter=first, max_retries=0
        ) as client:
            with pytest.raises(aclaude.RateLimitError):
                await client.messages.create(**_params())  # type: ignore[arg-type]
        paused = (await second.state(SONNET))["paused_for"]
        assert 1.0 < paused <= 2.0  # type: ignore[operator]
    finally:
        await first.aclose()
        await second.aclose()


async def test_redis_stopped_mid_run_falls_back_locally_and_warns_once(
    redis_server: RedisServer, server: FakeAnthropic, caplog: pytest.LogCaptureFixture
) -> None:
    # retry_interval=0: every operation tries Redis again, and still only one warning is logged.
    limiter = RedisRateLimiter(redis_server.url, limits=Limits(requests_per_minute=1000), retry_interval=0.0)
    caplog.set_level(logging.WARNING, logger="aclaude.ratelimit")
    try:
        async with aclaude.Client(api_key=API_KEY, base_url=server.url, rate_limiter=limiter) as client:
            await client.messages.create(**_params())  # type: ignore[arg-type]
            assert (await limiter.state(SONNET))["shared"] is True
            redis_server.stop()
            async with asyncio.timeout(20):
                for _ in range(5):
                    await client.messages.create(**_params())  # type: ignore[arg-type]
            assert (await limiter.state(SONNET))["shared"] is False
            assert limiter.redis_store.fallbacks > 0
            warnings = [r for r in caplog.records if "unreachable" in r.getMessage()]
            assert len(warnings) == 1
            redis_server.start()
            await client.messages.create(**_params())  # type: ignore[arg-type]
            assert (await limiter.state(SONNET))["shared"] is True
    finally:
        await limiter.aclose()
    assert len(server.requests) == 7
    assert any("reachable again" in r.getMessage() for r in caplog.records)


async def test_redis_never_reachable_does_not_block_traffic(server: FakeAnthropic) -> None:
    # Nothing listens on this port: every call is still served, from the local budget.
    async with FakeAnthropic() as gone:
        port = gone.port
    limiter = RedisRateLimiter(f"redis://127.0.0.1:{port}/0", retry_interval=60)
    try:
        async with aclaude.Client(api_key=API_KEY, base_url=server.url, rate_limiter=limiter) as client:
            async with asyncio.timeout(20):
                for _ in range(3):
                    await client.messages.create(**_params())  # type: ignore[arg-type]
    finally:
        await limiter.aclose()
    assert len(server.requests) == 3


async def test_an_injected_redis_client_is_not_closed(redis_server: RedisServer) -> None:
    own = aioredis.Redis.from_url(redis_server.url)
    limiter = RedisRateLimiter(redis=own)
    await limiter.aclose()
    assert await own.ping()
    await own.aclose()
