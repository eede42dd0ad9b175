"""Conformance: the same stream bytes through aclaude and through the official SDK.

Every recorded-style fixture (``tests/fixtures/*.sse``) and a set of seeded random streams are
served over real loopback HTTP by ``FakeAnthropic`` with several chunkings, then read by:

* aclaude ``create(stream=True)``: each event, as ``msgspec.to_builtins``, equals its wire JSON;
* aclaude ``create()`` (a drained stream) and ``messages.stream()`` (``text_stream`` +
  ``get_final_message()``);
* the official SDK (``anthropic.AsyncAnthropic.messages.stream``), the reference;
* aclaude's sans-IO core alone (``SSEDecoder`` -> ``decode_event`` -> ``accumulate``) fed the
  same bytes split the same way.

All final messages must be the same JSON once nulls are dropped (aclaude omits fields that are
null on the wire; the SDK's ``exclude_none`` does the same), and the text-delta sequences must
be equal.

Unknown content-block types: aclaude must keep them with every field the server sent, which is
asserted against the raw JSON of their ``content_block_start``. The SDK is not the reference
for them: anthropic 2.14 happens to keep them (as a text-block model carrying the extra fields,
and warns when asked to dump it), but that is not part of its contract, so those blocks are left
out of the SDK comparison only. Unknown event and delta types pass through aclaude as events
(checked by the wire-JSON comparison) and change nothing in the message, for both clients.

Chunkings: ``event`` (one HTTP chunk per SSE event, like the real API), 1 byte, 7 bytes, and a
"random" size. ``FakeAnthropic`` can only cut a raw body into pieces of one fixed size, so the
HTTP "random" case draws one size from the seed in the test id; the sans-IO path uses truly
random cut points from the same seed.
"""

from __future__ import annotations

import itertools
import json
import random
from pathlib import Path
from typing import Any

import anthropic
import msgspec
import pytest

import aclaude
from aclaude._decoders.sse import SSEDecoder
from aclaude.streaming._accumulate import AccumulatorState, accumulate, materialize
from aclaude.testing import FakeAnthropic, Reply
from aclaude.types._events import decode_event

API_KEY = "sk-ant-test-not-a-real-key"
PARAMS: dict[str, Any] = {
    "model": "claude-sonnet-4-6",
    "max_tokens": 1024,
    "messages": [{"role": "user", "content": "Hello, Claude"}],
}
FIXTURES_DIR = Path(__file__).resolve().parent.parent / "fixtures"
FIXTURES = sorted(FIXTURES_DIR.glob("*.sse"))
FIXTURE_NAMES = [p.stem for p in FIXTURES]

_encode = msgspec.json.Encoder().encode


# -- helpers -------------------------------------------------------------------------------------


