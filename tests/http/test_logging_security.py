"""Logging and secrets: request logging that never shows a credential.

With debug logging on (``log_level=`` or ``ANTHROPIC_LOG``) the client logs its requests and
responses with their request ids, and the API key (or auth token) never appears: not in a log
record, not in ``str``/``repr`` of the client or of any error the reliability matrix can raise,
not in a formatted traceback. A redirect is never followed, so another host never sees the key.
"""

from __future__ import annotations

import asyncio
import logging
import socket
import traceback
from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest

import aclaude
import aclaude._http.retry
from aclaude.testing import FakeAnthropic, Reply

API_KEY = "sk-ant-test-not-a-real-key"
AUTH_TOKEN = "sk-ant-oat-test-not-a-real-token"
SECRETS = (API_KEY, AUTH_TOKEN, "not-a-real")
PARAMS: dict[str, Any] = {
    "model": "claude-sonnet-4-6",
    "max_tokens": 64,
    "messages": [{"role": "user", "content": "Hello"}],
}
LIMIT = 10.0


@pytest.fixture(autouse=True)
def fast_backoff(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(aclaude._http.retry, "INITIAL_RETRY_DELAY", 0.001)


@pytest.fixture(autouse=True)
def restore_aclaude_logger() -> Iterator[None]:
    """Client(log_level=...) configures the shared "aclaude" logger: undo it after each test."""
    log = logging.getLogger("aclaude")
    level, handlers = log.level, list(log.handlers)
    yield
    log.setLevel(level)
    log.handlers[:] = handlers


@pytest.fixture
async def server() -> AsyncIterator[FakeAnthropic]:
    async with FakeAnthropic() as fake:
        yield fake


def assert_no_secret(text: str, where: str) -> None:
    for secret in SECRETS:
        assert secret not in text, f"secret found in {where}: {text[:500]}"


def assert_exception_clean(exc: BaseException) -> None:
    assert_no_secret(str(exc), "str(exc)")
    assert_no_secret(repr(exc), "repr(exc)")
    assert_no_secret("".join(traceback.format_exception(exc)), "traceback")
    cause: BaseException | None = exc
    while cause is not None:  # the chained aiohttp / OS errors too
        assert_no_secret(str(cause), "a chained exception")
        assert_no_secret(repr(cause), "a chained exception's repr")
        cause = cause.__cause__ or cause.__context__


def assert_records_clean(records: list[logging.LogRecord]) -> None:
    formatter = logging.Formatter("%(name)s %(levelname)s %(message)s")
    for record in records:
        assert_no_secret(record.getMessage(), "a log message")
        assert_no_secret(formatter.format(record), "a formatted log record")
        assert_no_secret(repr(record.args), "log record args")


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


async def run_matrix(server: FakeAnthropic, client: aclaude.Client) -> list[BaseException]:
    """One request per failure of the matrix (and two successes); returns what was raised."""
    server.enqueue(
        Reply.text("Hello world!", chunk_chars=3),
        Reply.error(401, "authentication_error", "invalid x-api-key"),
        Reply.error(529, "overloaded_error", "Overloaded"),
        Reply.error(529, "overloaded_error", "Overloaded"),  # retried once, then raised
        Reply.error(429, "rate_limit_error", "slow down", headers={"retry-after": "600"}),
        Reply.text("Hello world!", chunk_chars=3, error_event_after=5, delay_between=0.01),
        Reply.text("Hello world!", chunk_chars=3, truncate_after=5, delay_between=0.01),
        Reply.text("Hello world!", chunk_chars=3, drop_after=5, delay_between=0.01),
        Reply.disconnect(),
        Reply.disconnect(),
        Reply.raw(b"event: ping\ndata: {broken\n\n"),
        Reply.text("Hello world!", chunk_chars=3).with_options(stall_after=2, stall_with="pings"),
        Reply.text("Hello world!", chunk_chars=3),
    )
    raised: list[BaseException] = []
    for _ in range(11):
        try:
            async with asyncio.timeout(LIMIT), client.messages.stream(**PARAMS) as stream:
                await stream.get_final_message()
        except aclaude.APIError as exc:
            raised.append(exc)
    assert server.queued() == 0
    async with aclaude.Client(api_key=API_KEY, base_url=f"http://127.0.0.1:{closed_port()}") as dead:
        try:
            async with asyncio.timeout(LIMIT):
                await dead.messages.create(**PARAMS)
        except aclaude.APIConnectionError as exc:
            raised.append(exc)
    return raised


EXPECTED = [
    aclaude.AuthenticationError,
    aclaude.OverloadedError,
    aclaude.RateLimitError,
    aclaude.OverloadedError,
    aclaude.IncompleteStreamError,
    aclaude.IncompleteStreamError,
    aclaude.APIConnectionError,
    aclaude.APIResponseValidationError,
    aclaude.APITimeoutError,
    aclaude.APIConnectionError,
]


@pytest.mark.parametrize("how", ["log_level", "env"])
async def test_debug_logs_requests_and_responses_without_the_key(
    server: FakeAnthropic, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch, how: str
) -> None:
    caplog.set_level(logging.DEBUG)
    options: dict[str, Any] = {}
    if how == "env":
        monkeypatch.setenv("ANTHROPIC_LOG", "debug")
    else:
        options["log_level"] = "debug"
    async with aclaude.Client(
        api_key=API_KEY, base_url=server.url, max_retries=1, timeout=aclaude.Timeout(read=0.3), **options
    ) as client:
        assert logging.getLogger("aclaude").isEnabledFor(logging.DEBUG)
        raised = await run_matrix(server, client)
    assert [type(e) for e in raised] == EXPECTED
    records = [r for r in caplog.records if r.name.startswith("aclaude")]
    messages = [r.getMessage() for r in records]
    # The first stream's request and response, with its request id.
    assert any(m.startswith("request POST /v1/messages") for m in messages), messages
    responses = [m for m in messages if m.startswith("response POST /v1/messages 200")]
    assert responses and "request_id=req_" in responses[0]
    assert any("failed: AuthenticationError" in m and "request_id=req_" in m for m in messages), messages
    assert any("retry=1" in m for m in messages)  # the retried attempt says so
    # Headers are logged, redacted.
    header_lines = [m for m in messages if "x-api-key" in m]
    assert header_lines and all("'x-api-key': '***'" in m for m in header_lines)
    assert_records_clean(records)
    assert_records_clean(caplog.records)  # aiohttp's too, if any
    for exc in raised:
        assert_exception_clean(exc)


async def test_auth_token_is_redacted_too(server: FakeAnthropic, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    async with aclaude.Client(
        auth_token=AUTH_TOKEN,
        base_url=server.url,
        log_level="debug",
        max_retries=0,
        default_headers={"x-custom-token": "not-a-real-extra", "X-Trace": "visible"},
    ) as client:
        server.enqueue(Reply.error(403, "permission_error", "no"))
        with pytest.raises(aclaude.PermissionDeniedError) as info:
            async with asyncio.timeout(LIMIT):
                await client.messages.create(**PARAMS)
        assert_no_secret(repr(client), "repr(client)")
    assert server.requests[0].headers["authorization"] == f"Bearer {AUTH_TOKEN}"
    assert_exception_clean(info.value)
    assert_records_clean(caplog.records)
    assert any("'authorization': '***'" in r.getMessage() for r in caplog.records)
    assert any("'x-trace': 'visible'" in r.getMessage() for r in caplog.records)


async def test_default_level_logs_nothing_at_debug(
    server: FakeAnthropic, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="aiohttp")
    logging.getLogger("aclaude").setLevel(logging.NOTSET)
    async with aclaude.Client(api_key=API_KEY, base_url=server.url) as client:
        async with asyncio.timeout(LIMIT):
            await client.messages.create(**PARAMS)
    assert not [r for r in caplog.records if r.name.startswith("aclaude") and r.levelno < logging.WARNING]


async def test_client_str_and_repr_hide_the_key(server: FakeAnthropic) -> None:
    for client in (
        aclaude.Client(api_key=API_KEY, base_url=server.url),
        aclaude.Client(auth_token=AUTH_TOKEN, base_url=server.url),
        aclaude.Client(api_key=API_KEY, auth_token=AUTH_TOKEN, base_url=server.url),
    ):
        async with client:
            copy = client.with_options(max_retries=5)
            for obj in (client, copy, client.messages, client.timeout):
                assert_no_secret(str(obj), "str")
                assert_no_secret(repr(obj), "repr")
            assert "***" in repr(client)
            await copy.close()


async def test_errors_raised_without_logging_are_clean_too(server: FakeAnthropic) -> None:
    async with aclaude.Client(
        api_key=API_KEY, base_url=server.url, max_retries=1, timeout=aclaude.Timeout(read=0.3)
    ) as client:
        raised = await run_matrix(server, client)
    assert [type(e) for e in raised] == EXPECTED
    for exc in raised:
        assert_exception_clean(exc)


@pytest.mark.parametrize("status", [301, 302, 303, 307, 308])
@pytest.mark.parametrize("call", ["create", "stream", "get"])
async def test_redirect_to_another_host_is_not_followed(
    server: FakeAnthropic, status: int, call: str
) -> None:
    async with FakeAnthropic() as elsewhere:
        target = elsewhere.url.replace("127.0.0.1", "localhost") + "/v1/messages"
        path = "/v1/models" if call == "get" else "/v1/messages"
        server.enqueue(Reply.redirect(target, status=status), path=path)
        async with aclaude.Client(api_key=API_KEY, base_url=server.url) as client:
            with pytest.raises(aclaude.APIStatusError) as info:
                async with asyncio.timeout(LIMIT):
                    if call == "create":
                        await client.messages.create(**PARAMS)
                    elif call == "stream":
                        async with client.messages.stream(**PARAMS) as stream:
                            await stream.get_final_message()
                    else:
                        await client.get(path)
        assert elsewhere.requests == []
    assert info.value.status_code == status
    assert len(server.requests) == 1  # not retried either
    assert "localhost" in str(info.value) and "not followed" in str(info.value)
    assert_exception_clean(info.value)


async def test_redirect_to_the_same_host_is_not_followed_either(server: FakeAnthropic) -> None:
    server.enqueue(Reply.redirect(server.url + "/v1/other"))
    async with aclaude.Client(api_key=API_KEY, base_url=server.url) as client:
        with pytest.raises(aclaude.APIStatusError):
            async with asyncio.timeout(LIMIT):
                await client.messages.create(**PARAMS)
    assert [r.path for r in server.requests] == ["/v1/messages"]


@pytest.mark.parametrize("status", [400, 401, 404, 500, 529])
async def test_status_errors_are_clean(server: FakeAnthropic, status: int) -> None:
    server.enqueue(Reply.error(status, "api_error", "plain message"))
    async with aclaude.Client(api_key=API_KEY, base_url=server.url, max_retries=0) as client:
        with pytest.raises(aclaude.APIStatusError) as info:
            async with asyncio.timeout(LIMIT):
                await client.messages.create(**PARAMS)
    assert_exception_clean(info.value)
    assert "plain message" in str(info.value)
