"""Client behaviour over real loopback HTTP against ``FakeAnthropic``.

Requests, streaming in all its spellings, the ``messages.stream()`` helper and its callbacks,
error mapping (HTTP statuses, in-stream errors, truncated and dropped streams, refused
connections, malformed bytes, oversized events, redirects), key hygiene, environment
variables and closing. Every wait is bounded by ``asyncio.timeout``; clients are made with
``max_retries=0`` unless a test says otherwise, so one scripted reply is one attempt.
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
import re
import socket
import traceback
from collections.abc import Awaitable, Callable
from typing import Any

import aiohttp
import msgspec
import pytest

import aclaude
from aclaude.testing import FakeAnthropic, Reply, TextBlock, ThinkingBlock, ToolUseBlock

API_KEY = "sk-ant-test-not-a-real-key"
PARAMS: dict[str, Any] = {
    "model": "claude-sonnet-4-6",
    "max_tokens": 1024,
    "messages": [{"role": "user", "content": "Hello, Claude"}],
}
REQUEST_ID_RE = re.compile(r"^req_01[0-9A-Za-z]{22}$")
TIMEOUT = 10.0  # generous bound for any single step; real runs take milliseconds

CHAR_CITATION = {
    "type": "char_location",
    "cited_text": "The grass is green.",
    "document_index": 0,
    "document_title": "Facts",
    "start_char_index": 0,
    "end_char_index": 19,
}
SIGNATURE = "EqQBCkgIBxABGAIiQHRlc3Qtc2lnbmF0dXJl"
TOOL_INPUT = {"city": "Paris", "days": [1, 2, 3], "units": "\u00b0C"}


def rich_reply(**options: Any) -> Reply:
    """Thinking (+ signature), a cited text block and a tool call, in small pieces."""
    return Reply.message(
        [
            ThinkingBlock("Let me think about it.", SIGNATURE, chunk_chars=6),
            TextBlock("The grass is green, said the doc.", chunk_chars=7, citations=[CHAR_CITATION]),
            ToolUseBlock("get_weather", TOOL_INPUT, id="toolu_01TestToolUseId0000000", chunk_chars=9),
        ],
        **options,
    )


def make_client(server: FakeAnthropic, **kwargs: Any) -> aclaude.Client:
    kwargs.setdefault("max_retries", 0)
    return aclaude.Client(api_key=API_KEY, base_url=server.url, **kwargs)


def assert_no_key(*objects: Any) -> None:
    """The API key appears in no str, repr or formatted traceback (chained causes included)."""
    for obj in objects:
        texts = [str(obj), repr(obj)]
        if isinstance(obj, BaseException):
            texts.append("".join(traceback.format_exception(type(obj), obj, obj.__traceback__)))
            texts.append(repr(getattr(obj, "body", None)))
        for text in texts:
            assert API_KEY not in text
            assert "not-a-real-key" not in text


def assert_api_error(exc: BaseException) -> None:
    """An aclaude error, never a raw aiohttp / msgspec / OS exception."""
    assert isinstance(exc, aclaude.APIError)
    assert not isinstance(exc, (aiohttp.ClientError, msgspec.MsgspecError, OSError))
    assert_no_key(exc)


# -- how a call can be made: the three entry points -------------------------------------------

Call = Callable[[aclaude.Client], Awaitable[Any]]


async def call_create(client: aclaude.Client, **kw: Any) -> Any:
    return await client.messages.create(**PARAMS, **kw)


async def call_create_stream(client: aclaude.Client, **kw: Any) -> Any:
    stream = client.messages.create(stream=True, **PARAMS, **kw)
    try:
        return [event async for event in stream]
    finally:
        await stream.close()


async def call_stream(client: aclaude.Client, **kw: Any) -> Any:
    async with client.messages.stream(**PARAMS, **kw) as stream:
        return await stream.get_final_message()


CALLS = {"create": call_create, "create_stream": call_create_stream, "stream": call_stream}
ACCUMULATING = {"create", "stream"}  # the calls that build a message (and so a partial_message)


async def raises_from(call: Call, client: aclaude.Client, expected: type[BaseException]) -> Any:
    async with asyncio.timeout(TIMEOUT):
        with pytest.raises(expected) as info:
            await call(client)
    assert_api_error(info.value)
    return info.value


# -- requests ---------------------------------------------------------------------------------


async def test_create_returns_message_and_sends_what_the_api_expects(
    server: FakeAnthropic, client: aclaude.Client
) -> None:
    server.enqueue(Reply.text("Hello there, human."))
    async with asyncio.timeout(TIMEOUT):
        message = await client.messages.create(
            **PARAMS,
            system="Be brief.",
            extra_headers={"X-Custom-Header": "custom-value", "anthropic-beta": "files-api-2025-04-14"},
            extra_body={"metadata": {"user_id": "user-123"}, "temperature": 0.5},
            extra_query={"trace": "yes"},
        )
    assert isinstance(message, aclaude.Message)
    assert [type(b) for b in message.content] == [aclaude.TextBlock]
    assert message.content[0].text == "Hello there, human."
    assert message.stop_reason == "end_turn" and message.role == "assistant"
    assert message.usage.output_tokens > 0
    assert message.request_id is not None and REQUEST_ID_RE.match(message.request_id)

    (request,) = server.requests
    assert request.method == "POST" and request.path == "/v1/messages"
    assert request.json["stream"] is True  # non-streaming create() is a drained stream
    assert request.json["model"] == PARAMS["model"] and request.json["max_tokens"] == 1024
    assert request.json["messages"] == PARAMS["messages"]
    assert request.json["system"] == "Be brief."
    assert request.json["metadata"] == {"user_id": "user-123"} and request.json["temperature"] == 0.5
    assert request.headers["x-api-key"] == API_KEY
    assert request.headers["anthropic-version"] == "2023-06-01"
    assert request.headers["content-type"].startswith("application/json")
    assert request.headers["x-custom-header"] == "custom-value"
    assert request.headers["anthropic-beta"] == "files-api-2025-04-14"
    assert request.query == {"trace": "yes"}
    assert "authorization" not in request.headers


async def test_request_id_comes_from_the_response_header(
    server: FakeAnthropic, client: aclaude.Client
) -> None:
    rid = "req_011CTestRequestIdFromHeader"
    reply = dataclasses.replace(Reply.text("hi"), headers={"request-id": rid})
    server.enqueue(reply, reply, reply)
    async with asyncio.timeout(TIMEOUT):
        assert (await client.messages.create(**PARAMS)).request_id == rid
        stream = await client.messages.create(stream=True, **PARAMS)
        assert stream.request_id == rid
        await stream.close()
        async with client.messages.stream(**PARAMS) as s:
            assert s.request_id == rid
            assert (await s.get_final_message()).request_id == rid


# -- create(stream=True) ----------------------------------------------------------------------


def assert_text_event_sequence(events: list[Any], text: str) -> None:
    kinds = [type(e) for e in events]
    assert kinds[:3] == [aclaude.RawMessageStartEvent, aclaude.RawContentBlockStartEvent, aclaude.PingEvent]
    assert kinds[-3:] == [
        aclaude.RawContentBlockStopEvent,
        aclaude.RawMessageDeltaEvent,
        aclaude.RawMessageStopEvent,
    ]
    deltas = events[3:-3]
    assert deltas and all(isinstance(e, aclaude.RawContentBlockDeltaEvent) for e in deltas)
    assert all(isinstance(e.delta, aclaude.TextDelta) for e in deltas)
    assert "".join(e.delta.text for e in deltas) == text
    assert [e.type for e in events][:2] == ["message_start", "content_block_start"]
    assert events[0].message.content == [] and events[-2].delta.stop_reason == "end_turn"


async def test_create_stream_iterated_directly(server: FakeAnthropic, client: aclaude.Client) -> None:
    server.enqueue(Reply.text("streamed text, directly", chunk_chars=4))
    stream = client.messages.create(stream=True, **PARAMS)
    assert isinstance(stream, aclaude.EventStream)
    assert server.requests == []  # nothing is sent before first use
    async with asyncio.timeout(TIMEOUT):
        events = [e async for e in stream]
    assert_text_event_sequence(events, "streamed text, directly")
    assert REQUEST_ID_RE.match(stream.request_id or "")
    assert server.requests[0].json["stream"] is True


async def test_create_stream_awaited_first(server: FakeAnthropic, client: aclaude.Client) -> None:
    server.enqueue(Reply.text("awaited then iterated", chunk_chars=5))
    async with asyncio.timeout(TIMEOUT):
        stream = await client.messages.create(stream=True, **PARAMS)
        assert len(server.requests) == 1 and stream.request_id is not None
        assert stream.response is not None and stream.response.status == 200
        events = [e async for e in stream]
        await stream.close()
    assert_text_event_sequence(events, "awaited then iterated")


async def test_create_stream_as_context_manager(server: FakeAnthropic, client: aclaude.Client) -> None:
    server.enqueue(Reply.text("in a with block", chunk_chars=3))
    async with asyncio.timeout(TIMEOUT):
        async with client.messages.create(stream=True, **PARAMS) as stream:
            events = [e async for e in stream]
    assert_text_event_sequence(events, "in a with block")


async def test_create_stream_status_error_on_await(server: FakeAnthropic, client: aclaude.Client) -> None:
    server.enqueue(Reply.error(400, "invalid_request_error", "max_tokens: field required"))
    async with asyncio.timeout(TIMEOUT):
        with pytest.raises(aclaude.BadRequestError):
            await client.messages.create(stream=True, **PARAMS)


async def test_early_break_releases_the_connection(server: FakeAnthropic) -> None:
    """50 streams abandoned early through a pool of 2: a leaked connection would make a later
    request wait forever for a free slot; a stream read to its end (instead of dropped) would
    take 2 s each (200 deltas, 10 ms apart)."""
    slow = {"x-fake-deltas": "200", "x-fake-delay": "0.01"}
    async with make_client(server, max_connections=2) as client, asyncio.timeout(20):
        for i in range(50):
            if i % 3 == 0:
                stream = client.messages.create(stream=True, **PARAMS, extra_headers=slow)
                async for event in stream:
                    if isinstance(event, aclaude.RawContentBlockDeltaEvent):
                        break
                await stream.close()
            elif i % 3 == 1:
                async with client.messages.create(stream=True, **PARAMS, extra_headers=slow) as stream:
                    async for event in stream:
                        if isinstance(event, aclaude.RawContentBlockDeltaEvent):
                            break
            else:
                async with client.messages.stream(**PARAMS, extra_headers=slow) as ms:
                    async for _text in ms.text_stream:
                        break
        async with asyncio.timeout(2):
            message = await client.messages.create(**PARAMS, extra_headers={"x-fake-deltas": "3"})
    assert len(message.content[0].text) > 0
    assert len(server.requests) == 51


# -- messages.stream(): callbacks ---------------------------------------------------------------


def _recorder(log: list[tuple[str, tuple[Any, ...]]], name: str, is_async: bool) -> Callable[..., Any]:
    if is_async:

        async def async_listener(*args: Any) -> None:
            await asyncio.sleep(0)
            log.append((name, args))

        return async_listener

    def listener(*args: Any) -> None:
        log.append((name, args))

    return listener


CALLBACK_NAMES = [
    "stream_event",
    "text",
    "thinking",
    "signature",
    "input_json",
    "citation",
    "content_block",
    "message",
    "final_message",
    "error",
    "end",
]


def expected_callback_names(thinking: list[str], text: list[str], tool: list[str]) -> list[str]:
    """The order of callbacks for ``rich_reply()``'s events (see aclaude.testing: a ping after
    the first block's start; a citations_delta before the text deltas)."""
    names = ["stream_event"]  # message_start
    names += ["stream_event", "stream_event"]  # thinking block start, ping
    names += ["stream_event", "thinking"] * len(thinking)
    names += ["stream_event", "signature", "stream_event", "content_block"]
    names += ["stream_event", "stream_event", "citation"]  # text block start, citations_delta
    names += ["stream_event", "text"] * len(text) + ["stream_event", "content_block"]
    names += ["stream_event"] + ["stream_event", "input_json"] * len(tool) + ["stream_event", "content_block"]
    names += ["stream_event"]  # message_delta
    names += ["stream_event", "message", "final_message", "end"]
    return names


