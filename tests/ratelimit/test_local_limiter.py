"""The in-process rate limiter against the fake API enforcing an organization's limits."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

import pytest
from conftest import API_KEY

import aclaude
from aclaude.ratelimit import Limits, LocalStore, RateLimiter, max_wait, model_class
from aclaude.testing import FakeAnthropic, OrgLimits, Reply

SONNET = "claude-sonnet-4-5-20250929"


def _params(**extra: object) -> dict[str, object]:
    return {
        "model": SONNET,
        "max_tokens": 64,
        "messages": [{"role": "user", "content": "Hello, Claude"}],
        **extra,
    }


class RecordingStore(LocalStore):
    """The real local store, also remembering every adjustment (charges and give-backs)."""

    def __init__(self) -> None:
        super().__init__()
        self.adjustments: list[tuple[float, float, float]] = []

    def adjust(
        self, key: str, deltas: tuple[float, float, float], capacities: Sequence[float | None]
    ) -> None:
        self.adjustments.append(deltas)
        super().adjust(key, deltas, capacities)  # type: ignore[arg-type]


def test_model_class_groups_dated_and_aliased_models() -> None:
    assert model_class("claude-sonnet-4-5-20250929") == model_class("claude-sonnet-4-6") == "sonnet"
    assert model_class("claude-3-5-haiku-latest") == "haiku"
    assert model_class("my-model-20250101") == "my-model"
    assert model_class(None) == "default"


async def _burst(client: aclaude.Client, calls: int) -> list[object]:
    async with asyncio.timeout(30):
        return await asyncio.gather(
            *(client.messages.create(**_params()) for _ in range(calls)),  # type: ignore[arg-type]
            return_exceptions=True,
        )


@pytest.mark.parametrize("limited", [True, False], ids=["limiter", "no-limiter"])
async def test_learned_limits_keep_a_burst_under_the_org_limit(limited: bool) -> None:
    # 60 requests a minute: a full bucket of 60, then one a second. 63 calls at once.
    org = OrgLimits(requests_per_minute=60)
    limiter = RateLimiter() if limited else None
    async with FakeAnthropic(org_limits=org, deltas=2) as server, aclaude.Client(
        api_key=API_KEY, base_url=server.url, rate_limiter=limiter, max_retries=0
    ) as client:
        results = await _burst(client, 63)
    failures = [r for r in results if isinstance(r, BaseException)]
    if limited:
        assert failures == [] and org.refused == 0
        assert limiter is not None and limiter.stats.waited >= 2
        assert limiter.capacities("sonnet")[0] == 60.0  # learned from the headers
    else:
        assert org.refused >= 2 and all(isinstance(f, aclaude.RateLimitError) for f in failures)


async def test_a_429_pauses_every_request_of_the_budget(server: FakeAnthropic) -> None:
    limiter = RateLimiter(Limits(requests_per_minute=1000))
    server.enqueue(Reply.error(429, "rate_limit_error", "slow down", headers={"retry-after": "1"}))
    async with aclaude.Client(
        api_key=API_KEY, base_url=server.url, rate_limiter=limiter, max_retries=0
    ) as client:
        with pytest.raises(aclaude.RateLimitError):
            await client.messages.create(**_params())  # type: ignore[arg-type]
        state = await limiter.state(SONNET)
        assert 0.5 < state["paused_for"] <= 1.0  # type: ignore[operator]
        async with asyncio.timeout(10):
            await client.messages.create(**_params())  # type: ignore[arg-type]
    first, second = server.requests
    assert second.received_at - first.received_at >= 0.9  # waited out the pause
    assert limiter.stats.paused_by_429 == 1


async def test_max_wait_raises_a_typed_error_without_sending(server: FakeAnthropic) -> None:
    limiter = RateLimiter(Limits(requests_per_minute=1))
    async with aclaude.Client(api_key=API_KEY, base_url=server.url, rate_limiter=limiter) as client:
        await client.messages.create(**_params())  # type: ignore[arg-type]
        with max_wait(0.1), pytest.raises(aclaude.RateLimitWaitError) as caught:
            async with asyncio.timeout(10):
                await client.messages.create(**_params())  # type: ignore[arg-type]
    error = caught.value
    assert isinstance(error, aclaude.APIError)
    assert error.needed is not None and 30 < error.needed <= 60  # a minute for one request
    assert error.state["requests_limit"] == 1.0
    assert len(server.requests) == 1  # nothing was sent
    assert limiter.stats.gave_up == 1


async def test_admission_is_first_come_first_served(server: FakeAnthropic) -> None:
    # 600 a minute with an empty bucket: one admission every 0.1 s, in arrival order.
    store = LocalStore()
    limiter = RateLimiter(Limits(requests_per_minute=600), store=store)
    store.adjust("sonnet", (-600.0, 0.0, 0.0), limiter.capacities("sonnet"))
    async with aclaude.Client(api_key=API_KEY, base_url=server.url, rate_limiter=limiter) as client:
        tasks = []
        for i in range(6):
            tasks.append(
                asyncio.create_task(
                    client.messages.create(**_params(), extra_headers={"x-order": str(i)})  # type: ignore[arg-type]
                )
            )
            await asyncio.sleep(0.01)
        async with asyncio.timeout(10):
            await asyncio.gather(*tasks)
    assert [r.headers["x-order"] for r in server.requests] == [str(i) for i in range(6)]


async def test_cancelled_requests_give_back_their_reservation(server: FakeAnthropic) -> None:
    store = RecordingStore()
    limiter = RateLimiter(Limits(requests_per_minute=1), store=store)
    async with aclaude.Client(api_key=API_KEY, base_url=server.url, rate_limiter=limiter) as client:
        # In flight (the server holds the headers back), then cancelled: the request comes back.
        server.enqueue(Reply.text("late").with_options(delay_headers=5))
        sent = asyncio.create_task(client.messages.create(**_params()))  # type: ignore[arg-type]
        async with asyncio.timeout(5):
            while not server.requests:  # noqa: ASYNC110 - polling the server's record
                await asyncio.sleep(0.01)
        sent.cancel()
        with pytest.raises(asyncio.CancelledError):
            await sent
        assert store.adjustments and store.adjustments[-1][0] == 1.0
        # So the next call is admitted at once; one waiting behind it is cancelled in the queue.
        server.reset()
        async with asyncio.timeout(5):
            await client.messages.create(**_params())  # type: ignore[arg-type]
        queued = asyncio.create_task(client.messages.create(**_params()))  # type: ignore[arg-type]
        await asyncio.sleep(0.05)
        assert (await limiter.state(SONNET))["queued"] == 0  # the head waits on the bucket itself
        queued.cancel()
        with pytest.raises(asyncio.CancelledError):
            await queued
    assert len(server.requests) == 1


async def test_tokens_are_charged_as_they_stream_and_corrected_from_usage(server: FakeAnthropic) -> None:
    store = RecordingStore()
    limits = Limits(input_tokens_per_minute=100_000, output_tokens_per_minute=100_000)
    limiter = RateLimiter(limits, store=store)
    async with aclaude.Client(api_key=API_KEY, base_url=server.url, rate_limiter=limiter) as client:
        # Events 5 ms apart, so that they arrive in many reads.
        paced = {"x-fake-deltas": "30", "x-fake-delay": "0.005"}
        message = await client.messages.create(**_params(), extra_headers=paced)  # type: ignore[arg-type]
        events = 0
        async with client.messages.stream(**_params()) as stream:  # type: ignore[arg-type]
            async for _ in stream:
                events += 1
    assert message.usage.output_tokens == 30
    output_charges = [-d[2] for d in store.adjustments if d[2]]
    assert sum(output_charges) == 30 + 20  # exactly what usage said, for both calls
    assert len(output_charges) > 2  # charged in steps while streaming, not once at the end
    body_estimate = len(server.requests[0].body) // 4
    input_corrections = [d[1] for d in store.adjustments if d[1]]
    assert input_corrections[0] == body_estimate - message.usage.input_tokens


async def test_wait_is_visible_on_errors_and_stats(server: FakeAnthropic) -> None:
    store = LocalStore()
    limiter = RateLimiter(Limits(requests_per_minute=600), store=store)
    store.adjust("sonnet", (-600.0, 0.0, 0.0), limiter.capacities("sonnet"))
    server.enqueue(Reply.error(400, "invalid_request_error", "bad"))
    async with aclaude.Client(api_key=API_KEY, base_url=server.url, rate_limiter=limiter) as client:
        with pytest.raises(aclaude.BadRequestError) as caught:
            async with asyncio.timeout(10):
                await client.messages.create(**_params())  # type: ignore[arg-type]
    assert caught.value.rate_limit_wait > 0.05
    assert limiter.stats.waited == 1 and limiter.stats.wait_percentile(0.5) > 0.05


async def test_other_endpoints_and_copies(server: FakeAnthropic) -> None:
    limiter = RateLimiter(Limits(requests_per_minute=1))
    async with aclaude.Client(api_key=API_KEY, base_url=server.url, rate_limiter=limiter) as client:
        await client.messages.create(**_params())  # type: ignore[arg-type]
        await client.messages.count_tokens(model=SONNET, messages=_params()["messages"])  # type: ignore[arg-type]
        copy = client.with_options(max_retries=0)
        assert copy.rate_limiter is limiter  # one budget for the client and its copies
        with max_wait(0), pytest.raises(aclaude.RateLimitWaitError):
            await copy.messages.create(**_params())  # type: ignore[arg-type]
        assert client.with_options(rate_limiter=None).rate_limiter is None
