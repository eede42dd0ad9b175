"""``LoopbackServer``: the aiohttp server life cycle shared by ``FakeAnthropic`` and the platform
fakes (bind, ``url``, ``async with``, a quick and clean ``close()``).

Shutdown is deliberate: in-flight handlers (held or slow streams) are cancelled first, then the
runner is cleaned up, so ``close()`` is quick and leaves no tasks or sockets behind, which the
test suite checks by running with warnings as errors.
"""

from __future__ import annotations

import asyncio
from types import TracebackType
from typing import TYPE_CHECKING, Any

from aiohttp import web

if TYPE_CHECKING:
    from typing_extensions import Self

__all__ = ["LoopbackServer"]

# Request bodies can be large (long prompts, documents); the real API accepts up to 32 MB.
_MAX_REQUEST_BYTES = 64 * 1024 * 1024
# How long close() waits for cancelled handlers, and aiohttp for anything left after that.
_SHUTDOWN_TIMEOUT = 1.0


class LoopbackServer:
    """One aiohttp server on ``host:port`` (port 0: an ephemeral one, see ``port``) routing every
    method and path to ``_handle``. A subclass writes ``_handle`` (adding its task to ``_active``
    while it runs, so that ``close()`` can cancel it) and may extend ``start`` / ``close``."""

    def __init__(self, host: str, port: int) -> None:
        self.host = host
        self._requested_port = port
        self._active: set[asyncio.Task[Any]] = set()
        self._runner: web.AppRunner | None = None
        self._port: int | None = None

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        raise NotImplementedError

    # -- lifecycle ---------------------------------------------------------------------------

    def _new_app(self) -> web.Application:
        """The application of a server not started yet: every request goes to ``_handle``."""
        if self._runner is not None:
            raise RuntimeError(f"{type(self).__name__} is already started")
        app = web.Application(client_max_size=_MAX_REQUEST_BYTES)
        app.router.add_route("*", "/{tail:.*}", self._handle)
        return app

    async def _serve(self, app: web.Application, *, backlog: int = 128) -> None:
        """Bind and serve ``app``; ``port`` and ``url`` are valid afterwards."""
        # handler_cancellation: a client that disconnects cancels its handler, which is how a
        # held stream (x-fake-hold) learns that its client is gone. access_log=None: logging
        # each request costs CPU the benchmarks would measure.
        runner = web.AppRunner(
            app, handler_cancellation=True, access_log=None, shutdown_timeout=_SHUTDOWN_TIMEOUT
        )
        await runner.setup()
        try:
            site = web.TCPSite(runner, self.host, self._requested_port, backlog=backlog)
            await site.start()
        except BaseException:
            await runner.cleanup()
            raise
        self._runner = runner
        self._port = int(runner.addresses[0][1])

    async def _stop_serving(self) -> None:
        """Cancel the in-flight handlers, then close every connection. Idempotent."""
        runner, self._runner = self._runner, None
        if runner is None:
            return
        active = list(self._active)
        for task in active:
            task.cancel()
        if active:
            await asyncio.wait(active, timeout=_SHUTDOWN_TIMEOUT)
        await runner.cleanup()

    async def start(self) -> None:
        """Bind and start serving; ``url`` is valid afterwards."""
        await self._serve(self._new_app())

    async def close(self) -> None:
        """Stop serving: cancel in-flight responses, close every connection. Idempotent."""
        await self._stop_serving()

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.close()

    # -- public state ------------------------------------------------------------------------

    @property
    def port(self) -> int:
        """The bound port (useful with ``port=0``)."""
        if self._port is None:
            raise RuntimeError(f"{type(self).__name__} is not started")
        return self._port

    @property
    def url(self) -> str:
        """Base URL for clients, e.g. ``http://127.0.0.1:54321`` (no trailing slash, no /v1)."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"
