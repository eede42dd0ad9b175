"""The retry policy (aclaude/_http/retry.py states its rules) over real loopback HTTP.

What is retried (connection errors, timeouts, 408/409/429/5xx, ``event: error`` before any
content), what is tried exactly once (other 4xx, anything after content was handed out), how
long the client waits (``retry-after-ms``, ``retry-after`` in seconds or as an HTTP-date, else
backoff; a wait over 60 s is raised, not slept) and how ``max_retries`` is chosen (client,
``with_options``, per call). Attempts are counted and timed on the server's side
(``server.requests``, ``received_at``). Backoff is shrunk so that nothing sleeps for seconds.
"""

from __future__ import annotations

import asyncio
import email.utils
import itertools
import json
import socket
import time
from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest

import aclaude
import aclaude._http.retry
from aclaude._http.transport import PreparedRequest
from aclaude.testing import FakeAnthropic, Reply

API_KEY = "sk-ant-test-not-a-real-key"
PARAMS: dict[str, Any] = {
    "model": "claude-sonnet-4-6",
    "max_tokens": 64,
    "messages": [{"role": "user", "content": "Hello"}],
}
#: Every test's own bound: nothing here should take more than a few seconds.
LIMIT = 10.0
#: Reply.text("Hello world!", chunk_chars=3) sends these events, in this order.
HELLO = "Hello world!"
HELLO_EVENTS = [
    "message_start",
    "content_block_start",
    "ping",
    "content_block_delta",  # "Hel"
    "content_block_delta",  # "lo "
    "content_block_delta",  # "wor"
    "content_block_delta",  # "ld!"
    "content_block_stop",
    "message_delta",
    "message_stop",
]


def hello(**options: Any) -> Reply:
    return Reply.text(HELLO, chunk_chars=3, **options)


@pytest.fixture(autouse=True)
def fast_backoff(monkeypatch: pytest.MonkeyPatch) -> None:
    """Backoff of a millisecond, so retries cost nothing unless a test asks for a real wait."""
    monkeypatch.setattr(aclaude._http.retry, "INITIAL_RETRY_DELAY", 0.001)


@pytest.fixture
async def server() -> AsyncIterator[FakeAnthropic]:
    async with FakeAnthropic() as fake:
        yield fake


@pytest.fixture
async def client(server: FakeAnthropic) -> AsyncIterator[aclaude.Client]:
    """A client with the default policy: 2 retries."""
    async with aclaude.Client(api_key=API_KEY, base_url=server.url) as c:
        assert c.max_retries == 2
        yield c


def gaps(server: FakeAnthropic) -> list[float]:
    """Seconds between successive attempts, as the server saw them."""
    times = [r.received_at for r in server.requests]
    return [b - a for a, b in itertools.pairwise(times)]


def retry_counts(server: FakeAnthropic) -> list[str | None]:
    return [r.headers.get("x-stainless-retry-count") for r in server.requests]


async def create(client: aclaude.Client, **kwargs: Any) -> aclaude.Message:
    async with asyncio.timeout(LIMIT):
        return await client.messages.create(**PARAMS, **kwargs)


ERROR_TYPES = {
    400: ("invalid_request_error", aclaude.BadRequestError),
    401: ("authentication_error", aclaude.AuthenticationError),
    403: ("permission_error", aclaude.PermissionDeniedError),
    404: ("not_found_error", aclaude.NotFoundError),
    408: ("timeout_error", aclaude.APIStatusError),
    409: ("conflict_error", aclaude.ConflictError),
    413: ("request_too_large", aclaude.RequestTooLargeError),
    422: ("invalid_request_error", aclaude.UnprocessableEntityError),
    429: ("rate_limit_error", aclaude.RateLimitError),
    500: ("api_error", aclaude.InternalServerError),
    502: ("api_error", aclaude.InternalServerError),
    503: ("api_error", aclaude.ServiceUnavailableError),
    529: ("overloaded_error", aclaude.OverloadedError),
}
RETRYABLE = [408, 409, 429, 500, 502, 503, 529]
NOT_RETRYABLE = [400, 401, 403, 404, 413, 422]


