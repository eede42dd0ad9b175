"""Shared fixtures: a fake Anthropic API on loopback and clients pointed at it.

Every network test talks to ``127.0.0.1`` only, through ``aclaude.testing.FakeAnthropic``, with
the fake key below. The environment is cleaned of ``ANTHROPIC_*`` variables so that a developer's
real key or base URL can never leak into a test (tests that need them set them explicitly), and
of ``*_proxy`` variables, which clients follow by default.
"""

from __future__ import annotations

import asyncio
import os
import sys
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

import aclaude
from aclaude.testing import FakeAnthropic
from aclaude.testing._pacing import WRITE_LOG

if TYPE_CHECKING:
    import anthropic

if sys.version_info < (3, 11):
    # The tests bound their waits with asyncio.timeout (3.11+); on 3.10 the maintained backport
    # (async-timeout, a dev dependency there) provides the same context manager. The package
    # itself never uses asyncio.timeout, so it needs no such dependency.
    import async_timeout

    asyncio.timeout = async_timeout.timeout  # type: ignore[attr-defined]

API_KEY = "sk-ant-test-not-a-real-key"
FIXTURES_DIR = Path(__file__).resolve().parent / "fixtures"
#: Request parameters shared by the tests (the fake server answers whatever they are).
PARAMS: dict[str, object] = {
    "model": "claude-sonnet-4-6",
    "max_tokens": 1024,
    "messages": [{"role": "user", "content": "Hello, Claude"}],
}


@pytest.fixture(autouse=True)
def _hermetic_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("ANTHROPIC_API_KEY", "ANTHROPIC_AUTH_TOKEN", "ANTHROPIC_BASE_URL", "ANTHROPIC_LOG"):
        monkeypatch.delenv(name, raising=False)
    # Clients take proxies from the environment: a developer's proxy must not capture the
    # loopback tests (tests of proxies set their own).
    for name in list(os.environ):
        if name.lower().endswith("_proxy"):
            monkeypatch.delenv(name, raising=False)


@pytest.fixture
def api_key() -> str:
    return API_KEY


@pytest.fixture
def params() -> dict[str, object]:
    """Fresh request parameters (tests may mutate their copy)."""
    return {**PARAMS, "messages": [dict(m) for m in PARAMS["messages"]]}  # type: ignore[attr-defined]


@pytest.fixture
def fixtures_dir() -> Path:
    return FIXTURES_DIR


@pytest.fixture
async def server() -> AsyncIterator[FakeAnthropic]:
    async with FakeAnthropic() as fake:
        yield fake


@pytest.fixture
async def client(server: FakeAnthropic) -> AsyncIterator[aclaude.Client]:
    """An aclaude client for ``server``; no retries, so each scripted reply is one attempt."""
    async with aclaude.Client(api_key=API_KEY, base_url=server.url, max_retries=0) as c:
        yield c


@pytest.fixture
async def sdk(server: FakeAnthropic) -> AsyncIterator[anthropic.AsyncAnthropic]:
    """The official SDK against ``server`` (conformance tests send the same call through both);
    imported here, not at the top, so that a test run that never asks for it does not pay the
    SDK's second of import time."""
    import anthropic

    sdk_client = anthropic.AsyncAnthropic(api_key=API_KEY, base_url=server.url, max_retries=0)
    try:
        yield sdk_client
    finally:
        await sdk_client.close()


@pytest.fixture
def write_log() -> Iterator[None]:
    """The fake API's log of when it handed each paced event to the socket, on and empty for
    one test (the server-side truth that stream timings are checked against)."""
    WRITE_LOG.enable()
    WRITE_LOG.clear()
    yield
    WRITE_LOG.enabled = False
    WRITE_LOG.clear()


# A real redis-server on loopback for the tests that ask for it (`redis_server` fixture).
from _redis_support import _redis_session, redis_server  # noqa: E402, F401


# ACLAUDE_TEST_LOOP=uvloop runs every async test (and fixture) on uvloop instead of the stdlib
# loop, through pytest-asyncio's loop-factory hook (1.4+): aclaude must not depend on which
# loop runs it. Defined only when asked for: with the hook present pytest-asyncio uses it for
# every test. CI runs tests/http, tests/streaming and tests/hostile this way (see .ci/run).
def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "stdlib_loop: inspects the stdlib loop's internals, or measures memory that only it frees"
        " at once; runs on the stdlib loop even when the suite runs on uvloop",
    )


if os.environ.get("ACLAUDE_TEST_LOOP", "asyncio") == "uvloop":
    import uvloop

    def pytest_asyncio_loop_factories(config: pytest.Config, item: pytest.Item) -> dict[str, object]:
        if item.get_closest_marker("stdlib_loop"):
            return {"asyncio": asyncio.new_event_loop}
        return {"uvloop": uvloop.new_event_loop}

elif os.environ.get("ACLAUDE_TEST_LOOP", "asyncio") != "asyncio":
    raise RuntimeError("ACLAUDE_TEST_LOOP must be asyncio or uvloop")