def pieces(text: str, n: int) -> list[str]:
    return [text[i : i + n] for i in range(0, len(text), n)]


async def run_with_callbacks(
    client: aclaude.Client, mode: Callable[[str], bool]
) -> tuple[list[tuple[str, tuple[Any, ...]]], aclaude.Message]:
    log: list[tuple[str, tuple[Any, ...]]] = []
    async with asyncio.timeout(TIMEOUT), client.messages.stream(**PARAMS) as stream:
        for name in CALLBACK_NAMES:
            assert stream.on(name, _recorder(log, name, mode(name))) is stream
        message = await stream.get_final_message()
    return log, message


@pytest.mark.parametrize(
    "mode",
    [
        pytest.param(lambda name: False, id="sync"),
        pytest.param(lambda name: True, id="async"),
        pytest.param(lambda name: name in ("text", "thinking", "content_block", "end"), id="mixed"),
        pytest.param(
            lambda name: name not in ("text", "thinking", "content_block", "end"),
            id="mixed-async-first",
        ),
    ],
)
async def test_stream_callbacks(
    server: FakeAnthropic, client: aclaude.Client, mode: Callable[[str], bool]
) -> None:
    server.enqueue(rich_reply())
    log, message = await run_with_callbacks(client, mode)

    thinking = pieces("Let me think about it.", 6)
    text = pieces("The grass is green, said the doc.", 7)
    tool_json = json.dumps(TOOL_INPUT, ensure_ascii=False, separators=(",", ":"))
    tool = pieces(tool_json, 9)
    assert [name for name, _ in log] == expected_callback_names(thinking, text, tool)

    def args_of(name: str) -> list[tuple[Any, ...]]:
        return [args for n, args in log if n == name]

    # text(delta, snapshot): the snapshot is the block's text up to that delta (a lazy view,
    # read here after the stream ended: it must stay fixed at its event).
    assert [d for d, _ in args_of("text")] == text
    assert [str(s) for _, s in args_of("text")] == ["".join(text[: i + 1]) for i in range(len(text))]
    assert all(s == "".join(text[: i + 1]) for i, (_, s) in enumerate(args_of("text")))
    assert [d for d, _ in args_of("thinking")] == thinking
    assert [str(s) for _, s in args_of("thinking")] == [
        "".join(thinking[: i + 1]) for i in range(len(thinking))
    ]
    assert args_of("signature") == [(SIGNATURE,)]

    # input_json(partial_json, snapshot): snapshot.parsed() is the partial tool input.
    assert [p for p, _ in args_of("input_json")] == tool
    assert [str(s) for _, s in args_of("input_json")] == ["".join(tool[: i + 1]) for i in range(len(tool))]
    assert args_of("input_json")[-1][1].parsed() == TOOL_INPUT
    partial = [s.parsed() for _, s in args_of("input_json")[:3]]
    assert partial == [{"city": ""}, {"city": "Paris"}, {"city": "Paris", "days": [1, 2]}]

    ((citation, citations),) = args_of("citation")
    assert msgspec.to_builtins(citation) == CHAR_CITATION
    assert [msgspec.to_builtins(c) for c in citations] == [CHAR_CITATION]

    blocks = [args[0] for args in args_of("content_block")]
    assert [b.type for b in blocks] == ["thinking", "text", "tool_use"]
    assert blocks[0].thinking == "Let me think about it." and blocks[0].signature == SIGNATURE
    assert blocks[1].text == "The grass is green, said the doc."
    assert blocks[2].input == TOOL_INPUT and blocks[2].name == "get_weather"

    assert args_of("message") == [(message,)] and args_of("final_message") == [(message,)]
    assert args_of("end") == [()] and args_of("error") == []
    events = [args[0] for args in args_of("stream_event")]
    assert isinstance(events[0], aclaude.RawMessageStartEvent)
    assert isinstance(events[-1], aclaude.RawMessageStopEvent)
    assert sum(isinstance(e, aclaude.PingEvent) for e in events) == 1
    assert all(isinstance(args[1], aclaude.Message) for args in args_of("stream_event"))
    assert msgspec.to_builtins(message.content) == msgspec.to_builtins(blocks)


