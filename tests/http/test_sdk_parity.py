"""Side by side with the official SDK (issue 20): the same call through ``aclaude.Client`` and
``anthropic.AsyncAnthropic``, against the same loopback ``FakeAnthropic``, behaves the same where
users rely on it: error classes, request ids, headers and queries, raw responses, custom
requests, copies of a client.
"""

from __future__ import annotations

import asyncio
import base64
import socket
from collections.abc import AsyncIterator
from typing import Any
from urllib.parse import parse_qsl

import anthropic
import msgspec
import pytest
from _loopback_app import serve_app
from aiohttp import web
from conftest import API_KEY, PARAMS

import aclaude
from aclaude.testing import FakeAnthropic, Reply

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


# -- an echo server: the query string and headers exactly as they arrived ---------------------


@pytest.fixture
async def echo() -> AsyncIterator[str]:
    """A loopback server: ``/echo`` answers the raw query string and headers as JSON, ``/text``
    plain text, ``/bytes`` octets."""

    async def echo_handler(request: web.Request) -> web.Response:
        return web.json_response({"query": request.query_string, "headers": dict(request.headers)})

    async def text_handler(request: web.Request) -> web.Response:
        return web.Response(text="plain words, not JSON", content_type="text/plain")

    async def bytes_handler(request: web.Request) -> web.Response:
        return web.Response(body=b"\x00\xffbinary", content_type="application/octet-stream")

    app = web.Application()
    app.router.add_route("*", "/echo", echo_handler)
    app.router.add_route("*", "/text", text_handler)
    app.router.add_route("*", "/bytes", bytes_handler)
    async with serve_app(app) as url:
        yield url


@pytest.fixture
async def pair(echo: str) -> AsyncIterator[tuple[aclaude.Client, anthropic.AsyncAnthropic]]:
    """Both clients on the echo server, with the same defaults."""
    defaults: dict[str, Any] = {
        "api_key": API_KEY,
        "base_url": echo,
        "max_retries": 0,
        "default_headers": {"x-team": "blue", "x-dropped": "yes"},
        "default_query": {"a": "1"},
    }
    sdk = anthropic.AsyncAnthropic(**defaults)
    async with aclaude.Client(**defaults) as client:
        try:
            yield client, sdk
        finally:
            await sdk.close()


async def _echo(client: aclaude.Client | anthropic.AsyncAnthropic, **options: Any) -> dict[str, Any]:
    """GET /echo through either client, with ``extra_headers`` / ``extra_query``."""
    if isinstance(client, aclaude.Client):
        result: dict[str, Any] = await client.get("/echo", **options)
        return result
    sdk_options = {"headers": options.get("extra_headers"), "params": options.get("extra_query")}
    answer: dict[str, Any] = await client.get(
        "/echo", cast_to=object, options={k: v for k, v in sdk_options.items() if v is not None}
    )
    return answer


def _lower(headers: dict[str, str]) -> dict[str, str]:
    return {k.lower(): v for k, v in headers.items()}


# -- 5. headers and queries -------------------------------------------------------------------


@pytest.mark.parametrize("how", ["None", "omit", "sdk-omit"])
async def test_a_none_or_omit_header_removes_it(echo: str, how: str) -> None:
    removed = {"None": None, "omit": getattr(aclaude, "omit", "?"), "sdk-omit": anthropic.omit}[how]
    # The SDK takes its Omit() (not None) in default_headers and per call; aclaude takes both.
    sdk = anthropic.AsyncAnthropic(
        api_key=API_KEY, base_url=echo, default_headers={"x-team": "blue", "x-dropped": anthropic.omit}
    )
    theirs = _lower((await _echo(sdk, extra_headers={"x-team": anthropic.omit, "x-call": "1"}))["headers"])
    await sdk.close()
    async with aclaude.Client(
        api_key=API_KEY, base_url=echo, default_headers={"x-team": "blue", "x-dropped": removed}
    ) as client:
        ours = _lower((await _echo(client, extra_headers={"x-team": removed, "x-call": "1"}))["headers"])
        # A copy's defaults may drop a header of the original's too.
        copy = client.with_options(default_headers={"x-team": removed})
        from_copy = _lower((await _echo(copy))["headers"])
    for seen in (ours, theirs, from_copy):
        assert "x-team" not in seen and "x-dropped" not in seen
    assert ours["x-call"] == theirs["x-call"] == "1"


