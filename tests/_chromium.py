"""Drive Debian's headless Chromium over the DevTools protocol (CDP), with aiohttp only.

No Playwright, no downloaded browser: the system ``chromium`` is started with
``--remote-debugging-port=0``; the port it picked is read from ``DevToolsActivePort`` in its
profile directory (written once the endpoint accepts connections), and commands go over one
websocket with flat sessions (``Target.attachToTarget(flatten=True)``). Every wait is bounded.

Chromium's resolver maps every host name to "not found" except 127.0.0.1, so a page under test
can reach nothing but loopback, and the background services that would phone home are off.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import os
import shutil
import signal
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp

__all__ = ["Browser", "CDPError", "Page", "chromium_path", "launch_chromium"]

STARTUP_TIMEOUT = 30.0
COMMAND_TIMEOUT = 15.0

_FLAGS = (
    "--headless",
    "--no-sandbox",  # tests run as root in CI, where Chromium's sandbox refuses to start
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-quic",
    "--no-first-run",
    "--no-default-browser-check",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-extensions",
    "--disable-default-apps",
    "--disable-breakpad",
    "--no-proxy-server",
    "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1",
    "--remote-debugging-address=127.0.0.1",
    "--remote-debugging-port=0",
    "--window-size=1000,700",
)


class CDPError(RuntimeError):
    """A DevTools command failed."""


def chromium_path() -> str | None:
    """The system Chromium, or None when it is not installed."""
    for name in ("chromium", "chromium-browser"):
        found = shutil.which(name)
        if found:
            return found
    return None


class _Connection:
    """One DevTools websocket: commands by id, events kept for ``wait_event``."""

    def __init__(self, ws: aiohttp.ClientWebSocketResponse[Any]) -> None:
        self._ws = ws
        self._ids = itertools.count(1)
        self._waiting: dict[int, asyncio.Future[Any]] = {}
        self._events: list[dict[str, Any]] = []
        self._event_added = asyncio.Event()
        self._reader = asyncio.create_task(self._read())

    async def _read(self) -> None:
        try:
            async for msg in self._ws:
                if msg.type is not aiohttp.WSMsgType.TEXT:
                    continue
                data = msg.json()
                future = self._waiting.pop(data["id"], None) if "id" in data else None
                if future is not None:
                    if not future.done():
                        future.set_result(data)
                elif "method" in data:
                    self._events.append(data)
                    self._event_added.set()
        finally:
            for future in self._waiting.values():
                if not future.done():
                    future.set_exception(CDPError("the DevTools connection closed"))

    async def send(
        self, method: str, params: dict[str, Any] | None = None, session: str | None = None
    ) -> Any:
        message: dict[str, Any] = {"id": next(self._ids), "method": method, "params": params or {}}
        if session is not None:
            message["sessionId"] = session
        future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        self._waiting[message["id"]] = future
        await self._ws.send_json(message)
        reply = await asyncio.wait_for(future, COMMAND_TIMEOUT)
        if "error" in reply:
            raise CDPError(f"{method}: {reply['error']}")
        return reply.get("result", {})

    async def close(self) -> None:
        await self._ws.close()
        self._reader.cancel()
        await asyncio.wait([self._reader])


class Page:
    """One browser tab."""

    def __init__(self, connection: _Connection, target_id: str, session: str) -> None:
        self._connection = connection
        self.target_id = target_id
        self._session = session

    async def send(self, method: str, params: dict[str, Any] | None = None) -> Any:
        return await self._connection.send(method, params, self._session)

    async def goto(self, url: str, timeout: float = 15.0) -> None:
        """Navigate and wait until the document has loaded."""
        await self.send("Page.navigate", {"url": url})
        await self.wait_for("document.readyState === 'complete' && location.href === " + _js(url), timeout)

    async def evaluate(self, expression: str) -> Any:
        """The value of a JavaScript expression (awaited if it is a promise)."""
        result = await self.send(
            "Runtime.evaluate", {"expression": expression, "returnByValue": True, "awaitPromise": True}
        )
        if "exceptionDetails" in result:
            raise CDPError(f"{expression}: {result['exceptionDetails']}")
        return result["result"].get("value")

    async def wait_for(self, expression: str, timeout: float, interval: float = 0.05) -> Any:
        """Poll ``expression`` until it is truthy; its value. Raises TimeoutError after ``timeout``."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            value = await self.evaluate(expression)
            if value:
                return value
            if loop.time() > deadline:
                raise TimeoutError(f"still false after {timeout} s: {expression}")
            await asyncio.sleep(interval)

    async def type_text(self, selector: str, text: str) -> None:
        """Focus an element and type into it, as a keyboard would (input events included)."""
        await self.evaluate(f"document.querySelector({_js(selector)}).focus()")
        await self.send("Input.insertText", {"text": text})

    async def press_enter(self) -> None:
        key = {"key": "Enter", "code": "Enter", "windowsVirtualKeyCode": 13, "nativeVirtualKeyCode": 13}
        await self.send("Input.dispatchKeyEvent", {"type": "rawKeyDown", **key})
        await self.send("Input.dispatchKeyEvent", {"type": "char", "text": "\r", **key})
        await self.send("Input.dispatchKeyEvent", {"type": "keyUp", **key})

    async def screenshot(self) -> bytes:
        """A PNG of the tab."""
        import base64

        result = await self.send("Page.captureScreenshot", {"format": "png"})
        return base64.b64decode(result["data"])

    async def close(self) -> None:
        """Close the tab (as a person closing it would: its sockets go away)."""
        await self._connection.send("Target.closeTarget", {"targetId": self.target_id})