async def test_connect_callback_can_be_registered(server: FakeAnthropic, client: aclaude.Client) -> None:
    server.enqueue(Reply.text("hi"))
    log: list[str] = []
    manager = client.messages.stream(**PARAMS)
    manager.on("connect", lambda: log.append("connect"))
    async with asyncio.timeout(TIMEOUT), manager as stream:
        stream.on("end", lambda: log.append("end"))
        await stream.until_done()
    assert log == ["connect", "end"]


async def test_unknown_callback_name_is_rejected(server: FakeAnthropic, client: aclaude.Client) -> None:
    server.enqueue(Reply.text("hi"))
    async with asyncio.timeout(TIMEOUT), client.messages.stream(**PARAMS) as stream:
        with pytest.raises(ValueError, match="unknown event"):
            stream.on("txt", lambda *a: None)
        await stream.until_done()


# -- messages.stream(): consumption -------------------------------------------------------------


async def test_stream_iteration_yields_raw_and_derived_events(
    server: FakeAnthropic, client: aclaude.Client
) -> None:
    server.enqueue(rich_reply())
    seen: list[Any] = []
    async with asyncio.timeout(TIMEOUT), client.messages.stream(**PARAMS) as stream:
        assert stream.current_message_snapshot is None  # nothing consumed yet
        async for event in stream:
            seen.append(event)
            if isinstance(event, aclaude.TextEvent):
                # The snapshot mid-stream holds the text so far.
                snapshot = stream.current_message_snapshot
                assert snapshot is not None
                assert snapshot.content[1].text == str(event.snapshot)
                assert snapshot.stop_reason is None
        final = await stream.get_final_message()

    kinds = [type(e) for e in seen]
    # Every raw delta is followed by its derived event.
    for i, event in enumerate(seen):
        if isinstance(event, aclaude.RawContentBlockDeltaEvent):
            derived = {
                aclaude.TextDelta: aclaude.TextEvent,
                aclaude.ThinkingDelta: aclaude.ThinkingEvent,
                aclaude.SignatureDelta: aclaude.SignatureEvent,
                aclaude.InputJSONDelta: aclaude.InputJsonEvent,
                aclaude.CitationsDelta: aclaude.CitationEvent,
            }[type(event.delta)]
            assert kinds[i + 1] is derived
    text_events = [e for e in seen if isinstance(e, aclaude.TextEvent)]
    assert "".join(e.text for e in text_events) == "The grass is green, said the doc."
    assert str(text_events[-1].snapshot) == "The grass is green, said the doc."
    json_events = [e for e in seen if isinstance(e, aclaude.InputJsonEvent)]
    assert json_events[-1].snapshot == TOOL_INPUT
    thinking_events = [e for e in seen if isinstance(e, aclaude.ThinkingEvent)]
    assert str(thinking_events[-1].snapshot) == "Let me think about it."
    assert [e.signature for e in seen if isinstance(e, aclaude.SignatureEvent)] == [SIGNATURE]
    (citation_event,) = [e for e in seen if isinstance(e, aclaude.CitationEvent)]
    assert msgspec.to_builtins(citation_event.citation) == CHAR_CITATION

    stops = [e for e in seen if isinstance(e, aclaude.ContentBlockStopEvent)]
    assert [e.index for e in stops] == [0, 1, 2]
    assert all(isinstance(e, aclaude.RawContentBlockStopEvent) for e in stops)
    assert [e.content_block.type for e in stops] == ["thinking", "text", "tool_use"]
    assert stops[2].content_block.input == TOOL_INPUT
    assert isinstance(seen[-1], aclaude.MessageStopEvent) and seen[-1].message is final
    assert isinstance(seen[0], aclaude.RawMessageStartEvent)
    assert aclaude.PingEvent in kinds and aclaude.RawMessageDeltaEvent in kinds
    assert [b.type for b in final.content] == ["thinking", "text", "tool_use"]


