"""The official SDK's names: ``client.with_raw_response``, ``client.beta.with_raw_response``,
``client.beta.messages.tool_runner``, ``anext(stream)`` on a ``MessageStream``, and the
``AsyncAnthropicBedrock`` / ``AsyncAnthropicVertex`` / ``AsyncAnthropicFoundry`` aliases."""

from __future__ import annotations

import asyncio
import inspect
import textwrap
from pathlib import Path
from typing import Any

import anthropic
import pytest
from mypy import api as mypy_api

import aclaude
from aclaude.testing import FakeAnthropic, Reply

PARAMS: dict[str, Any] = {
    "model": "claude-sonnet-4-6",
    "max_tokens": 64,
    "messages": [{"role": "user", "content": "Hello"}],
}


async def test_client_with_raw_response(client: aclaude.Client, server: FakeAnthropic) -> None:
    raw = await client.with_raw_response.messages.create(**PARAMS)
    assert raw.status_code == 200 and raw.request_id
    assert isinstance(await raw.parse(), aclaude.Message)
    page = await client.with_raw_response.models.list(limit=2)
    assert page.status_code == 200 and len((await page.parse()).data) == 2
    beta = await client.with_raw_response.beta.messages.create(**PARAMS, betas=["x-2025-01-01"])
    assert beta.status_code == 200
    assert server.requests[-1].headers["anthropic-beta"] == "x-2025-01-01"
    assert (await client.beta.with_raw_response.models.retrieve("claude-sonnet-4-5")).status_code == 200


async def test_beta_messages_tool_runner(client: aclaude.Client, server: FakeAnthropic) -> None:
    server.enqueue(Reply.text("No tools needed."))
    runner = client.beta.messages.tool_runner(**PARAMS, tools=[], betas=["x-2025-01-01"])
    message = await asyncio.wait_for(runner.until_done(), 10)
    assert message.content[0].text == "No tools needed."  # type: ignore[union-attr]
    # The beta runner runs on a message thread by default, as the SDK's: its beta is added.
    assert server.requests[0].headers["anthropic-beta"] == "x-2025-01-01,message-threads-2026-08-12"


async def test_anext_on_a_message_stream(client: aclaude.Client) -> None:
    async with client.messages.stream(**PARAMS) as stream:
        first = await asyncio.wait_for(anext(stream), 10)
        second = await asyncio.wait_for(anext(stream), 10)
        assert first.type == "message_start"
        assert second.type != "message_start"  # one iteration, shared by every anext()
        rest = [event.type async for event in stream]
    assert rest[-1] == "message_stop" and "message_start" not in rest  # it went on, not over
    assert (await stream.get_final_message()).stop_reason == "end_turn"


def test_platform_aliases() -> None:
    assert aclaude.AsyncAnthropicBedrock is aclaude.BedrockClient
    assert aclaude.AsyncAnthropicVertex is aclaude.VertexClient
    assert aclaude.AsyncAnthropicFoundry is aclaude.FoundryClient
    for name in ("AsyncAnthropicBedrock", "AsyncAnthropicVertex", "AsyncAnthropicFoundry"):
        assert hasattr(anthropic, name) and name in aclaude.__all__


def test_twin_methods_show_their_parameters(client: aclaude.Client) -> None:
    # help() of a twin's method is the resource method's, bound (no ``self``), options listed.
    for method in (
        client.models.with_raw_response.retrieve,
        client.beta.models.with_streaming_response.retrieve,
        client.with_raw_response.models.retrieve,
    ):
        shown = str(inspect.signature(method))
        assert shown.startswith("(model_id: str, *,") and "betas:" in shown and "timeout:" in shown, shown
    listed = str(inspect.signature(client.files.list))
    for name in ("ids:", "after_id:", "page:", "limit:", "workspace_id:", "extra_headers:"):
        assert name in listed, name
    assert "**" not in str(inspect.signature(client.user_profiles.update))


def test_raw_only_methods_are_absent_from_the_streaming_twin(client: aclaude.Client) -> None:
    assert callable(client.messages.batches.with_raw_response.results)
    assert not hasattr(client.messages.batches.with_streaming_response, "results")
    assert not hasattr(client.messages.with_streaming_response, "parse")
    assert not hasattr(client.with_streaming_response, "completions")
    assert not hasattr(client.completions, "with_streaming_response")
    assert callable(client.with_raw_response.completions.create)


TWIN_SNIPPET = """
    import aclaude

    async def main(client: aclaude.Client) -> None:
        raw = await client.models.with_raw_response.retrieve("m", betas=["b"])
        reveal_type(raw)
        async with client.beta.with_streaming_response.skills.versions.download("1", skill_id="s") as r:
            reveal_type(await r.parse())
        reveal_type(client.with_raw_response.beta.user_profiles.create_enrollment_url)
        page = await client.files.with_raw_response.list(limit=2)
        reveal_type(page)
        client.messages.batches.with_streaming_response.results("b")
        client.skills.versions.with_raw_response.download("1", skill_id="s")
        await client.models.with_raw_response.retrieve("m", betaz=["b"])
"""


@pytest.mark.timeout(600)
def test_twins_are_typed_per_method(tmp_path: Path) -> None:
    source = tmp_path / "snippet.py"
    source.write_text(textwrap.dedent(TWIN_SNIPPET))
    args = [str(source), "--strict", "--no-error-summary", "--cache-dir", str(tmp_path / "cache")]
    out = "".join(mypy_api.run(args)[:2])
    assert 'is "aclaude._http.raw_response.RawResponse[aclaude.types._model_info.ModelInfo]"' in out
    assert 'Revealed type is "aclaude._http.download.BinaryResponse"' in out
    assert "UserProfileEnrollmentURL]]" in out and "def (user_profile_id: str, *," in out
    assert "RawResponse[aclaude._http.pagination.AsyncPage[aclaude.types._files.FileMetadata]]" in out
    errors = [line for line in out.splitlines() if "error:" in line]
    assert {int(e.split(":")[1]) for e in errors} == {12, 13, 14}, out  # raw-only, beta-only, a typo