class Browser:
    def __init__(self, connection: _Connection) -> None:
        self._connection = connection

    async def new_page(self) -> Page:
        target = await self._connection.send("Target.createTarget", {"url": "about:blank"})
        attached = await self._connection.send(
            "Target.attachToTarget", {"targetId": target["targetId"], "flatten": True}
        )
        page = Page(self._connection, target["targetId"], attached["sessionId"])
        await page.send("Page.enable")
        await page.send("Runtime.enable")
        return page


def _read_lines(path: Path) -> list[str]:
    """The file's lines, or none while it does not exist (a tiny local file: no need for a thread)."""
    try:
        return path.read_text(errors="replace").split("\n") if path.exists() else []
    except FileNotFoundError:
        return []


def _js(value: str) -> str:
    """A JavaScript string literal."""
    import json

    return json.dumps(value)


async def _devtools_url(profile: Path, process: asyncio.subprocess.Process, log: Path) -> str:
    """Wait for ``DevToolsActivePort`` (port, then the browser target's path)."""
    port_file = profile / "DevToolsActivePort"
    loop = asyncio.get_running_loop()
    deadline = loop.time() + STARTUP_TIMEOUT
    while True:
        lines = _read_lines(port_file)
        if len(lines) >= 2:
            return f"ws://127.0.0.1:{lines[0]}{lines[1]}"
        if process.returncode is not None:
            tail = "\n".join(_read_lines(log))[-2000:]
            raise RuntimeError(f"chromium exited with {process.returncode}: {tail}")
        if loop.time() > deadline:
            raise TimeoutError(f"chromium did not open its DevTools port within {STARTUP_TIMEOUT} s")
        await asyncio.sleep(0.05)


@contextlib.asynccontextmanager
async def launch_chromium(executable: str, workdir: Path) -> AsyncIterator[Browser]:
    """Start headless Chromium with a fresh profile in ``workdir``; stop it (and its children)
    on exit."""
    profile = workdir / "profile"
    profile.mkdir()
    log = workdir / "chromium.log"
    with log.open("wb") as log_file:
        process = await asyncio.create_subprocess_exec(
            executable,
            *_FLAGS,
            f"--user-data-dir={profile}",
            "about:blank",
            stdin=asyncio.subprocess.DEVNULL,
            stdout=log_file,
            stderr=log_file,
            start_new_session=True,  # its own process group: renderers are stopped with it
        )
    try:
        url = await _devtools_url(profile, process, log)
        session = aiohttp.ClientSession()
        try:
            ws = await session.ws_connect(url, max_msg_size=0, timeout=aiohttp.ClientWSTimeout(ws_close=5))
            connection = _Connection(ws)
            try:
                yield Browser(connection)
                with contextlib.suppress(CDPError, asyncio.TimeoutError, ConnectionError):
                    await connection.send("Browser.close")
            finally:
                await connection.close()
        finally:
            await session.close()
    finally:
        await _stop(process)


async def _stop(process: asyncio.subprocess.Process) -> None:
    """Wait briefly for a clean exit, then terminate, then kill the process group."""
    for sig in (None, signal.SIGTERM, signal.SIGKILL):
        if sig is not None and process.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, sig)
        try:
            await asyncio.wait_for(process.wait(), 5.0)
            break
        except asyncio.TimeoutError:
            continue
    # Renderers and helpers share the group; make sure none outlives the test.
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(process.pid, signal.SIGKILL)
