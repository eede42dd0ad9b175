"""Docs that answer: ``help(aclaude.Client)`` lists its resources, the README lists every
``on()`` event with its callback's arguments and every ``x-fake-*`` control, and the Files
snippet of docs/api-surface.md runs as written against the fake API."""

from __future__ import annotations

import asyncio
import pydoc
import re
import textwrap
from pathlib import Path
from typing import Any

import pytest
from conftest import API_KEY

import aclaude
from aclaude.streaming._message_stream import _LISTENER_EVENTS
from aclaude.testing import FakeAnthropic
from aclaude.testing._control import CONTROL_HEADERS

REPO = Path(__file__).resolve().parents[2]
README = (REPO / "README.md").read_text(encoding="utf-8")
LIMIT = 20.0


async def test_help_of_client_lists_its_resources() -> None:
    doc = pydoc.render_doc(aclaude.Client, renderer=pydoc.plaintext)
    async with aclaude.Client(api_key=API_KEY) as client:
        resources = {
            name
            for name, value in vars(client).items()
            if not name.startswith("_") and type(value).__module__.startswith("aclaude.resources")
        }
    assert resources >= {"messages", "models", "files", "completions", "beta"}
    for name in resources:
        assert f"``{name}``" in doc, name
    assert "``messages.batches``" in doc and "with_raw_response" in doc


def test_readme_lists_every_on_event_with_its_callback() -> None:
    rows = dict(re.findall(r"^\| `(\w+)` \| `(\([^`]*\))` \|", README, re.MULTILINE))
    assert set(rows) == set(_LISTENER_EVENTS), sorted(set(_LISTENER_EVENTS) ^ set(rows))
    assert rows["text"] == "(delta: str, snapshot: TextSnapshot)"
    assert rows["connect"] == rows["end"] == "()"


def test_readme_lists_the_fake_apis_controls_and_sync_tools() -> None:
    for header in CONTROL_HEADERS:
        assert f"`{header}" in README, header
    assert "Reply.message([" in README and README.count("ToolUseBlock(") >= 2
    assert "peak_in_flight" in README and "first_token_delay" in README
    assert "validate=False" in README
    assert "sync tool runs in a worker thread" in README


def _files_snippet() -> str:
    text = (REPO / "docs" / "api-surface.md").read_text(encoding="utf-8")
    section = text.split("## Files", 1)[1]
    return section.split("```python", 1)[1].split("```", 1)[0]


async def test_files_snippet_runs_as_written(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "report.pdf").write_bytes(b"%PDF-1.4 fake")
    async with FakeAnthropic() as server, aclaude.Client(api_key=API_KEY, base_url=server.url) as client:
        made = server.resources.files.add(b"a spreadsheet a tool made", filename="out.xlsx")

        async def chunks() -> Any:
            yield b"big "
            yield b"file"

        namespace: dict[str, Any] = {
            "aclaude": aclaude, "client": client, "Path": Path, "data": b"a,b\n1,2\n", "chunks": chunks,
        }  # fmt: skip
        body = (
            "async def _snippet():\n" + textwrap.indent(_files_snippet(), "    ") + "\n    return file_id\n"
        )
        exec(compile(body, "api-surface.md", "exec"), namespace)
        async with asyncio.timeout(LIMIT):
            file_id = await namespace["_snippet"]()
    assert file_id == made["id"]
    assert (tmp_path / "out.xlsx").read_bytes() == b"a spreadsheet a tool made"
