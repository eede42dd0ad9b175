"""The fake API refuses what the real API refuses, with the real API's status, error type and
message; the checks can be switched off; generated replies honour max_tokens and read like
prose; pacing holds the first token and spaces the rest."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest

import aclaude
from aclaude.testing import FakeAnthropic, Reply

KEY = "sk-ant-test-validation"
GOOD: dict[str, Any] = {
    "model": "claude-test-1",
    "max_tokens": 64,
    "messages": [{"role": "user", "content": "Hello"}],
}
LIMIT = 20.0


@pytest.fixture
async def server() -> AsyncIterator[FakeAnthropic]:
    async with FakeAnthropic() as fake:
        yield fake


@pytest.fixture
async def session() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession(headers={"x-api-key": KEY}) as client:
        yield client


async def post(
    session: aiohttp.ClientSession, url: str, body: Any, headers: dict[str, str] | None = None
) -> tuple[int, Any]:
    async with asyncio.timeout(LIMIT), session.post(url, json=body, headers=headers) as resp:
        return resp.status, await resp.json(content_type=None)


def without(name: str) -> dict[str, Any]:
    return {k: v for k, v in GOOD.items() if k != name}


# (body, the API's message) for bodies the API answers with 400 invalid_request_error.
INVALID: list[tuple[Any, str]] = [
    (without("model"), "model: Field required"),
    (without("max_tokens"), "max_tokens: Field required"),
    (without("messages"), "messages: Field required"),
    ({**GOOD, "model": 3}, "model: Input should be a valid string"),
    ({**GOOD, "max_tokens": "64"}, "max_tokens: Input should be a valid integer"),
    ({**GOOD, "max_tokens": 1.5}, "max_tokens: Input should be a valid integer"),
    ({**GOOD, "max_tokens": -3}, "max_tokens: Input should be greater than or equal to 1"),
    ({**GOOD, "max_tokens": 0}, "max_tokens: Input should be greater than or equal to 1"),
    ({**GOOD, "temperature": 9}, "temperature: Input should be less than or equal to 1"),
    ({**GOOD, "temperature": -0.1}, "temperature: Input should be greater than or equal to 0"),
    ({**GOOD, "temperature": "hot"}, "temperature: Input should be a valid number"),
    ({**GOOD, "top_p": 1.5}, "top_p: Input should be less than or equal to 1"),
    ({**GOOD, "top_k": -1}, "top_k: Input should be greater than or equal to 0"),
    ({**GOOD, "stream": "yes"}, "stream: Input should be a valid boolean"),
    ({**GOOD, "stop_sequences": "END"}, "stop_sequences: Input should be a valid list of strings"),
    ({**GOOD, "tools": {}}, "tools: Input should be a valid list"),
    ({**GOOD, "temprature": 0.5}, "temprature: Extra inputs are not permitted"),
    ({**GOOD, "messages": []}, "messages: at least one message is required"),
    ({**GOOD, "messages": "hi"}, "messages: Input should be a valid list"),
    (
        {**GOOD, "messages": [{"role": "user", "content": ""}]},
        "messages.0: all messages must have non-empty content except for the optional final "
        "assistant message",
    ),
    (
        {**GOOD, "messages": [{"role": "user", "content": []}]},
        "messages.0: all messages must have non-empty content except for the optional final "
        "assistant message",
    ),
    (
        {**GOOD, "messages": [{"role": "user", "content": [{"type": "text", "text": ""}]}]},
        "messages: text content blocks must be non-empty",
    ),
    (
        {**GOOD, "messages": [{"role": "system", "content": "x"}]},
        "messages.0.role: Input should be 'user' or 'assistant'",
    ),
    ({**GOOD, "messages": [{"content": "x"}]}, "messages.0.role: Field required"),
    ({**GOOD, "messages": [{"role": "user"}]}, "messages.0.content: Field required"),
    (["not", "an", "object"], "request body must be a JSON object"),
    (
        {**GOOD, "thinking": {"type": "enabled", "budget_tokens": 100}},
        "thinking.enabled.budget_tokens: Input should be greater than or equal to 1024",
    ),
    (
        {**GOOD, "thinking": {"type": "enabled", "budget_tokens": 2048}},
        "`max_tokens` must be greater than `thinking.budget_tokens`",
    ),
]


@pytest.mark.parametrize(("body", "message"), INVALID, ids=[m for _, m in INVALID])
async def test_invalid_bodies_are_400_with_the_apis_message(
    server: FakeAnthropic, session: aiohttp.ClientSession, body: Any, message: str
) -> None:
    server.enqueue(Reply.text("scripted replies do not bypass the checks"))
    status, answer = await post(session, server.url + "/v1/messages", body)
    assert status == 400
    assert answer["type"] == "error" and answer["request_id"].startswith("req_")
    assert answer["error"] == {"type": "invalid_request_error", "message": message}
    assert server.queued() == 1  # the scripted reply is still waiting


async def test_valid_bodies_pass(server: FakeAnthropic, session: aiohttp.ClientSession) -> None:
    bodies = [
        GOOD,
        {**GOOD, "temperature": 0, "top_p": 1, "top_k": 5, "stream": False, "system": "Be brief."},
        {**GOOD, "metadata": {"user_id": "u"}, "stop_sequences": ["END"], "tools": []},
        {**GOOD, "max_tokens": 4096, "thinking": {"type": "enabled", "budget_tokens": 1024}},
        # A final assistant message (a prefill) may be empty... of text, not of blocks' text.
        {**GOOD, "messages": [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": ""}]},
        {**GOOD, "messages": [{"role": "user", "content": [{"type": "image", "source": {}}]}]},
    ]
    for body in bodies:
        status, answer = await post(session, server.url + "/v1/messages", body)
        assert status == 200, (body, answer)
    count = {k: v for k, v in GOOD.items() if k != "max_tokens"}
    status, answer = await post(session, server.url + "/v1/messages/count_tokens", count)
    assert status == 200 and answer["input_tokens"] >= 1
    status, answer = await post(session, server.url + "/v1/messages/count_tokens", GOOD)
    assert status == 400 and answer["error"]["message"] == "max_tokens: Extra inputs are not permitted"


async def test_no_key_is_401_on_every_endpoint(server: FakeAnthropic) -> None:
    async with aiohttp.ClientSession() as anonymous, asyncio.timeout(LIMIT):
        for method, path in (("POST", "/v1/messages"), ("GET", "/v1/models"), ("GET", "/v1/files")):
            async with anonymous.request(method, server.url + path, json=GOOD) as resp:
                assert resp.status == 401, path
                body = await resp.json()
            assert body["error"] == {
                "type": "authentication_error",
                "message": "x-api-key header is required",
            }
        # A bearer token counts as a credential, like the API's OAuth tokens.
        bearer = {"authorization": "Bearer tok-test"}
        async with anonymous.post(server.url + "/v1/messages", json=GOOD, headers=bearer) as resp:
            assert resp.status == 200


async def test_configured_keys_refuse_another_key() -> None:
    async with FakeAnthropic(api_keys=[KEY]) as server, aiohttp.ClientSession() as session:
        status, body = await post(session, server.url + "/v1/messages", GOOD, {"x-api-key": "sk-ant-wrong"})
        assert status == 401
        assert body["error"] == {"type": "authentication_error", "message": "invalid x-api-key"}
        assert KEY not in json.dumps(body)
        status, _ = await post(session, server.url + "/v1/messages", GOOD, {"x-api-key": KEY})
        assert status == 200


async def test_unknown_model_is_404_when_models_are_configured(session: aiohttp.ClientSession) -> None:
    async with FakeAnthropic(models=["claude-test-1"]) as server:
        status, body = await post(session, server.url + "/v1/messages", {**GOOD, "model": "claude-nope"})
        assert status == 404
        assert body["error"] == {"type": "not_found_error", "message": "model: claude-nope"}
        status, _ = await post(session, server.url + "/v1/messages", GOOD)
        assert status == 200
    async with FakeAnthropic() as server:  # no list: any model name is served
        status, _ = await post(session, server.url + "/v1/messages", {**GOOD, "model": "claude-nope"})
        assert status == 200


async def test_the_switch_turns_checking_off(session: aiohttp.ClientSession) -> None:
    odd = {"model": "m", "messages": [], "max_tokens": -3, "surprise": True}
    async with FakeAnthropic(validate=False) as server, aiohttp.ClientSession() as anonymous:
        status, _ = await post(anonymous, server.url + "/v1/messages", odd)
        assert status == 200
    async with FakeAnthropic() as server:
        status, _ = await post(session, server.url + "/v1/messages", odd)
        assert status == 400
        status, _ = await post(session, server.url + "/v1/messages", odd, {"x-fake-validate": "off"})
        assert status == 200
        status, _ = await post(session, server.url + "/v1/messages", odd, {"x-fake-validate": "on"})
        assert status == 400


async def test_the_client_sees_the_typed_errors(server: FakeAnthropic) -> None:
    async with aclaude.Client(api_key=KEY, base_url=server.url, max_retries=0) as client:
        with pytest.raises(aclaude.BadRequestError) as caught:
            await client.messages.create(
                model="m", max_tokens=-3, messages=[{"role": "user", "content": "x"}]
            )
        assert caught.value.type == "invalid_request_error"
        assert "max_tokens: Input should be greater than or equal to 1" in str(caught.value)
    async with aclaude.Client(auth_token=None, api_key=None, base_url=server.url, max_retries=0) as client:
        with pytest.raises(aclaude.AuthenticationError):
            await client.messages.create(**GOOD)


# -- max_tokens, prose, pacing ---------------------------------------------------------------------


async def test_max_tokens_cuts_the_generated_reply(server: FakeAnthropic) -> None:
    async with aclaude.Client(api_key=KEY, base_url=server.url, max_retries=0) as client:
        message = await client.messages.create(**{**GOOD, "max_tokens": 5})
        assert message.stop_reason == "max_tokens" and message.usage.output_tokens == 5
        assert len(message.content[0].text) == 5 * 12  # type: ignore[union-attr]
        async with client.messages.stream(**{**GOOD, "max_tokens": 5}) as stream:
            streamed = await stream.get_final_message()
        assert streamed.stop_reason == "max_tokens" and streamed.content == message.content
        # Enough room: the whole reply, ending on a full stop at a word's end.
        message = await client.messages.create(**GOOD)
        text = message.content[0].text  # type: ignore[union-attr]
        assert message.stop_reason == "end_turn" and message.usage.output_tokens == 20
        assert text.endswith(" dolor in.") and text.startswith("lorem ipsum")
        # An exact shape asked for by header is exact: benchmarks count deltas and bytes.
        message = await client.messages.create(
            **{**GOOD, "max_tokens": 5}, extra_headers={"x-fake-deltas": "30"}
        )
        assert message.usage.output_tokens == 30 and len(message.content[0].text) == 30 * 12  # type: ignore[union-attr]
        assert message.stop_reason == "end_turn"


@pytest.mark.parametrize("delta_bytes", [1, 3, 7, 12, 40])
@pytest.mark.parametrize("deltas", [1, 2, 19, 64, 65, 130])
async def test_generated_text_ends_on_a_word(deltas: int, delta_bytes: int) -> None:
    async with (
        FakeAnthropic(deltas=deltas, delta_bytes=delta_bytes) as server,
        aclaude.Client(api_key=KEY, base_url=server.url, max_retries=0) as client,
    ):
        message = await client.messages.create(**{**GOOD, "max_tokens": 1000})
    text = message.content[0].text  # type: ignore[union-attr]
    assert text.endswith(".") and text[-2].isalpha(), text
    # Every word is a lorem word, none cut (the text wraps around the lorem cycle).
    words = set("lorem ipsum dolor sit amet consectetur adipiscing elit sed do eiusmod tempor".split())
    words |= set("incididunt ut labore et dolore magna aliqua enim ad minim veniam quis nostrud".split())
    words |= set("exercitation ullamco laboris nisi aliquip ex ea commodo consequat duis aute irure".split())
    words |= {"in", "reprehenderit"}
    last = text[:-1].split(" ")[-1]
    assert last in words, text


async def test_pacing_holds_the_first_token_and_spaces_the_rest(session: aiohttp.ClientSession) -> None:
    # Lower bounds only (a busy machine can only make these longer).
    async with FakeAnthropic(deltas=4, first_token_delay=0.3, token_interval=0.05) as server:
        started = time.monotonic()
        arrivals: list[tuple[float, bytes]] = []
        async with (
            asyncio.timeout(LIMIT),
            session.post(server.url + "/v1/messages", json={**GOOD, "stream": True}) as resp,
        ):
            async for line in resp.content:
                if line.startswith(b"event: "):
                    arrivals.append((time.monotonic() - started, line.strip()))
        first_delta = next(t for t, name in arrivals if name == b"event: content_block_delta")
        assert first_delta >= 0.3
        assert arrivals[-1][0] - first_delta >= 0.05 * 4
    with pytest.raises(ValueError):
        FakeAnthropic(first_token_delay=-1)
    async with FakeAnthropic(deltas=4) as server:  # off by default: nothing is held
        status, _ = await post(session, server.url + "/v1/messages", GOOD)
        assert status == 200


async def test_the_official_sdk_sees_the_same_error_types(server: FakeAnthropic) -> None:
    # The reference client: what it raises against the fake is what it raises against the API.
    anthropic = pytest.importorskip("anthropic")
    sdk = anthropic.AsyncAnthropic(api_key=KEY, base_url=server.url, max_retries=0)
    try:
        async with asyncio.timeout(LIMIT):
            with pytest.raises(anthropic.BadRequestError) as bad:
                await sdk.messages.create(
                    model="m", max_tokens=-3, messages=[{"role": "user", "content": "x"}]
                )
            assert bad.value.body["error"]["type"] == "invalid_request_error"  # type: ignore[index]
    finally:
        await sdk.close()
    async with FakeAnthropic(api_keys=[KEY]) as keyed:
        wrong = anthropic.AsyncAnthropic(api_key="sk-ant-wrong", base_url=keyed.url, max_retries=0)
        try:
            async with asyncio.timeout(LIMIT):
                with pytest.raises(anthropic.AuthenticationError) as denied:
                    await wrong.messages.create(**GOOD)
        finally:
            await wrong.close()
    assert denied.value.body["error"]["type"] == "authentication_error"  # type: ignore[index]
