"""Secrets in chained exceptions, URLs and reprs (a security fix).

aiohttp keeps the request's headers (the API key) in the ``request_info`` of the exception it
raises for a malformed response, and a proxy's password in the connection key of a connect
error; a password in ``base_url`` used to show in ``repr(client)`` and in timeout messages. Each
test looks at everything reachable from the raised error: its text, its traceback and the
attributes of every exception chained to it.
"""

from __future__ import annotations

import asyncio
import socket
import traceback
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pytest

import aclaude
from aclaude.testing import FakeAnthropic, RecordedRequest

API_KEY = "sk-ant-test-scrub-not-a-real-key"
PASSWORD = "pw-not-a-real-password"
PARAMS: dict[str, Any] = {
    "model": "claude-sonnet-4-6",
    "max_tokens": 16,
    "messages": [{"role": "user", "content": "Hi"}],
}
LIMIT = 10.0


def everything_about(exc: BaseException) -> str:
    """The texts a debugger or an error tracker could show for ``exc`` and its chain."""
    parts = ["".join(traceback.format_exception(exc))]
    current: BaseException | None = exc
    for _ in range(16):
        if current is None:
            break
        parts += [str(current), repr(current), repr(current.args)]
        parts.append(repr(getattr(current, "__dict__", {})))
        current = current.__cause__ or current.__context__
    return "\n".join(parts)


def assert_clean(exc: BaseException, *secrets: str) -> None:
    text = everything_about(exc)
    for secret in secrets:
        assert secret not in text, f"{secret!r} reachable from {type(exc).__name__}: {text[:800]}"


@pytest.fixture
async def raw_server() -> AsyncIterator[Callable[[bytes], Awaitable[str]]]:
    """Start a raw asyncio server answering every connection with fixed bytes; yields a
    function taking those bytes and returning the base URL."""
    servers: list[asyncio.Server] = []

    async def start(answer: bytes) -> str:
        async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            try:
                await reader.readuntil(b"\r\n\r\n")
                if answer:
                    writer.write(answer)
                    await writer.drain()
                    writer.close()
                else:
                    await asyncio.sleep(LIMIT)  # never answers
            except (ConnectionError, asyncio.IncompleteReadError):
                pass
            finally:
                writer.close()

        srv = await asyncio.start_server(handle, "127.0.0.1", 0)
        servers.append(srv)
        port = srv.sockets[0].getsockname()[1]
        return f"http://127.0.0.1:{port}"

    yield start
    for srv in servers:
        srv.close()
        await srv.wait_closed()


@pytest.mark.parametrize(
    "answer",
    [b"HTTP/1.1 2000 What\r\n\r\n", b"HTTP/1.1 200 OK\r\nbad header line\r\n\r\n", b"NOT HTTP\r\n\r\n"],
    ids=["bad-status", "bad-header", "not-http"],
)
async def test_a_malformed_response_does_not_chain_the_key(
    raw_server: Callable[[bytes], Awaitable[str]], answer: bytes
) -> None:
    url = await raw_server(answer)
    async with aclaude.Client(api_key=API_KEY, base_url=url, max_retries=0) as client:
        with pytest.raises(aclaude.APIConnectionError) as info:
            async with asyncio.timeout(LIMIT):
                await client.messages.create(**PARAMS)
    assert info.value.__cause__ is not None  # the aiohttp error is still chained, scrubbed
    assert_clean(info.value, API_KEY)


async def test_auth_token_is_not_chained_either(raw_server: Callable[[bytes], Awaitable[str]]) -> None:
    url = await raw_server(b"HTTP/1.1 2000 What\r\n\r\n")
    async with aclaude.Client(auth_token=API_KEY, base_url=url, max_retries=0) as client:
        with pytest.raises(aclaude.APIConnectionError) as info:
            async with asyncio.timeout(LIMIT):
                await client.models.list()
    assert_clean(info.value, API_KEY)


async def test_a_password_in_base_url_stays_out_of_repr_and_timeouts(
    raw_server: Callable[[bytes], Awaitable[str]],
) -> None:
    url = await raw_server(b"")  # accepts, never answers
    base_url = url.replace("http://", f"http://user:{PASSWORD}@")
    timeout = aclaude.Timeout(connect=2.0, read=0.2)
    async with aclaude.Client(api_key=API_KEY, base_url=base_url, timeout=timeout, max_retries=0) as client:
        assert PASSWORD not in repr(client) and PASSWORD not in str(client)
        assert "***@127.0.0.1" in repr(client)
        with pytest.raises(aclaude.APITimeoutError) as info:
            async with asyncio.timeout(LIMIT):
                await client.messages.create(**PARAMS)
    assert_clean(info.value, API_KEY, PASSWORD)


async def test_a_proxy_password_is_not_chained(
    monkeypatch: pytest.MonkeyPatch, server: FakeAnthropic
) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        dead_port = sock.getsockname()[1]
    monkeypatch.setenv("HTTP_PROXY", f"http://user:{PASSWORD}@127.0.0.1:{dead_port}")
    monkeypatch.setenv("NO_PROXY", "")
    async with aclaude.Client(api_key=API_KEY, base_url=server.url, trust_env=True, max_retries=0) as client:
        with pytest.raises(aclaude.APIConnectionError) as info:
            async with asyncio.timeout(LIMIT):
                await client.messages.create(**PARAMS)
    assert_clean(info.value, API_KEY, PASSWORD)


async def test_recorded_requests_do_not_show_the_key(server: FakeAnthropic) -> None:
    async with aclaude.Client(api_key=API_KEY, base_url=server.url, max_retries=0) as client:
        async with asyncio.timeout(LIMIT):
            await client.messages.create(**PARAMS)
    (request,) = server.requests
    assert isinstance(request, RecordedRequest)
    assert request.headers["x-api-key"] == API_KEY  # still there for assertions
    assert API_KEY not in repr(request) and API_KEY not in str(request)
    assert "'x-api-key': '***'" in repr(request)
