"""Conformance: the same scripted answer through the plain API and through every cloud platform.

Each recorded-style fixture (``tests/fixtures/*.sse``) and a few scripted replies are served by
``FakeAnthropic`` directly (the reference) and through ``FakeBedrock`` (AWS event-stream frames,
whole and split at arbitrary offsets), ``FakeVertex`` and ``FakeFoundry`` (SSE). For each, the
typed events of ``create(stream=True)``, the message of ``create()``, and the text and final
message of ``messages.stream()`` must equal the plain API's exactly (as JSON).
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import msgspec
import pytest
from _helpers import text_stream
from _platform_support import (
    BEDROCK_MODEL,
    FROZEN,
    REGION,
    VERTEX_MODEL,
    bedrock_client,
    hermetic_aws,
    hermetic_foundry,
    hermetic_google,
    params,
    vertex_client,
)

import aclaude
from aclaude.testing import FOUNDRY_API_KEY, FakeAnthropic, FakeBedrock, FakeFoundry, FakeVertex, Reply

pytest.importorskip("botocore")

FIXTURES_DIR = Path(__file__).resolve().parent.parent / "fixtures"
PLATFORMS = ["bedrock", "bedrock-split", "vertex", "foundry"]

Enqueue = Callable[[Reply], None]


@pytest.fixture(autouse=True)
def _hermetic(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    hermetic_aws(monkeypatch, tmp_path)
    hermetic_google(monkeypatch)
    hermetic_foundry(monkeypatch)


def parse_fixture(body: bytes) -> list[dict[str, Any]]:
    return [json.loads(block.split("\ndata: ", 1)[1]) for block in body.decode().split("\n\n")[:-1]]


FIXTURES = {path.stem: parse_fixture(path.read_bytes()) for path in sorted(FIXTURES_DIR.glob("*.sse"))}


@asynccontextmanager
async def endpoint(platform: str) -> AsyncIterator[tuple[Enqueue, aclaude.Client, str]]:
    """A fake endpoint of ``platform`` and a client for it: (enqueue, client, model)."""
    if platform == "plain":
        async with FakeAnthropic() as server:
            async with aclaude.Client(api_key="sk-ant-test", base_url=server.url, max_retries=0) as client:
                yield server.enqueue, client, "claude-sonnet-4-5"
    elif platform.startswith("bedrock"):
        split = 7 if platform == "bedrock-split" else None
        async with FakeBedrock(region=REGION, now=FROZEN, split=split) as bedrock:
            async with bedrock_client(bedrock.url) as bedrock_c:
                yield bedrock.enqueue, bedrock_c, BEDROCK_MODEL
            assert bedrock.signatures_verified == len(bedrock.requests)
    elif platform == "vertex":
        async with FakeVertex() as vertex:
            async with vertex_client(vertex.url) as vertex_c:
                yield vertex.enqueue, vertex_c, VERTEX_MODEL
    else:
        async with FakeFoundry() as foundry:
            async with aclaude.FoundryClient(
                api_key=FOUNDRY_API_KEY, base_url=foundry.url + "/anthropic", max_retries=0
            ) as foundry_c:
                yield foundry.enqueue, foundry_c, "claude-sonnet-4-5"


async def read(platform: str, reply: Reply) -> dict[str, Any]:
    """Everything the public API gives for ``reply`` on ``platform``, as JSON."""
    async with endpoint(platform) as (enqueue, client, model):
        p = params(model)
        enqueue(reply)
        events = [msgspec.to_builtins(e) async for e in client.messages.create(stream=True, **p)]
        enqueue(reply)
        created = await client.messages.create(**p)
        enqueue(reply)
        async with client.messages.stream(**p) as stream:
            text = [t async for t in stream.text_stream]
            streamed = await stream.get_final_message()
    # Bedrock adds its invocation metrics to message_stop; kept (a field aclaude does not
    # declare, as the SDK keeps it), and the only difference from the plain API.
    metrics = [e.pop("amazon-bedrock-invocationMetrics", None) for e in events if e["type"] == "message_stop"]
    assert all(m is not None for m in metrics) == platform.startswith("bedrock")
    return {
        "events": events,
        "created": msgspec.to_builtins(created),
        "streamed": msgspec.to_builtins(streamed),
        "text": text,
    }


@pytest.mark.parametrize("platform", PLATFORMS)
@pytest.mark.parametrize("fixture", list(FIXTURES))
async def test_fixture_through_every_platform(fixture: str, platform: str) -> None:
    reply = Reply.events(FIXTURES[fixture])
    reference = await read("plain", reply)
    assert reference["created"] == reference["streamed"]
    assert await read(platform, reply) == reference


SCRIPTED = {
    "text": Reply.events(text_stream(["Bonjour", ", ", "le ", "monde ", "✓"])),
    "long-text": Reply.events(text_stream([f"word{i} " for i in range(300)])),
}


@pytest.mark.parametrize("platform", PLATFORMS)
@pytest.mark.parametrize("name", list(SCRIPTED))
async def test_scripted_reply_through_every_platform(name: str, platform: str) -> None:
    reference = await read("plain", SCRIPTED[name])
    assert await read(platform, SCRIPTED[name]) == reference
