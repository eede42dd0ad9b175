"""A websocket relay in front of the Messages API: open the page, type a prompt, watch the reply.

Fake API: used when ANTHROPIC_API_KEY is not set (the real API otherwise).

    python examples/relay/app.py                 # http://127.0.0.1:8765/
    python examples/relay/app.py --port 0        # any free port (printed)
    python examples/relay/app.py --self-test     # start, one round trip over a websocket, exit
    python examples/relay/app.py --redis-url redis://127.0.0.1:6379/0   # resume across processes

Uses the real API when ANTHROPIC_API_KEY is set (and ANTHROPIC_BASE_URL, if set), else the
embedded fake API, paced so that the text visibly streams in. See docs/relay.md. The default
port is not 8080, which the docs give ``aclaude serve-mock``: both can run side by side.
"""

# example-test-args: --self-test

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import signal
from typing import Any

import aiohttp
from aiohttp import web

import aclaude
from aclaude.relay import RedisStore, create_relay_app
from aclaude.testing import FakeAnthropic

DEFAULT_PORT = 8765



async def serve(
    host: str,
    port: int,
    self_test: bool,
    max_tokens: int = 1024,
    resume_grace: float = 15.0,
    redis_url: str | None = None,
) -> None:
    async with contextlib.AsyncExitStack() as stack:
        options: dict[str, Any] = {}
        if not os.environ.get("ANTHROPIC_API_KEY"):
            # The fake API answers at once; pacing (a first-token wait, then a delay between
            # deltas) shows the streaming.
            fake = await stack.enter_async_context(
                FakeAnthropic(deltas=60, first_token_delay=0.3, token_interval=0.03)
            )
            options = {"api_key": "sk-ant-fake", "base_url": fake.url}
            print(f"no ANTHROPIC_API_KEY set: using the embedded fake API at {fake.url}", flush=True)
        client = await stack.enter_async_context(aclaude.Client(**options))
        store = None
        if redis_url:
            # Replies and conversations shared with other relay processes (pip install 'aclaude[redis]').
            store = RedisStore(redis_url)
            stack.push_async_callback(store.close)
        app = create_relay_app(client, max_tokens=max_tokens, resume_grace=resume_grace, store=store)
        runner = web.AppRunner(app)
        await runner.setup()
        stack.push_async_callback(runner.cleanup)
        await web.TCPSite(runner, host, port).start()
        bound_host, bound_port = runner.addresses[0][:2]
        url = f"http://{bound_host}:{bound_port}/"
        print(f"relay listening on {url}", flush=True)
        if self_test:
            await asyncio.wait_for(round_trip(url), timeout=30)
        else:
            await until_stopped()


async def round_trip(url: str) -> None:
    """What the page does: load it, open the websocket, send a prompt, print the streamed text."""
    async with aiohttp.ClientSession() as session:
        async with session.get(url) as page:
            assert page.status == 200 and 'id="conversation"' in await page.text()
        async with session.ws_connect(url + "ws") as ws:
            await ws.send_json({"prompt": "Say hello through the relay."})
            async for msg in ws:
                # Each frame: {"stream": id, "seq": n, "events": [the API's events, the relay's]}.
                for event in msg.json()["events"]:
                    if event["type"] == "content_block_delta" and event["delta"]["type"] == "text_delta":
                        print(event["delta"]["text"], end="", flush=True)
                    elif event["type"] == "error":
                        raise SystemExit(f"\nrelay error: {event['error']}")
                    elif event["type"] == "relay_end":
                        print("\n[self-test ok]")
                        return
    raise SystemExit("the relay closed the websocket before relay_end")


async def until_stopped() -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError):  # Windows: Ctrl-C raises instead
            loop.add_signal_handler(sig, stop.set)
    await stop.wait()


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=DEFAULT_PORT, help="default: %(default)s")
    parser.add_argument("--max-tokens", type=int, default=1024, help="default: %(default)s")
    parser.add_argument("--self-test", action="store_true", help="one round trip, then exit")
    parser.add_argument(
        "--resume-grace", type=float, default=15.0, help="seconds a dropped reply waits for its browser"
    )
    parser.add_argument("--redis-url", help="a Redis for resume across relay processes")
    args = parser.parse_args()
    port = 0 if args.self_test else args.port
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(
            serve(args.host, port, args.self_test, args.max_tokens, args.resume_grace, args.redis_url)
        )


if __name__ == "__main__":
    main()
