"""Legacy Text Completions over loopback HTTP: streamed pieces, the drained non-streaming call,
strict stream ends, in-stream errors, retries before any text, and the wire JSON."""

from __future__ import annotations

from typing import Any

import msgspec
import pytest

import aclaude
from aclaude.testing import FakeAnthropic, Reply

PARAMS: dict[str, Any] = {
    "model": "claude-2.1",
    "prompt": "\n\nHuman: Hello there\n\nAssistant:",
    "max_tokens_to_sample": 256,
}


def sse(events: list[dict[str, Any]]) -> bytes:
    return b"".join(
        b"event: " + e["type"].encode() + b"\ndata: " + msgspec.json.encode(e) + b"\n\n" for e in events
    )


def piece(text: str, stop_reason: str | None = None) -> dict[str, Any]:
    return {
        "type": "completion",
        "id": "compl_01X",
        "completion": text,
        "stop_reason": stop_reason,
        "model": "claude-2.1",
        "stop": "\n\nHuman:" if stop_reason else None,
        "log_id": "compl_01X",
    }


async def test_create_drains_the_stream(client: aclaude.Client, server: FakeAnthropic) -> None:
    completion = await client.completions.create(**PARAMS, extra_headers={"x-fake-deltas": "5"})
    assert isinstance(completion, aclaude.Completion)
    assert completion.type == "completion" and completion.id.startswith("compl_01")
    assert completion.model == "claude-2.1"
    assert completion.stop_reason == "stop_sequence" and completion.stop == "\n\nHuman:"
    assert completion.completion.startswith(" lorem ipsum")
    sent = server.requests[0]
    assert sent.path == "/v1/complete" and sent.json == {**PARAMS, "stream": True}


async def test_stream_yields_pieces(client: aclaude.Client) -> None:
    stream = client.completions.create(**PARAMS, stream=True, extra_headers={"x-fake-echo": "1"})
    assert isinstance(stream, aclaude.CompletionStream)
    pieces = [p async for p in stream]
    assert all(isinstance(p, aclaude.Completion) for p in pieces)
    assert "".join(p.completion for p in pieces) == " Hello there"
    assert [p.stop_reason for p in pieces][-1] == "stop_sequence"
    assert all(p.stop_reason is None for p in pieces[:-1])
    assert stream.request_id and stream.response is not None


async def test_stream_await_first_and_context_manager(client: aclaude.Client) -> None:
    async with await client.completions.create(**PARAMS, stream=True) as stream:
        first = await stream.__anext__()
        assert first.completion


async def test_drained_equals_the_servers_json(client: aclaude.Client, server: FakeAnthropic) -> None:
    events = [{"type": "ping"}, piece(" Hi"), piece(" there"), piece("", "stop_sequence")]
    server.enqueue(Reply.raw(sse(events)), path="/v1/complete")
    completion = await client.completions.create(**PARAMS)
    assert msgspec.to_builtins(completion) == {
        "type": "completion",
        "id": "compl_01X",
        "completion": " Hi there",
        "stop_reason": "stop_sequence",
        "model": "claude-2.1",
        "stop": "\n\nHuman:",
    }


async def test_stream_without_a_stop_reason_is_incomplete(
    client: aclaude.Client, server: FakeAnthropic
) -> None:
    server.enqueue(Reply.raw(sse([piece(" Hi"), piece(" there")])), path="/v1/complete")
    with pytest.raises(aclaude.IncompleteStreamError, match="without a stop_reason") as info:
        await client.completions.create(**PARAMS)
    assert info.value.clean_eof and info.value.events_received == 2


async def test_truncated_and_dropped_streams(client: aclaude.Client) -> None:
    with pytest.raises(aclaude.IncompleteStreamError):
        await client.completions.create(**PARAMS, extra_headers={"x-fake-truncate-after": "3"})
    with pytest.raises(aclaude.IncompleteStreamError) as info:
        await client.completions.create(**PARAMS, extra_headers={"x-fake-drop-after": "3"})
    assert not info.value.clean_eof


