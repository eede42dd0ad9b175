"""Side by side with the official SDK (issue 20): the same call through ``aclaude.Client`` and
``anthropic.AsyncAnthropic``, against the same loopback ``FakeAnthropic``, behaves the same where
users rely on it: error classes, request ids, headers and queries, raw responses, custom
requests, copies of a client.
"""

from __future__ import annotations

import socket
from collections.abc import AsyncIterator
import anthropic
import pytest

import aclaude
from aclaude.testing import FakeAnthropic, Reply

from conftest import API_KEY, PARAMS


@pytest.fixture
async def sdk(server: FakeAnthropic) -> AsyncIterator[anthropic.AsyncAnthropic]:
    client = anthropic.AsyncAnthropic(api_key=API_KEY, base_url=server.url, max_retries=0)
    try:
        yield client
    finally:
        await client.close()


# -- errors -----------------------------------------------------------------------------------

_STATUS_NAMES = {
    402: "PaymentRequiredError",
    408: "RequestTimeoutError",
    412: "PreconditionFailedError",
    413: "ContentTooLargeError",
    431: "RequestHeaderFieldsTooLargeError",
    499: "ClientClosedRequestError",
    501: "HTTPNotImplementedError",
}


@pytest.mark.parametrize("status", sorted(_STATUS_NAMES))
async def test_each_status_has_the_sdks_error_class(
    status: int, client: aclaude.Client, sdk: anthropic.AsyncAnthropic, server: FakeAnthropic
) -> None:
    name = _STATUS_NAMES[status]
    server.enqueue(Reply.error(status, "some_error", "no"), Reply.error(status, "some_error", "no"))
    with pytest.raises(anthropic.APIStatusError) as theirs:
        await sdk.messages.create(**PARAMS)  # type: ignore[call-overload]
    with pytest.raises(aclaude.APIStatusError) as ours:
        await client.messages.create(**PARAMS)  # type: ignore[arg-type]
    assert type(theirs.value) is getattr(anthropic, name)
    assert type(ours.value) is getattr(aclaude, name)
    assert ours.value.status_code == theirs.value.status_code == status


async def test_errors_carry_response_and_request_without_secrets(
    client: aclaude.Client, sdk: anthropic.AsyncAnthropic, server: FakeAnthropic
) -> None:
    server.enqueue(Reply.error(402, "billing_error", "pay"), Reply.error(402, "billing_error", "pay"))
    with pytest.raises(anthropic.PaymentRequiredError) as theirs:
        await sdk.messages.create(**PARAMS)  # type: ignore[call-overload]
    with pytest.raises(aclaude.PaymentRequiredError) as ours:
        await client.messages.create(**PARAMS)  # type: ignore[arg-type]
    sdk_error, error = theirs.value, ours.value
    assert error.response is not None and error.request is not None
    assert error.response.status_code == sdk_error.response.status_code == 402
    # Same bodies but for the request id each answer has.
    assert error.response.json()["error"] == sdk_error.response.json()["error"]
    assert error.response.text.replace(error.request_id or "?", "") == sdk_error.response.text.replace(
        sdk_error.request_id or "?", ""
    )
    assert error.response.headers["request-id"] == error.request_id
    assert error.request.method == sdk_error.request.method == "POST"
    assert error.request.url == str(sdk_error.request.url)
    assert error.response.request is error.request
    # The key went (the server saw it) but shows nowhere in the error.
    assert server.requests[-1].headers["x-api-key"] == API_KEY
    assert error.request.headers["x-api-key"] == "***"
    for text in (repr(error), str(error), repr(error.request), repr(error.response), str(vars(error))):
        assert API_KEY not in text


async def test_a_connection_error_carries_its_request() -> None:
    # A port nothing listens on: bound, then closed.
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    async with aclaude.Client(api_key=API_KEY, base_url=f"http://127.0.0.1:{port}", max_retries=0) as client:
        with pytest.raises(aclaude.APIConnectionError) as ours:
            await client.models.list()
    assert ours.value.request is not None
    assert ours.value.request.method == "GET"
    assert ours.value.request.url.endswith("/v1/models")
    assert ours.value.request.headers["x-api-key"] == "***"