async def test_text_stream_final_text_and_until_done(server: FakeAnthropic, client: aclaude.Client) -> None:
    two_texts = Reply.message(
        [TextBlock("First part. ", chunk_chars=5), ToolUseBlock("noop", {}), TextBlock("Second.")]
    )
    server.enqueue(two_texts, two_texts, two_texts)
    async with asyncio.timeout(TIMEOUT):
        async with client.messages.stream(**PARAMS) as stream:
            texts = [t async for t in stream.text_stream]
            assert await stream.get_final_text() == "First part. Second."
        assert texts == ["First", " part", ". ", "Second."]

        async with client.messages.stream(**PARAMS) as stream:
            assert await stream.get_final_text() == "First part. Second."

        ended: list[str] = []
        async with client.messages.stream(**PARAMS) as stream:
            stream.on("end", lambda: ended.append("end"))
            assert await stream.until_done() is None
            assert ended == ["end"]
            await stream.until_done()  # idempotent
            assert ended == ["end"]
            message = await stream.get_final_message()
            assert message.stop_reason == "tool_use"
            assert stream.current_message_snapshot is message


async def test_text_stream_then_final_message_picks_up(server: FakeAnthropic, client: aclaude.Client) -> None:
    # One write: the whole body is buffered in the client when the race below is run.
    server.enqueue(Reply.text("one two three four five six seven eight", chunk_chars=4, chunking=65536))
    seen: list[str] = []

    async def on_text(delta: str, snapshot: Any) -> None:
        await asyncio.sleep(0)  # let the loop run between events (as any real callback does)
        seen.append(delta)

    async with asyncio.timeout(TIMEOUT), client.messages.stream(**PARAMS) as stream:
        stream.on("text", on_text)
        first = []
        async for text in stream.text_stream:
            first.append(text)
            if len(first) == 2:
                break
        message = await stream.get_final_message()
    assert message.content[0].text == "one two three four five six seven eight"


