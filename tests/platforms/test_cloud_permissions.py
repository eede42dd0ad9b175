"""Cloud permissions said plainly: every request is a stream (``create()`` without
``stream=True`` is a drained one), so on Bedrock it needs
``bedrock:InvokeModelWithResponseStream`` and on Vertex AI it calls ``streamRawPredict``; a 403
from a policy that grants only ``bedrock:InvokeModel`` names the permission needed and why."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from _platform_support import (
    BEDROCK_MODEL,
    FROZEN,
    REGION,
    VERTEX_MODEL,
    VERTEX_PROJECT,
    VERTEX_REGION,
    bedrock_client,
    hermetic_aws,
    hermetic_google,
    params,
    vertex_client,
)

import aclaude
from aclaude.testing import FakeBedrock, FakeVertex, Reply

pytest.importorskip("botocore")
pytest.importorskip("google.auth")

LIMIT = 20.0


@pytest.fixture(autouse=True)
def _hermetic(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    hermetic_aws(monkeypatch, tmp_path)
    hermetic_google(monkeypatch)


async def test_bedrock_invoke_only_policy_names_the_stream_permission() -> None:
    async with FakeBedrock(region=REGION, now=FROZEN, allowed_actions={"bedrock:InvokeModel"}) as fake:
        fake.enqueue(Reply.text("never sent"))
        async with bedrock_client(fake.url, max_retries=0) as client, asyncio.timeout(LIMIT):
            with pytest.raises(aclaude.PermissionDeniedError) as caught:
                await client.messages.create(**params(BEDROCK_MODEL))  # no stream=True
    error = caught.value
    assert error.status_code == 403 and error.type == "AccessDeniedException"
    text = str(error)
    assert "bedrock:InvokeModelWithResponseStream" in text
    assert "create() without stream=True" in text and "drained stream" in text
    assert fake.requests[0].path == f"/model/{BEDROCK_MODEL}/invoke-with-response-stream"
    assert fake.upstream.requests == []


async def test_bedrock_policy_with_the_stream_permission_works() -> None:
    allowed = {"bedrock:InvokeModelWithResponseStream"}
    async with FakeBedrock(region=REGION, now=FROZEN, allowed_actions=allowed) as fake:
        fake.enqueue(Reply.text("Hello"))
        async with bedrock_client(fake.url, max_retries=0) as client, asyncio.timeout(LIMIT):
            message = await client.messages.create(**params(BEDROCK_MODEL))
    assert message.content[0].text == "Hello"  # type: ignore[union-attr]


async def test_other_bedrock_403s_get_no_permission_hint() -> None:
    # A wrong Bedrock API key is a 403 AccessDeniedException too, but not a policy's refusal.
    async with FakeBedrock(region=REGION, now=FROZEN, api_key="ABSK-right") as fake:
        async with (
            aclaude.BedrockClient(
                aws_region=REGION, base_url=fake.url, api_key="ABSK-wrong", max_retries=0
            ) as client,
            asyncio.timeout(LIMIT),
        ):
            with pytest.raises(aclaude.PermissionDeniedError) as caught:
                await client.messages.create(**params(BEDROCK_MODEL))
    assert "InvokeModelWithResponseStream" not in str(caught.value)


async def test_vertex_create_without_stream_calls_stream_raw_predict() -> None:
    async with FakeVertex(project=VERTEX_PROJECT, region=VERTEX_REGION) as fake:
        fake.enqueue(Reply.text("Hello"))
        async with vertex_client(fake.url) as client, asyncio.timeout(LIMIT):
            await client.messages.create(**params(VERTEX_MODEL))
    assert fake.requests[0].path.endswith(f"/models/{VERTEX_MODEL}:streamRawPredict")
