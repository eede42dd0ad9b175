"""One relay node in its own process, for the multi-node tests: a relay app (with a
RedisStore when ``--redis-url`` is given) in front of the API at ``--api-url``, plus
``GET /stats`` (its ``RelayStats`` as JSON). Prints ``relay listening on <url>``."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import dataclasses
import signal

from aiohttp import web

import aclaude
from aclaude.relay import RELAY_STATS, RedisStore, create_relay_app


async def main(api_url: str, redis_url: str | None, grace: float) -> None:
    async with aclaude.Client(api_key="sk-ant-test-node", base_url=api_url, max_retries=0) as client:
        store = RedisStore(redis_url) if redis_url else None
        app = create_relay_app(client, model="claude-test", resume_grace=grace, store=store)

        async def stats(_request: web.Request) -> web.Response:
            values = dataclasses.asdict(app[RELAY_STATS])
            values.pop("budget")
            return web.json_response(values)

        app.router.add_get("/stats", stats)
        runner = web.AppRunner(app, shutdown_timeout=2.0)
        await runner.setup()
        try:
            await web.TCPSite(runner, "127.0.0.1", 0).start()
            host, port = runner.addresses[0][:2]
            print(f"relay listening on http://{host}:{port}/", flush=True)
            stop = asyncio.Event()
            asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
            await stop.wait()
        finally:
            await runner.cleanup()
            if store is not None:
                await store.close()


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--api-url", required=True)
    parser.add_argument("--redis-url")
    parser.add_argument("--grace", type=float, default=10.0)
    args = parser.parse_args()
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(main(args.api_url, args.redis_url, args.grace))