async def test_callback_that_raises_propagates_and_closes_the_connection(server: FakeAnthropic) -> None:
    server.enqueue(Reply.text("word " * 2000, chunk_chars=5))
    ended: list[str] = []

    def boom(delta: str, snapshot: Any) -> None:
        if len(snapshot) > 20:
            raise ValueError("callback failed")

    async with make_client(server, max_connections=1) as client, asyncio.timeout(TIMEOUT):
        async with client.messages.stream(**PARAMS) as stream:
            stream.on("text", boom).on("end", lambda: ended.append("end"))
            with pytest.raises(ValueError, match="callback failed"):
                await stream.get_final_message()
        # The only pooled connection was dropped, not leaked: the next request gets one.
        async with asyncio.timeout(2):
            message = await client.messages.create(**PARAMS, extra_headers={"x-fake-deltas": "2"})
    assert message.stop_reason == "end_turn"


async def test_async_callback_that_raises_propagates(server: FakeAnthropic, client: aclaude.Client) -> None:
    server.enqueue(Reply.text("some text to stream", chunk_chars=3))

    async def boom(block: Any) -> None:
        raise RuntimeError("async callback failed")

    async with asyncio.timeout(TIMEOUT), client.messages.stream(**PARAMS) as stream:
        stream.on("content_block", boom)
        with pytest.raises(RuntimeError, match="async callback failed"):
            async for _event in stream:
                pass


async def test_events_handed_out_are_not_mutated_later(server: FakeAnthropic, client: aclaude.Client) -> None:
    server.enqueue(rich_reply())
    seen: list[tuple[Any, Any]] = []
    async with asyncio.timeout(TIMEOUT), client.messages.stream(**PARAMS) as stream:
        async for event in stream:
            if isinstance(event, aclaude.RawContentBlockStartEvent):
                seen.append((event, msgspec.to_builtins(event)))
    assert seen[1][1]["content_block"] == {"type": "text", "text": "", "citations": []}
    for event, at_the_time in seen:
        assert msgspec.to_builtins(event) == at_the_time


# -- errors: HTTP statuses ----------------------------------------------------------------------

STATUS_ERRORS = [
    (400, "invalid_request_error", aclaude.BadRequestError),
    (401, "authentication_error", aclaude.AuthenticationError),
    (403, "permission_error", aclaude.PermissionDeniedError),
    (404, "not_found_error", aclaude.NotFoundError),
    (409, "conflict_error", aclaude.ConflictError),
    (413, "request_too_large", aclaude.RequestTooLargeError),
    (422, "invalid_request_error", aclaude.UnprocessableEntityError),
    (429, "rate_limit_error", aclaude.RateLimitError),
    (500, "api_error", aclaude.InternalServerError),
    (503, "api_error", aclaude.ServiceUnavailableError),
    (529, "overloaded_error", aclaude.OverloadedError),
]


