"""``aclaude.FoundryClient`` against ``FakeFoundry`` over loopback HTTP.

Foundry serves the plain API under ``/anthropic``: only the endpoint and the credentials differ
(a Foundry API key, or a Microsoft Entra ID token, fixed or from a provider called per request).
"""

from __future__ import annotations

import threading
from collections.abc import AsyncIterator

import pytest
from _platform_support import hermetic_foundry, params

import aclaude
import aclaude._http.retry
from aclaude.testing import FOUNDRY_API_KEY, FOUNDRY_TOKEN, FakeFoundry, Reply

P = params("claude-sonnet-4-5")


@pytest.fixture(autouse=True)
def _hermetic(monkeypatch: pytest.MonkeyPatch) -> None:
    hermetic_foundry(monkeypatch)
    monkeypatch.setattr(aclaude._http.retry, "INITIAL_RETRY_DELAY", 0.001)


@pytest.fixture
async def fake() -> AsyncIterator[FakeFoundry]:
    async with FakeFoundry() as server:
        yield server


def foundry(fake: FakeFoundry, **kwargs: object) -> aclaude.FoundryClient:
    options: dict[str, object] = {"base_url": fake.url + "/anthropic", "max_retries": 0, **kwargs}
    return aclaude.FoundryClient(**options)  # type: ignore[arg-type]


# -- endpoint ---------------------------------------------------------------------------------------


def test_base_url_from_the_resource() -> None:
    client = aclaude.FoundryClient(resource="my-resource", api_key="k")
    assert client.base_url == "https://my-resource.services.ai.azure.com/anthropic"


def test_endpoint_and_key_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ANTHROPIC_FOUNDRY_RESOURCE", "env-resource")
    monkeypatch.setenv("ANTHROPIC_FOUNDRY_API_KEY", "env-key")
    client = aclaude.FoundryClient()
    assert client.base_url == "https://env-resource.services.ai.azure.com/anthropic"
    assert client._headers["api-key"] == "env-key"
    monkeypatch.setenv("ANTHROPIC_FOUNDRY_BASE_URL", "https://gateway.example.com/anthropic/")
    assert aclaude.FoundryClient().base_url == "https://gateway.example.com/anthropic"


def test_configuration_errors() -> None:
    with pytest.raises(ValueError, match="no Foundry credentials"):
        aclaude.FoundryClient(resource="r")
    with pytest.raises(ValueError, match="no Foundry endpoint"):
        aclaude.FoundryClient(api_key="k")
    with pytest.raises(ValueError, match="resource or base_url"):
        aclaude.FoundryClient(resource="r", base_url="https://x", api_key="k")
    with pytest.raises(ValueError, match="not both"):
        aclaude.FoundryClient(resource="r", api_key="k", azure_ad_token="t")
    with pytest.raises(ValueError, match="not both"):
        aclaude.FoundryClient(resource="r", azure_ad_token="t", azure_ad_token_provider=lambda: "t")


# -- requests ----------------------------------------------------------------------------------------


async def test_api_key_streams_and_non_streams(fake: FakeFoundry) -> None:
    fake.enqueue(Reply.text("Hello from Foundry", chunk_chars=4), Reply.text("streamed"))
    async with foundry(fake, api_key=FOUNDRY_API_KEY) as client:
        message = await client.messages.create(**P)
        async with client.messages.stream(**P) as stream:
            text = "".join([t async for t in stream.text_stream])
        count = await client.messages.count_tokens(model=P["model"], messages=P["messages"])
    assert message.content[0].text == "Hello from Foundry"  # type: ignore[union-attr]
    assert text == "streamed" and count.input_tokens > 0
    request = fake.requests[0]
    assert request.path == "/anthropic/v1/messages"
    assert request.headers["x-api-key"] == request.headers["api-key"] == FOUNDRY_API_KEY
    assert request.headers["anthropic-version"] == "2023-06-01"
    assert "authorization" not in request.headers
    assert fake.requests[2].path == "/anthropic/v1/messages/count_tokens"


async def test_anthropic_api_key_is_never_sent(monkeypatch: pytest.MonkeyPatch, fake: FakeFoundry) -> None:
    monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-ant-must-not-leak")
    fake.enqueue(Reply.text("ok"))
    async with foundry(fake, azure_ad_token=FOUNDRY_TOKEN) as client:
        await client.messages.create(**P)
    request = fake.requests[0]
    assert request.headers["authorization"] == f"Bearer {FOUNDRY_TOKEN}"
    assert "x-api-key" not in request.headers and "api-key" not in request.headers


async def test_sync_token_provider_runs_per_request_in_a_thread(fake: FakeFoundry) -> None:
    on_main_thread: list[bool] = []

    def provider() -> str:
        on_main_thread.append(threading.current_thread() is threading.main_thread())
        return FOUNDRY_TOKEN

    fake.enqueue(Reply.text("a"), Reply.text("b"))
    async with foundry(fake, azure_ad_token_provider=provider) as client:
        await client.messages.create(**P)
        await client.messages.create(**P)
        assert "entra_token_provider" in repr(client)
    assert on_main_thread == [False, False]


async def test_async_token_provider_and_retries(fake: FakeFoundry) -> None:
    tokens = iter([FOUNDRY_TOKEN, FOUNDRY_TOKEN])
    calls = 0

    async def provider() -> str:
        nonlocal calls
        calls += 1
        return next(tokens)

    fake.enqueue(Reply.error(529, "overloaded_error", "Overloaded"), Reply.text("ok"))
    async with foundry(fake, azure_ad_token_provider=provider, max_retries=1) as client:
        await client.messages.create(**P)
    assert calls == 2  # asked again for the retry


async def test_bad_credentials_are_a_401(fake: FakeFoundry) -> None:
    async with foundry(fake, api_key="wrong-key", max_retries=2) as client:
        with pytest.raises(aclaude.AuthenticationError) as info:
            await client.messages.create(**P)
    assert "Access denied due to invalid subscription key" in str(info.value)
    assert "Microsoft Foundry" in str(info.value)
    assert len(fake.requests) == 1
    async with foundry(fake, azure_ad_token="expired-token") as client:
        with pytest.raises(aclaude.AuthenticationError):
            await client.messages.create(**P)


async def test_provider_returning_nothing(fake: FakeFoundry) -> None:
    async with foundry(fake, azure_ad_token_provider=lambda: "") as client:
        with pytest.raises(ValueError, match="non-empty string"):
            await client.messages.create(**P)
    assert fake.requests == []


async def test_unsupported_endpoints_raise_before_sending(fake: FakeFoundry) -> None:
    async with foundry(fake, api_key=FOUNDRY_API_KEY) as client:
        with pytest.raises(
            NotImplementedError, match="Message Batches API is not supported on Microsoft Foundry"
        ):
            await client.messages.batches.create(requests=[])
        with pytest.raises(NotImplementedError, match="Models API"):
            [m async for m in client.models.list()]
        copy = client.with_options(timeout=5)
        assert type(copy) is aclaude.FoundryClient and copy._headers["api-key"] == FOUNDRY_API_KEY
    assert fake.requests == []
