"""The fake API server in its own process, and a stdlib probe of what it sends.

The server runs in a separate process so that its CPU never lands in a client's getrusage()
figure, and so that a client's event loop never has to share time with it.
"""

from __future__ import annotations

import http.client
import json
import queue
import re
import subprocess
import tempfile
import threading
import urllib.parse
from collections.abc import Mapping
from pathlib import Path
from types import TracebackType
from typing import IO

# Only loopback: the benchmark must never talk to anything but the server it started.
_LISTENING = re.compile(r"listening on (http://127\.0\.0\.1:\d+)")
_STARTUP_TIMEOUT = 30.0
_EVENT_SEPARATOR = re.compile(rb"\r\n\r\n|\n\n|\r\r")


class FakeServer:
    """Start `cmd`, wait for its `listening on http://127.0.0.1:PORT` line, stop it on exit."""

    def __init__(self, cmd: list[str], env: Mapping[str, str], cwd: Path) -> None:
        self.cmd = cmd
        self.env = dict(env)
        self.cwd = cwd
        self.url = ""
        self._proc: subprocess.Popen[str] | None = None
        # stderr goes to a file rather than a pipe nobody reads (a full pipe would stall it).
        self._log: IO[str] = tempfile.NamedTemporaryFile(  # closed in _stop()
            "w+", prefix="aclaude-bench-server-", suffix=".log", delete=False
        )
        self.log_path = self._log.name

    def __enter__(self) -> FakeServer:
        self._proc = subprocess.Popen(
            self.cmd,
            cwd=self.cwd,
            env=self.env,
            text=True,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=self._log,
        )
        try:
            self.url = self._wait_for_url(self._proc)
        except BaseException:
            self._stop()
            raise
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self._stop()

    def log_tail(self, lines: int = 20) -> str:
        return "\n".join(Path(self.log_path).read_text(errors="replace").splitlines()[-lines:])

    def _wait_for_url(self, proc: subprocess.Popen[str]) -> str:
        # A reader thread keeps draining stdout for the server's whole life: readline() on the
        # pipe cannot time out by itself, and a server that prints more must never block on it.
        lines: queue.Queue[str | None] = queue.Queue()

        def drain() -> None:
            assert proc.stdout is not None
            for line in proc.stdout:
                lines.put(line)
            lines.put(None)

        threading.Thread(target=drain, name="fake-server-stdout", daemon=True).start()
        try:
            line = lines.get(timeout=_STARTUP_TIMEOUT)
        except queue.Empty:
            raise RuntimeError(f"fake server printed nothing in {_STARTUP_TIMEOUT:.0f} s") from None
        if line is None:
            raise RuntimeError(f"fake server exited early:\n{self.log_tail()}")
        match = _LISTENING.search(line)
        if not match:
            raise RuntimeError(f"unexpected first line from the fake server: {line!r}")
        return match.group(1)

    def _stop(self) -> None:
        proc, self._proc = self._proc, None
        if proc is not None and proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=10)
        self._log.close()


def count_events(url: str, deltas: int, timeout: float = 60.0) -> int:
    """How many SSE events the server sends for a stream of `deltas` text deltas.

    Plain http.client, so the count does not depend on any client under test.
    """
    parts = urllib.parse.urlsplit(url)
    body = json.dumps(
        {
            "model": "claude-sonnet-4-6",
            "max_tokens": 1024,
            "stream": True,
            "messages": [{"role": "user", "content": "hi"}],
        }
    )
    headers = {
        "content-type": "application/json",
        "x-api-key": "sk-ant-fake",
        "anthropic-version": "2023-06-01",
        "x-fake-deltas": str(deltas),
        "x-fake-delta-bytes": "12",
    }
    conn = http.client.HTTPConnection(parts.hostname or "127.0.0.1", parts.port, timeout=timeout)
    try:
        conn.request("POST", "/v1/messages", body=body, headers=headers)
        resp = conn.getresponse()
        data = resp.read()
        if resp.status != 200:
            raise RuntimeError(f"probe got HTTP {resp.status}: {data[:200]!r}")
    finally:
        conn.close()
    return sum(1 for block in _EVENT_SEPARATOR.split(data) if block.strip())
