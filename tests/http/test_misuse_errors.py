"""Misuse of the library raises aclaude's typed errors (under ``AnthropicError``), which are
also the builtin each replaced, so that older ``except RuntimeError`` clauses keep working."""

from __future__ import annotations

from typing import Any

import pytest
from conftest import API_KEY

import aclaude
from aclaude.testing import FakeAnthropic, Reply


async def test_a_closed_client_raises_client_closed(server: FakeAnthropic, params: dict[str, Any]) -> None:
    client = aclaude.Client(api_key=API_KEY, base_url=server.url, max_retries=0)
    await client.close()
    with pytest.raises(aclaude.ClientClosedError, match="closed") as info:
        await client.messages.create(**params)
    assert isinstance(info.value, RuntimeError) and isinstance(info.value, aclaude.AnthropicError)
    assert server.requests == []


async def test_raw_events_after_iteration_began(
    client: aclaude.Client, server: FakeAnthropic, params: dict[str, Any]
) -> None:
    server.enqueue(Reply.text("abc"))
    async with client.messages.create(stream=True, **params) as stream:
        await stream.__anext__()
        with pytest.raises(aclaude.StreamAlreadyConsumedError, match="before the stream is iterated"):
            stream.raw_events()


async def test_a_stream_closed_before_it_opened(client: aclaude.Client, params: dict[str, Any]) -> None:
    stream = client.messages.create(stream=True, **params)
    await stream.close()
    with pytest.raises(aclaude.StreamAlreadyConsumedError, match="closed before it was opened"):
        await stream.__anext__()


async def test_a_download_read_twice(client: aclaude.Client, server: FakeAnthropic) -> None:
    meta = server.resources.files.add(b"abc", "a.txt")
    response = await client.beta.files.download(meta["id"])
    assert await response.read() == b"abc"
    with pytest.raises(aclaude.StreamAlreadyConsumedError, match="already been read"):
        await response.read()


async def test_next_page_after_the_last(client: aclaude.Client) -> None:
    page = await client.models.list(limit=1000)
    assert not page.has_next_page()
    with pytest.raises(aclaude.NoNextPageError, match="has_next_page"):
        await page.get_next_page()


async def test_an_endpoint_the_platform_does_not_offer() -> None:
    async with aclaude.BedrockClient(
        aws_region="us-east-1", api_key="bedrock-test-not-a-real-key", base_url="http://127.0.0.1:9"
    ) as bedrock:
        with pytest.raises(aclaude.UnsupportedOnPlatformError) as info:
            await bedrock.models.retrieve("claude")
    error = info.value
    assert isinstance(error, NotImplementedError) and not isinstance(error, aclaude.APIError)
    assert (error.feature, error.platform) == ("The Models API", "Amazon Bedrock")
    assert str(error) == "The Models API is not supported on Amazon Bedrock"
