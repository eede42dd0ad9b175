"""What the cloud-platform tests share: hermetic environments, a frozen signing clock, and
clients pointed at the platform fakes.

No test may reach a real cloud: every credential is a fixed fake one, botocore's instance
metadata lookup is disabled, and the AWS config and credential files point into the test's
temporary directory, so a developer's own profile is never read.
"""

from __future__ import annotations

import datetime
from pathlib import Path
from typing import Any

import pytest

import aclaude
import aclaude.platforms._bedrock
from aclaude.testing import BEDROCK_ACCESS_KEY, BEDROCK_SECRET_KEY, VERTEX_TOKEN

#: The instant the Bedrock tests sign at (client) and verify at (fake).
FROZEN = datetime.datetime(2025, 3, 14, 15, 9, 26, tzinfo=datetime.timezone.utc)
REGION = "us-east-1"
BEDROCK_MODEL = "anthropic.claude-sonnet-4-5-20250929-v1:0"
VERTEX_MODEL = "claude-sonnet-4-5@20250929"
VERTEX_PROJECT = "test-project"
VERTEX_REGION = "us-east5"

_AWS_VARIABLES = (
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
    "AWS_SECURITY_TOKEN",
    "AWS_PROFILE",
    "AWS_DEFAULT_PROFILE",
    "AWS_REGION",
    "AWS_DEFAULT_REGION",
    "AWS_BEARER_TOKEN_BEDROCK",
    "AWS_ROLE_ARN",
    "AWS_WEB_IDENTITY_TOKEN_FILE",
    "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
    "AWS_CONTAINER_CREDENTIALS_FULL_URI",
    "AWS_CONTAINER_AUTHORIZATION_TOKEN",
    "ANTHROPIC_BEDROCK_BASE_URL",
)
_GOOGLE_VARIABLES = (
    "GOOGLE_APPLICATION_CREDENTIALS",
    "GOOGLE_CLOUD_PROJECT",
    "CLOUD_ML_REGION",
    "ANTHROPIC_VERTEX_PROJECT_ID",
    "ANTHROPIC_VERTEX_BASE_URL",
)
_FOUNDRY_VARIABLES = (
    "ANTHROPIC_FOUNDRY_API_KEY",
    "ANTHROPIC_FOUNDRY_RESOURCE",
    "ANTHROPIC_FOUNDRY_BASE_URL",
)


def hermetic_aws(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in _AWS_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "aws-config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "aws-credentials"))
    monkeypatch.setattr(aclaude.platforms._bedrock, "_utcnow", lambda: FROZEN)


def hermetic_google(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in _GOOGLE_VARIABLES:
        monkeypatch.delenv(name, raising=False)


def hermetic_foundry(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in _FOUNDRY_VARIABLES:
        monkeypatch.delenv(name, raising=False)


def bedrock_client(base_url: str, **kwargs: Any) -> aclaude.BedrockClient:
    """A SigV4 client with the fake's default credentials (override any argument)."""
    options: dict[str, Any] = {
        "aws_region": REGION,
        "aws_access_key": BEDROCK_ACCESS_KEY,
        "aws_secret_key": BEDROCK_SECRET_KEY,
        "base_url": base_url,
        "max_retries": 0,
        **kwargs,
    }
    return aclaude.BedrockClient(**options)


def vertex_client(fake_url: str, **kwargs: Any) -> aclaude.VertexClient:
    options: dict[str, Any] = {
        "region": VERTEX_REGION,
        "project_id": VERTEX_PROJECT,
        "access_token": VERTEX_TOKEN,
        "base_url": fake_url + "/v1",
        "max_retries": 0,
        **kwargs,
    }
    return aclaude.VertexClient(**options)


def params(model: str, **extra: Any) -> dict[str, Any]:
    return {
        "model": model,
        "max_tokens": 256,
        "messages": [{"role": "user", "content": "Hello, Claude"}],
        **extra,
    }