async def test_query_values_are_encoded_as_the_sdk_does(
    pair: tuple[aclaude.Client, anthropic.AsyncAnthropic],
) -> None:
    client, sdk = pair
    query = {"on": True, "off": False, "gone": None, "ids": ["x", "y"], "n": 3}
    ours = (await _echo(client, extra_query=query))["query"]
    theirs = (await _echo(sdk, extra_query=query))["query"]
    # Brackets escaped or not is the same query to a server.
    assert parse_qsl(ours) == parse_qsl(theirs)
    assert parse_qsl(ours) == [
        ("a", "1"),
        ("on", "true"),
        ("off", "false"),
        ("ids[]", "x"),
        ("ids[]", "y"),
        ("n", "3"),
    ]


# -- 1. with_options: merged defaults, usable before a loop runs -------------------------------


async def test_with_options_merges_default_headers_and_query(
    pair: tuple[aclaude.Client, anthropic.AsyncAnthropic],
) -> None:
    client, sdk = pair
    answers = []
    for each in (client, sdk):
        copy = each.with_options(default_query={"b": "2"}, default_headers={"x-extra": "1"})
        answers.append(await _echo(copy))
    ours, theirs = answers
    assert ours["query"] == theirs["query"] == "a=1&b=2"
    for seen in (_lower(ours["headers"]), _lower(theirs["headers"])):
        assert seen["x-team"] == "blue" and seen["x-extra"] == "1"


def test_with_options_works_outside_a_running_loop() -> None:
    sdk = anthropic.AsyncAnthropic(api_key=API_KEY, base_url="http://127.0.0.1:9")
    assert sdk.with_options(max_retries=0).max_retries == 0  # the SDK's works here
    client = aclaude.Client(api_key=API_KEY, base_url="http://127.0.0.1:9")
    copy = client.with_options(max_retries=0, default_query={"from": "copy"})

    async def use() -> None:
        async with FakeAnthropic() as server:
            client.base_url = copy.base_url = server.url
            try:
                async with asyncio.timeout(30):
                    await copy.models.list()
                    assert server.requests[-1].query == {"from": "copy"}
                    await client.models.list()
            finally:
                await client.close()
            # The copy used the original's pool: closed with it.
            with pytest.raises(RuntimeError, match="closed"):
                await copy.models.list()
        await sdk.close()

    asyncio.run(use())


# -- 9. custom requests ----------------------------------------------------------------------


async def test_custom_requests_return_text_or_bytes(
    pair: tuple[aclaude.Client, anthropic.AsyncAnthropic],
) -> None:
    client, sdk = pair
    assert await client.post("/text", cast_to=str, body={}) == await sdk.post("/text", cast_to=str, body={})
    assert await client.get("/text", cast_to=str) == "plain words, not JSON"
    ours = await client.get("/bytes", cast_to=bytes)
    theirs = await sdk.get("/bytes", cast_to=bytes)
    assert ours == theirs == b"\x00\xffbinary"


async def test_a_custom_post_can_stream(
    client: aclaude.Client, sdk: anthropic.AsyncAnthropic, server: FakeAnthropic
) -> None:
    body = {**PARAMS, "stream": True}
    server.enqueue(Reply.text("Hello there"), Reply.text("Hello there"))
    theirs = await sdk.post(
        "/v1/messages",
        cast_to=object,
        body=body,
        stream=True,
        stream_cls=anthropic.AsyncStream[anthropic.types.RawMessageStreamEvent],
    )
    their_types = [event.type async for event in theirs]
    ours = await client.post("/v1/messages", body=body, stream=True)
    assert isinstance(ours, aclaude.EventStream)
    async with asyncio.timeout(30):
        our_types = [event.type async for event in ours]
    # aclaude's EventStream hands out pings too; the SDK's stream drops them.
    assert [t for t in our_types if t != "ping"] == their_types
    assert their_types[0] == "message_start" and their_types[-1] == "message_stop"


async def test_the_first_attempt_carries_retry_count_zero(
    client: aclaude.Client, sdk: anthropic.AsyncAnthropic, server: FakeAnthropic
) -> None:
    await sdk.messages.count_tokens(model="claude-sonnet-4-6", messages=[{"role": "user", "content": "Hi"}])
    await client.messages.count_tokens(
        model="claude-sonnet-4-6", messages=[{"role": "user", "content": "Hi"}]
    )
    await client.messages.create(**PARAMS)  # type: ignore[arg-type]
    counts = [r.headers.get("x-stainless-retry-count") for r in server.requests]
    assert counts == ["0", "0", "0"]


# -- 3. proxies from the environment ---------------------------------------------------------