@pytest.mark.parametrize("call_name", list(CALLS))
@pytest.mark.parametrize(
    ("status", "error_type", "cls"), STATUS_ERRORS, ids=[str(s[0]) for s in STATUS_ERRORS]
)
async def test_http_error_statuses(
    server: FakeAnthropic,
    client: aclaude.Client,
    call_name: str,
    status: int,
    error_type: str,
    cls: type[aclaude.APIStatusError],
) -> None:
    server.enqueue(Reply.error(status, error_type, f"scripted {status}"))
    exc = await raises_from(CALLS[call_name], client, cls)
    assert type(exc) is cls
    assert isinstance(exc, aclaude.APIStatusError)
    assert exc.status_code == status
    assert exc.type == error_type
    assert REQUEST_ID_RE.match(exc.request_id or "")
    assert exc.body == {
        "type": "error",
        "error": {"type": error_type, "message": f"scripted {status}"},
        "request_id": exc.request_id,
    }
    assert f"scripted {status}" in str(exc)
    assert exc.events_received == 0
    assert len(server.requests) == 1  # max_retries=0: one attempt


# -- errors: inside the stream ------------------------------------------------------------------

TRUNCATED_TEXT = "Hello big world of streams"  # in 4-char deltas: "Hell", "o bi", "g wo", ...


@pytest.mark.parametrize("call_name", list(CALLS))
async def test_error_event_mid_stream_is_typed(
    server: FakeAnthropic, client: aclaude.Client, call_name: str
) -> None:
    # message_start, content_block_start, ping, 3 deltas, then `event: error` overloaded_error;
    # paced so that the content arrives in reads of its own before the error.
    server.enqueue(Reply.text(TRUNCATED_TEXT, chunk_chars=4, error_event_after=6, delay_between=0.01))
    exc = await raises_from(CALLS[call_name], client, aclaude.OverloadedError)
    assert type(exc) is aclaude.OverloadedError  # not a generic APIStatusError with status 200
    assert exc.status_code == 529 and exc.type == "overloaded_error"
    assert exc.body["error"] == {"type": "overloaded_error", "message": "Overloaded"}
    assert exc.events_received >= 6
    assert REQUEST_ID_RE.match(exc.request_id or "")
    if call_name in ACCUMULATING:
        assert isinstance(exc.partial_message, aclaude.Message)
        assert exc.partial_message.content[0].text == "Hello big wo"
        assert exc.partial_message.stop_reason is None


async def test_error_event_fires_error_and_end_callbacks(
    server: FakeAnthropic, client: aclaude.Client
) -> None:
    server.enqueue(Reply.text(TRUNCATED_TEXT, chunk_chars=4, error_event_after=6, delay_between=0.01))
    log: list[Any] = []
    async with asyncio.timeout(TIMEOUT), client.messages.stream(**PARAMS) as stream:
        stream.on("error", lambda exc: log.append(("error", exc)))
        stream.on("end", lambda: log.append(("end",)))
        stream.on("final_message", lambda m: log.append(("final_message", m)))
        with pytest.raises(aclaude.OverloadedError) as info:
            await stream.until_done()
        with pytest.raises(aclaude.OverloadedError):  # and again: the stream stays failed
            await stream.get_final_message()
    assert log == [("error", info.value), ("end",)]
    assert info.value.partial_message.content[0].text == "Hello big wo"


def sse(*events: dict[str, Any]) -> bytes:
    return b"".join(
        b"event: " + e["type"].encode() + b"\ndata: " + json.dumps(e).encode() + b"\n\n" for e in events
    )


CONTENT_THEN_ERROR = sse(
    {
        "type": "message_start",
        "message": {
            "id": "msg_01ContentThenError00000",
            "type": "message",
            "role": "assistant",
            "model": "claude-sonnet-4-6",
            "content": [],
            "stop_reason": None,
            "stop_sequence": None,
            "usage": {"input_tokens": 5, "output_tokens": 1},
        },
    },
    {"type": "content_block_start", "index": 0, "content_block": {"type": "text", "text": ""}},
    {"type": "content_block_delta", "index": 0, "delta": {"type": "text_delta", "text": "Already said"}},
    {"type": "error", "error": {"type": "overloaded_error", "message": "Overloaded"}},
)


@pytest.mark.parametrize("call_name", sorted(ACCUMULATING))
async def test_error_event_after_content_in_one_read_without_retries(
    server: FakeAnthropic, call_name: str
) -> None:
    # The whole body in one write: the client reads content and error together, before it
    # handed anything out. With no retry left, the error carries the content that arrived.
    server.enqueue(Reply.raw(CONTENT_THEN_ERROR))
    async with make_client(server, max_retries=0) as client:
        exc = await raises_from(CALLS[call_name], client, aclaude.OverloadedError)
    assert len(server.requests) == 1
    assert exc.events_received == 4
    assert exc.partial_message.content[0].text == "Already said"


