"""Tool input while it streams: ``input_json`` callbacks and ``InputJsonEvent``s carry the delta,
the text so far and a partial-JSON snapshot that is computed only when read (jiter's partial
mode). When nobody reads snapshots, no join and no parse happens before the block ends, which
keeps the total work linear in the input size (``benchmarks/tool_input_linearity.py`` measures
it)."""

from __future__ import annotations

import json
import sys
from typing import Any

import pytest

import aclaude
import aclaude.streaming._accumulate as accumulate_module
from aclaude.testing import CustomBlock, FakeAnthropic, Reply, ToolUseBlock

PARAMS: dict[str, Any] = {
    "model": "claude-sonnet-4-6",
    "max_tokens": 1024,
    "messages": [{"role": "user", "content": "Weather?"}],
}
TOOL_INPUT = {"city": "São Paulo", "days": [1, 2], "detail": {"wind": True}}
TOOL_JSON = json.dumps(TOOL_INPUT, ensure_ascii=False, separators=(",", ":"))


def one_char_reply() -> Reply:
    return Reply.message([ToolUseBlock("get_weather", TOOL_INPUT, id="toolu_1", chunk_chars=1)])


async def test_callback_gets_delta_text_so_far_and_a_parsed_snapshot(
    server: FakeAnthropic, client: aclaude.Client
) -> None:
    server.enqueue(one_char_reply())
    calls: list[tuple[str, aclaude.TextSnapshot]] = []
    async with client.messages.stream(**PARAMS) as stream:
        stream.on("input_json", lambda delta, snapshot: calls.append((delta, snapshot)))
        message = await stream.get_final_message()

    assert [delta for delta, _ in calls] == list(TOOL_JSON)
    # Each snapshot is a view fixed at its event, even when read after the stream ended.
    assert [str(snapshot) for _, snapshot in calls] == [TOOL_JSON[: i + 1] for i in range(len(TOOL_JSON))]
    parsed = [snapshot.parsed() for _, snapshot in calls]
    assert parsed[TOOL_JSON.index("Paulo")] == {"city": "São P"}
    assert {"city": "São Paulo", "days": [1]} in parsed
    assert parsed[-1] == TOOL_INPUT
    (block,) = message.content
    assert isinstance(block, aclaude.ToolUseBlock)
    assert block.input == TOOL_INPUT  # parsed once, at content_block_stop


async def test_input_json_events(server: FakeAnthropic, client: aclaude.Client) -> None:
    server.enqueue(Reply.message([ToolUseBlock("get_weather", TOOL_INPUT, chunk_chars=7)]))
    events: list[aclaude.InputJsonEvent] = []
    async with client.messages.stream(**PARAMS) as stream:
        async for event in stream:
            if isinstance(event, aclaude.InputJsonEvent):
                events.append(event)
    assert "".join(e.partial_json for e in events) == TOOL_JSON
    assert str(events[1].partial_json_so_far) == TOOL_JSON[:14]
    assert events[1].snapshot == {"city": "São P"}
    assert events[-1].snapshot == TOOL_INPUT


async def test_server_tool_input_streams_the_same_way(server: FakeAnthropic, client: aclaude.Client) -> None:
    start = {"type": "server_tool_use", "id": "srvtoolu_1", "name": "web_search", "input": {}}
    pieces = ['{"query": "weat', 'her Paris"}']
    server.enqueue(
        Reply.message([CustomBlock(start, [{"type": "input_json_delta", "partial_json": p} for p in pieces])])
    )
    snapshots: list[Any] = []
    async with client.messages.stream(**PARAMS) as stream:
        stream.on("input_json", lambda delta, snapshot: snapshots.append(snapshot.parsed()))
        message = await stream.get_final_message()
    assert snapshots == [{"query": "weat"}, {"query": "weather Paris"}]
    assert message.content[0].input == {"query": "weather Paris"}  # type: ignore[union-attr]


async def test_nothing_is_joined_or_parsed_unless_read(
    server: FakeAnthropic, client: aclaude.Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The cost of a delta must not depend on the length of the input so far: with snapshots
    unread, not one join or partial parse happens while the input streams."""
    joins = 0
    parses = 0
    real_str = aclaude.TextSnapshot.__str__
    real_parse = accumulate_module.parse_partial_json

    def counting_str(self: aclaude.TextSnapshot) -> str:
        nonlocal joins
        joins += 1
        return real_str(self)

    def counting_parse(text: str) -> Any:
        nonlocal parses
        parses += 1
        return real_parse(text)

    monkeypatch.setattr(aclaude.TextSnapshot, "__str__", counting_str)
    monkeypatch.setattr(accumulate_module, "parse_partial_json", counting_parse)

    server.enqueue(one_char_reply(), one_char_reply())
    deltas: list[str] = []
    async with client.messages.stream(**PARAMS) as stream:
        stream.on("input_json", lambda delta, snapshot: deltas.append(delta))  # reads only the delta
        async for _event in stream:  # the derived InputJsonEvents are made too, and left unread
            pass
        message = await stream.get_final_message()
    assert "".join(deltas) == TOOL_JSON
    assert message.content[0].input == TOOL_INPUT  # type: ignore[union-attr]
    assert (joins, parses) == (0, 0)

    # Reading one snapshot costs one join and one parse: of that snapshot only.
    async with client.messages.stream(**PARAMS) as stream:
        seen: list[Any] = []
        stream.on("input_json", lambda delta, snapshot: seen.append(snapshot))
        await stream.until_done()
    assert seen[5].parsed() == {}
    assert (joins, parses) == (1, 1)


async def test_non_streaming_create_parses_tool_input_once(
    server: FakeAnthropic, client: aclaude.Client
) -> None:
    server.enqueue(one_char_reply())
    message = await client.messages.create(**PARAMS)
    assert message.content[0].input == TOOL_INPUT  # type: ignore[union-attr]


def test_snapshots_need_the_partial_json_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "jiter", None)  # as if jiter were not installed
    with pytest.raises(ImportError, match=r"aclaude\[partial-json\]"):
        aclaude.TextSnapshot(['{"a": 1'], 1).parsed()
    # Everything else works without it.
    assert str(aclaude.TextSnapshot(['{"a": 1'], 1)) == '{"a": 1'


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("", {}),
        ("{", {}),
        ('{"a":"x\\', {"a": "x"}),  # cut inside an escape
        ('{"a":"x\\u00', {"a": "x"}),
        ('{"a":tr', {}),  # an unfinished literal is left out
        ('{"a":[1,{"b":nu', {"a": [1, {}]}),
    ],
)
def test_partial_parse_of_awkward_prefixes(text: str, value: Any) -> None:
    assert aclaude.TextSnapshot([text], 1).parsed() == value


def test_whitespace_only_prefix_parses_to_empty_object() -> None:
    assert aclaude.TextSnapshot(["\n "], 1).parsed() == {}