def error(status: int, **headers: str) -> Reply:
    etype, _ = ERROR_TYPES[status]
    return Reply.error(status, etype, f"scripted {status}", headers=headers or None)


# -- which statuses are retried ------------------------------------------------------------------


@pytest.mark.parametrize("status", RETRYABLE)
async def test_retryable_status_is_retried_then_succeeds(
    server: FakeAnthropic, client: aclaude.Client, status: int
) -> None:
    server.enqueue(error(status), error(status), hello())
    message = await create(client)
    assert message.content[0].text == HELLO  # type: ignore[union-attr]
    assert len(server.requests) == 3


@pytest.mark.parametrize("status", RETRYABLE)
async def test_retryable_status_gives_up_after_max_retries(
    server: FakeAnthropic, client: aclaude.Client, status: int
) -> None:
    server.enqueue(*[error(status)] * 4)
    _, cls = ERROR_TYPES[status]
    with pytest.raises(cls) as info:
        await create(client)
    assert info.value.status_code == status
    assert info.value.request_id is not None
    assert len(server.requests) == 3  # the first attempt and 2 retries
    assert server.queued() == 1


@pytest.mark.parametrize("status", NOT_RETRYABLE)
@pytest.mark.parametrize("call", ["create", "stream", "create_stream", "post"])
async def test_non_retryable_status_is_tried_exactly_once(
    server: FakeAnthropic, client: aclaude.Client, status: int, call: str
) -> None:
    server.enqueue(error(status), hello())
    _, cls = ERROR_TYPES[status]
    with pytest.raises(cls) as info:
        async with asyncio.timeout(LIMIT):
            if call == "create":
                await client.messages.create(**PARAMS)
            elif call == "stream":
                async with client.messages.stream(**PARAMS) as stream:
                    await stream.get_final_message()
            elif call == "create_stream":
                async with client.messages.create(**PARAMS, stream=True) as events:
                    async for _ in events:
                        pass
            else:
                await client.post("/v1/messages", body=PARAMS)
    assert type(info.value) is cls
    assert info.value.status_code == status
    assert len(server.requests) == 1
    assert server.queued() == 1


async def test_should_retry_true_makes_a_400_retried(server: FakeAnthropic, client: aclaude.Client) -> None:
    server.enqueue(error(400, **{"x-should-retry": "true"}), hello())
    message = await create(client)
    assert message.content[0].text == HELLO  # type: ignore[union-attr]
    assert len(server.requests) == 2


async def test_should_retry_false_makes_a_529_final(server: FakeAnthropic, client: aclaude.Client) -> None:
    server.enqueue(error(529, **{"x-should-retry": "false"}), hello())
    with pytest.raises(aclaude.OverloadedError):
        await create(client)
    assert len(server.requests) == 1


# -- connection failures -------------------------------------------------------------------------


def closed_port() -> int:
    """A loopback port nobody listens on (bound, then released)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


@pytest.fixture
def attempts(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Records the URL of every attempt the client makes (for when no server can count)."""
    import aclaude._client

    sent: list[str] = []
    real = aclaude._client.send

    async def counting(session: Any, request: PreparedRequest, **kwargs: Any) -> Any:
        sent.append(request.url)
        return await real(session, request, **kwargs)

    monkeypatch.setattr(aclaude._client, "send", counting)
    return sent


