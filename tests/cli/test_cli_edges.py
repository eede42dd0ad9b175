"""The command line's rough edges, each run as a real subprocess: a bad or busy port, Ctrl-C
while importing and mid-stream, SIGTERM mid-line, a base URL ending in /v1, errors in words
(details with --verbose), --version, a command's own usage, a closed pipe, and the relay
example's port."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
from pathlib import Path

from conftest import API_KEY

from aclaude.testing import FakeAnthropic, Reply

TIMEOUT = 30.0
REPO = Path(__file__).resolve().parents[2]
MODULE = [sys.executable, "-m", "aclaude"]


def clean_env(key: str | None = API_KEY) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ANTHROPIC_", "ACLAUDE_"))}
    if key is not None:
        env["ANTHROPIC_API_KEY"] = key
    return env


async def run(*args: str, key: str | None = API_KEY) -> tuple[int, str, str]:
    process = await asyncio.create_subprocess_exec(
        *MODULE, *args, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        env=clean_env(key),
    )  # fmt: skip
    try:
        out, err = await asyncio.wait_for(process.communicate(), TIMEOUT)
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
    assert process.returncode is not None
    return process.returncode, out.decode(), err.decode()


def one_line(err: str, *needles: str) -> str:
    lines = err.splitlines()
    assert len(lines) == 1, err
    assert "Traceback" not in err, err
    for needle in needles:
        assert needle in lines[0], err
    return lines[0]


# -- serve-mock ------------------------------------------------------------------------------------


async def test_serve_mock_port_out_of_range_is_one_line() -> None:
    status, out, err = await run("serve-mock", "--port", "99999")
    assert status == 2 and out == ""
    one_line(err, "aclaude serve-mock: ", "--port", "99999")


async def test_serve_mock_port_in_use_is_one_line() -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        status, out, err = await run("serve-mock", "--port", str(port))
    assert status == 1 and out == ""
    one_line(err, f"cannot listen on 127.0.0.1:{port}", "address already in use")


async def test_serve_mock_is_paced_and_checks_requests_by_default() -> None:
    _, demo, _ = await run("serve-mock", "--help")
    demo = " ".join(demo.split())  # argparse wraps to the terminal's width
    assert "--first-token-delay" in demo and "(default: 0.4)" in demo and "--no-validate" in demo
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "aclaude.testing", "--help", stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    out, _ = await asyncio.wait_for(process.communicate(), TIMEOUT)
    assert b"(default: 0.0)" in out  # benchmarks' server: as fast as it can


# -- signals ---------------------------------------------------------------------------------------


async def test_ctrl_c_while_importing_is_not_a_traceback() -> None:
    # The package takes a moment to import; interrupt at several points of it (and just after).
    # The child says "ready" once the interpreter runs its first line (a signal before that hits
    # Python's own startup, which no program can handle), then does what the console script does.
    launcher = (
        "import sys; sys.stderr.write('ready\\n'); sys.stderr.flush(); "
        "from aclaude_cli import main; sys.exit(main())"
    )
    for delay in (0.05, 0.15, 0.3, 0.6):
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-c", launcher, "chat", "--mock", "hi", stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=clean_env(None),
        )  # fmt: skip
        try:
            assert process.stderr is not None
            assert await asyncio.wait_for(process.stderr.readline(), TIMEOUT) == b"ready\n"
            await asyncio.sleep(delay)
            process.send_signal(signal.SIGINT)
            _, err = await asyncio.wait_for(process.communicate(), TIMEOUT)
        finally:
            if process.returncode is None:
                process.kill()
                await process.wait()
        text = err.decode()
        assert "Traceback" not in text and "KeyboardInterrupt" not in text, (delay, text)
        assert process.returncode == 130, (delay, process.returncode, text)
        assert text.splitlines()[-1] == "aclaude: interrupted", text


async def _signal_mid_line(server: FakeAnthropic, sig: signal.Signals) -> tuple[int, str, str]:
    # message_start, content_block_start, ping, "Hello", then pings only: a line left open.
    server.enqueue(Reply.text("Hello world", chunk_chars=5).with_options(stall_after=4, stall_with="pings"))
    process = await asyncio.create_subprocess_exec(
        *MODULE, "chat", "hi", "--base-url", server.url, stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=clean_env(),
    )  # fmt: skip
    try:
        assert process.stdout is not None
        first = await asyncio.wait_for(process.stdout.readexactly(5), TIMEOUT)
        assert first == b"Hello"
        process.send_signal(sig)
        rest, err = await asyncio.wait_for(process.communicate(), TIMEOUT)
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
    assert process.returncode is not None
    return process.returncode, (first + rest).decode(), err.decode()


async def test_ctrl_c_mid_stream_ends_the_line_first(server: FakeAnthropic) -> None:
    status, out, err = await _signal_mid_line(server, signal.SIGINT)
    assert status == 130, err
    assert out == "Hello\n"
    one_line(err, "aclaude: interrupted")


async def test_sigterm_mid_stream_ends_the_line_and_says_so(server: FakeAnthropic) -> None:
    status, out, err = await _signal_mid_line(server, signal.SIGTERM)
    assert status == 143, err
    assert out == "Hello\n"
    one_line(err, "aclaude: terminated")


# -- messages --------------------------------------------------------------------------------------


async def test_base_url_ending_in_v1_is_named(server: FakeAnthropic) -> None:
    status, _, err = await run("chat", "hi", "--base-url", server.url + "/v1")
    assert status == 1
    line = one_line(err, "already ends in /v1", "/v1/v1/messages", "drop the /v1")
    assert "check --model" not in line
    assert server.requests[0].path == "/v1/v1/messages"


async def test_connection_errors_in_words_details_with_verbose() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        url = f"http://127.0.0.1:{sock.getsockname()[1]}"
    status, _, err = await run("chat", "hi", "--base-url", url)
    assert status == 4
    line = one_line(err, f"cannot reach {url}", "refused")
    assert "Error" not in line  # no class names
    status, _, err = await run("chat", "hi", "--base-url", url, "--verbose")
    assert status == 4 and "Traceback" not in err
    first, *more = err.splitlines()
    assert first == line and any("ClientConnectorError" in m for m in more), err
    assert API_KEY not in err


async def test_a_dropped_stream_is_said_in_words(server: FakeAnthropic) -> None:
    server.enqueue(Reply.text("abcdef", chunk_chars=1, drop_after=5))
    status, out, err = await run("chat", "hi", "--base-url", server.url)
    assert status == 4 and out == "ab\n"
    line = one_line(err, "the reply was cut off", "connection broke")
    for internal in ("ClientPayloadError", "TransferEncodingError", "400"):
        assert internal not in line, line


async def test_version() -> None:
    status, out, err = await run("--version")
    assert status == 0 and err == ""
    import aclaude

    assert out.strip() == f"aclaude {aclaude.__version__}"


async def test_unknown_flag_after_chat_shows_chats_usage() -> None:
    status, out, err = await run("chat", "--bogus", "hi")
    assert status == 2 and out == "" and "Traceback" not in err
    assert err.startswith("usage: aclaude chat ")
    assert "aclaude chat: error: unrecognized arguments: --bogus" in err


def _read_then_close(args: list[str], url: str) -> tuple[int, str]:
    with subprocess.Popen(
        [*MODULE, "chat", *args, "hi", "--base-url", url],
        stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=clean_env(),
    ) as process:  # fmt: skip
        try:
            assert process.stdout is not None and process.stderr is not None
            assert process.stdout.read(1)
            process.stdout.close()  # the reader goes away (`| head -c 1`)
            err = process.stderr.read().decode()
            process.wait(TIMEOUT)
        finally:
            if process.returncode is None:
                process.kill()
                process.wait()
    return process.returncode, err


async def test_a_closed_pipe_exits_the_same_in_text_and_json(server: FakeAnthropic) -> None:
    reply = Reply.text("x" * 400, chunk_chars=1, delay_between=0.005)
    results = []
    for args in ([], ["--json"]):
        server.enqueue(reply)
        status, err = await asyncio.to_thread(_read_then_close, args, server.url)
        assert "Traceback" not in err and "BrokenPipe" not in err, err
        assert err == "", err  # quietly: no usage line, no error line
        results.append(status)
    assert results[0] == results[1] == 1


# -- examples --------------------------------------------------------------------------------------


async def test_relay_example_does_not_take_serve_mocks_port() -> None:
    process = await asyncio.create_subprocess_exec(
        sys.executable, str(REPO / "examples" / "relay" / "app.py"), "--help",
        stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )  # fmt: skip
    out, _ = await asyncio.wait_for(process.communicate(), TIMEOUT)
    assert process.returncode == 0
    help_text = out.decode()
    assert "default: 8765" in help_text and "8080" not in help_text.split("options:")[-1]


async def test_demo_honours_max_tokens_and_is_paced() -> None:
    status, out, err = await run("chat", "--max-tokens", "5", "hi", key=None)
    assert status == 0, err
    notice, usage = err.splitlines()
    assert "using the embedded fake API" in notice
    assert usage.startswith("[1 input + 5 output tokens, first token ")
    first_token_ms = int(usage.split("first token ")[1].split(" ms")[0])
    assert first_token_ms >= 400  # the demo's pacing (a lower bound: a busy machine only adds)
    assert len(out.strip()) == 5 * 12  # five 12-byte tokens, cut there as the API would
    status, out, _ = await run("chat", "hi", key=None)
    assert status == 0 and out.endswith(".\n") and out[-3].isalpha()  # a whole reply ends a sentence
