"""A platform's optional dependency that is not installed: a typed error naming the extra that
installs it, raised before anything is sent."""

from __future__ import annotations

import sys
from typing import Any

import pytest

import aclaude
from aclaude.platforms._base import require


def _without(monkeypatch: pytest.MonkeyPatch, *modules: str) -> None:
    for name in modules:
        monkeypatch.setitem(sys.modules, name, None)  # None in sys.modules: ImportError


async def test_bedrock_without_botocore(monkeypatch: pytest.MonkeyPatch, params: dict[str, Any]) -> None:
    _without(monkeypatch, "botocore.auth")
    async with aclaude.BedrockClient(
        aws_region="us-east-1",
        aws_access_key="AKIDEXAMPLETEST",
        aws_secret_key="not-a-real-secret",
        base_url="http://127.0.0.1:9",
        max_retries=0,
    ) as client:
        with pytest.raises(aclaude.APIError, match=r"needs botocore .*pip install 'aclaude\[bedrock\]'"):
            await client.messages.create(**params)


async def test_vertex_without_google_auth(monkeypatch: pytest.MonkeyPatch, params: dict[str, Any]) -> None:
    _without(monkeypatch, "google.auth.exceptions")
    async with aclaude.VertexClient(
        region="us-east5", project_id="test-project", base_url="http://127.0.0.1:9", max_retries=0
    ) as client:
        with pytest.raises(aclaude.APIError, match=r"needs google-auth .*pip install 'aclaude\[vertex\]'"):
            await client.messages.create(**params)


def test_require_imports_what_is_there() -> None:
    require("bedrock", "unused", "json", "email.utils")  # installed: no error
