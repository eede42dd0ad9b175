"""mypy (strict) types message threads: ``thread.send()`` is a ``Message``, ``thread.parse()`` a
``ParsedMessage`` of the thread's ``output_format``, and a misspelt or missing keyword is an
error, as with ``create()``."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
from mypy import api as mypy_api

SNIPPET = """
    import msgspec
    import aclaude

    class Answer(msgspec.Struct):
        value: int

    async def main(client: aclaude.Client) -> None:
        thread = client.beta.messages.thread(model="m", max_tokens=5, output_format=Answer)
        reveal_type(await thread.send({"role": "user", "content": "Hi"}))
        reveal_type(await thread.parse({"role": "user", "content": "Hi"}, max_tokens=9))
        async with thread.stream({"role": "user", "content": "Hi"}) as stream:
            reveal_type(stream)
        reveal_type(thread.previous_message_id)
        await thread.send(temprature=0.5)
        client.beta.messages.thread(max_tokens=5)
        thread.update(output_config={})
"""


@pytest.mark.timeout(600)
def test_mypy_types_threads(tmp_path: Path) -> None:
    source = tmp_path / "snippet.py"
    source.write_text(textwrap.dedent(SNIPPET))
    out, err, _ = mypy_api.run(
        [
            str(source),
            "--strict",
            "--python-version",
            "3.10",
            "--no-error-summary",
            "--cache-dir",
            str(tmp_path / "c"),
        ]
    )
    out += err
    assert 'Revealed type is "aclaude.types._message.Message"' in out, out
    assert 'Revealed type is "aclaude.streaming._parse.ParsedMessage[snippet.Answer]"' in out, out
    assert 'Revealed type is "aclaude.streaming._message_stream.MessageStream"' in out, out
    assert 'Revealed type is "str | None"' in out, out
    errors = [line for line in out.splitlines() if "error:" in line]
    assert {int(e.split(":")[1]) for e in errors} == {15, 16, 17}, out  # each bad call, only those
    assert any('Unexpected keyword argument "temprature"' in e for e in errors), out
    assert any('"output_config"' in e for e in errors), out
