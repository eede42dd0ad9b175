"""``with_streaming_response``: the response's headers before its body, the body as it arrives,
``parse()`` giving what the ordinary method returns, and the connection released on exit."""

from __future__ import annotations

import asyncio
from typing import Any

import aclaude
from aclaude.testing import FakeAnthropic, Reply

PARAMS: dict[str, Any] = {
    "model": "claude-sonnet-4-6",
    "max_tokens": 64,
    "messages": [{"role": "user", "content": "Hello"}],
}


async def test_headers_first_then_the_body_as_it_arrives(
    client: aclaude.Client, server: FakeAnthropic
) -> None:
    # The reply's events come 50 ms apart: the headers are there before the first of them.
    server.enqueue(Reply.text("one two three four", delay_between=0.05))
    async with client.messages.with_streaming_response.create(**PARAMS) as response:
        assert response.status_code == 200 and response.request_id
        assert response.headers["content-type"].startswith("text/event-stream")
        chunks = [chunk async for chunk in response.iter_bytes()]
    assert b"message_stop" not in chunks[0] and len(chunks) > 3  # piece by piece, as sent
    lines = b"".join(chunks).decode().splitlines()
    assert "event: message_start" in lines and "event: message_stop" in lines
    assert len(server.requests) == 1


async def test_parse_gives_the_methods_result(client: aclaude.Client, server: FakeAnthropic) -> None:
    async with client.with_streaming_response.messages.create(**PARAMS) as response:
        message = await response.parse()
    assert isinstance(message, aclaude.Message) and message.stop_reason == "end_turn"
    async with client.messages.with_streaming_response.create(**PARAMS, stream=True) as response:
        events = await response.parse()
        kinds = [event.type async for event in events]
    assert kinds[0] == "message_start" and kinds[-1] == "message_stop"
    async with client.models.with_streaming_response.retrieve("claude-sonnet-4-5") as response:
        model = await response.parse()
    assert isinstance(model, aclaude.ModelInfo)
    async with client.beta.with_streaming_response.models.list(limit=2) as response:
        page = await response.parse()
        assert len(page.data) == 2 and page.has_more
        assert len((await page.get_next_page()).data) == 2
    async with client.messages.with_streaming_response.count_tokens(
        model=PARAMS["model"], messages=PARAMS["messages"]
    ) as response:
        assert (await response.json())["input_tokens"] > 0


async def test_errors_and_retries_are_the_methods(client: aclaude.Client, server: FakeAnthropic) -> None:
    server.enqueue(Reply.error(529, "overloaded_error", "Overloaded"), Reply.text("Hi"), path="/v1/messages")
    async with client.messages.with_streaming_response.create(**PARAMS, max_retries=1) as response:
        assert (await response.parse()).content[0].text == "Hi"  # type: ignore[union-attr]
    assert len(server.requests) == 2  # the retried attempt is the one handed over
    try:
        async with client.models.with_streaming_response.retrieve("no-such-model"):
            raise AssertionError("not reached")
    except aclaude.NotFoundError:
        pass


async def test_exit_releases_the_response(server: FakeAnthropic) -> None:
    # One request in flight at a time: a response not released on exit would block the next.
    async with aclaude.Client(api_key="sk-ant-test", base_url=server.url, max_in_flight=1) as client:
        async with asyncio.timeout(10):
            for _ in range(3):
                async with client.messages.with_streaming_response.create(**PARAMS) as response:
                    assert response.status_code == 200  # body left unread
                async with client.models.with_streaming_response.list() as response:
                    await response.read()
                async for line in _lines(client):
                    assert line is not None
            assert (await client.messages.create(**PARAMS)).stop_reason == "end_turn"


async def _lines(client: aclaude.Client) -> Any:
    async with client.with_streaming_response.messages.create(**PARAMS) as response:
        async for line in response.iter_lines():
            yield line
