"""The same call through the official SDK and through aclaude puts the same request on the wire:
method, path, query, the headers that carry parameters, and the JSON body (canonical form).

Both clients talk to the same fake API on loopback, which records every request. Each case is
one call of the matrix below, given to both clients with the same keyword arguments, so every
parameter of ``create``/``stream``/``parse``/``count_tokens``/``tool_runner``/``batches.create``
(stable and beta) is covered: fields of the body, and the parameters that go in headers
(``betas``, ``workspace_id``, ``user_profile_id``) or not at all (``run_tools_eagerly``).

``temperature``, ``top_k`` and ``top_p`` are fields of the API that anthropic 2.17's signatures
no longer name: the SDK sends them through ``extra_body``, aclaude by name, and the bodies must
still be equal. The API's answer does not matter here (some calls are refused by the fake API,
for both clients alike): only what was sent is compared.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import anthropic
import pytest
from _conformance import wire

import aclaude
from aclaude.testing import FakeAnthropic

API_KEY = "sk-ant-test-not-a-real-key"
BASE: dict[str, Any] = {
    "model": "claude-sonnet-4-6",
    "max_tokens": 64,
    "messages": [{"role": "user", "content": "Hello, Claude"}],
}
TOOL = {
    "name": "get_weather",
    "description": "The weather in a city.",
    "input_schema": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]},
    "input_examples": [{"city": "Paris"}],
    "defer_loading": False,
    "allowed_callers": ["direct"],
    "eager_input_streaming": True,
    "strict": True,
    "cache_control": {"type": "ephemeral", "ttl": "5m"},
}
SCHEMA = {
    "type": "json_schema",
    "schema": {
        "type": "object",
        "properties": {"value": {"type": "integer"}},
        "required": ["value"],
        "additionalProperties": False,
    },
}
#: Every body field of a stable Messages request (besides model, max_tokens, messages).
STABLE_FIELDS: dict[str, Any] = {
    "system": [{"type": "text", "text": "Be brief.", "cache_control": {"type": "ephemeral"}}],
    "metadata": {"user_id": "user-1"},
    "stop_sequences": ["\n\nEND"],
    "thinking": {"type": "enabled", "budget_tokens": 2048, "display": "summarized"},
    "tool_choice": {"type": "auto", "disable_parallel_tool_use": True},
    "tools": [TOOL, {"type": "web_search_20250305", "name": "web_search", "max_uses": 2}],
    "service_tier": "auto",
    "output_config": {"effort": "high"},
    "cache_control": {"type": "ephemeral"},
    "container": {"id": "container_1", "skills": [{"type": "anthropic", "skill_id": "pdf"}]},
    "diagnostics": {"previous_message_id": None},
    "inference_geo": "us",
    "speed": "standard",
}
#: Fields the SDK's signature lacks (see the module docstring).
UNNAMED = {"temperature": 0.5, "top_k": 40, "top_p": 0.9}
#: The beta-only body fields.
BETA_FIELDS: dict[str, Any] = {
    "mcp_servers": [{"type": "url", "url": "https://mcp.example/sse", "name": "docs"}],
    "context_management": {"edits": [{"type": "clear_tool_uses_20250919"}]},
    "compaction": {"enabled": True},
    "billing_policy": {"type": "standard"},
    "fallbacks": [{"model": "claude-haiku-4-5"}],
    "fallback_credit_token": None,
    "thread": None,
}
HEADER_PARAMS = {"workspace_id": "wrkspc_1", "user_profile_id": "uprof_1"}
OPTIONS: dict[str, Any] = {
    "extra_headers": {"X-Extra": "1"},
    "extra_query": {"trace": "on"},
    "extra_body": {"newer_field": {"a": 1}},
}


async def sent(server: FakeAnthropic, call: Callable[[], Awaitable[Any]]) -> list[dict[str, Any]]:
    """The requests ``call`` made (whatever the fake API answered)."""
    server.reset()
    try:
        await call()
    except (aclaude.APIError, anthropic.APIError):
        pass
    return [wire(r) for r in server.requests]


async def drain_sdk_stream(stream: Any) -> None:
    async with stream:
        async for _ in stream:
            pass


async def drain_ours(stream: aclaude.EventStream) -> None:
    async with stream:
        async for _ in stream:
            pass


def sdk_kwargs(kwargs: dict[str, Any]) -> dict[str, Any]:
    """``kwargs`` for the SDK: the fields its signature lacks moved into ``extra_body``."""
    named = {k: v for k, v in kwargs.items() if k not in UNNAMED}
    unnamed = {k: v for k, v in kwargs.items() if k in UNNAMED}
    if unnamed:
        named["extra_body"] = {**unnamed, **named.get("extra_body", {})}
    return named


CREATE_CASES = {
    "minimal": {},
    "every_stable_field": {**STABLE_FIELDS, **UNNAMED},
    "header_params": HEADER_PARAMS,
    "options": OPTIONS,
    "all": {**STABLE_FIELDS, **UNNAMED, **HEADER_PARAMS, **OPTIONS},
}


@pytest.mark.parametrize("case", CREATE_CASES)
async def test_create_stream_true(
    case: str, client: aclaude.Client, sdk: anthropic.AsyncAnthropic, server: FakeAnthropic
) -> None:
    kwargs = {**BASE, **CREATE_CASES[case]}
    ref = await sent(server, lambda: _sdk_create(sdk.messages, kwargs))
    got = await sent(server, lambda: drain_ours(client.messages.create(stream=True, **kwargs)))
    assert got == ref and len(ref) == 1


async def _sdk_create(messages: Any, kwargs: dict[str, Any]) -> None:
    await drain_sdk_stream(await messages.create(stream=True, **sdk_kwargs(kwargs)))


@pytest.mark.parametrize("case", CREATE_CASES)
async def test_create_drained_and_stream_helper(
    case: str, client: aclaude.Client, sdk: anthropic.AsyncAnthropic, server: FakeAnthropic
) -> None:
    kwargs = {**BASE, **CREATE_CASES[case]}
    ref = await sent(server, lambda: _sdk_create(sdk.messages, kwargs))
    assert await sent(server, lambda: client.messages.create(**kwargs)) == ref

    async def ours_stream() -> None:
        async with client.messages.stream(**kwargs) as stream:
            await stream.until_done()

    async def sdk_stream() -> None:
        async with sdk.messages.stream(**sdk_kwargs(kwargs)) as stream:
            await stream.until_done()

    assert await sent(server, ours_stream) == await sent(server, sdk_stream) == ref


@pytest.mark.parametrize("case", ["minimal", "options"])
async def test_parse_with_output_config(
    case: str, client: aclaude.Client, sdk: anthropic.AsyncAnthropic, server: FakeAnthropic
) -> None:
    kwargs = {**BASE, **CREATE_CASES[case], "output_config": {"format": SCHEMA}}
    ref = await sent(server, lambda: sdk.messages.parse(**sdk_kwargs(kwargs)))
    assert await sent(server, lambda: client.messages.parse(**kwargs)) == ref


COUNT_CASES = {
    "minimal": {},
    "fields": {
        k: STABLE_FIELDS[k]
        for k in ("system", "thinking", "tool_choice", "tools", "output_config", "cache_control", "speed")
    },
    "header_params_and_options": {**HEADER_PARAMS, **OPTIONS},
}


@pytest.mark.parametrize("case", COUNT_CASES)
async def test_count_tokens(
    case: str, client: aclaude.Client, sdk: anthropic.AsyncAnthropic, server: FakeAnthropic
) -> None:
    kwargs = {"model": BASE["model"], "messages": BASE["messages"], **COUNT_CASES[case]}
    ref = await sent(server, lambda: sdk.messages.count_tokens(**kwargs))
    assert await sent(server, lambda: client.messages.count_tokens(**kwargs)) == ref


BETA_CASES = {
    "betas": {"betas": ["mcp-client-2025-04-04", "context-management-2025-06-27"]},
    "beta_fields": {**BETA_FIELDS, "betas": ["mcp-client-2025-04-04"]},
    "all": {**STABLE_FIELDS, **BETA_FIELDS, **HEADER_PARAMS, **OPTIONS, "betas": ["x-2025-01-01"]},
}


@pytest.mark.parametrize("case", BETA_CASES)
async def test_beta_create_stream_and_parse(
    case: str, client: aclaude.Client, sdk: anthropic.AsyncAnthropic, server: FakeAnthropic
) -> None:
    kwargs = {**BASE, **BETA_CASES[case]}
    ref = await sent(server, lambda: _sdk_create(sdk.beta.messages, kwargs))
    assert len(ref) == 1
    assert await sent(server, lambda: drain_ours(client.beta.messages.create(stream=True, **kwargs))) == ref
    assert await sent(server, lambda: client.beta.messages.create(**kwargs)) == ref

    async def ours_stream() -> None:
        async with client.beta.messages.stream(**kwargs) as stream:
            await stream.until_done()

    async def sdk_stream() -> None:
        async with sdk.beta.messages.stream(**kwargs) as stream:
            await stream.until_done()

    assert await sent(server, ours_stream) == await sent(server, sdk_stream) == ref
    parse_kwargs = {**kwargs, "output_config": {"format": SCHEMA}}
    assert await sent(server, lambda: client.beta.messages.parse(**parse_kwargs)) == await sent(
        server, lambda: sdk.beta.messages.parse(**parse_kwargs)
    )


@pytest.mark.parametrize("case", ["none", "betas", "all"])
async def test_beta_count_tokens(
    case: str, client: aclaude.Client, sdk: anthropic.AsyncAnthropic, server: FakeAnthropic
) -> None:
    kwargs: dict[str, Any] = {"model": BASE["model"], "messages": BASE["messages"]}
    if case != "none":
        kwargs["betas"] = ["x-2025-01-01"]
    if case == "all":
        kwargs.update(
            {k: BETA_FIELDS[k] for k in ("mcp_servers", "context_management", "compaction", "billing_policy")}
        )
        kwargs.update(HEADER_PARAMS, **OPTIONS, system="Be brief.")
    ref = await sent(server, lambda: sdk.beta.messages.count_tokens(**kwargs))
    assert await sent(server, lambda: client.beta.messages.count_tokens(**kwargs)) == ref


@pytest.mark.parametrize("beta", [False, True])
async def test_batches_create(
    beta: bool, client: aclaude.Client, sdk: anthropic.AsyncAnthropic, server: FakeAnthropic
) -> None:
    kwargs: dict[str, Any] = {
        "requests": [
            {"custom_id": "a", "params": BASE},
            {"custom_id": "b", "params": {**BASE, **STABLE_FIELDS}},
        ],
        **HEADER_PARAMS,
        **OPTIONS,
    }
    if beta:
        kwargs["betas"] = ["x-2025-01-01"]
    ref_api = sdk.beta.messages.batches if beta else sdk.messages.batches
    our_api = client.beta.messages.batches if beta else client.messages.batches
    ref = await sent(server, lambda: ref_api.create(**kwargs))
    assert await sent(server, lambda: our_api.create(**kwargs)) == ref


@pytest.mark.parametrize("case", ["minimal", "all"])
async def test_beta_tool_runner_first_request(
    case: str, client: aclaude.Client, sdk: anthropic.AsyncAnthropic, server: FakeAnthropic
) -> None:
    """``betas`` and the header parameters go in headers, ``run_tools_eagerly`` nowhere; the
    first request of a run is the SDK's."""
    # thread=False: the SDK's runner otherwise holds the conversation on the server (message
    # threads); aclaude's runner always sends it, as the SDK does with thread=False.
    kwargs: dict[str, Any] = {**BASE, "tools": [TOOL], "max_iterations": 1, "thread": False}
    if case == "all":
        kwargs.update(
            HEADER_PARAMS, betas=["x-2025-01-01"], stream=True, run_tools_eagerly=True, system="Be brief."
        )
    ref = await sent(server, lambda: sdk.beta.messages.tool_runner(**kwargs).until_done())
    got = await sent(server, lambda: client.beta.messages.tool_runner(**kwargs).until_done())
    assert got == ref and len(ref) == 1
    assert "run_tools_eagerly" not in got[0]["body"]


