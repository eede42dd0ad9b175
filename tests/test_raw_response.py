"""``client.messages.with_raw_response``: status, headers, request id and rate limits."""

from __future__ import annotations

import asyncio

import aclaude
from aclaude.testing import FakeAnthropic, Reply

PARAMS = {"model": "claude-test-1", "max_tokens": 10, "messages": [{"role": "user", "content": "hi"}]}


async def test_raw_response_of_create() -> None:
    async with FakeAnthropic() as server, aclaude.Client(
        api_key="sk-ant-test-not-a-real-key", base_url=server.url, max_retries=0
    ) as client, asyncio.timeout(10):
        server.enqueue(Reply.text("Hello there", chunk_chars=3))
        raw = await client.messages.with_raw_response.create(**PARAMS)
        message = raw.parse()
        assert isinstance(message, aclaude.Message)
        assert message.content[0].text == "Hello there"
        assert raw.status_code == 200
        assert raw.request_id is not None and raw.request_id == message.request_id
        assert raw.headers["content-type"].startswith("text/event-stream")
        assert raw.rate_limits.requests_limit is not None
        assert "sk-ant" not in repr(raw)


async def test_raw_response_of_a_stream() -> None:
    async with FakeAnthropic() as server, aclaude.Client(
        api_key="sk-ant-test-not-a-real-key", base_url=server.url, max_retries=0
    ) as client, asyncio.timeout(10):
        server.enqueue(Reply.text("abc", chunk_chars=1))
        raw = await client.messages.with_raw_response.create(stream=True, **PARAMS)
        async with raw.parse() as stream:
            texts = [
                ev.delta.text
                async for ev in stream
                if ev.type == "content_block_delta" and ev.delta.type == "text_delta"
            ]
        assert texts == ["a", "b", "c"]
        assert raw.status_code == 200 and raw.request_id == stream.request_id


async def test_raw_response_status_error_is_typed() -> None:
    async with FakeAnthropic() as server, aclaude.Client(
        api_key="sk-ant-test-not-a-real-key", base_url=server.url, max_retries=0
    ) as client, asyncio.timeout(10):
        server.enqueue(Reply.error(404, "not_found_error", "model: nope"))
        try:
            await client.messages.with_raw_response.create(**PARAMS)
        except aclaude.NotFoundError as exc:
            assert exc.status_code == 404
        else:
            raise AssertionError("expected NotFoundError")