@pytest.mark.parametrize("call", ["create", "stream", "get"])
async def test_connection_refused_is_retried_then_raised(attempts: list[str], call: str) -> None:
    async with aclaude.Client(api_key=API_KEY, base_url=f"http://127.0.0.1:{closed_port()}") as client:
        started = time.monotonic()
        with pytest.raises(aclaude.APIConnectionError) as info:
            async with asyncio.timeout(LIMIT):
                if call == "create":
                    await client.messages.create(**PARAMS)
                elif call == "stream":
                    async with client.messages.stream(**PARAMS) as stream:
                        await stream.get_final_message()
                else:
                    await client.get("/v1/models")
    assert type(info.value) is aclaude.APIConnectionError
    assert info.value.events_received == 0
    assert "ConnectionRefused" in str(info.value) or "Cannot connect" in str(info.value)
    assert len(attempts) == 3  # the first attempt and two retries
    assert time.monotonic() - started < 5.0


async def test_connection_refused_waits_the_backoff(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(aclaude._http.retry, "INITIAL_RETRY_DELAY", 0.2)
    async with aclaude.Client(
        api_key=API_KEY, base_url=f"http://127.0.0.1:{closed_port()}", max_retries=1
    ) as client:
        started = time.monotonic()
        with pytest.raises(aclaude.APIConnectionError):
            await create(client)
        assert 0.14 < time.monotonic() - started < 5.0


async def test_reset_before_headers_is_retried(server: FakeAnthropic, client: aclaude.Client) -> None:
    server.enqueue(Reply.disconnect(), Reply.disconnect(), hello())
    message = await create(client)
    assert message.content[0].text == HELLO  # type: ignore[union-attr]
    assert len(server.requests) == 3


async def test_reset_before_headers_every_time_raises_connection_error(
    server: FakeAnthropic, client: aclaude.Client
) -> None:
    server.enqueue(*[Reply.disconnect()] * 3)
    with pytest.raises(aclaude.APIConnectionError) as info:
        await create(client)
    assert type(info.value) is aclaude.APIConnectionError
    assert len(server.requests) == 3


async def test_timeout_before_headers_is_retried(server: FakeAnthropic) -> None:
    async with aclaude.Client(
        api_key=API_KEY, base_url=server.url, timeout=aclaude.Timeout(read=0.2)
    ) as client:
        server.enqueue(hello(delay_headers=5.0), hello())
        message = await create(client)
    assert message.content[0].text == HELLO  # type: ignore[union-attr]
    assert len(server.requests) == 2
    assert 0.15 < gaps(server)[0] < 4.0  # the read timeout, not the 5 s the server held


async def test_timeout_before_headers_every_time_raises_timeout(server: FakeAnthropic) -> None:
    async with aclaude.Client(
        api_key=API_KEY, base_url=server.url, timeout=aclaude.Timeout(read=0.1), max_retries=1
    ) as client:
        server.enqueue(hello(delay_headers=5.0), hello(delay_headers=5.0))
        with pytest.raises(aclaude.APITimeoutError):
            await create(client)
    assert len(server.requests) == 2


# -- how long to wait ----------------------------------------------------------------------------


async def test_retry_after_ms_is_honoured(server: FakeAnthropic, client: aclaude.Client) -> None:
    server.enqueue(error(429, **{"retry-after-ms": "300"}), error(529, **{"retry-after-ms": "1"}), hello())
    await create(client)
    first, second = gaps(server)
    assert 0.29 < first < 5.0
    assert second < first


async def test_retry_after_ms_wins_over_retry_after(server: FakeAnthropic, client: aclaude.Client) -> None:
    server.enqueue(error(429, **{"retry-after-ms": "50", "retry-after": "30"}), hello())
    await create(client)
    assert 0.045 < gaps(server)[0] < 10.0  # not the 30 s of retry-after


async def test_retry_after_seconds_is_honoured(server: FakeAnthropic, client: aclaude.Client) -> None:
    server.enqueue(error(529, **{"retry-after": "1"}), hello())
    await create(client)
    assert 0.98 < gaps(server)[0] < 5.0


async def test_retry_after_http_date_is_honoured(server: FakeAnthropic, client: aclaude.Client) -> None:
    # HTTP-dates have whole seconds: 2 s from now is a wait of 1 to 2 s.
    when = email.utils.formatdate(time.time() + 2, usegmt=True)
    server.enqueue(error(503, **{"retry-after": when}), hello())
    await create(client)
    assert 0.9 < gaps(server)[0] < 6.0


@pytest.mark.parametrize(
    "headers",
    [
        {"retry-after": "soon"},
        {"retry-after-ms": "a while"},
        {"retry-after": ""},
        {"retry-after": "-5"},
        {"retry-after": "Wed, 21 Oct 2015 07:28:00 GMT"},  # in the past
        {"retry-after": "Wed, 99 Foo 2015 07:28:00 GMT"},
    ],
    ids=["word", "ms-word", "empty", "negative", "past-date", "bad-date"],
)
async def test_garbage_retry_after_falls_back_to_backoff(
    server: FakeAnthropic, client: aclaude.Client, monkeypatch: pytest.MonkeyPatch, headers: dict[str, str]
) -> None:
    monkeypatch.setattr(aclaude._http.retry, "INITIAL_RETRY_DELAY", 0.2)
    server.enqueue(Reply.error(429, "rate_limit_error", "slow down", headers=headers), hello())
    await create(client)
    # Backoff of 0.2 s minus up to 25 % jitter; not 0 (ignored) nor the header's nonsense.
    assert 0.14 < gaps(server)[0] < 5.0


async def test_backoff_grows_exponentially(
    server: FakeAnthropic, client: aclaude.Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(aclaude._http.retry, "INITIAL_RETRY_DELAY", 0.1)
    server.enqueue(error(500), error(500), hello())
    await create(client)
    first, second = gaps(server)
    assert 0.07 < first < 5.0
    assert 0.14 < second < 5.0  # 0.1 s doubled: above what the first backoff can be


@pytest.mark.parametrize(
    ("headers", "asked"),
    [
        ({"retry-after": "120"}, 120.0),
        ({"retry-after-ms": "90000"}, 90.0),
        ({"retry-after": "http-date"}, 300.0),
    ],
    ids=["seconds", "ms", "http-date"],
)
@pytest.mark.parametrize("status", [429, 529])
async def test_long_retry_after_is_raised_not_slept(
    server: FakeAnthropic, client: aclaude.Client, headers: dict[str, str], asked: float, status: int
) -> None:
    if headers.get("retry-after") == "http-date":
        headers = {"retry-after": email.utils.formatdate(time.time() + asked, usegmt=True)}
    server.enqueue(error(status, **headers), hello())
    started = time.monotonic()
    with pytest.raises(ERROR_TYPES[status][1]) as info:
        await create(client)
    assert time.monotonic() - started < 10.0  # not the 90-300 s asked for
    assert len(server.requests) == 1
    assert info.value.retry_after is not None
    assert abs(info.value.retry_after - asked) < 2.5


async def test_retry_after_of_exactly_the_limit_is_slept(
    server: FakeAnthropic, client: aclaude.Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The 60 s cap, scaled down: a wait equal to the cap is honoured, one above it is raised.
    monkeypatch.setattr(aclaude._http.retry, "MAX_RETRY_AFTER", 0.2)
    server.enqueue(error(429, **{"retry-after-ms": "200"}), error(429, **{"retry-after-ms": "201"}), hello())
    with pytest.raises(aclaude.RateLimitError):
        await create(client)
    assert len(server.requests) == 2
    assert gaps(server)[0] > 0.19


# -- max_retries: client, with_options, per call -------------------------------------------------


@pytest.mark.parametrize("max_retries", [0, 1, 3])
async def test_max_retries_per_client(server: FakeAnthropic, max_retries: int) -> None:
    server.enqueue(*[error(529)] * 5)
    async with aclaude.Client(api_key=API_KEY, base_url=server.url, max_retries=max_retries) as client:
        with pytest.raises(aclaude.OverloadedError):
            await create(client)
        assert len(server.requests) == max_retries + 1
        server.reset()
        server.enqueue(*[error(529)] * 5, path="/v1/models")
        with pytest.raises(aclaude.OverloadedError):
            async with asyncio.timeout(LIMIT):
                await client.get("/v1/models")
        assert len(server.requests) == max_retries + 1


@pytest.mark.parametrize("call", ["create", "stream", "create_stream", "get"])
@pytest.mark.parametrize("max_retries", [0, 1])
async def test_max_retries_per_call(
    server: FakeAnthropic, client: aclaude.Client, call: str, max_retries: int
) -> None:
    path = "/v1/models" if call == "get" else "/v1/messages"
    server.enqueue(*[error(529)] * 4, path=path)
    with pytest.raises(aclaude.OverloadedError):
        async with asyncio.timeout(LIMIT):
            if call == "create":
                await client.messages.create(**PARAMS, max_retries=max_retries)
            elif call == "stream":
                async with client.messages.stream(**PARAMS, max_retries=max_retries) as stream:
                    await stream.get_final_message()
            elif call == "create_stream":
                await client.messages.create(**PARAMS, stream=True, max_retries=max_retries)
            else:
                await client.get(path, max_retries=max_retries)
    assert len(server.requests) == max_retries + 1


async def test_max_retries_with_options(server: FakeAnthropic, client: aclaude.Client) -> None:
    server.enqueue(*[error(529)] * 6)
    once = client.with_options(max_retries=0)
    with pytest.raises(aclaude.OverloadedError):
        await create(once)
    assert len(server.requests) == 1
    more = client.with_options(max_retries=3)
    server.reset()
    server.enqueue(*[error(529)] * 3, hello())
    message = await create(more)
    assert message.content[0].text == HELLO  # type: ignore[union-attr]
    assert len(server.requests) == 4
    # The original keeps its own setting, and a per-call value beats the copy's.
    server.reset()
    server.enqueue(*[error(529)] * 6)
    with pytest.raises(aclaude.OverloadedError):
        await create(client)
    assert len(server.requests) == 3
    server.reset()
    server.enqueue(*[error(529)] * 6)
    with pytest.raises(aclaude.OverloadedError):
        await create(more, max_retries=0)
    assert len(server.requests) == 1


# -- the retry-count header ----------------------------------------------------------------------


@pytest.mark.parametrize("call", ["create", "stream", "get"])
async def test_retry_count_header_counts_attempts(
    server: FakeAnthropic, client: aclaude.Client, call: str
) -> None:
    if call == "get":
        server.enqueue(error(529), error(503), Reply.json({"data": []}), path="/v1/models")
        async with asyncio.timeout(LIMIT):
            assert await client.get("/v1/models") == {"data": []}
    elif call == "stream":
        server.enqueue(error(529), hello(error_event_after=1), hello())
        async with asyncio.timeout(LIMIT), client.messages.stream(**PARAMS) as stream:
            assert await stream.get_final_text() == HELLO
    else:
        server.enqueue(Reply.disconnect(), error(429, **{"retry-after-ms": "1"}), hello())
        await create(client)
    first, *rest = retry_counts(server)
    assert first in (None, "0")
    assert rest == ["1", "2"]


async def test_retry_count_header_with_extra_headers(server: FakeAnthropic, client: aclaude.Client) -> None:
    server.enqueue(error(529), hello())
    await create(client, extra_headers={"x-custom": "1"})
    assert retry_counts(server) in (["0", "1"], [None, "1"])
    assert all(r.headers["x-custom"] == "1" for r in server.requests)


# -- errors inside the stream --------------------------------------------------------------------


async def collect_events(client: aclaude.Client, **kwargs: Any) -> list[Any]:
    async with asyncio.timeout(LIMIT), client.messages.create(**PARAMS, stream=True, **kwargs) as events:
        return [event async for event in events]


@pytest.mark.parametrize("after", [0, 1], ids=["error-first", "after-message-start"])
async def test_error_event_before_content_is_retried_into_one_clean_stream(
    server: FakeAnthropic, client: aclaude.Client, after: int
) -> None:
    server.enqueue(hello(error_event_after=after), hello(error_event_after=after), hello())
    events = await collect_events(client)
    assert [e.type for e in events] == HELLO_EVENTS  # exactly one message_start, no error
    assert len(server.requests) == 3
    assert retry_counts(server)[1:] == ["1", "2"]


async def test_error_event_before_content_then_ping_is_retried(
    server: FakeAnthropic, client: aclaude.Client
) -> None:
    first = Reply.events(
        [
            {"type": "message_start", "message": _start_message()},
            {"type": "ping"},
            {"type": "ping"},
        ],
        error_event_after=3,
        error_type="api_error",
        error_message="Internal server error",
    )
    server.enqueue(first, hello())
    message = await create(client)
    assert message.content[0].text == HELLO  # type: ignore[union-attr]
    assert len(server.requests) == 2


async def test_error_event_before_content_every_time_raises_typed_error(
    server: FakeAnthropic, client: aclaude.Client
) -> None:
    server.enqueue(*[hello(error_event_after=1)] * 3)
    with pytest.raises(aclaude.OverloadedError) as info:
        await collect_events(client)
    assert info.value.status_code == 529
    assert info.value.type == "overloaded_error"
    assert len(server.requests) == 3


async def test_non_retryable_error_event_before_content_is_not_retried(
    server: FakeAnthropic, client: aclaude.Client
) -> None:
    server.enqueue(
        hello(error_event_after=1, error_type="invalid_request_error", error_message="bad"), hello()
    )
    with pytest.raises(aclaude.BadRequestError):
        await create(client)
    assert len(server.requests) == 1


async def test_error_event_after_content_is_not_retried_stream_helper(
    server: FakeAnthropic, client: aclaude.Client
) -> None:
    # After "Hel" and "lo " were handed out (5 events), the overloaded error is final. The
    # pause between events makes sure the content reached the caller before the error exists.
    server.enqueue(hello(error_event_after=5, delay_between=0.01), hello())
    texts: list[str] = []
    with pytest.raises(aclaude.OverloadedError) as info:
        async with asyncio.timeout(LIMIT), client.messages.stream(**PARAMS) as stream:
            async for text in stream.text_stream:
                texts.append(text)
    exc = info.value
    assert texts == ["Hel", "lo "]
    assert len(server.requests) == 1
    assert exc.events_received == 6
    assert isinstance(exc.partial_message, aclaude.Message)
    assert exc.partial_message.content[0].text == "Hello "  # type: ignore[union-attr]
    assert exc.partial_message.stop_reason is None


async def test_error_event_after_content_is_not_retried_create(
    server: FakeAnthropic, client: aclaude.Client
) -> None:
    server.enqueue(hello(error_event_after=5, delay_between=0.01), hello())
    with pytest.raises(aclaude.OverloadedError) as info:
        await create(client)
    assert len(server.requests) == 1
    assert info.value.events_received > 0
    assert info.value.partial_message.content[0].text == "Hello "


async def test_error_event_after_content_is_not_retried_raw_events(
    server: FakeAnthropic, client: aclaude.Client
) -> None:
    server.enqueue(hello(error_event_after=4, delay_between=0.01), hello())
    seen: list[str] = []
    with pytest.raises(aclaude.OverloadedError) as info:
        async with asyncio.timeout(LIMIT), client.messages.create(**PARAMS, stream=True) as events:
            async for event in events:
                seen.append(event.type)
    assert seen == HELLO_EVENTS[:4]
    assert info.value.events_received == 5
    assert len(server.requests) == 1


def _content_then_error() -> Reply:
    """message_start, content_block_start, a delta and an overloaded error in one write: the
    client reads them ahead together, before it has handed anything out."""
    return Reply.raw(
        b"".join(
            f"event: {e['type']}\ndata: {json.dumps(e)}\n\n".encode()
            for e in [
                {"type": "message_start", "message": _start_message()},
                {"type": "content_block_start", "index": 0, "content_block": {"type": "text", "text": ""}},
                {"type": "content_block_delta", "index": 0, "delta": {"type": "text_delta", "text": "X"}},
                {"type": "error", "error": {"type": "overloaded_error", "message": "Overloaded"}},
            ]
        )
    )


async def test_error_event_read_ahead_with_the_first_content_is_retried(
    server: FakeAnthropic, client: aclaude.Client
) -> None:
    # Nothing was handed out, so a retry shows nothing twice.
    server.enqueue(_content_then_error(), hello())
    events = await collect_events(client)
    assert [e.type for e in events] == HELLO_EVENTS
    assert len(server.requests) == 2


@pytest.mark.parametrize("call", ["create", "stream", "create_stream"])
async def test_error_event_read_ahead_without_a_retry_left_keeps_the_content(
    server: FakeAnthropic, client: aclaude.Client, call: str
) -> None:
    server.enqueue(_content_then_error(), hello())
    with pytest.raises(aclaude.OverloadedError) as info:
        async with asyncio.timeout(LIMIT):
            if call == "create":
                await client.messages.create(**PARAMS, max_retries=0)
            elif call == "stream":
                async with client.messages.stream(**PARAMS, max_retries=0) as stream:
                    await stream.get_final_message()
            else:
                async with client.messages.create(**PARAMS, stream=True, max_retries=0) as events:
                    async for _ in events:
                        pass
    assert len(server.requests) == 1
    assert info.value.events_received == 4
    assert info.value.partial_message.content[0].text == "X"


@pytest.mark.parametrize("fault", ["truncate_after", "drop_after"])
async def test_stream_ending_before_content_is_retried(
    server: FakeAnthropic, client: aclaude.Client, fault: str
) -> None:
    server.enqueue(hello(**{fault: 1}), hello(**{fault: 0}), hello())
    events = await collect_events(client)
    assert [e.type for e in events] == HELLO_EVENTS
    assert len(server.requests) == 3


@pytest.mark.parametrize(("fault", "clean"), [("truncate_after", True), ("drop_after", False)])
async def test_stream_ending_after_content_is_not_retried(
    server: FakeAnthropic, client: aclaude.Client, fault: str, clean: bool
) -> None:
    server.enqueue(hello(**{fault: 5}, delay_between=0.01), hello())
    with pytest.raises(aclaude.IncompleteStreamError) as info:
        await create(client)
    assert info.value.clean_eof is clean
    assert info.value.events_received == 5
    assert info.value.partial_message.content[0].text == "Hello "
    assert len(server.requests) == 1


# -- generic requests ----------------------------------------------------------------------------


@pytest.mark.parametrize("method", ["get", "post", "put", "patch", "delete"])
async def test_generic_methods_retry_529(server: FakeAnthropic, client: aclaude.Client, method: str) -> None:
    server.enqueue(error(529), Reply.json({"ok": method}), path="/v1/things/1")
    call: Callable[..., Any] = getattr(client, method)
    async with asyncio.timeout(LIMIT):
        result = (
            await call("/v1/things/1", body={"x": 1})
            if method in ("post", "put", "patch")
            else (await call("/v1/things/1"))
        )
    assert result == {"ok": method}
    assert [r.method for r in server.requests] == [method.upper()] * 2


def _start_message() -> dict[str, Any]:
    return {
        "id": "msg_01",
        "type": "message",
        "role": "assistant",
        "model": "claude-sonnet-4-6",
        "content": [],
        "stop_reason": None,
        "stop_sequence": None,
        "usage": {"input_tokens": 3, "output_tokens": 1},
    }