async def test_run_tools_eagerly_needs_stream(client: aclaude.Client) -> None:
    with pytest.raises(ValueError, match="mutually exclusive"):
        client.beta.messages.tool_runner(**BASE, tools=[TOOL], run_tools_eagerly=True)


# -- the other resources: ids in paths, list filters in the query, betas and workspace in headers


OTHER_CALLS: dict[str, tuple[str, tuple[Any, ...], dict[str, Any]]] = {
    "models.retrieve": ("models.retrieve", ("claude-sonnet-4-5",), {}),
    "models.list": ("models.list", (), {"limit": 2, "after_id": "m-1"}),
    "beta.models.list": ("beta.models.list", (), {"limit": 2, "betas": ["x-2025-01-01"]}),
    "batches.retrieve": ("messages.batches.retrieve", ("msgbatch_1",), {}),
    "batches.list": ("messages.batches.list", (), {"limit": 3, "before_id": "msgbatch_9"}),
    "batches.cancel": ("messages.batches.cancel", ("msgbatch_1",), {}),
    "batches.delete": ("messages.batches.delete", ("msgbatch_1",), {}),
    "beta.batches.retrieve": ("beta.messages.batches.retrieve", ("msgbatch_1",), {"betas": ["x-2025-01-01"]}),
    # client.files (GA): aclaude's beta.files still adds files-api-2025-04-14, which anthropic
    # 2.17 no longer sends (harmless: the API is GA; see docs/api-surface.md).
    "files.list": ("files.list", (), {"limit": 5}),
    "files.retrieve_metadata": ("files.retrieve_metadata", ("file_1",), {}),
    "files.delete": ("files.delete", ("file_1",), {}),
    "skills.retrieve": ("skills.retrieve", ("skill_1",), {}),
    "skills.list": ("skills.list", (), {"limit": 4, "source": "custom"}),
    "skills.versions.list": ("skills.versions.list", ("skill_1",), {"limit": 2}),
    "skills.versions.retrieve": ("skills.versions.retrieve", ("123",), {"skill_id": "skill_1"}),
    "skills.versions.delete": ("skills.versions.delete", ("123",), {"skill_id": "skill_1"}),
    "beta.skills.delete": ("beta.skills.delete", ("skill_1",), {"betas": ["skills-2025-10-02"]}),
    "user_profiles.delete": ("user_profiles.delete", ("uprof_1",), {}),
    "user_profiles.list": ("user_profiles.list", (), {"limit": 2, "order": "asc"}),
}


def _method(client: Any, dotted: str) -> Any:
    for part in dotted.split("."):
        client = getattr(client, part)
    return client


@pytest.mark.parametrize("name", OTHER_CALLS)
@pytest.mark.parametrize("with_options", [False, True])
async def test_other_resources(
    name: str,
    with_options: bool,
    client: aclaude.Client,
    sdk: anthropic.AsyncAnthropic,
    server: FakeAnthropic,
) -> None:
    dotted, args, kwargs = OTHER_CALLS[name]
    if with_options:
        kwargs = {**kwargs, "workspace_id": "wrkspc_1", "extra_headers": {"X-Extra": "1"}}
        kwargs["extra_query"] = {"trace": "on"}
        if not dotted.endswith(("retrieve", "list", "retrieve_metadata")):  # GETs send no body
            kwargs["extra_body"] = {"reason": "test"}

    async def call(api: Any) -> None:
        result = _method(api, dotted)(*args, **kwargs)
        await result  # a coroutine, or a paginator's first page

    ref = await sent(server, lambda: call(sdk))
    assert await sent(server, lambda: call(client)) == ref and len(ref) == 1
