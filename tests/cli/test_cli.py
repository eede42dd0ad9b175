"""The command line, run as a real subprocess (``python -m aclaude``) against an in-process fake
API served by the test's own event loop.

Every failure must be one line on stderr, a non-zero exit status and no traceback.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import API_KEY

import aclaude
from aclaude.testing import FakeAnthropic, Reply

TIMEOUT = 30.0
NOTICE = "using the embedded fake API at http://127.0.0.1:"


class Result:
    def __init__(self, status: int, stdout: str, stderr: str) -> None:
        self.status = status
        self.stdout = stdout
        self.stderr = stderr
        self.err_lines = stderr.splitlines()

    def __repr__(self) -> str:
        return f"<exit {self.status}\nstdout: {self.stdout[:500]!r}\nstderr: {self.stderr[:2000]}>"


async def run_cli(*args: str, key: str | None = None, stdin: str | None = None) -> Result:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ANTHROPIC_", "ACLAUDE_"))}
    if key is not None:
        env["ANTHROPIC_API_KEY"] = key
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "aclaude", *args,
        stdin=subprocess.PIPE if stdin is not None else subprocess.DEVNULL,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env,
    )  # fmt: skip
    try:
        out, err = await asyncio.wait_for(
            process.communicate(stdin.encode() if stdin is not None else None), TIMEOUT
        )
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
    assert process.returncode is not None
    return Result(process.returncode, out.decode(), err.decode())


def assert_one_line_failure(result: Result, status: int, *needles: str) -> None:
    assert result.status == status, result
    assert len(result.err_lines) == 1, result
    assert "Traceback" not in result.stderr + result.stdout, result
    line = result.err_lines[0]
    assert line.startswith("aclaude: "), result
    for needle in needles:
        assert needle in line, result
    assert API_KEY not in result.stderr


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


# -- chat ----------------------------------------------------------------------------------------


async def test_no_key_uses_the_fake_api_and_says_so() -> None:
    result = await run_cli("chat", "Write a haiku about event loops")
    assert result.status == 0, result
    assert result.stdout.startswith("lorem ipsum") and result.stdout.endswith("\n")
    notice, usage = result.err_lines
    assert notice.startswith("aclaude: no ANTHROPIC_API_KEY set: " + NOTICE), notice
    assert usage.startswith("[") and "output tokens, first token " in usage and "tokens/s" in usage


async def test_mock_json_lines() -> None:
    result = await run_cli("chat", "--mock", "--json", "hi", key="sk-ant-would-be-real")
    assert result.status == 0, result
    events = [json.loads(line) for line in result.stdout.splitlines()]
    assert events[0]["type"] == "message_start"
    assert events[-1]["type"] == "message_stop"
    assert any(e["type"] == "content_block_delta" for e in events)
    assert result.err_lines[0].startswith("aclaude: --mock: " + NOTICE)
    assert len(result.err_lines) == 2


async def test_options_reach_the_api(server: FakeAnthropic) -> None:
    server.enqueue(Reply.text("Bonjour !"))
    result = await run_cli(
        "chat", "-", "--base-url", server.url, "--model", "claude-x", "--max-tokens", "42",
        "--system", "Be French.", "--temperature", "0.25",
        key=API_KEY, stdin="Say hello",
    )  # fmt: skip
    assert result.status == 0, result
    assert result.stdout == "Bonjour !\n"
    assert len(result.err_lines) == 1 and "output tokens" in result.err_lines[0]
    request = server.requests[0]
    assert request.headers["x-api-key"] == API_KEY
    assert request.json == {
        "model": "claude-x",
        "max_tokens": 42,
        "messages": [{"role": "user", "content": "Say hello"}],
        "system": "Be French.",
        "temperature": 0.25,
        "stream": True,
    }


async def test_chat_goes_through_the_environments_proxy(
    server: FakeAnthropic, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The fake API stands in as the proxy: api.invalid only answers through it.
    monkeypatch.setenv("HTTP_PROXY", server.url)
    server.enqueue(Reply.text("via the proxy"))
    result = await run_cli("chat", "hi", "--base-url", "http://api.invalid", key=API_KEY)
    assert result.status == 0, result
    assert result.stdout == "via the proxy\n"
    assert server.requests[0].headers["host"] == "api.invalid"


async def test_the_embedded_fake_api_is_never_reached_through_a_proxy(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("HTTP_PROXY", f"http://127.0.0.1:{closed_port()}")
    result = await run_cli("chat", "hi", "--mock")
    assert result.status == 0, result


async def test_json_lines_are_the_events_as_sent(server: FakeAnthropic) -> None:
    server.enqueue(Reply.text("hé", chunk_chars=1))
    result = await run_cli("chat", "--json", "hi", "--base-url", server.url, key=API_KEY)
    assert result.status == 0, result
    lines = result.stdout.splitlines()
    # Byte for byte what the fake API sent (nulls included, field order kept, UTF-8 as is).
    assert '"stop_reason":null' in lines[0]
    assert lines[3] == '{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"h"}}'
    assert json.loads(lines[4])["delta"]["text"] == "é" and "é" in lines[4]
    assert json.loads(lines[-1]) == {"type": "message_stop"}


async def test_rejected_key(server: FakeAnthropic) -> None:
    server.enqueue(Reply.error(401, "authentication_error", "invalid x-api-key"))
    result = await run_cli("chat", "hi", "--base-url", server.url, key=API_KEY)
    assert_one_line_failure(result, 3, "API key was rejected", "401", "invalid x-api-key")
    assert result.stdout == ""


async def test_missing_key_with_a_base_url(server: FakeAnthropic) -> None:
    server.enqueue(Reply.error(401, "authentication_error", "x-api-key header is required"))
    result = await run_cli("chat", "hi", "--base-url", server.url)
    assert_one_line_failure(result, 3, "no API key", "ANTHROPIC_API_KEY")
    assert "x-api-key" not in server.requests[0].headers


async def test_unreachable_host() -> None:
    url = f"http://127.0.0.1:{closed_port()}"
    result = await run_cli("chat", "hi", "--base-url", url, key=API_KEY)
    assert_one_line_failure(result, 4, f"cannot reach {url}")


async def test_bad_model(server: FakeAnthropic) -> None:
    server.enqueue(Reply.error(404, "not_found_error", "model: x"))
    result = await run_cli("chat", "hi", "--model", "x", "--base-url", server.url, key=API_KEY)
    assert_one_line_failure(result, 1, "--model", "404 not_found_error: model: x")


async def test_reply_cut_off_mid_text(server: FakeAnthropic) -> None:
    server.enqueue(Reply.text("abcdef", chunk_chars=1, truncate_after=6, delay_between=0.01))
    result = await run_cli("chat", "hi", "--base-url", server.url, key=API_KEY)
    assert_one_line_failure(result, 4, "cut off")
    assert result.stdout == "abc\n"  # the partial text, its line ended before the error


async def test_usage_error_is_argparse_status() -> None:
    result = await run_cli("chat")
    assert result.status == 2 and "Traceback" not in result.stderr


# -- serve-mock and the console script ------------------------------------------------------------


async def test_serve_mock_serves_until_terminated() -> None:
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "aclaude", "serve-mock", "--port", "0", "--deltas", "3",
        stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )  # fmt: skip
    try:
        assert process.stdout is not None
        line = (await asyncio.wait_for(process.stdout.readline(), TIMEOUT)).decode().strip()
        assert line.startswith("listening on http://127.0.0.1:"), line
        url = line.removeprefix("listening on ")
        async with aclaude.Client(api_key=API_KEY, base_url=url, max_retries=0) as client:
            message = await client.messages.create(
                model="m", max_tokens=10, messages=[{"role": "user", "content": "hi"}]
            )
        assert message.usage.output_tokens == 3
        process.send_signal(signal.SIGTERM)
        _, err = await asyncio.wait_for(process.communicate(), TIMEOUT)
        assert process.returncode == 0, err
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()


async def test_console_script_help() -> None:
    script = Path(sys.executable).with_name("aclaude")
    if not script.exists():
        pytest.skip("the aclaude console script is not installed next to this interpreter")
    process = await asyncio.create_subprocess_exec(
        str(script), "--help", stdout=subprocess.PIPE, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL
    )
    out, _ = await asyncio.wait_for(process.communicate(), TIMEOUT)
    assert process.returncode == 0
    assert b"chat" in out and b"serve-mock" in out
