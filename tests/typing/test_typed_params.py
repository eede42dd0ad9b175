"""Typed parameters: a typo or a missing required keyword is a ``TypeError`` before anything is
sent, and mypy (strict) rejects it; ``help()`` lists the parameters; ``NOT_GIVEN`` reads well."""

from __future__ import annotations

import copy
import inspect
import pickle
import pydoc
import textwrap
from pathlib import Path
from typing import Any

import pytest
from mypy import api as mypy_api

import aclaude
from aclaude.testing import FakeAnthropic
from aclaude.types.params import NOT_GIVEN, NotGiven

MESSAGES = [{"role": "user", "content": "Hello"}]


async def test_misspelled_keyword_is_a_type_error_before_sending(
    client: aclaude.Client, server: FakeAnthropic
) -> None:
    typo = r"create\(\) got an unexpected keyword argument 'max_token'; did you mean 'max_tokens'"
    with pytest.raises(TypeError, match=typo):
        await client.messages.create(model="m", max_token=5, messages=MESSAGES)  # type: ignore[call-overload]
    with pytest.raises(TypeError, match="unexpected keyword argument 'max_token'"):
        client.messages.create(model="m", max_token=5, messages=MESSAGES, stream=True)  # type: ignore[call-overload]
    assert server.requests == []


@pytest.mark.parametrize(
    "method", ["create", "stream", "parse", "count_tokens", "beta.create", "beta.stream", "beta.count_tokens"]
)
async def test_missing_model_is_a_type_error_before_sending(
    method: str, client: aclaude.Client, server: FakeAnthropic
) -> None:
    api: Any = client.beta.messages if method.startswith("beta.") else client.messages
    name = method.removeprefix("beta.")
    kwargs: dict[str, Any] = {"messages": MESSAGES}
    if name != "count_tokens":
        kwargs["max_tokens"] = 5
    with pytest.raises(TypeError, match=rf"{name}\(\) missing 1 required keyword-only argument: 'model'"):
        result = getattr(api, name)(**kwargs)
        if inspect.iscoroutine(result):
            await result
    assert server.requests == []


async def test_tool_runner_and_batches_check_names(client: aclaude.Client) -> None:
    with pytest.raises(TypeError, match="argument 'temprature'; did you mean 'temperature'"):
        client.messages.tool_runner(model="m", max_tokens=5, messages=MESSAGES, tools=[], temprature=1)  # type: ignore[call-overload]
    with pytest.raises(TypeError, match="newer than aclaude goes in extra_body"):
        client.beta.messages.tool_runner(model="m", max_tokens=5, messages=MESSAGES, tools=[], zzz=1)  # type: ignore[call-overload]
    with pytest.raises(TypeError):
        await client.messages.batches.create(requests=[], workspace="w")  # type: ignore[call-arg]


async def test_newer_field_goes_through_extra_body(client: aclaude.Client, server: FakeAnthropic) -> None:
    # The fake API refuses a field the real API does not know yet; this one is a stand-in for a
    # field newer than the library, so its checks are off for the request.
    await client.messages.create(
        model="m",
        max_tokens=5,
        messages=MESSAGES,
        extra_body={"new_field": 1},
        extra_headers={"x-fake-validate": "off"},
    )
    assert server.requests[0].json["new_field"] == 1


def test_help_lists_the_parameters(client: aclaude.Client) -> None:
    text = pydoc.render_doc(client.messages.create, renderer=pydoc.plaintext)
    for shown in (
        "max_tokens: int",
        "messages: Iterable[MessageParam]",
        "model: ModelParam",
        "temperature: float = NOT_GIVEN",
        "thinking: ThinkingConfigParam = NOT_GIVEN",
        "workspace_id: str = NOT_GIVEN",
        "extra_body: Mapping[str, Any] | None = NOT_GIVEN",
        "stream: bool = False",
    ):
        assert shown in text, shown
    beta = str(inspect.signature(client.beta.messages.create))
    assert "betas: Sequence[str] = NOT_GIVEN" in beta and "mcp_servers:" in beta
    runner = str(inspect.signature(client.messages.tool_runner))
    assert "tools: Iterable[ToolParam]" in runner and "max_tokens: int" in runner
    assert "tools: Iterable[ToolUnionParam]" not in runner


def test_not_given_is_one_readable_falsy_value(client: aclaude.Client) -> None:
    assert repr(NOT_GIVEN) == "NOT_GIVEN" and not NOT_GIVEN
    assert NotGiven() is NOT_GIVEN and copy.deepcopy(NOT_GIVEN) is NOT_GIVEN
    assert pickle.loads(pickle.dumps(NOT_GIVEN)) is NOT_GIVEN
    shown = str(inspect.signature(client.with_options))
    assert "api_key: 'str | None' = NOT_GIVEN" in shown and "object at 0x" not in shown


SNIPPET = """
    import aclaude
    from aclaude.types.params import MessageParam

    async def main(client: aclaude.Client) -> None:
        msgs: list[MessageParam] = [{{"role": "user", "content": "Hi"}}]
        message = await client.messages.create(model="m", max_tokens=5, messages=msgs)
        events = client.messages.create(model="m", max_tokens=5, messages=msgs, stream=True)
        reveal_type(message)
        reveal_type(events)
        {bad}
"""


def run_mypy(tmp_path: Path, bad: str) -> str:
    source = tmp_path / "snippet.py"
    source.write_text(textwrap.dedent(SNIPPET.format(bad=bad)))
    cache = str(tmp_path / "cache")
    out, err, _ = mypy_api.run(
        [str(source), "--strict", "--python-version", "3.10", "--no-error-summary", "--cache-dir", cache]
    )
    return out + err


@pytest.mark.timeout(600)
def test_mypy_checks_the_keywords(tmp_path: Path) -> None:
    out = run_mypy(tmp_path, "pass")
    assert 'Revealed type is "aclaude.types._message.Message"' in out
    assert 'Revealed type is "aclaude.streaming._event_stream.EventStream"' in out
    assert out.count("error:") == 0, out  # reveal_type notes only
    out = run_mypy(
        tmp_path,
        "await client.messages.create(model='m', max_token=5, messages=msgs)\n"
        "        await client.messages.create(max_tokens=5, messages=msgs)\n"
        "        await client.messages.create(model='m', max_tokens='5', messages=msgs)\n"
        "        await client.messages.count_tokens(model='m', messages=msgs, workspace='w')\n",
    )
    errors = [line for line in out.splitlines() if "error:" in line]
    lines = {int(e.split(":")[1]) for e in errors}
    assert lines == {11, 12, 13, 14}, out  # each bad call, and only those, is an error
    assert any('Unexpected keyword argument "max_token"' in e for e in errors), out
    assert any(":12: error: No overload variant" in e for e in errors), out  # no model=
    assert any('Unexpected keyword argument "workspace"' in e for e in errors), out
