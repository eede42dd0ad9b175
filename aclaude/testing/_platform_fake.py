"""``PlatformFake``: the base of the fake cloud endpoints (Bedrock, Vertex AI, Foundry).

A platform fake is a small aiohttp server in front of a ``FakeAnthropic`` (its ``upstream``):
it checks what the platform checks (authentication, the URL's shape, the body's platform
fields), rewrites the request into a plain Messages API request, forwards it over loopback to
the upstream, and translates the answer back (error bodies, headers, and for Bedrock the SSE
stream into AWS event-stream frames). So everything ``FakeAnthropic`` can script (``Reply``
objects, faults such as ``truncate_after`` or ``drop_after``, control headers) works through
every platform unchanged::

    async with FakeVertex(project="p", region="us-east5") as fake:
        fake.enqueue(Reply.text("Hello"))          # queued on the upstream FakeAnthropic
        ...                                        # client = VertexClient(base_url=fake.url + "/v1", ...)
        assert fake.requests[0].headers["authorization"] == "Bearer ..."

``requests`` records what reached the platform fake (its ``path`` is the raw, still-encoded
path); ``upstream.requests`` what it forwarded.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, TypedDict

import aiohttp
import msgspec
from aiohttp import web

from ._loopback import LoopbackServer
from ._recorded import RecordedRequest
from ._replies import Reply
from ._server import MESSAGES_PATH, FakeAnthropic
from ._sse_render import encode_json
from ._writer import _flush_then_abort

__all__ = ["Forward", "PlatformFake", "ServerOptions", "StreamTranslator"]

_UPSTREAM_KEY = "sk-ant-fake-platform-upstream"
# Not copied from the upstream response: hop-by-hop, or recomputed by aiohttp.
_DROPPED_RESPONSE_HEADERS = frozenset(
    {"content-length", "transfer-encoding", "connection", "keep-alive", "date", "server", "content-encoding"}
)


@dataclass(frozen=True)
class Forward:
    """The plain API request a platform request stands for."""

    path: str
    json: Any
    method: str = "POST"
    headers: Mapping[str, str] = field(default_factory=dict)


class StreamTranslator:
    """Turns the upstream's streamed body into the platform's, piece by piece (as is, here)."""

    def feed(self, chunk: bytes) -> list[bytes]:
        return [chunk]

    def close(self) -> list[bytes]:
        return []


def _disconnect(request: web.BaseRequest) -> web.StreamResponse:
    # The upstream reset the connection before answering: do the same to our client.
    if request.transport is not None:
        request.transport.abort()
    return web.Response(status=500)


class ServerOptions(TypedDict, total=False):
    """Where a platform fake listens (``host``, ``port``: 0 for an ephemeral one) and the
    ``FakeAnthropic`` it forwards to (``upstream``; by default one of its own). Every platform
    fake takes them as keywords."""

    host: str
    port: int
    upstream: FakeAnthropic | None


class PlatformFake(LoopbackServer):
    """Base class: the server, the forwarding and the recording; subclasses route and check."""

    def __init__(
        self, *, host: str = "127.0.0.1", port: int = 0, upstream: FakeAnthropic | None = None
    ) -> None:
        super().__init__(host, port)
        #: The fake Anthropic API behind this platform (script it with ``enqueue``).
        self.upstream = upstream if upstream is not None else FakeAnthropic(host=host)
        self._owns_upstream = upstream is None
        self._requests: list[RecordedRequest] = []
        self._session: aiohttp.ClientSession | None = None

    # -- lifecycle ---------------------------------------------------------------------------

    async def start(self) -> None:
        """Start the upstream (if this fake made it) and then this server."""
        app = self._new_app()
        if self._owns_upstream:
            await self.upstream.start()
        await self._serve(app)
        self._session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=None))

    async def close(self) -> None:
        """Stop serving (in-flight answers are cancelled), then the upstream. Idempotent."""
        await self._stop_serving()
        session, self._session = self._session, None
        if session is not None:
            await session.close()
        if self._owns_upstream:
            await self.upstream.close()

    # -- public state ------------------------------------------------------------------------

    @property
    def requests(self) -> list[RecordedRequest]:
        """Every request this platform endpoint received, oldest first (``path`` is raw)."""
        return self._requests

    def enqueue(self, *replies: Reply, path: str = MESSAGES_PATH) -> None:
        """Queue scripted replies on the upstream, for the plain API ``path`` they map to."""
        self.upstream.enqueue(*replies, path=path)

    def reset(self) -> None:
        """Forget recorded requests here and queued replies and requests upstream."""
        self._requests.clear()
        self.upstream.reset()

    # -- what subclasses define --------------------------------------------------------------

    async def route(self, request: web.Request, body: bytes, json: Any) -> web.StreamResponse | Forward:
        """Check one request: an error response, or the plain API request to forward."""
        raise NotImplementedError

    def translate_error(
        self, request: web.Request, status: int, body: bytes, headers: Mapping[str, str]
    ) -> web.StreamResponse:
        """The platform's form of an upstream error response (as is, by default)."""
        return web.Response(status=status, body=body, headers=self.response_headers(headers, stream=False))

    def response_headers(self, upstream: Mapping[str, str], *, stream: bool) -> dict[str, str]:
        """The headers of a forwarded answer."""
        return {k: v for k, v in upstream.items() if k.lower() not in _DROPPED_RESPONSE_HEADERS}

    def translator(self) -> StreamTranslator:
        """The translator of one streamed answer."""
        return StreamTranslator()

    # -- request handling --------------------------------------------------------------------

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        task = asyncio.current_task()
        if task is not None:
            self._active.add(task)
        try:
            body = await request.read()
            try:
                decoded: Any = msgspec.json.decode(body) if body else None
            except msgspec.DecodeError:
                decoded = None
            self._requests.append(
                RecordedRequest(
                    method=request.method,
                    path=request.raw_path.partition("?")[0],
                    query=dict(request.query),
                    headers=request.headers,
                    body=body,
                    json=decoded,
                    received_at=time.monotonic(),
                )
            )
            routed = await self.route(request, body, decoded)
            if isinstance(routed, web.StreamResponse):
                return routed
            return await self._forward(request, routed)
        finally:
            if task is not None:
                self._active.discard(task)

    async def _forward(self, request: web.Request, forward: Forward) -> web.StreamResponse:
        assert self._session is not None
        # The platform checked its own credentials; the upstream fake checks for an API key
        # like the real API, so the forwarded request carries a fixed internal one.
        headers = {"content-type": "application/json", "x-api-key": _UPSTREAM_KEY, **forward.headers}
        for name, value in request.headers.items():
            if name.lower().startswith("x-fake-"):
                headers[name] = value
        data = encode_json(forward.json) if forward.json is not None else None
        try:
            upstream = await self._session.request(
                forward.method,
                self.upstream.url + forward.path,
                data=data,
                headers=headers,
                allow_redirects=False,
            )
        except aiohttp.ClientError:
            return _disconnect(request)
        async with upstream:
            if upstream.status >= 300:
                try:
                    raw = await upstream.read()
                except aiohttp.ClientError:
                    return _disconnect(request)
                return self.translate_error(request, upstream.status, raw, upstream.headers)
            if not upstream.headers.get("content-type", "").startswith("text/event-stream"):
                try:
                    raw = await upstream.read()
                except aiohttp.ClientError:
                    return _disconnect(request)
                return web.Response(
                    status=upstream.status,
                    body=raw,
                    headers=self.response_headers(upstream.headers, stream=False),
                )
            return await self._relay(request, upstream)

    async def _relay(self, request: web.Request, upstream: aiohttp.ClientResponse) -> web.StreamResponse:
        resp = web.StreamResponse(
            status=upstream.status, headers=self.response_headers(upstream.headers, stream=True)
        )
        resp.enable_chunked_encoding()
        translator = self.translator()
        try:
            await resp.prepare(request)
            try:
                async for chunk in upstream.content.iter_any():
                    for piece in translator.feed(chunk):
                        await resp.write(piece)
                tail = translator.close()
            except aiohttp.ClientError:
                # The upstream dropped the stream: our client sees the same, after what it got.
                await _flush_then_abort(request)
                return resp
            for piece in tail:
                await resp.write(piece)
            await resp.write_eof()
        except ConnectionError:
            pass  # our client went away
        return resp
