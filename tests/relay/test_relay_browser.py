"""End to end: the relay's page in headless Chromium, against the embedded fake API.

The browser loads ``GET /``, a prompt is typed into the page and sent with Enter, and the text
the fake API streams must appear on the page, in more than one websocket frame (streamed, not
delivered at the end). Closing the tab mid-stream must stop the upstream request (after the
grace period). A page of another origin (another port on 127.0.0.1) must not be able to use
the relay, nor a page without credentials when the relay authenticates.

Resume: the page is loaded through ``SwitchProxy`` (a TCP proxy: the load balancer and the
flaky network); ``drop()`` cuts the socket mid-reply with no close frame. The page must
reconnect by itself and show the reply whole and exactly once: on the same node (resume from
memory) and on another node (two relay processes and one real ``redis-server``).

Chromium is Debian's package, driven over the DevTools protocol (``tests/_chromium.py``);
``.ci/run`` installs it. Without it these tests skip, saying so.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from _chromium import Browser, Page, chromium_path, launch_chromium
from _redis_support import RedisServer
from _relay_support import SwitchProxy, relay_node, serve_app, wait_until
from aiohttp import web
from conftest import API_KEY

import aclaude
from aclaude.relay import RELAY_STATS, RelayStats, create_relay_app
from aclaude.testing import FakeAnthropic, Reply
from aclaude.tools import tool

CHROMIUM = chromium_path()
pytestmark = pytest.mark.skipif(
    CHROMIUM is None, reason="chromium is not installed (apt-get install chromium); .ci/run installs it"
)

REPLY = "Hello from the fake API, streamed through the relay to this page! ✓ — naïve café"
LONG_REPLY = "".join(f"piece{i} " for i in range(100))
STATE = "document.getElementById('status').dataset.state"
CONV = "document.getElementById('conversation')"
LAST_TEXT = (
    "Array.from([...document.querySelectorAll('#conversation .assistant')].pop()"
    ".querySelectorAll('.text')).map((e) => e.textContent).join('')"
)
DONE = f"['done', 'error'].includes({STATE}) && {STATE}"


@pytest.fixture
async def browser(tmp_path: Path) -> AsyncIterator[Browser]:
    assert CHROMIUM is not None
    async with launch_chromium(CHROMIUM, tmp_path) as browser:
        yield browser


async def serve(server: FakeAnthropic, **options: Any) -> AsyncIterator[tuple[str, RelayStats]]:
    async with aclaude.Client(api_key=API_KEY, base_url=server.url, max_retries=0) as client:
        app = create_relay_app(client, model="claude-test", max_tokens=321, **options)
        async with serve_app(app) as url:
            yield url, app[RELAY_STATS]


@pytest.fixture
async def relay(server: FakeAnthropic) -> AsyncIterator[tuple[str, RelayStats]]:
    async for pair in serve(server, resume_grace=1.0):
        yield pair


async def ask(page: Page, prompt: str) -> str:
    await page.type_text("#prompt", prompt)
    await page.press_enter()
    state: str = await page.wait_for(DONE, timeout=20)
    return state


def screenshot(page_png: bytes, name: str) -> None:
    if os.environ.get("ACLAUDE_SCREENSHOTS"):  # for a person to look at the page
        (Path(os.environ["ACLAUDE_SCREENSHOTS"]) / name).write_bytes(page_png)


async def test_page_shows_streamed_text(
    browser: Browser, relay: tuple[str, RelayStats], server: FakeAnthropic
) -> None:
    url, stats = relay
    # Three characters per delta, a little apart: the page must grow in several frames.
    server.enqueue(Reply.text(REPLY, chunk_chars=3, delay_between=0.01))
    page = await browser.new_page()
    await page.goto(url)
    assert await page.evaluate("document.title") == "aclaude relay"
    state = await ask(page, "Say hello to the browser")
    screenshot(await page.screenshot(), "relay.png")
    status = await page.evaluate("document.getElementById('status').textContent")
    assert state == "done", status
    assert await page.evaluate(LAST_TEXT) == REPLY
    assert int(await page.evaluate(f"{CONV}.dataset.frames")) > 1, "the text arrived in one frame"
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
    await page.wait_for(f"({LAST_TEXT}).length >= 5", timeout=20)
    assert server.in_flight == 1
    await page.close()
    # Nobody comes back within the grace period (1 s): the upstream request is closed.
    await wait_until(lambda: server.in_flight == 0, 8.0, "the fake API to see the disconnect")
    await wait_until(lambda: stats.streams_open == 0 and stats.connections == 0, 5.0, "the relay to clean up")
    assert stats.streams_cancelled == 1


async def test_a_dropped_socket_resumes_on_the_same_node_whole_and_once(
    browser: Browser, server: FakeAnthropic
) -> None:
    async for url, stats in serve(server, resume_grace=10.0):
        server.enqueue(Reply.text(LONG_REPLY, chunk_chars=4, delay_between=0.01))
        async with SwitchProxy(int(url.rsplit(":", 1)[1].strip("/"))) as proxy:
            page = await browser.new_page()
            await page.goto(proxy.url)
            await page.type_text("#prompt", "A long answer please")
            await page.press_enter()
            await page.wait_for(f"({LAST_TEXT}).length >= 40", timeout=20)
            proxy.drop()  # mid-reply, no close frame
            state = await page.wait_for(DONE, timeout=30)
            assert state == "done"
            assert await page.evaluate(LAST_TEXT) == LONG_REPLY  # whole, each piece once
            assert int(await page.evaluate(f"{CONV}.dataset.reconnects")) >= 1
            assert proxy.connections >= 2
        assert len(server.requests) == 1  # the upstream was neither restarted nor paid twice
        assert stats.resumes >= 1 and stats.streams_cancelled == 0


async def test_a_dropped_socket_resumes_on_another_node(
    browser: Browser, server: FakeAnthropic, redis_server: RedisServer
) -> None:
    server.enqueue(Reply.text(LONG_REPLY, chunk_chars=4, delay_between=0.02))
    async with (
        relay_node(server.url, redis_server.url) as node_a,
        relay_node(server.url, redis_server.url) as node_b,
        SwitchProxy(int(node_a.rsplit(":", 1)[1].strip("/"))) as proxy,
        aiohttp.ClientSession() as session,
    ):
        page = await browser.new_page()
        await page.goto(proxy.url)
        await page.type_text("#prompt", "A long answer please")
        await page.press_enter()
        await page.wait_for(f"({LAST_TEXT}).length >= 40", timeout=20)
        # The load balancer sends the reconnect to node B; node A keeps the upstream.
        proxy.target = int(node_b.rsplit(":", 1)[1].strip("/"))
        proxy.drop()
        state = await page.wait_for(DONE, timeout=30)
        screenshot(await page.screenshot(), "relay-other-node.png")
        assert state == "done"
        assert await page.evaluate(LAST_TEXT) == LONG_REPLY
        async with session.get(node_b + "stats") as response:
            b = await response.json()
        async with session.get(node_a + "stats") as response:
            a = await response.json()
    assert b["resumes_remote"] >= 1 and b["streams_started"] == 0
    assert a["streams_started"] == 1 and a["streams_cancelled"] == 0
    assert len(server.requests) == 1


async def test_multi_turn_conversation_with_a_tool_call_renders(
    browser: Browser, server: FakeAnthropic
) -> None:
    @tool
    async def get_weather(city: str) -> str:
        """The weather in a city."""
        return f"sunny in {city}"

    async for url, _stats in serve(server, tools=[get_weather]):
        server.enqueue(
            Reply.thinking("The user wants weather; I have a tool.", "Let me check.", chunk_chars=6),
            Reply.tool_use("get_weather", {"city": "Paris"}, id="toolu_7"),
            Reply.text("It is sunny in Paris."),
        )
        # The first prompt's reply is thinking + text; the tool round comes with the second
        # (the fake's replies are taken in order: thinking reply, then tool_use, then text).
        page = await browser.new_page()
        await page.goto(url)
        assert await ask(page, "Think first.") == "done"
        assert await page.evaluate("document.querySelector('details.thinking').textContent") == (
            "thinkingThe user wants weather; I have a tool."
        )
        assert await ask(page, "Weather in Paris?") == "done"
        screenshot(await page.screenshot(), "relay-conversation.png")
        tool_box = "document.querySelector('.tool[data-id=\"toolu_7\"]')"
        assert await page.evaluate(f"{tool_box}.dataset.status") == "finished"
        assert "sunny in Paris" in await page.evaluate(f"{tool_box}.textContent")
        assert '{"city":"Paris"}' in await page.evaluate(f"{tool_box}.textContent")
        assert await page.evaluate(LAST_TEXT) == "It is sunny in Paris."
        turns = await page.evaluate(
            "Array.from(document.querySelectorAll('#conversation .turn')).map((e) => e.className)"
        )
        assert turns == ["turn user", "turn assistant"] * 2
    # The second prompt continued the conversation: the first exchange went with it.
    messages = server.requests[1].json["messages"]
    assert [m["role"] for m in messages] == ["user", "assistant", "user"]
    assert messages[0]["content"] == "Think first." and messages[2]["content"] == "Weather in Paris?"
    assert server.requests[2].json["messages"][-1]["content"][0]["type"] == "tool_result"


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


async def test_an_unauthenticated_page_is_refused(browser: Browser, server: FakeAnthropic) -> None:
    def by_cookie(request: web.Request) -> str | None:
        return "alice" if request.cookies.get("session") == "valid-session" else None

    async for url, stats in serve(server, authenticate=by_cookie):
        socket_url = '"' + url.replace("http://", "ws://") + 'ws"'
        page = await browser.new_page()
        await page.goto(url)  # the relay's own origin: only the credentials are missing
        assert await page.evaluate(OPEN_SOCKET % socket_url) == "refused"
        assert stats.refused_unauthenticated == 1 and stats.refused_origin == 0
        await page.evaluate("document.cookie = 'session=wrong'")
        assert await page.evaluate(OPEN_SOCKET % socket_url) == "refused"
        await page.evaluate("document.cookie = 'session=valid-session'")
        assert await page.evaluate(OPEN_SOCKET % socket_url) == "open"
        assert stats.refused_unauthenticated == 2
    assert server.requests == []
