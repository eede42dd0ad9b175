"""``with_raw_response`` on every resource: status, headers, request id and rate limits."""

from __future__ import annotations

import asyncio
from typing import Any

import aclaude
from aclaude._http.download import BinaryResponse
from aclaude._http.pagination import AsyncPage
from aclaude._http.raw_response import RawResponse
from aclaude.streaming._batch_results import BatchResults
from aclaude.streaming._completion_stream import CompletionStream
from aclaude.streaming._event_stream import EventStream
from aclaude.testing import FakeAnthropic, Reply

PARAMS = {"model": "claude-test-1", "max_tokens": 10, "messages": [{"role": "user", "content": "hi"}]}


async def test_raw_response_of_create(server: FakeAnthropic, client: aclaude.Client) -> None:
    async with asyncio.timeout(10):
        server.enqueue(Reply.text("Hello there", chunk_chars=3))
        raw = await client.messages.with_raw_response.create(**PARAMS)
        message = await raw.parse()
        assert isinstance(message, aclaude.Message)
        assert message.content[0].text == "Hello there"
        assert raw.status_code == 200
        assert raw.request_id is not None and raw.request_id == message.request_id
        assert raw.headers["content-type"].startswith("text/event-stream")
        assert raw.rate_limits.requests_limit is not None
        assert "sk-ant" not in repr(raw)


async def test_raw_response_of_a_stream(server: FakeAnthropic, client: aclaude.Client) -> None:
    async with asyncio.timeout(10):
        server.enqueue(Reply.text("abc", chunk_chars=1))
        raw = await client.messages.with_raw_response.create(stream=True, **PARAMS)
        async with await raw.parse() as stream:
            texts = [
                ev.delta.text
                async for ev in stream
                if ev.type == "content_block_delta" and ev.delta.type == "text_delta"
            ]
        assert texts == ["a", "b", "c"]
        assert raw.status_code == 200 and raw.request_id == stream.request_id


async def test_raw_response_status_error_is_typed(server: FakeAnthropic, client: aclaude.Client) -> None:
    async with asyncio.timeout(10):
        server.enqueue(Reply.error(404, "not_found_error", "model: nope"))
        try:
            await client.messages.with_raw_response.create(**PARAMS)
        except aclaude.NotFoundError as exc:
            assert exc.status_code == 404
        else:
            raise AssertionError("expected NotFoundError")


# -- every resource: the same methods, returning a RawResponse ---------------------------------

SCHEMA = {"type": "object", "properties": {"name": {"type": "string"}}, "required": ["name"]}


async def check(raw: RawResponse[Any], kind: type) -> Any:
    """The response is the answered one (status, its own request-id header) and parse() is
    the method's ordinary result."""
    assert isinstance(raw, RawResponse)
    assert raw.status_code == 200
    assert raw.request_id is not None and raw.request_id == raw.headers["request-id"]
    result = await raw.parse()
    assert isinstance(result, kind), type(result)
    return result


async def test_every_resource_has_a_raw_twin(server: FakeAnthropic, client: aclaude.Client) -> None:
    async with asyncio.timeout(30):
        model = await check(
            await client.models.with_raw_response.retrieve("claude-sonnet-4-6"), aclaude.ModelInfo
        )
        assert model.id
        page = await check(await client.models.with_raw_response.list(limit=2), AsyncPage)
        assert len(page.data) == 2
        await check(
            await client.beta.models.with_raw_response.retrieve("claude-sonnet-4-6"), aclaude.ModelInfo
        )

        count = await check(
            await client.messages.with_raw_response.count_tokens(
                model=PARAMS["model"], messages=PARAMS["messages"]
            ),
            aclaude.MessageTokensCount,
        )
        assert count.input_tokens > 0
        raw_parsed = await client.messages.with_raw_response.parse(**PARAMS, output_format=SCHEMA)
        parsed = await check(raw_parsed, aclaude.ParsedMessage)
        assert parsed.request_id == raw_parsed.request_id and isinstance(parsed.parsed_output, dict)
        await check(
            await client.beta.messages.with_raw_response.create(**PARAMS, betas=["b1"]), aclaude.Message
        )
        assert server.requests[-1].headers["anthropic-beta"] == "b1"
        events = await check(
            await client.beta.messages.with_raw_response.create(stream=True, **PARAMS), EventStream
        )
        async with events:
            assert [e.type async for e in events][-1] == "message_stop"
        await check(
            await client.beta.messages.with_raw_response.count_tokens(
                model=PARAMS["model"], messages=PARAMS["messages"]
            ),
            aclaude.MessageTokensCount,
        )

        batches = client.messages.with_raw_response.batches
        batch = await check(
            await batches.create(requests=[{"custom_id": "r1", "params": PARAMS}]), aclaude.MessageBatch
        )
        await check(await batches.retrieve(batch.id), aclaude.MessageBatch)
        await check(await client.messages.batches.with_raw_response.list(), AsyncPage)
        results = await check(await batches.results(batch.id), BatchResults)
        async with results:
            assert [r.custom_id async for r in results] == ["r1"]
        await check(
            await client.beta.messages.with_raw_response.batches.cancel(batch.id), aclaude.MessageBatch
        )
        await check(await batches.delete(batch.id), aclaude.DeletedMessageBatch)

        files = client.beta.files.with_raw_response
        meta = await check(await files.upload(file=("a.txt", b"hello", "text/plain")), aclaude.FileMetadata)
        await check(await files.list(), AsyncPage)
        await check(await files.retrieve_metadata(meta.id), aclaude.FileMetadata)
        await check(await files.delete(meta.id), aclaude.DeletedFile)
        made_by_a_tool = server.resources.files.add(100, "result.bin")  # only those download
        download = await check(await files.download(made_by_a_tool["id"]), BinaryResponse)
        assert len(await download.read()) == 100

        completion = await check(
            await client.completions.with_raw_response.create(**COMPLETION), aclaude.Completion
        )
        assert completion.completion and completion.stop_reason
        pieces = await check(
            await client.completions.with_raw_response.create(stream=True, **COMPLETION), CompletionStream
        )
        async with pieces:
            assert "".join([p.completion async for p in pieces]) == completion.completion
        assert "sk-ant" not in repr(page) + repr(model)


async def test_concurrent_raw_calls_each_get_their_own_response(client: aclaude.Client) -> None:
    async with asyncio.timeout(30):
        raws = await asyncio.gather(
            *(client.messages.with_raw_response.parse(**PARAMS, output_format=SCHEMA) for _ in range(20))
        )
        ids = [raw.request_id for raw in raws]
        assert len(set(ids)) == 20
        assert ids == [(await raw.parse()).request_id for raw in raws]
        # Outside a raw call nothing is recorded (and nothing is kept alive by it).
        await client.models.retrieve("claude-sonnet-4-6")


async def test_after_a_retry_the_answering_response_is_reported(
    server: FakeAnthropic, client: aclaude.Client
) -> None:
    async with asyncio.timeout(30):
        server.enqueue(
            Reply.error(529, "overloaded_error", "busy", headers={"retry-after-ms": "1"}), Reply.text("ok")
        )
        raw = await client.messages.with_raw_response.parse(**PARAMS, output_format=None, max_retries=1)
        assert raw.status_code == 200 and raw.request_id == (await raw.parse()).request_id
        assert len(server.requests) == 2


COMPLETION: dict[str, Any] = {
    "model": "claude-2.1",
    "prompt": "\n\nHuman: Hello\n\nAssistant:",
    "max_tokens_to_sample": 16,
}
