"""Conformance of the non-streaming resources: the official SDK (the reference) and aclaude read
the same response bodies from the same fake server and must decode them to the same JSON.

For every endpoint both clients call the fake on loopback; where the fake would answer each call
with fresh ids (creates, cancels, deletes, uploads), one real answer is captured first and
served to both as a scripted reply, so both decode exactly the same bytes. Where a raw body is
at hand it is the third party to the comparison (its own JSON, read by the standard library).

Canonical form: nulls dropped at any depth (aclaude omits null fields, ``omit_defaults``), and
RFC 3339 timestamps compared as instants (pydantic and msgspec may print them differently).

Not covered: legacy Text Completions, which anthropic 2.14 no longer has
(``tests/resources/test_completions.py`` checks aclaude against the wire JSON instead).
"""

from __future__ import annotations

import datetime
import json
import re
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import anthropic
import msgspec
import pydantic
import pytest

import aclaude
from aclaude.testing import FakeAnthropic, Reply

API_KEY = "sk-ant-test-not-a-real-key"
PARAMS: dict[str, Any] = {
    "model": "claude-sonnet-4-6",
    "max_tokens": 64,
    "messages": [{"role": "user", "content": "Hello, Claude"}],
}
_TIMESTAMP = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$")


def canon(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: canon(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [canon(v) for v in value]
    if isinstance(value, str) and _TIMESTAMP.match(value):
        moment = datetime.datetime.fromisoformat(value.replace("Z", "+00:00"))
        return moment.astimezone(datetime.timezone.utc).isoformat()
    return value


def sdk_json(obj: Any) -> Any:
    if isinstance(obj, list):
        return canon([o.model_dump(mode="json") for o in obj])
    return canon(obj.model_dump(mode="json"))


def ours(obj: Any) -> Any:
    return canon(msgspec.to_builtins(obj))


@pytest.fixture
async def raw(server: FakeAnthropic) -> AsyncIterator[Any]:
    """``await raw(method, path, json=...)`` -> the decoded body, read by the standard library."""
    async with aiohttp.ClientSession(headers={"x-api-key": API_KEY}) as session:

        async def call(method: str, path: str, **kwargs: Any) -> Any:
            async with session.request(method, server.url + path, **kwargs) as resp:
                return json.loads(await resp.read())

        yield call


def served_twice(server: FakeAnthropic, body: Any, path: str) -> None:
    server.enqueue(Reply.json(body), Reply.json(body), path=path)


# -- models ------------------------------------------------------------------------------------


async def test_models_list_and_retrieve(
    client: aclaude.Client, sdk: anthropic.AsyncAnthropic, raw: Any
) -> None:
    ref = await sdk.models.list(limit=3)
    got = await client.models.list(limit=3)
    body = await raw("GET", "/v1/models?limit=3")
    assert sdk_json(ref.data) == ours(got.data) == canon(body["data"])
    assert (ref.has_more, ref.first_id, ref.last_id) == (got.has_more, got.first_id, got.last_id)
    assert ref.has_next_page() == got.has_next_page()
    every_ref = [sdk_json(m) async for m in sdk.models.list(limit=4)]
    every_got = [ours(m) async for m in client.models.list(limit=4)]
    assert every_ref == every_got and len(every_got) > 4
    assert sdk_json(await sdk.models.retrieve("claude-sonnet-4-5")) == ours(
        await client.models.retrieve("claude-sonnet-4-5")
    )


async def test_beta_models(client: aclaude.Client, sdk: anthropic.AsyncAnthropic) -> None:
    ref = [sdk_json(m) async for m in sdk.beta.models.list()]
    got = [ours(m) async for m in client.beta.models.list()]
    assert ref == got


# -- token counting ------------------------------------------------------------------------------


async def test_count_tokens(client: aclaude.Client, sdk: anthropic.AsyncAnthropic) -> None:
    ref = await sdk.messages.count_tokens(model=PARAMS["model"], messages=PARAMS["messages"])
    got = await client.messages.count_tokens(model=PARAMS["model"], messages=PARAMS["messages"])
    assert sdk_json(ref) == ours(got)
    ref_beta = await sdk.beta.messages.count_tokens(model=PARAMS["model"], messages=PARAMS["messages"])
    got_beta = await client.beta.messages.count_tokens(model=PARAMS["model"], messages=PARAMS["messages"])
    assert sdk_json(ref_beta) == ours(got_beta)


# -- batches -------------------------------------------------------------------------------------

RESULTS: list[dict[str, Any]] = [
    {
        "custom_id": "ok",
        "result": {
            "type": "succeeded",
            "message": {
                "id": "msg_01A",
                "type": "message",
                "role": "assistant",
                "model": "claude-sonnet-4-6",
                "content": [
                    {"type": "thinking", "thinking": "hmm", "signature": "sig"},
                    {"type": "text", "text": "Hi", "citations": None},
                    {"type": "tool_use", "id": "toolu_01", "name": "f", "input": {"a": [1, 2]}},
                ],
                "stop_reason": "tool_use",
                "stop_sequence": None,
                "usage": {
                    "input_tokens": 3,
                    "output_tokens": 9,
                    "cache_creation_input_tokens": 0,
                    "cache_read_input_tokens": 0,
                    "service_tier": "batch",
                },
            },
        },
    },
    {
        "custom_id": "bad",
        "result": {
            "type": "errored",
            "error": {
                "type": "error",
                "error": {"type": "invalid_request_error", "message": "max_tokens: Field required"},
                "request_id": "req_01B",
            },
        },
    },
    {"custom_id": "gone", "result": {"type": "canceled"}},
    {"custom_id": "late", "result": {"type": "expired"}},
]


async def test_batch_create_retrieve_list(
    client: aclaude.Client, sdk: anthropic.AsyncAnthropic, server: FakeAnthropic, raw: Any
) -> None:
    requests = [{"custom_id": f"r{i}", "params": PARAMS} for i in range(3)]
    created = await raw("POST", "/v1/messages/batches", json={"requests": requests})
    served_twice(server, created, "/v1/messages/batches")
    ref = await sdk.messages.batches.create(requests=requests)  # type: ignore[arg-type]
    got = await client.messages.batches.create(requests=requests)
    assert sdk_json(ref) == ours(got) == canon(created)
    batch_id = created["id"]
    ended = await raw("GET", f"/v1/messages/batches/{batch_id}")
    assert ended["processing_status"] == "ended"
    assert (
        sdk_json(await sdk.messages.batches.retrieve(batch_id))
        == ours(await client.messages.batches.retrieve(batch_id))
        == canon(ended)
    )
    await raw("POST", "/v1/messages/batches", json={"requests": requests})
    ref_list = [sdk_json(b) async for b in sdk.messages.batches.list(limit=1)]
    got_list = [ours(b) async for b in client.messages.batches.list(limit=1)]
    assert ref_list == got_list and len(got_list) == 2  # one page each


async def test_batch_cancel_and_delete(
    client: aclaude.Client, sdk: anthropic.AsyncAnthropic, server: FakeAnthropic, raw: Any
) -> None:
    created = await raw(
        "POST",
        "/v1/messages/batches",
        json={"requests": [{"custom_id": "a", "params": PARAMS}]},
        headers={"x-fake-batch-processing": "60"},
    )
    batch_id = created["id"]
    canceling = await raw("POST", f"/v1/messages/batches/{batch_id}/cancel")
    assert canceling["processing_status"] == "canceling"
    served_twice(server, canceling, f"/v1/messages/batches/{batch_id}/cancel")
    ref = await sdk.messages.batches.cancel(batch_id)
    got = await client.messages.batches.cancel(batch_id)
    assert sdk_json(ref) == ours(got) == canon(canceling)
    deleted = {"id": batch_id, "type": "message_batch_deleted"}
    served_twice(server, deleted, f"/v1/messages/batches/{batch_id}")
    assert (
        sdk_json(await sdk.messages.batches.delete(batch_id))
        == ours(await client.messages.batches.delete(batch_id))
        == deleted
    )


async def test_batch_results(
    client: aclaude.Client, sdk: anthropic.AsyncAnthropic, server: FakeAnthropic
) -> None:
    batch_id = server.resources.batches.add(RESULTS)
    ref = [sdk_json(r) async for r in await sdk.messages.batches.results(batch_id)]
    got = [ours(r) async for r in client.messages.batches.results(batch_id)]
    assert ref == got == canon(RESULTS)
    beta_ref = [sdk_json(r) async for r in await sdk.beta.messages.batches.results(batch_id)]
    beta_got = [ours(r) async for r in client.beta.messages.batches.results(batch_id)]
    assert beta_ref == beta_got == canon(RESULTS)
    assert sdk_json(await sdk.beta.messages.batches.retrieve(batch_id)) == ours(
        await client.beta.messages.batches.retrieve(batch_id)
    )


async def test_generated_batch_results(
    client: aclaude.Client, sdk: anthropic.AsyncAnthropic, server: FakeAnthropic
) -> None:
    batch = await client.messages.batches.create(
        requests=[{"custom_id": "a", "params": PARAMS}, {"custom_id": "b", "params": {"model": "m"}}]
    )
    ref = [sdk_json(r) async for r in await sdk.messages.batches.results(batch.id)]
    got = [ours(r) async for r in client.messages.batches.results(batch.id)]
    assert ref == got and {r["result"]["type"] for r in got} == {"succeeded", "errored"}


# -- files ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("beta", [True, False], ids=["beta.files", "files"])
async def test_files(
    client: aclaude.Client, sdk: anthropic.AsyncAnthropic, server: FakeAnthropic, raw: Any, beta: bool
) -> None:
    sdk_files = sdk.beta.files if beta else sdk.files
    our_files = client.beta.files if beta else client.files
    stored = [server.resources.files.add(f"content {i}".encode(), f"f{i}.txt") for i in range(3)]
    # upload: one real answer, served to both
    form = aiohttp.FormData()
    form.add_field("file", b"hello", filename="hello.txt", content_type="text/plain")
    uploaded = await raw("POST", "/v1/files", data=form)
    served_twice(server, uploaded, "/v1/files")
    ref = await sdk_files.upload(file=("hello.txt", b"hello", "text/plain"))
    got = await our_files.upload(file=("hello.txt", b"hello", "text/plain"))
    assert sdk_json(ref) == ours(got) == canon(uploaded)
    # list (page tokens), metadata, download
    ref_list = [sdk_json(f) async for f in sdk_files.list(limit=2)]
    got_list = [ours(f) async for f in our_files.list(limit=2)]
    assert ref_list == got_list and len(got_list) == 4
    file_id = stored[1]["id"]
    assert (
        sdk_json(await sdk_files.retrieve_metadata(file_id))
        == ours(await our_files.retrieve_metadata(file_id))
        == canon(stored[1])
    )
    ref_bytes = await (await sdk_files.download(file_id)).read()
    got_bytes = await (await our_files.download(file_id)).read()
    assert ref_bytes == got_bytes == b"content 1"
    # delete: one real answer, served to both
    deleted = await raw("DELETE", f"/v1/files/{stored[0]['id']}")
    served_twice(server, deleted, f"/v1/files/{file_id}")
    assert (
        sdk_json(await sdk_files.delete(file_id)) == ours(await our_files.delete(file_id)) == canon(deleted)
    )


# -- structured output and beta messages ---------------------------------------------------------


class SdkContact(pydantic.BaseModel):
    name: str
    age: int
    tags: list[str]


class Contact(msgspec.Struct):
    name: str
    age: int
    tags: list[str]


def fixed_events(content: list[dict[str, Any]], text: str | None = None) -> list[dict[str, Any]]:
    """A complete stream with fixed ids, so the JSON and the SSE answers are the same message."""
    events: list[dict[str, Any]] = [
        {
            "type": "message_start",
            "message": {
                "id": "msg_01FIXED",
                "type": "message",
                "role": "assistant",
                "model": "claude-sonnet-4-6",
                "content": [],
                "stop_reason": None,
                "stop_sequence": None,
                "usage": {"input_tokens": 7, "output_tokens": 1},
            },
        }
    ]
    for index, block in enumerate(content):
        events.append({"type": "content_block_start", "index": index, "content_block": block})
        if block["type"] == "text" and text is not None:
            events.append(
                {"type": "content_block_delta", "index": index, "delta": {"type": "text_delta", "text": text}}
            )
        events.append({"type": "content_block_stop", "index": index})
    events.append(
        {
            "type": "message_delta",
            "delta": {"stop_reason": "end_turn", "stop_sequence": None},
            "usage": {"output_tokens": 12},
        }
    )
    events.append({"type": "message_stop"})
    return events


async def test_parse(client: aclaude.Client, sdk: anthropic.AsyncAnthropic, server: FakeAnthropic) -> None:
    events = fixed_events([{"type": "text", "text": ""}], '{"name": "Ada", "age": 36, "tags": ["math"]}')
    server.enqueue(Reply.events(events), Reply.events(events))
    ref = await sdk.messages.parse(**PARAMS, output_format=SdkContact)
    got = await client.messages.parse(**PARAMS, output_format=Contact)
    assert sdk_json(ref) == ours(got)
    assert ref.parsed_output is not None
    assert ref.parsed_output.model_dump(mode="json") == msgspec.to_builtins(got.parsed_output)


async def test_stream_with_output_format(
    client: aclaude.Client, sdk: anthropic.AsyncAnthropic, server: FakeAnthropic
) -> None:
    events = fixed_events([{"type": "text", "text": ""}], '{"name": "Bo", "age": 5, "tags": []}')
    server.enqueue(Reply.events(events), Reply.events(events))
    async with sdk.messages.stream(**PARAMS, output_format=SdkContact) as ref_stream:
        ref = await ref_stream.get_final_message()
    async with client.messages.stream(**PARAMS, output_format=Contact) as stream:
        got = await stream.get_final_message()
    assert isinstance(got, aclaude.ParsedMessage)
    assert sdk_json(ref) == ours(got)
    assert ref.parsed_output is not None
    assert ref.parsed_output.model_dump(mode="json") == msgspec.to_builtins(got.parsed_output)


async def test_beta_message_with_beta_blocks(
    client: aclaude.Client, sdk: anthropic.AsyncAnthropic, server: FakeAnthropic
) -> None:
    mcp_use = {
        "type": "mcp_tool_use",
        "id": "mcptoolu_01",
        "name": "search",
        "server_name": "docs",
        "input": {},
    }
    upload = {"type": "container_upload", "file_id": "file_01X"}
    events = fixed_events([mcp_use, upload, {"type": "text", "text": ""}], "Done")
    server.enqueue(Reply.events(events), Reply.events(events))
    betas = ["mcp-client-2025-11-20"]
    ref = await sdk.beta.messages.create(**PARAMS, betas=betas)
    got = await client.beta.messages.create(**PARAMS, betas=betas)
    assert sdk_json(ref) == ours(got)
    assert [b["type"] for b in ours(got)["content"]] == ["mcp_tool_use", "container_upload", "text"]


def test_completions_are_not_in_the_reference() -> None:
    # anthropic 2.14 dropped the legacy Text Completions resource: there is nothing to compare.
    assert not hasattr(anthropic.AsyncAnthropic, "completions")