async def test_error_event_after_text_is_typed(client: aclaude.Client) -> None:
    got: list[str] = []
    with pytest.raises(aclaude.OverloadedError) as info:
        headers = {"x-fake-error-after": "3", "x-fake-delay": "0.01"}
        async for p in client.completions.create(**PARAMS, stream=True, extra_headers=headers):
            got.append(p.completion)
    assert len(got) == 2 and info.value.status_code == 529


async def test_error_before_any_text_is_retried(server: FakeAnthropic) -> None:
    server.enqueue(
        Reply.raw(
            sse([{"type": "ping"}, {"type": "error", "error": {"type": "overloaded_error", "message": "x"}}])
        ),
        Reply.raw(sse([piece("ok", "stop_sequence")])),
        path="/v1/complete",
    )
    async with aclaude.Client(api_key="k", base_url=server.url, max_retries=1) as client:
        completion = await client.completions.create(**PARAMS)
    assert completion.completion == "ok"
    assert len(server.requests) == 2


async def test_empty_body_is_retried_then_incomplete(server: FakeAnthropic) -> None:
    server.enqueue(Reply.raw(b""), Reply.raw(b""), path="/v1/complete")
    async with aclaude.Client(api_key="k", base_url=server.url, max_retries=1) as client:
        with pytest.raises(aclaude.IncompleteStreamError, match="before any completion"):
            await client.completions.create(**PARAMS)
    assert len(server.requests) == 2


async def test_unknown_events_are_skipped_and_bad_json_is_typed(
    client: aclaude.Client, server: FakeAnthropic
) -> None:
    server.enqueue(
        Reply.raw(sse([{"type": "future_thing", "x": 1}, piece("a", "stop_sequence")])),
        Reply.raw(b"event: completion\ndata: {not json\n\n"),
        path="/v1/complete",
    )
    assert (await client.completions.create(**PARAMS)).completion == "a"
    with pytest.raises(aclaude.APIResponseValidationError, match="not valid"):
        await client.completions.create(**PARAMS)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"prompt": "Hello"}, "must start with"),
        ({"prompt": "\n\nHuman: hi"}, "must end with"),
        ({"max_tokens_to_sample": "many"}, "max_tokens_to_sample"),
    ],
)
async def test_bad_request_is_a_400(client: aclaude.Client, change: dict[str, Any], message: str) -> None:
    params = {k: v for k, v in {**PARAMS, **change}.items() if v is not None}
    with pytest.raises(aclaude.BadRequestError, match=message):
        await client.completions.create(**params)


async def test_missing_required_field_is_a_type_error(client: aclaude.Client, server: FakeAnthropic) -> None:
    params = {k: v for k, v in PARAMS.items() if k != "max_tokens_to_sample"}
    with pytest.raises(TypeError, match="missing 1 required keyword-only argument: 'max_tokens_to_sample'"):
        await client.completions.create(**params)
    assert server.requests == []


async def test_betas_and_extra_body(client: aclaude.Client, server: FakeAnthropic) -> None:
    await client.completions.create(**PARAMS, betas=["x-2025-01-01"], extra_body={"top_k": 5})
    sent = server.requests[0]
    assert sent.headers["anthropic-beta"] == "x-2025-01-01" and sent.json["top_k"] == 5


async def test_non_streaming_json_of_the_fake_matches_the_drained_shape(server: FakeAnthropic) -> None:
    # The fake's own JSON answer (a client that does not stream) has the fields Completion has.
    import aiohttp

    async with aiohttp.ClientSession(headers={"x-api-key": "sk-test"}) as session:
        async with session.post(server.url + "/v1/complete", json=PARAMS) as resp:
            body = await resp.json()
    decoded = msgspec.convert(body, aclaude.Completion)
    assert msgspec.to_builtins(decoded) == body