async def test_proxies_come_from_the_environment(
    server: FakeAnthropic, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The fake API stands in as the proxy: a host that cannot resolve is only reachable through it.
    monkeypatch.setenv("HTTP_PROXY", f"http://proxyuser:proxy-pw@127.0.0.1:{server.port}")
    sdk = anthropic.AsyncAnthropic(api_key=API_KEY, base_url="http://api.invalid", max_retries=0)
    try:
        theirs = await sdk.models.list()
    finally:
        await sdk.close()
    async with aclaude.Client(api_key=API_KEY, base_url="http://api.invalid", max_retries=0) as client:
        ours = await client.models.list()
    assert [m.id for m in ours.data] == [m.id for m in theirs.data]
    assert [r.headers["host"] for r in server.requests] == ["api.invalid", "api.invalid"]
    # The proxy's credentials go to the proxy, as Proxy-Authorization.
    expected = "Basic " + base64.b64encode(b"proxyuser:proxy-pw").decode()
    assert [r.headers["proxy-authorization"] for r in server.requests] == [expected, expected]


async def test_trust_env_false_ignores_the_proxy(
    server: FakeAnthropic, monkeypatch: pytest.MonkeyPatch
) -> None:
    with socket.socket() as sock:  # a proxy nobody listens on
        sock.bind(("127.0.0.1", 0))
        dead = sock.getsockname()[1]
    monkeypatch.setenv("HTTP_PROXY", f"http://127.0.0.1:{dead}")
    async with aclaude.Client(api_key=API_KEY, base_url=server.url, max_retries=0, trust_env=False) as client:
        await client.models.list()
    async with aclaude.Client(api_key=API_KEY, base_url=server.url, max_retries=0) as client:
        with pytest.raises(aclaude.APIConnectionError):
            await client.models.list()


async def test_no_proxy_is_honoured(server: FakeAnthropic, monkeypatch: pytest.MonkeyPatch) -> None:
    with socket.socket() as sock:  # a proxy nobody listens on
        sock.bind(("127.0.0.1", 0))
        dead = sock.getsockname()[1]
    monkeypatch.setenv("HTTP_PROXY", f"http://127.0.0.1:{dead}")
    monkeypatch.setenv("NO_PROXY", "127.0.0.1")
    sdk = anthropic.AsyncAnthropic(api_key=API_KEY, base_url=server.url, max_retries=0)
    try:
        await sdk.models.list()
    finally:
        await sdk.close()
    async with aclaude.Client(api_key=API_KEY, base_url=server.url, max_retries=0) as client:
        await client.models.list()
    assert len(server.requests) == 2


async def test_an_https_endpoint_is_tunnelled_the_proxy_never_sees_the_key(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The proxy gets ``CONNECT host:443`` and then only TLS bytes: no header, no key."""
    received: list[bytes] = []

    async def proxy(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            received.append(await reader.readuntil(b"\r\n\r\n"))
        except (asyncio.IncompleteReadError, asyncio.LimitOverrunError):
            pass
        writer.close()  # refuse the tunnel: the client fails, having shown what it sends

    listener = await asyncio.start_server(proxy, "127.0.0.1", 0)
    port = listener.sockets[0].getsockname()[1]
    monkeypatch.setenv("HTTPS_PROXY", f"http://127.0.0.1:{port}")
    try:
        async with asyncio.timeout(30):
            async with aclaude.Client(
                api_key=API_KEY, base_url="https://api.invalid", max_retries=0
            ) as client:
                with pytest.raises(aclaude.APIConnectionError):
                    await client.models.list()
            sdk = anthropic.AsyncAnthropic(api_key=API_KEY, base_url="https://api.invalid", max_retries=0)
            with pytest.raises(anthropic.APIConnectionError):
                await sdk.models.list()
            await sdk.close()
    finally:
        listener.close()
        await listener.wait_closed()
    assert len(received) == 2
    for head in received:
        assert head.startswith(b"CONNECT api.invalid:443 ")
        assert API_KEY.encode() not in head and b"x-api-key" not in head.lower()


# -- 7. raw responses ------------------------------------------------------------------------


async def test_raw_responses_read_like_the_sdks(
    client: aclaude.Client, sdk: anthropic.AsyncAnthropic, server: FakeAnthropic
) -> None:
    theirs = await sdk.models.with_raw_response.retrieve("claude-sonnet-4-6")
    ours = await client.models.with_raw_response.retrieve("claude-sonnet-4-6")
    assert (await ours.parse()).id == (await theirs.parse()).id
    assert await ours.json() == await theirs.json()
    assert await ours.text() == await theirs.text()  # the body as it arrived
    assert await ours.read() == await theirs.read()
    assert ours.http_response.status == theirs.http_response.status_code == 200
    assert ours.http_response.headers["request-id"] == ours.request_id
    assert ours.retries_taken == theirs.retries_taken == 0


async def test_a_raw_message_reads_as_the_sdks_json(
    client: aclaude.Client, sdk: anthropic.AsyncAnthropic, server: FakeAnthropic
) -> None:
    server.enqueue(Reply.text("Hello there"), Reply.text("Hello there"))
    theirs = await (await sdk.messages.with_raw_response.create(**PARAMS)).json()  # type: ignore[call-overload]
    ours = await (await client.messages.with_raw_response.create(**PARAMS)).json()  # type: ignore[arg-type]
    for body in (theirs, ours):
        body.pop("id")
    # A Message leaves out the fields at their default (the API's nulls): the rest is the same.
    assert ours == {key: value for key, value in theirs.items() if value is not None}


async def test_raw_responses_count_the_retries_taken(server: FakeAnthropic) -> None:
    busy = Reply.error(529, "overloaded_error", "busy", headers={"retry-after-ms": "10"})
    server.enqueue(busy, Reply.text("ok"), busy, Reply.text("ok"))
    sdk = anthropic.AsyncAnthropic(api_key=API_KEY, base_url=server.url, max_retries=1)
    try:
        theirs = await sdk.messages.with_raw_response.create(**PARAMS)  # type: ignore[call-overload]
    finally:
        await sdk.close()
    async with aclaude.Client(api_key=API_KEY, base_url=server.url, max_retries=1) as client:
        async with asyncio.timeout(30):
            ours = await client.messages.with_raw_response.create(**PARAMS)  # type: ignore[arg-type]
    assert ours.retries_taken == theirs.retries_taken == 1
    assert (await ours.parse()).content[0].text == "ok"  # type: ignore[union-attr]


async def test_a_raw_streams_body_is_read_through_the_stream(
    client: aclaude.Client, server: FakeAnthropic
) -> None:
    raw = await client.messages.with_raw_response.create(stream=True, **PARAMS)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="parse"):
        await raw.read()
    async with await raw.parse() as stream:
        assert [event.type async for event in stream][-1] == "message_stop"


# -- 2. request ids on everything ------------------------------------------------------------


async def _returned_objects(api: Any, server: FakeAnthropic) -> dict[str, Any]:
    """The same calls through either client: one object of each kind a call returns."""
    server.enqueue(Reply.text("Hi"))
    objects: dict[str, Any] = {
        "message": await api.messages.create(**PARAMS),
        "token count": await api.messages.count_tokens(model=PARAMS["model"], messages=PARAMS["messages"]),
        "model": await api.models.retrieve("claude-sonnet-4-6"),
        "page": await api.models.list(limit=1),
    }
    objects["next page"] = await objects["page"].get_next_page()
    batch = await api.messages.batches.create(requests=[{"custom_id": "a", "params": PARAMS}])
    objects["batch"] = await api.messages.batches.retrieve(batch.id)
    objects["file metadata"] = await api.beta.files.upload(file=("a.txt", b"hello", "text/plain"))
    objects["deleted file"] = await api.beta.files.delete(objects["file metadata"].id)
    return objects


async def test_every_returned_object_has_its_request_id(
    client: aclaude.Client, sdk: anthropic.AsyncAnthropic, server: FakeAnthropic
) -> None:
    async with asyncio.timeout(60):
        theirs = await _returned_objects(sdk, server)
        ours = await _returned_objects(client, server)
    assert ours.keys() == theirs.keys()
    for kind, obj in ours.items():
        assert theirs[kind]._request_id.startswith("req_"), kind  # the SDK's
        assert obj._request_id is not None and obj._request_id.startswith("req_"), kind
        assert obj.request_id == obj._request_id, kind
        # The same kind of object (the SDK's beta types are prefixed, its pages named otherwise).
        their_name = type(theirs[kind]).__name__.removeprefix("Beta").partition("[")[0]
        assert their_name == type(obj).__name__, kind
    assert ours["page"].request_id != ours["next page"].request_id
    # Not a field: the wire JSON is unchanged.
    assert "request_id" not in str(msgspec.to_builtins(ours["model"]))
    assert "_request_id" not in msgspec.json.encode(ours["message"]).decode()


async def test_errors_have_the_request_id_too(
    client: aclaude.Client, sdk: anthropic.AsyncAnthropic, server: FakeAnthropic
) -> None:
    with pytest.raises(anthropic.NotFoundError) as theirs:
        await sdk.models.retrieve("no-such-model")
    with pytest.raises(aclaude.NotFoundError) as ours:
        await client.models.retrieve("no-such-model")
    assert theirs.value.request_id and ours.value.request_id
    assert ours.value.request_id == ours.value.response.headers["request-id"]  # type: ignore[union-attr]


async def test_a_legacy_completion_has_its_request_id(client: aclaude.Client) -> None:
    # anthropic 2.14 dropped Text Completions: aclaude's still carries the id like the rest.
    completion = await client.completions.create(
        model="claude-2.1", max_tokens_to_sample=20, prompt="\n\nHuman: Hi\n\nAssistant:"
    )
    assert completion.request_id is not None and completion.request_id.startswith("req_")
    assert completion._request_id == completion.request_id