def strip_nulls(value: Any) -> Any:
    """``value`` with every null-valued key removed, recursively (list items are kept)."""
    if isinstance(value, dict):
        return {k: strip_nulls(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [strip_nulls(v) for v in value]
    return value


def render(events: list[dict[str, Any]]) -> bytes:
    """The API's framing: ``event: <type>\\ndata: <compact JSON>\\n\\n`` per event."""
    return b"".join(b"event: " + e["type"].encode() + b"\ndata: " + _encode(e) + b"\n\n" for e in events)


def parse_fixture(body: bytes) -> list[dict[str, Any]]:
    """Strict parse of a fixture with the standard library (an independent reader)."""
    assert body.endswith(b"\n\n")
    events = []
    for block in body.decode("utf-8").split("\n\n")[:-1]:
        lines = block.split("\n")
        assert len(lines) == 2, block
        name, data = lines
        assert name.startswith("event: ") and data.startswith("data: ")
        event = json.loads(data[len("data: ") :])
        assert event["type"] == name[len("event: ") :]
        events.append(event)
    return events


def text_deltas(events: list[dict[str, Any]]) -> list[str]:
    """The text of every ``text_delta`` that lands in a text block, in order."""
    kinds: dict[int, str] = {}
    out = []
    for e in events:
        if e["type"] == "content_block_start":
            kinds[e["index"]] = e["content_block"]["type"]
        elif e["type"] == "content_block_delta" and e["delta"]["type"] == "text_delta":
            if kinds.get(e["index"]) == "text":
                out.append(e["delta"]["text"])
    return out


def raw_blocks(events: list[dict[str, Any]]) -> dict[int, dict[str, Any]]:
    return {e["index"]: e["content_block"] for e in events if e["type"] == "content_block_start"}


def random_size(seed: int) -> int:
    return random.Random(seed).randint(2, 97)


def split(body: bytes, chunking: str | int, seed: int) -> list[bytes]:
    """``body`` cut the way the sans-IO path is fed for one chunking."""
    if chunking == "event":
        return [block + b"\n\n" for block in body.split(b"\n\n")[:-1]]
    if chunking == "random":
        rng = random.Random(seed)
        chunks, i = [], 0
        while i < len(body):
            n = rng.choice((1, 1, 2, 3, 5, 8, 13, 64, 500))
            chunks.append(body[i : i + n])
            i += n
        return chunks
    assert isinstance(chunking, int)
    return [body[i : i + chunking] for i in range(0, len(body), chunking)]


def reply_for(body: bytes, events: list[dict[str, Any]], chunking: str | int, seed: int) -> Reply:
    if chunking == "event":
        # Reply.raw sends a body in one write (or fixed-size pieces); Reply.events writes one
        # chunk per event. It renders the events the way the fixtures are written, so the bytes
        # on the wire are exactly the fixture's: checked here.
        assert render(events) == body
        return Reply.events(events, chunking="event")
    size = random_size(seed) if chunking == "random" else chunking
    assert isinstance(size, int)
    return Reply.raw(body, chunking=size)


def sans_io(chunks: list[bytes]) -> tuple[list[Any], aclaude.Message]:
    """Bytes -> SSE events -> typed events -> message, with no I/O. Returns each event as
    builtins (taken before it is accumulated) and the final message."""
    decoder = SSEDecoder()
    state = AccumulatorState()
    events = []
    for chunk in chunks:
        for name, data in decoder.feed(chunk):
            event = decode_event(data)
            assert name == event.type
            events.append(msgspec.to_builtins(event))
            accumulate(state, event)
    assert decoder.close() is False, "an unfinished event was left over"
    assert state.done
    message = materialize(state)
    assert message is not None
    return events, message


def sdk_dump(message: Any, skip_types: set[str]) -> dict[str, Any]:
    """The SDK's message as JSON, without the block types aclaude did not know (see module doc)."""
    out: dict[str, Any] = message.model_dump(mode="json", exclude_none=True, exclude={"content"})
    out["content"] = [
        b.model_dump(mode="json", exclude_none=True) for b in message.content if b.type not in skip_types
    ]
    return strip_nulls(out)


def without_types(message: dict[str, Any], skip_types: set[str]) -> dict[str, Any]:
    return {**message, "content": [b for b in message["content"] if b["type"] not in skip_types]}


# -- the four readers ----------------------------------------------------------------------------


async def read_with_aclaude(server: FakeAnthropic, reply: Reply) -> dict[str, Any]:
    server.enqueue(reply, reply, reply)
    async with aclaude.Client(api_key=API_KEY, base_url=server.url, max_retries=0) as client:
        events = [e async for e in client.messages.create(stream=True, **PARAMS)]
        created = await client.messages.create(**PARAMS)
        async with client.messages.stream(**PARAMS) as stream:
            text = [t async for t in stream.text_stream]
            streamed = await stream.get_final_message()
    return {"events": events, "created": created, "streamed": streamed, "text": text}


async def read_with_sdk(server: FakeAnthropic, reply: Reply) -> tuple[Any, list[str]]:
    server.enqueue(reply)
    sdk = anthropic.AsyncAnthropic(api_key=API_KEY, base_url=server.url, max_retries=0)
    try:
        async with sdk.messages.stream(**PARAMS) as stream:  # type: ignore[arg-type]
            text = [t async for t in stream.text_stream]
            message = await stream.get_final_message()
    finally:
        await sdk.close()
    return message, text


async def check_conformance(
    server: FakeAnthropic, body: bytes, chunking: str | int, seed: int
) -> aclaude.Message:
    wire = parse_fixture(body)
    reply = reply_for(body, wire, chunking, seed)
    ours = await read_with_aclaude(server, reply)
    sdk_message, sdk_text = await read_with_sdk(server, reply)
    sans_io_events, sans_io_message = sans_io(split(body, chunking, seed))

    # Events: every one, as builtins, is its wire JSON (nulls may be omitted).
    assert [strip_nulls(msgspec.to_builtins(e)) for e in ours["events"]] == strip_nulls(wire)
    assert sans_io_events == [msgspec.to_builtins(e) for e in ours["events"]]

    # Messages: the three aclaude paths agree exactly, and with the SDK.
    created = msgspec.to_builtins(ours["created"])
    assert msgspec.to_builtins(ours["streamed"]) == created
    assert msgspec.to_builtins(sans_io_message) == created

    unknown = {b.type for b in ours["created"].content if isinstance(b, aclaude.UnknownContentBlock)}
    assert without_types(strip_nulls(created), unknown) == sdk_dump(sdk_message, unknown)

    # Unknown blocks keep every field the server sent.
    blocks = raw_blocks(wire)
    for index, block in enumerate(ours["created"].content):
        if isinstance(block, aclaude.UnknownContentBlock):
            assert msgspec.to_builtins(block) == strip_nulls(blocks[index])

    # Text deltas, in order.
    assert ours["text"] == sdk_text == text_deltas(wire)
    return ours["created"]


CHUNKINGS: list[str | int] = ["event", 1, 7, "random"]


def _cases(names: list[str], base_seed: int) -> list[Any]:
    cases = []
    for i, name in enumerate(names):
        for chunking in CHUNKINGS:
            seed = base_seed + i
            if chunking == "random":
                cid = f"{name}-random{random_size(seed)}-seed{seed}"
            else:
                cid = f"{name}-chunk{chunking}"
            cases.append(pytest.param(name, chunking, seed, id=cid))
    return cases


# -- recorded-style fixtures ---------------------------------------------------------------------


def test_every_required_fixture_is_present() -> None:
    assert set(FIXTURE_NAMES) >= {
        "text_plain",
        "text_citations",
        "tool_use_json",
        "two_tool_use",
        "thinking",
        "redacted_thinking",
        "web_search",
        "forward_compat",
        "full_usage",
    }


@pytest.mark.parametrize(("name", "chunking", "seed"), _cases(FIXTURE_NAMES, 1000))
async def test_fixture_conformance(server: FakeAnthropic, name: str, chunking: str | int, seed: int) -> None:
    body = (FIXTURES_DIR / f"{name}.sse").read_bytes()
    await check_conformance(server, body, chunking, seed)


async def test_fixture_contents_reach_the_message(server: FakeAnthropic) -> None:
    """Spot checks that the conformance above compares something real (not two empty messages)."""

    async def final(name: str) -> aclaude.Message:
        body = (FIXTURES_DIR / f"{name}.sse").read_bytes()
        return await check_conformance(server, body, "event", 0)

    tool = await final("tool_use_json")
    block = tool.content[1]
    assert isinstance(block, aclaude.ToolUseBlock)
    opts = block.input["opts"]
    assert block.input["location"] == "San Francisco, CA" and block.input["unit"] == "\u00b0F"
    assert opts["q"] == 'say "hi" \\ \u00e9\U0001f389 \u65e5\u672c\u8a9e \U0001f600'
    assert opts["days"] == [1, 2.5, -300.0, True, False, None]
    assert opts["empty"] == {} and opts["list"] == [[], [{}]]
    assert opts["tab\tkey"] == "line\nbreak\u2028"

    cited = await final("text_citations")
    types = [[c.type for c in (b.citations or [])] for b in cited.content]
    assert types == [[], ["char_location"], [], ["page_location", "web_search_result_location"]]

    search = await final("web_search")
    assert [b.type for b in search.content] == [
        "text",
        "server_tool_use",
        "web_search_tool_result",
        "text",
        "text",
    ]
    assert search.content[1].input == {"query": "claude shannon birth date"}
    assert [r["type"] for r in search.content[2].content] == ["web_search_result"] * 2
    assert search.usage.server_tool_use is not None
    assert search.usage.server_tool_use.web_search_requests == 1

    thinking = await final("thinking")
    assert isinstance(thinking.content[0], aclaude.ThinkingBlock)
    assert thinking.content[0].thinking.endswith("Total: 12,231 \u2705")
    assert thinking.content[0].signature.startswith("EqQBCgIYAhIM")

    redacted = await final("redacted_thinking")
    assert isinstance(redacted.content[1], aclaude.RedactedThinkingBlock)

    usage = (await final("full_usage")).usage
    assert msgspec.to_builtins(usage) == {
        "input_tokens": 3,
        "output_tokens": 9,
        "cache_creation_input_tokens": 2048,
        "cache_read_input_tokens": 10240,
        "cache_creation": {"ephemeral_5m_input_tokens": 1024, "ephemeral_1h_input_tokens": 1024},
        "server_tool_use": {"web_search_requests": 2, "web_fetch_requests": 1},
        "service_tier": "priority",
        "output_tokens_details": {"thinking_tokens": 0},
    }


async def test_forward_compat_unknown_types_pass_through(server: FakeAnthropic) -> None:
    body = (FIXTURES_DIR / "forward_compat.sse").read_bytes()
    wire = parse_fixture(body)
    server.enqueue(Reply.raw(body))
    async with aclaude.Client(api_key=API_KEY, base_url=server.url, max_retries=0) as client:
        events = [e async for e in client.messages.create(stream=True, **PARAMS)]

    unknown_events = [e for e in events if isinstance(e, aclaude.UnknownEvent)]
    assert [e.type for e in unknown_events] == [
        "message_annotation",
        "stream_heartbeat_v2",
        "message_annotation",
    ]
    assert unknown_events[0].annotation == {"kind": "safety", "score": 0.01}  # type: ignore[attr-defined]

    deltas = [
        e.delta
        for e in events
        if isinstance(e, aclaude.RawContentBlockDeltaEvent) and isinstance(e.delta, aclaude.UnknownDelta)
    ]
    assert [d.type for d in deltas] == ["text_sparkle_delta", "hologram_delta", "hologram_delta"]
    assert deltas[1].patch == {"op": "add", "path": "/layers/-", "value": 4}  # type: ignore[attr-defined]

    message = sans_io([body])[1]
    widget = message.content[1]
    assert isinstance(widget, aclaude.UnknownContentBlock)
    assert widget.type == "hologram_widget"
    assert widget.spec == {"layers": [1, 2, {"z": "\u00fc"}]}  # type: ignore[attr-defined]
    assert msgspec.to_builtins(widget) == strip_nulls(raw_blocks(wire)[1])
    assert [b.type for b in message.content] == ["text", "hologram_widget", "text"]
    assert message.content[0].text == "Before the widget. "  # the unknown delta changed nothing


# -- generated streams ---------------------------------------------------------------------------

_ALPHABET = (
    "abcdefghijklmnopqrstuvwxyz ABCXYZ 0123456789 .,;:!?-_'\"\\/{}[]<>\n\t"
    "\u00e9\u00fc\u00df\u00f1 \u2028\u2029\u0085 \u65e5\u672c\u8a9e\u4e2d\u6587 \u0627\u0644\u0639"
    "\u0301\u200d\ufeff\x00\x7f \U0001f389\U0001f600\U0001f44d\U0001f3fd\U0001f468\u200d\U0001f4bb"
)


def _random_text(rng: random.Random, max_len: int = 24) -> str:
    return "".join(rng.choice(_ALPHABET) for _ in range(rng.randint(0, max_len)))


def _random_json(rng: random.Random, depth: int = 0) -> Any:
    kinds = ["str", "int", "float", "bool", "null"] + (["list", "dict"] * 2 if depth < 3 else [])
    kind = rng.choice(kinds)
    if kind == "str":
        return _random_text(rng, 12)
    if kind == "int":
        return rng.randint(-(2**53), 2**53)
    if kind == "float":
        return round(rng.uniform(-1e6, 1e6), rng.randint(0, 6))
    if kind == "bool":
        return rng.random() < 0.5
    if kind == "null":
        return None
    if kind == "list":
        return [_random_json(rng, depth + 1) for _ in range(rng.randint(0, 4))]
    return {_random_text(rng, 8): _random_json(rng, depth + 1) for _ in range(rng.randint(0, 4))}


def _pieces(rng: random.Random, text: str) -> list[str]:
    """``text`` cut at random points (mid-token, mid-escape); sometimes an empty first piece."""
    cuts = rng.sample(range(1, len(text)), min(len(text) - 1, rng.randint(0, 8))) if len(text) > 1 else []
    bounds = [0, *sorted(cuts), len(text)]
    pieces = [text[a:b] for a, b in itertools.pairwise(bounds)]
    return ["", *pieces] if rng.random() < 0.4 else pieces


def generate_stream(seed: int) -> list[dict[str, Any]]:
    """A valid, random Messages stream: text, tool_use and thinking blocks, pings anywhere."""
    rng = random.Random(seed)
    body: list[dict[str, Any]] = []
    has_tool = False
    for index in range(rng.randint(1, 4)):
        kind = rng.choice(["text", "text", "tool_use", "thinking"])
        if kind == "text":
            start: dict[str, Any] = {"type": "text", "text": ""}
            deltas = [{"type": "text_delta", "text": _random_text(rng)} for _ in range(rng.randint(0, 12))]
        elif kind == "thinking":
            start = {"type": "thinking", "thinking": "", "signature": ""}
            deltas = [
                {"type": "thinking_delta", "thinking": _random_text(rng)} for _ in range(rng.randint(1, 6))
            ]
            deltas.append({"type": "signature_delta", "signature": f"Eq{seed:04d}sig{index}=="})
        else:
            has_tool = True
            tool_input = {_random_text(rng, 6): _random_json(rng) for _ in range(rng.randint(0, 5))}
            payload = json.dumps(
                tool_input,
                ensure_ascii=rng.random() < 0.5,
                separators=rng.choice([(",", ":"), (", ", ": ")]),
            )
            start = {
                "type": "tool_use",
                "id": f"toolu_01Gen{seed:06d}x{index}",
                "name": f"tool_{index}",
                "input": {},
            }
            deltas = [{"type": "input_json_delta", "partial_json": p} for p in _pieces(rng, payload)]
        body.append({"type": "content_block_start", "index": index, "content_block": start})
        body.extend({"type": "content_block_delta", "index": index, "delta": d} for d in deltas)
        body.append({"type": "content_block_stop", "index": index})
    body.append(
        {
            "type": "message_delta",
            "delta": {"stop_reason": "tool_use" if has_tool else "end_turn", "stop_sequence": None},
            "usage": {"output_tokens": rng.randint(1, 4000)},
        }
    )
    for _ in range(rng.randint(0, 4)):
        body.insert(rng.randint(0, len(body)), {"type": "ping"})
    usage = {
        "input_tokens": rng.randint(1, 100_000),
        "cache_creation_input_tokens": 0,
        "cache_read_input_tokens": rng.randint(0, 1000),
        "output_tokens": 1,
        "service_tier": "standard",
    }
    start_event = {
        "type": "message_start",
        "message": {
            "id": f"msg_01Gen{seed:019d}",
            "type": "message",
            "role": "assistant",
            "model": "claude-sonnet-4-6",
            "content": [],
            "stop_reason": None,
            "stop_sequence": None,
            "usage": usage,
        },
    }
    return [start_event, *body, {"type": "message_stop"}]


GENERATED_SEEDS = list(range(7001, 7009))


@pytest.mark.parametrize(
    ("seed", "chunking", "split_seed"),
    [
        pytest.param(
            seed,
            chunking,
            seed * 31,
            id=f"seed{seed}-"
            + (f"random{random_size(seed * 31)}" if chunking == "random" else f"chunk{chunking}"),
        )
        for seed in GENERATED_SEEDS
        for chunking in CHUNKINGS
    ],
)
async def test_generated_stream_conformance(
    server: FakeAnthropic, seed: int, chunking: str | int, split_seed: int
) -> None:
    events = generate_stream(seed)
    message = await check_conformance(server, render(events), chunking, split_seed)
    assert len(message.content) == sum(e["type"] == "content_block_start" for e in events)


# -- the sans-IO core alone: split invariance and line-end variants ------------------------------


@pytest.mark.parametrize("name", FIXTURE_NAMES)
def test_sans_io_split_invariance(name: str) -> None:
    body = (FIXTURES_DIR / f"{name}.sse").read_bytes()
    reference_events, reference = sans_io([body])
    expected_events = reference_events
    expected = msgspec.to_builtins(reference)

    variants = {
        "bytewise": [body[i : i + 1] for i in range(len(body))],
        "crlf": [body.replace(b"\n", b"\r\n")],
        "crlf-bytewise": [bytes([b]) for b in body.replace(b"\n", b"\r\n")],
        "cr": split(body.replace(b"\n", b"\r"), 3, 0),
        "bom": [b"\xef\xbb", b"\xbf" + body],
    }
    for seed in range(25):
        variants[f"random-seed{seed}"] = split(body, "random", seed)
    for label, chunks in variants.items():
        events, message = sans_io(chunks)
        assert events == expected_events, label
        assert msgspec.to_builtins(message) == expected, label


def test_unknown_block_with_non_identifier_key_keeps_all_fields() -> None:
    """A key that cannot be a Python attribute name is still kept (and encoded back)."""
    block = {"type": "diagram", "content-type": "image/svg+xml", "data": "<svg/>", "size": 6}
    events = [
        {
            "type": "message_start",
            "message": {
                "id": "msg_01Dg",
                "type": "message",
                "role": "assistant",
                "model": "claude-sonnet-4-5",
                "content": [],
                "stop_reason": None,
                "stop_sequence": None,
                "usage": {"input_tokens": 1, "output_tokens": 1},
            },
        },
        {"type": "content_block_start", "index": 0, "content_block": block},
        {"type": "content_block_stop", "index": 0},
        {"type": "message_delta", "delta": {"stop_reason": "end_turn"}, "usage": {"output_tokens": 2}},
        {"type": "message_stop"},
    ]
    message = sans_io([render(events)])[1]
    assert msgspec.to_builtins(message.content[0]) == block
