"""Middleware around each attempt: sees and changes the request, sees the response or the error,
may answer without sending; runs once per attempt inside the retry loop."""

from __future__ import annotations

import asyncio

import pytest
from conftest import API_KEY

import aclaude
from aclaude._http.transport import Response
from aclaude._middleware import APIRequest, CallNext, Middleware, StaticResponse
from aclaude.testing import FakeAnthropic, Reply


async def test_no_middleware_leaves_open_as_the_class_method(server: FakeAnthropic) -> None:
    # The streaming path of a client without middleware is untouched: no instance-level _open.
    async with aclaude.Client(api_key=API_KEY, base_url=server.url) as client:
        assert "open_response" not in vars(client)
        with_mw = client.with_options(middleware=[_passthrough])
        assert "open_response" in vars(with_mw)


async def _passthrough(request: APIRequest, call_next: CallNext) -> Response:
    return await call_next(request)


async def test_middleware_changes_request_and_sees_response(
    server: FakeAnthropic, params: dict[str, object]
) -> None:
    seen: list[tuple[str, int, str | None]] = []

    async def tag(request: APIRequest, call_next: CallNext) -> Response:
        changed = request.copy(
            headers={**request.headers, "x-tag": "one"}, body={**request.body, "max_tokens": 7}
        )
        response = await call_next(changed)
        seen.append((request.path, response.status, response.request_id))
        return response

    async with aclaude.Client(api_key=API_KEY, base_url=server.url, middleware=[tag]) as client:
        message = await client.messages.create(**params)  # type: ignore[arg-type]
    assert message.content
    recorded = server.requests[0]
    assert recorded.headers["x-tag"] == "one"
    assert recorded.json["max_tokens"] == 7
    assert recorded.headers["x-api-key"] == API_KEY  # the client's own headers are still added
    assert params["max_tokens"] == 1024  # the caller's body was not changed
    [(path, status, request_id)] = seen
    assert (path, status) == ("/v1/messages", 200)
    assert request_id is not None and request_id.startswith("req_")


async def test_order_is_outermost_first_and_runs_per_attempt(
    server: FakeAnthropic, params: dict[str, object]
) -> None:
    calls: list[str] = []

    class Named(Middleware):
        def __init__(self, name: str) -> None:
            self.name = name

        async def handle_async(self, request: APIRequest, call_next: CallNext) -> Response:
            calls.append(f"{self.name}>{request.retry_count}")
            try:
                return await call_next(request)
            except aclaude.APIStatusError as exc:
                calls.append(f"{self.name}!{exc.status_code}")
                raise

    server.enqueue(
        Reply.error(529, "overloaded_error", "Overloaded", headers={"retry-after-ms": "1"})
    )
    async with aclaude.Client(
        api_key=API_KEY, base_url=server.url, middleware=[Named("a"), Named("b")], max_retries=1
    ) as client:
        await client.messages.create(**params)  # type: ignore[arg-type]
    assert calls == ["a>0", "b>0", "b!529", "a!529", "a>1", "b>1"]
    assert len(server.requests) == 2


async def test_middleware_may_answer_without_sending(
    server: FakeAnthropic, params: dict[str, object]
) -> None:
    sse = (
        b'event: message_start\ndata: {"type":"message_start","message":{"id":"msg_1","type":"message",'
        b'"role":"assistant","model":"m","content":[],"stop_reason":null,"stop_sequence":null,'
        b'"usage":{"input_tokens":1,"output_tokens":1}}}\n\n'
        b'event: content_block_start\ndata: {"type":"content_block_start","index":0,'
        b'"content_block":{"type":"text","text":""}}\n\n'
        b'event: content_block_delta\ndata: {"type":"content_block_delta","index":0,'
        b'"delta":{"type":"text_delta","text":"cached"}}\n\n'
        b'event: content_block_stop\ndata: {"type":"content_block_stop","index":0}\n\n'
        b'event: message_delta\ndata: {"type":"message_delta","delta":{"stop_reason":"end_turn",'
        b'"stop_sequence":null},"usage":{"output_tokens":1}}\n\n'
        b'event: message_stop\ndata: {"type":"message_stop"}\n\n'
    )

    async def cache(request: APIRequest, call_next: CallNext) -> Response:
        return StaticResponse([sse[:50], sse[50:]], headers={"request-id": "req_cached"})

    async with aclaude.Client(api_key=API_KEY, base_url=server.url, middleware=[cache]) as client:
        message = await client.messages.create(**params)  # type: ignore[arg-type]
        stream = await client.messages.create(**params, stream=True)  # type: ignore[arg-type]
        events = [event.type async for event in stream]
        raw = await client.messages.with_raw_response.create(**params)  # type: ignore[arg-type]
    assert raw.request_id == "req_cached"
    assert message.content[0].text == "cached"  # type: ignore[union-attr]
    assert events[0] == "message_start" and events[-1] == "message_stop"
    assert server.requests == []


async def test_middleware_sees_connection_errors(params: dict[str, object]) -> None:
    errors: list[str] = []

    async def watch(request: APIRequest, call_next: CallNext) -> Response:
        try:
            return await call_next(request)
        except aclaude.APIConnectionError as exc:
            errors.append(type(exc).__name__)
            raise

    async with FakeAnthropic() as fake:
        url = fake.url
    async with aclaude.Client(api_key=API_KEY, base_url=url, middleware=[watch], max_retries=0) as client:
        with pytest.raises(aclaude.APIConnectionError):
            async with asyncio.timeout(10):
                await client.messages.create(**params)  # type: ignore[arg-type]
    assert errors == ["APIConnectionError"]


def test_sync_middleware_is_refused() -> None:
    def sync(request: APIRequest, call_next: CallNext) -> Response:
        raise AssertionError

    class SyncHandle(Middleware):
        def handle_async(self, request: APIRequest, call_next: CallNext) -> Response:  # type: ignore[override]
            raise AssertionError

    with pytest.raises(TypeError):
        aclaude.Client(api_key=API_KEY, middleware=[sync])  # type: ignore[list-item]
    with pytest.raises(TypeError):
        aclaude.Client(api_key=API_KEY, middleware=[SyncHandle()])


async def test_with_options_keeps_or_replaces_middleware(server: FakeAnthropic) -> None:
    async with aclaude.Client(api_key=API_KEY, base_url=server.url, middleware=[_passthrough]) as client:
        assert client.with_options(max_retries=1).middleware == (_passthrough,)
        assert client.with_options(middleware=[]).middleware == ()
        assert "open_response" not in vars(client.with_options(middleware=[]))


def test_api_request_is_keyword_only_slotted_and_compared_by_identity() -> None:
    """A dataclass, but keeping the hand-written class's contract: keywords only, no
    ``__dict__``, identity equality, and a repr without the headers (credentials)."""
    def make() -> APIRequest:
        return APIRequest(
            method="POST",
            path="/v1/messages",
            base_url="http://h",
            headers={"x-api-key": "sk-fake-secret"},
            body={"model": "m"},
        )

    request, twin = make(), make()
    assert request != twin and request == request
    assert "sk-fake-secret" not in repr(request) and repr(request) == "<APIRequest POST /v1/messages retry=0>"
    assert not hasattr(request, "__dict__")
    assert (request.url, request.model, request.retry_count) == ("http://h/v1/messages", "m", 0)
    with pytest.raises(TypeError):
        APIRequest("POST", "/v1/messages", "http://h", {})  # type: ignore[misc]