async def test_error_event_after_content_in_one_read_is_retried(server: FakeAnthropic) -> None:
    # Nothing had been handed to the caller, so the failure is retried like an HTTP 529, and
    # the caller sees one clean stream (the rule in aclaude/_http/retry.py: an error event
    # before any content event was handed to the caller is retried).
    server.enqueue(Reply.raw(CONTENT_THEN_ERROR), Reply.text("the answer"))
    async with make_client(server, max_retries=1) as client, asyncio.timeout(TIMEOUT):
        async with client.messages.stream(**PARAMS) as stream:
            kinds = [event.type async for event in stream]
            message = await stream.get_final_message()
    assert len(server.requests) == 2
    assert kinds.count("message_start") == 1
    assert message.content[0].text == "the answer"


@pytest.mark.parametrize("call_name", list(CALLS))
async def test_clean_eof_without_message_stop(
    server: FakeAnthropic, client: aclaude.Client, call_name: str
) -> None:
    server.enqueue(Reply.text(TRUNCATED_TEXT, chunk_chars=4, truncate_after=6))
    exc = await raises_from(CALLS[call_name], client, aclaude.IncompleteStreamError)
    assert isinstance(exc, aclaude.APIConnectionError)
    assert exc.clean_eof is True
    assert exc.events_received == 6
    assert REQUEST_ID_RE.match(exc.request_id or "")
    if call_name in ACCUMULATING:
        assert exc.partial_message.content[0].text == "Hello big wo"
        assert exc.partial_message.stop_reason is None


@pytest.mark.parametrize("call_name", list(CALLS))
async def test_dropped_connection_mid_stream(
    server: FakeAnthropic, client: aclaude.Client, call_name: str
) -> None:
    server.enqueue(Reply.text(TRUNCATED_TEXT, chunk_chars=4, drop_after=6))
    exc = await raises_from(CALLS[call_name], client, aclaude.IncompleteStreamError)
    assert isinstance(exc, aclaude.APIConnectionError)
    assert exc.clean_eof is False
    assert exc.events_received == 6
    if call_name in ACCUMULATING:
        assert exc.partial_message.content[0].text == "Hello big wo"


@pytest.mark.parametrize("call_name", list(CALLS))
async def test_connection_refused(call_name: str) -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    # Nothing listens on the port now.
    async with aclaude.Client(api_key=API_KEY, base_url=f"http://127.0.0.1:{port}", max_retries=0) as client:
        exc = await raises_from(CALLS[call_name], client, aclaude.APIConnectionError)
    assert not isinstance(exc, (aclaude.APITimeoutError, aclaude.IncompleteStreamError))
    assert exc.events_received == 0


MESSAGE_START = (
    b'event: message_start\ndata: {"type":"message_start","message":{"id":"msg_01Bad","type":"message",'
    b'"role":"assistant","model":"claude-sonnet-4-6","content":[],"stop_reason":null,'
    b'"stop_sequence":null,"usage":{"input_tokens":5,"output_tokens":1}}}\n\n'
    b'event: content_block_start\ndata: {"type":"content_block_start","index":0,'
    b'"content_block":{"type":"text","text":""}}\n\n'
    b'event: content_block_delta\ndata: {"type":"content_block_delta","index":0,'
    b'"delta":{"type":"text_delta","text":"fine so far"}}\n\n'
)
BAD_BODIES = {
    "not-json": MESSAGE_START + b'event: content_block_delta\ndata: {"type": "content_block_del\n\n',
    "invalid-utf8": MESSAGE_START
    + b'event: content_block_delta\ndata: {"type":"content_block_delta","index":0,'
    b'"delta":{"type":"text_delta","text":"bad \xff\xfe bytes"}}\n\n',
    "wrong-shape": MESSAGE_START
    + b'event: content_block_delta\ndata: {"type":"content_block_delta","index":"0"}\n\n',
    "no-type": MESSAGE_START + b"event: content_block_delta\ndata: [1, 2, 3]\n\n",
    "delta-before-start": MESSAGE_START
    + b'event: content_block_delta\ndata: {"type":"content_block_delta","index":5,'
    b'"delta":{"type":"text_delta","text":"x"}}\n\n',
    "bad-tool-json": MESSAGE_START
    + b'event: content_block_stop\ndata: {"type":"content_block_stop","index":0}\n\n'
    b'event: content_block_start\ndata: {"type":"content_block_start","index":1,'
    b'"content_block":{"type":"tool_use","id":"toolu_01X","name":"f","input":{}}}\n\n'
    b'event: content_block_delta\ndata: {"type":"content_block_delta","index":1,'
    b'"delta":{"type":"input_json_delta","partial_json":"{\\"a\\": nope"}}\n\n'
    b'event: content_block_stop\ndata: {"type":"content_block_stop","index":1}\n\n',
}


