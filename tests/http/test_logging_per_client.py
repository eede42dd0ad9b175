"""Logging levels are per client (issue 20, item 4).

The official SDK's debug log shows each request's options with its JSON body and each response's
headers (checked below against its ``"anthropic"`` logger); aclaude's does too, with secrets
masked. A client's ``log_level`` is its own: a second client asking for ``"error"`` does not
silence the first, and a custom ``logger=`` is filtered by the level asked for.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator

import anthropic
import pytest
from conftest import API_KEY

import aclaude
from aclaude.testing import FakeAnthropic

COUNT = {"model": "claude-sonnet-4-6", "messages": [{"role": "user", "content": "a body marker"}]}


class Collect(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)

    def messages(self) -> list[str]:
        return [r.getMessage() for r in self.records]


@pytest.fixture
def collected() -> Iterator[Collect]:
    """Records of the "aclaude" logger; its level and handlers as they were, after."""
    log = logging.getLogger("aclaude")
    level, handlers = log.level, list(log.handlers)
    handler = Collect()
    log.addHandler(handler)
    yield handler
    log.setLevel(level)
    log.handlers[:] = handlers


async def test_a_second_client_does_not_change_the_first_ones_level(
    server: FakeAnthropic, collected: Collect
) -> None:
    async with (
        aclaude.Client(api_key=API_KEY, base_url=server.url, log_level="debug") as chatty,
        aclaude.Client(api_key=API_KEY, base_url=server.url, log_level="error") as quiet,
    ):
        await chatty.messages.count_tokens(**COUNT)  # type: ignore[arg-type]
        chatty_lines = len(collected.records)
        await quiet.messages.count_tokens(**COUNT)  # type: ignore[arg-type]
        quiet_lines = len(collected.records) - chatty_lines
    assert logging.getLogger("aclaude").level == logging.NOTSET  # the shared logger untouched
    assert chatty_lines >= 3 and quiet_lines == 0
    assert {r.levelno for r in collected.records} >= {logging.DEBUG, logging.INFO}
    assert all(r.name == "aclaude" for r in collected.records)


async def test_a_custom_logger_is_filtered_by_the_level_asked_for(server: FakeAnthropic) -> None:
    mine = logging.getLogger("tests.my_app")
    handler = Collect()
    mine.addHandler(handler)
    mine.setLevel(logging.DEBUG)
    try:
        async with aclaude.Client(
            api_key=API_KEY, base_url=server.url, logger=mine, log_level="info"
        ) as client:
            await client.messages.count_tokens(**COUNT)  # type: ignore[arg-type]
    finally:
        mine.removeHandler(handler)
    levels = {r.levelno for r in handler.records}
    assert levels == {logging.INFO}, handler.messages()
    assert all(r.name == "tests.my_app" for r in handler.records)


async def test_debug_logs_the_request_body_and_response_headers_as_the_sdk_does(
    server: FakeAnthropic, collected: Collect, caplog: pytest.LogCaptureFixture
) -> None:
    # The SDK: its "anthropic" logger at debug shows the JSON body and the response headers.
    caplog.set_level(logging.DEBUG, logger="anthropic")
    sdk = anthropic.AsyncAnthropic(api_key=API_KEY, base_url=server.url, max_retries=0)
    try:
        await sdk.messages.count_tokens(**COUNT)  # type: ignore[arg-type]
    finally:
        await sdk.close()
    theirs = [r.getMessage() for r in caplog.records if r.name.startswith("anthropic")]
    assert any("a body marker" in m for m in theirs)
    assert any("anthropic-ratelimit-requests-limit" in m for m in theirs)

    async with aclaude.Client(api_key=API_KEY, base_url=server.url, log_level="debug") as client:
        await client.messages.count_tokens(**COUNT)  # type: ignore[arg-type]
    ours = collected.messages()
    assert any("a body marker" in m and m.startswith("request POST") for m in ours), ours
    assert any("anthropic-ratelimit-requests-limit" in m for m in ours), ours
    assert all(API_KEY not in m for m in ours)
    assert any("'x-api-key': '***'" in m for m in ours)
