"""End to end: the relay's page in headless Chromium, against the embedded fake API.

The browser loads ``GET /``, a prompt is typed into the page and sent with Enter, and the text
the fake API streams must appear on the page, in more than one websocket frame (streamed, not
delivered at the end). Closing the tab mid-stream must stop the upstream request. A page of
another origin (another port on 127.0.0.1) must not be able to use the relay: Chromium's
handshake carries that page's ``Origin``, and the relay refuses it before any API request.

Chromium is Debian's package, driven over the DevTools protocol (``tests/_chromium.py``);
``.ci/run`` installs it. Without it these tests skip, saying so.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from _chromium import Browser, chromium_path, launch_chromium
from _relay_support import serve_app, wait_until
from aiohttp import web
from conftest import API_KEY

import aclaude
from aclaude.relay import RELAY_STATS, RelayStats, create_relay_app
from aclaude.testing import FakeAnthropic, Reply

CHROMIUM = chromium_path()
pytestmark = pytest.mark.skipif(
    CHROMIUM is None, reason="chromium is not installed (apt-get install chromium); .ci/run installs it"
)

REPLY = "Hello from the fake API, streamed through the relay to this page! ✓ — naïve café"
STATE = "document.getElementById('status').dataset.state"
OUTPUT = "document.getElementById('output')"


@pytest.fixture
async def browser(tmp_path: Path) -> AsyncIterator[Browser]:
    assert CHROMIUM is not None
    async with launch_chromium(CHROMIUM, tmp_path) as browser:
        yield browser


@pytest.fixture
async def relay(server: FakeAnthropic) -> AsyncIterator[tuple[str, RelayStats]]:
    async with aclaude.Client(api_key=API_KEY, base_url=server.url, max_retries=0) as client:
        app = create_relay_app(client, model="claude-test", max_tokens=321)
        async with serve_app(app) as url:
            yield url, app[RELAY_STATS]


async def test_page_shows_streamed_text(
    browser: Browser, relay: tuple[str, RelayStats], server: FakeAnthropic, tmp_path: Path
) -> None:
    url, stats = relay
    # Three characters per delta, a little apart: the page must grow in several frames.
    server.enqueue(Reply.text(REPLY, chunk_chars=3, delay_between=0.01))
    page = await browser.new_page()
    await page.goto(url)
    assert await page.evaluate("document.title") == "aclaude relay"

    await page.type_text("#prompt", "Say hello to the browser")
    await page.press_enter()
    state = await page.wait_for(f"['done', 'error'].includes({STATE}) && {STATE}", timeout=20)

    if os.environ.get("ACLAUDE_SCREENSHOTS"):  # for a person to look at the page
        png = await page.screenshot()
        (Path(os.environ["ACLAUDE_SCREENSHOTS"]) / "relay.png").write_bytes(png)
    status = await page.evaluate("document.getElementById('status').textContent")
    assert state == "done", status
    assert await page.evaluate(f"{OUTPUT}.textContent") == REPLY
    frames = int(await page.evaluate(f"{OUTPUT}.dataset.frames"))
    assert frames > 1, "the text arrived in one frame: not streamed"
    assert "output tokens" in status

    # What reached the API: the typed prompt, with the relay's model and max_tokens.
    body = server.requests[0].json
    assert body["messages"] == [{"role": "user", "content": "Say hello to the browser"}]
    assert (body["model"], body["max_tokens"], body["stream"]) == ("claude-test", 321, True)
    assert stats.streams_started == 1 and stats.streams_cancelled == 0


async def test_closing_the_tab_stops_the_upstream_request(
    browser: Browser, relay: tuple[str, RelayStats], server: FakeAnthropic
) -> None:
    url, stats = relay
    # About 20 s of stream if nobody stopped it.
    server.enqueue(Reply.text("x" * 400, chunk_chars=1, delay_between=0.05))
    page = await browser.new_page()
    await page.goto(url)
    await page.type_text("#prompt", "Talk for a long time")
    await page.press_enter()
    await page.wait_for(f"{OUTPUT}.textContent.length >= 5", timeout=20)
    assert server.in_flight == 1

    await page.close()
    await wait_until(lambda: server.in_flight == 0, 5.0, "the fake API to see the disconnect")
    await wait_until(lambda: stats.streams_open == 0 and stats.connections == 0, 5.0, "the relay to clean up")
    assert stats.streams_cancelled == 1


# Opens the relay's websocket from the current page; resolves "open" or "refused".
OPEN_SOCKET = """new Promise((resolve) => {
  const ws = new WebSocket(%s);
  ws.onopen = () => { ws.close(); resolve("open"); };
  ws.onerror = () => resolve("refused");
})"""


async def test_a_foreign_page_cannot_use_the_relay(
    browser: Browser, relay: tuple[str, RelayStats], server: FakeAnthropic
) -> None:
    url, stats = relay
    socket_url = '"' + url.replace("http://", "ws://") + 'ws"'
    server.enqueue(Reply.text("never generated"))
    foreign = web.Application()

    async def evil_page(_request: web.Request) -> web.Response:
        return web.Response(text="<title>evil</title>", content_type="text/html")

    foreign.router.add_get("/", evil_page)
    async with serve_app(foreign) as evil_url:
        assert evil_url != url  # another port: another origin
        page = await browser.new_page()
        await page.goto(evil_url)
        assert await page.evaluate(OPEN_SOCKET % socket_url) == "refused"
    assert stats.refused_origin == 1 and stats.streams_started == 0
    assert server.requests == []

    # The same script from the relay's own page connects.
    await page.goto(url)
    assert await page.evaluate(OPEN_SOCKET % socket_url) == "open"
    assert stats.refused_origin == 1