# Event order and tool JSON are checked by the calls that build a message; a raw
# create(stream=True) hands the events out as they are.
_MALFORMED_CASES = [
    (kind, call_name)
    for kind in BAD_BODIES
    for call_name in CALLS
    if not (kind in ("delta-before-start", "bad-tool-json") and call_name not in ACCUMULATING)
]


@pytest.mark.parametrize(("kind", "call_name"), _MALFORMED_CASES)
async def test_malformed_stream_data(
    server: FakeAnthropic, client: aclaude.Client, call_name: str, kind: str
) -> None:
    server.enqueue(Reply.raw(BAD_BODIES[kind], chunking=5))
    await raises_from(CALLS[call_name], client, aclaude.APIResponseValidationError)


@pytest.mark.parametrize("call_name", list(CALLS))
async def test_event_over_max_event_bytes(server: FakeAnthropic, call_name: str) -> None:
    server.enqueue(Reply.text("x" * 10_000, chunk_chars=10_000))
    async with make_client(server, max_event_bytes=4096) as client:
        await raises_from(CALLS[call_name], client, aclaude.APIResponseValidationError)


async def test_endless_line_is_bounded(server: FakeAnthropic) -> None:
    server.enqueue(Reply.raw(MESSAGE_START + b"data: " + b"a" * 100_000, chunking=4096))
    async with make_client(server, max_event_bytes=8192) as client:
        exc = await raises_from(call_create_stream, client, aclaude.APIResponseValidationError)
    assert "8192" in str(exc)


@pytest.mark.parametrize("status", [301, 302, 303, 307, 308])
async def test_redirect_to_another_host_is_not_followed(server: FakeAnthropic, status: int) -> None:
    async with FakeAnthropic() as other:
        location = other.url + "/v1/messages"
        for _ in CALLS:
            server.enqueue(Reply.raw(b"", status=status, headers={"location": location}, content_type=None))
        async with make_client(server) as client:
            for call in CALLS.values():
                exc = await raises_from(call, client, aclaude.APIStatusError)
                assert exc.status_code == status
        assert other.requests == []  # the key never went to the other host
    assert len(server.requests) == len(CALLS)


async def test_api_key_is_never_shown(server: FakeAnthropic, client: aclaude.Client) -> None:
    assert_no_key(client)
    server.enqueue(Reply.error(401, "authentication_error", "invalid x-api-key"))
    exc = await raises_from(call_create, client, aclaude.AuthenticationError)
    assert_no_key(exc, exc.headers)


# -- configuration and lifecycle ----------------------------------------------------------------


async def test_environment_variables_are_used(server: FakeAnthropic, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ANTHROPIC_API_KEY", API_KEY)
    monkeypatch.setenv("ANTHROPIC_BASE_URL", server.url)
    server.enqueue(Reply.text("from env"))
    async with aclaude.Client(max_retries=0) as client, asyncio.timeout(TIMEOUT):
        assert_no_key(client)
        message = await client.messages.create(**PARAMS)
    assert message.content[0].text == "from env"
    assert server.requests[0].headers["x-api-key"] == API_KEY


async def test_explicit_base_url_wins_over_environment(
    server: FakeAnthropic, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ANTHROPIC_BASE_URL", "http://127.0.0.1:9")  # discard port: nothing there
    server.enqueue(Reply.text("explicit"))
    async with make_client(server) as client, asyncio.timeout(TIMEOUT):
        assert (await client.messages.create(**PARAMS)).content[0].text == "explicit"


async def test_client_context_manager_closes_its_session(server: FakeAnthropic) -> None:
    server.enqueue(Reply.text("one"))
    async with make_client(server) as client, asyncio.timeout(TIMEOUT):
        await client.messages.create(**PARAMS)
        session = client._session  # the pool the client made (white-box: no public handle)
        assert isinstance(session, aiohttp.ClientSession) and not session.closed
    assert client.is_closed
    assert session.closed


async def test_user_session_is_not_closed(server: FakeAnthropic) -> None:
    server.enqueue(Reply.text("one"), Reply.text("two"))
    async with aiohttp.ClientSession() as session:
        async with (
            aclaude.Client(api_key=API_KEY, base_url=server.url, max_retries=0, session=session) as client,
            asyncio.timeout(TIMEOUT),
        ):
            assert (await client.messages.create(**PARAMS)).content[0].text == "one"
        assert client.is_closed and not session.closed
        async with (
            aclaude.Client(api_key=API_KEY, base_url=server.url, max_retries=0, session=session) as again,
            asyncio.timeout(TIMEOUT),
        ):
            assert (await again.messages.create(**PARAMS)).content[0].text == "two"
        assert not session.closed


async def test_owned_session_closed_by_close(server: FakeAnthropic) -> None:
    server.enqueue(Reply.text("one"))
    client = make_client(server)
    async with asyncio.timeout(TIMEOUT):
        await client.messages.create(**PARAMS)
    await client.close()
    await client.close()  # idempotent
    assert client.is_closed
