"""A websocket relay: browsers send a prompt, the reply's text deltas come back as they arrive.

    from aiohttp import web
    import aclaude
    from aclaude.relay import create_relay_app

    async def app_factory() -> web.Application:
        client = aclaude.Client()
        app = create_relay_app(client, model="claude-sonnet-4-5", max_tokens=1024)
        app.on_cleanup.append(lambda _app: client.close())
        return app

    web.run_app(app_factory(), host="127.0.0.1", port=8080)   # open http://127.0.0.1:8080/

The relay spends the server's API key on behalf of whoever opens ``/ws``, so the handshake is
guarded (refusals happen before the upgrade; no request reaches the API):

* **Origin.** A websocket is not bound by the same-origin policy: any page a user visits can
  open one to the relay. By default only the relay's own origin (the scheme the connection
  arrived on, plus its ``Host`` header; ``X-Forwarded-*`` is not trusted) may connect; another
  ``Origin`` gets **403**. ``allowed_origins=["https://app.example.com"]`` adds exact origins,
  ``["*"]`` allows any. A request with no ``Origin`` is allowed: browsers always send one on a
  websocket handshake, so its absence means a non-browser client, which could send any
  ``Origin`` it liked anyway; ``authenticate`` is the control for those.
* **Authentication.** ``authenticate(request)`` (sync or async) returns a principal (any
  hashable value: a user id, a token id) or None for **401**. The principal is stored as
  ``request[RELAY_PRINCIPAL]`` (without a hook: the peer's IP address).
* **Limits.** At most ``max_connections`` websockets per app, and ``max_streams_per_principal``
  per principal (each socket streams one reply at a time, so this bounds the principal's
  concurrent upstream streams); beyond either, **429**.
* **Errors.** The browser sees the API's error type and message, or a fixed sentence when the
  API could not be reached; details (with the request id) go to the ``aclaude.relay`` log.

See docs/relay.md for the threat model.

``GET /`` serves a small page (``aclaude/relay/static/index.html``); ``GET /ws`` is the
websocket. Protocol: the browser sends ``{"prompt": "..."}`` (one prompt at a time per socket);
the relay answers with text frames, each a JSON array of events: the API's own
``content_block_delta`` (text deltas only), ``message_delta`` and ``message_stop`` events, or
``{"type": "error", "error": {"type": ..., "message": ...}}`` (the API's error event shape).

Three properties, and how they are kept:

* **No re-encoding.** The API's events are forwarded as the bytes that arrived
  (``EventStream.raw_events()``); a frame is those bytes joined with commas inside ``[...]``.
  Events are still decoded, because the client needs them to enforce the stream's guarantees
  (typed errors, strict ends, retries before content), but nothing is encoded again: the relay
  pays no second JSON encoder per delta and cannot alter a field it does not know.
* **Backpressure.** An upstream reader and a websocket writer share a byte-bounded buffer of
  ``max_pending_bytes`` per connection (a single larger event still passes, alone). The writer
  awaits aiohttp's send and then the transport's drain, so a slow browser holds the writer, the
  buffer fills, and the reader stops reading upstream; the upstream socket then fills and the
  API's server is paused by TCP. Nothing grows without bound: per connection the relay holds at
  most ``max_pending_bytes`` plus the socket buffers asyncio and aiohttp bound on each side
  (tens of KiB). ``RelayStats`` (``app[RELAY_STATS]``) shows the numbers.
* **Cancellation.** When the websocket closes (tab closed, network gone, heartbeat missed, or
  the server shutting down), the stream's task is cancelled and the upstream request is closed
  at once: the connection is dropped, so the API stops generating.
"""

from __future__ import annotations

import asyncio
import contextlib
import importlib.resources
import inspect
import logging
from collections.abc import Awaitable, Callable, Hashable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeAlias

import msgspec
from aiohttp import WSCloseCode, WSMsgType, web
from yarl import URL

from .._client import Client
from .._exceptions import (
    APIConnectionError,
    APIError,
    APIStatusError,
    APITimeoutError,
    IncompleteStreamError,
)
from ..streaming._event_stream import EventStream
from ..types._events import (
    RawContentBlockDeltaEvent,
    RawMessageDeltaEvent,
    RawMessageStopEvent,
    TextDelta,
)

__all__ = [
    "DEFAULT_MAX_CONNECTIONS",
    "DEFAULT_MAX_PENDING_BYTES",
    "DEFAULT_MAX_STREAMS_PER_PRINCIPAL",
    "RELAY_PRINCIPAL",
    "RELAY_STATS",
    "Authenticate",
    "RelayStats",
    "create_relay_app",
]

#: Per connection: events read from the API but not yet taken by the browser's socket.
DEFAULT_MAX_PENDING_BYTES = 256 * 1024
#: Websockets open at once, per app.
DEFAULT_MAX_CONNECTIONS = 1000
#: Websockets (hence upstream streams) open at once per principal, or per IP address without
#: an ``authenticate`` hook.
DEFAULT_MAX_STREAMS_PER_PRINCIPAL = 4
DEFAULT_MODEL = "claude-sonnet-4-5"
# A prompt is one user message: far below aiohttp's 4 MiB default for incoming frames.
_MAX_PROMPT_FRAME = 1024 * 1024
_FORWARDED = (RawMessageDeltaEvent, RawMessageStopEvent)

_log = logging.getLogger("aclaude.relay")
_encode = msgspec.json.encode

#: ``authenticate(request)``: a principal (hashable), or None to refuse; sync or async.
Authenticate: TypeAlias = Callable[[web.Request], "Awaitable[Hashable | None] | Hashable | None"]


@dataclass
class RelayStats:
    """Counters of one relay app, for metrics and tests (``app[RELAY_STATS]``)."""

    #: Websockets open now.
    connections: int = 0
    #: Upstream streams open now, started in total, and closed early because the websocket went.
    streams_open: int = 0
    streams_started: int = 0
    streams_cancelled: int = 0
    #: Bytes held now in the relay's buffers, summed over connections.
    buffered_bytes: int = 0
    #: The most bytes one connection ever held (never above ``max_pending_bytes`` unless a
    #: single event is larger).
    peak_buffered_bytes: int = 0
    #: Events and data bytes read from the API, frames and bytes sent to browsers.
    upstream_events: int = 0
    upstream_bytes: int = 0
    frames_sent: int = 0
    bytes_sent: int = 0
    #: Handshakes refused: a foreign ``Origin`` (403), no principal (401), over a limit (429).
    refused_origin: int = 0
    refused_unauthenticated: int = 0
    refused_limit: int = 0


@dataclass(frozen=True)
class _Config:
    client: Client
    params: dict[str, Any]
    max_pending_bytes: int
    heartbeat: float | None
    page: bytes
    #: Normalized extra origins (scheme, host, port); None: any origin.
    allowed_origins: frozenset[tuple[str, str, int | None]] | None
    authenticate: Authenticate | None
    max_connections: int
    max_streams_per_principal: int


@dataclass
class _Admissions:
    """Websockets admitted and not yet finished (handshakes in progress included)."""

    total: int = 0
    by_principal: dict[Hashable, int] = field(default_factory=dict)

    def admit(self, principal: Hashable) -> None:
        self.total += 1
        self.by_principal[principal] = self.by_principal.get(principal, 0) + 1

    def release(self, principal: Hashable) -> None:
        self.total -= 1
        left = self.by_principal[principal] - 1
        if left:
            self.by_principal[principal] = left
        else:
            del self.by_principal[principal]


#: ``app[RELAY_STATS]``: the ``RelayStats`` of an app made by ``create_relay_app``.
RELAY_STATS = web.AppKey("aclaude_relay_stats", RelayStats)
_CONFIG = web.AppKey("aclaude_relay_config", _Config)
_SOCKETS: web.AppKey[set[web.WebSocketResponse]] = web.AppKey("aclaude_relay_sockets")
_ADMISSIONS = web.AppKey("aclaude_relay_admissions", _Admissions)

if TYPE_CHECKING or hasattr(web, "RequestKey"):
    #: ``request[RELAY_PRINCIPAL]``: who opened the websocket (what ``authenticate`` returned,
    #: else the peer's IP address); set before the upgrade.
    RELAY_PRINCIPAL: web.RequestKey[Hashable] = web.RequestKey("aclaude_relay_principal")
else:  # older aiohttp has no RequestKey: a plain string key
    RELAY_PRINCIPAL = "aclaude_relay_principal"


def create_relay_app(
    client: Client,
    *,
    model: str = DEFAULT_MODEL,
    max_tokens: int = 1024,
    max_pending_bytes: int = DEFAULT_MAX_PENDING_BYTES,
    system: str | None = None,
    heartbeat: float | None = 30.0,
    allowed_origins: Iterable[str] = (),
    authenticate: Authenticate | None = None,
    max_connections: int = DEFAULT_MAX_CONNECTIONS,
    max_streams_per_principal: int = DEFAULT_MAX_STREAMS_PER_PRINCIPAL,
) -> web.Application:
    """An aiohttp app serving the relay page at ``/`` and its websocket at ``/ws``.

    Each prompt becomes ``client.messages.create(model=..., max_tokens=..., system=...,
    messages=[{"role": "user", "content": prompt}], stream=True)``. The app does not close
    ``client``: its owner does (for example in ``app.on_cleanup``). ``heartbeat`` pings idle
    browsers so that a vanished one is noticed (and its stream stopped); None disables it.

    The websocket handshake is refused, before the upgrade and before any API request: with
    403 when the ``Origin`` header is present and is neither the relay's own origin nor one of
    ``allowed_origins`` (exact origins such as ``"https://app.example.com"``, or ``"*"`` for
    any; a missing ``Origin``, which no browser omits, is allowed); with 401 when
    ``authenticate`` returns None; with 429 when ``max_connections`` websockets are open, or
    ``max_streams_per_principal`` for this principal (the peer's IP address without a hook).
    """
    if max_pending_bytes < 1:
        raise ValueError("max_pending_bytes must be >= 1")
    if max_connections < 1 or max_streams_per_principal < 1:
        raise ValueError("max_connections and max_streams_per_principal must be >= 1")
    origins = [allowed_origins] if isinstance(allowed_origins, str) else list(allowed_origins)
    extra: frozenset[tuple[str, str, int | None]] | None = None
    if "*" not in origins:
        parsed = [_origin(o) for o in origins]
        bad = [o for o, key in zip(origins, parsed, strict=True) if key is None]
        if bad:
            raise ValueError(f"allowed_origins: not an origin (scheme://host[:port]): {bad!r}")
        extra = frozenset(key for key in parsed if key is not None)
    params: dict[str, Any] = {"model": model, "max_tokens": max_tokens}
    if system is not None:
        params["system"] = system
    page = importlib.resources.files("aclaude.relay").joinpath("static/index.html").read_bytes()
    app = web.Application()
    app[RELAY_STATS] = RelayStats()
    app[_CONFIG] = _Config(
        client,
        params,
        max_pending_bytes,
        heartbeat,
        page,
        extra,
        authenticate,
        max_connections,
        max_streams_per_principal,
    )
    app[_SOCKETS] = set()
    app[_ADMISSIONS] = _Admissions()
    app.router.add_get("/", _page)
    app.router.add_get("/ws", _websocket)
    app.on_shutdown.append(_close_sockets)
    return app


async def _page(request: web.Request) -> web.Response:
    return web.Response(
        body=request.app[_CONFIG].page,
        content_type="text/html",
        charset="utf-8",
        headers={"cache-control": "no-cache"},
    )


async def _close_sockets(app: web.Application) -> None:
    # Open websockets would otherwise keep the server's shutdown waiting on their handlers.
    sockets = app[_SOCKETS]
    for ws in list(sockets):
        await ws.close(code=WSCloseCode.GOING_AWAY, message=b"server shutdown")


def _origin(value: str) -> tuple[str, str, int | None] | None:
    """``scheme://host[:port]`` as (scheme, lowercase host, port with the scheme's default),
    or None if ``value`` is not such an origin (``null``, a path, a userinfo ...)."""
    try:
        url = URL(value.strip())
    except ValueError:
        return None
    if (
        url.scheme.lower() not in ("http", "https")
        or not url.host
        or url.path not in ("", "/")
        or url.user is not None
        or url.query_string
        or url.fragment
    ):
        return None
    return url.scheme.lower(), url.host.lower(), url.port


def _origin_allowed(request: web.Request, allowed: frozenset[tuple[str, str, int | None]] | None) -> bool:
    header = request.headers.get("Origin")
    if header is None or allowed is None:
        return True  # not a browser (see the module docstring), or any origin is allowed
    origin = _origin(header)
    if origin is None:
        return False
    # The relay's own origin: the scheme of the connection itself and the Host header (never
    # X-Forwarded-*; a trusted proxy can set them with request.clone() in a middleware).
    return origin == _origin(f"{request.scheme}://{request.host}") or origin in allowed


async def _principal(request: web.Request, config: _Config) -> Hashable | None:
    if config.authenticate is None:
        return request.remote or ""
    result = config.authenticate(request)
    if inspect.isawaitable(result):
        result = await result
    return result


async def _websocket(request: web.Request) -> web.WebSocketResponse:
    config = request.app[_CONFIG]
    stats = request.app[RELAY_STATS]
    if not _origin_allowed(request, config.allowed_origins):
        stats.refused_origin += 1
        raise web.HTTPForbidden(text="origin not allowed")
    principal = await _principal(request, config)
    if principal is None:
        stats.refused_unauthenticated += 1
        raise web.HTTPUnauthorized(text="not authenticated")
    request[RELAY_PRINCIPAL] = principal
    admissions = request.app[_ADMISSIONS]
    # Checked and counted with no await in between: concurrent handshakes cannot overshoot.
    if (
        admissions.total >= config.max_connections
        or admissions.by_principal.get(principal, 0) >= config.max_streams_per_principal
    ):
        stats.refused_limit += 1
        raise web.HTTPTooManyRequests(text="too many connections")
    admissions.admit(principal)
    try:
        return await _serve_socket(request, config, stats)
    finally:
        admissions.release(principal)


async def _serve_socket(request: web.Request, config: _Config, stats: RelayStats) -> web.WebSocketResponse:
    # No compression: frames are small and latency-bound, and a deflate context costs hundreds
    # of KiB per connection, which a relay holding thousands of sockets cannot afford.
    ws = web.WebSocketResponse(heartbeat=config.heartbeat, compress=False, max_msg_size=_MAX_PROMPT_FRAME)
    await ws.prepare(request)
    sockets = request.app[_SOCKETS]
    sockets.add(ws)
    stats.connections += 1
    relay: asyncio.Task[None] | None = None
    try:
        # The receive loop runs for the socket's whole life: it is how a closed tab is noticed
        # even while the relay is blocked on a slow send or waiting for the API.
        async for msg in ws:
            if msg.type is not WSMsgType.TEXT:
                continue
            prompt = _prompt(msg.data)
            if prompt is None:
                await _send_error(ws, "invalid_request_error", 'expected {"prompt": "..."}')
            elif relay is not None and not relay.done():
                await _send_error(ws, "invalid_request_error", "a reply is still streaming")
            else:
                if relay is not None:
                    _check(relay)
                relay = asyncio.create_task(_relay(request, ws, prompt))
    finally:
        sockets.discard(ws)
        stats.connections -= 1
        if relay is not None:
            relay.cancel()  # closes the upstream stream if it is still open
            await asyncio.wait([relay])
            _check(relay)
    return ws


def _prompt(data: str) -> str | None:
    try:
        message = msgspec.json.decode(data)
    except (msgspec.DecodeError, RecursionError):  # RecursionError: nested too deep
        return None
    prompt = message.get("prompt") if isinstance(message, dict) else None
    return prompt if isinstance(prompt, str) and prompt.strip() else None


def _check(task: asyncio.Task[None]) -> None:
    """Log a relay task's unexpected failure (expected ones end the task quietly)."""
    if not task.cancelled() and (exc := task.exception()) is not None:
        _log.error("relay failed", exc_info=exc)


async def _send_error(ws: web.WebSocketResponse, error_type: str, message: str) -> None:
    frame = _encode([{"type": "error", "error": {"type": error_type, "message": message}}])
    with contextlib.suppress(ConnectionError):
        await ws.send_frame(frame, WSMsgType.TEXT)


async def _relay(request: web.Request, ws: web.WebSocketResponse, prompt: str) -> None:
    """Stream one reply to ``ws``: a reader task fills the outbox, this task empties it."""
    config = request.app[_CONFIG]
    stats = request.app[RELAY_STATS]
    stream = config.client.messages.create(
        stream=True, messages=[{"role": "user", "content": prompt}], **config.params
    )
    outbox = _Outbox(config.max_pending_bytes, stats)
    stats.streams_open += 1
    stats.streams_started += 1
    reader = asyncio.create_task(_pump(stream, outbox, stats))
    drain = request.writer.drain
    try:
        while (batch := await outbox.take()) is not None:
            frame = b"[" + b",".join(batch) + b"]"
            size = sum(map(len, batch))
            try:
                await ws.send_frame(frame, WSMsgType.TEXT)
                # send_frame waits for the transport only every 64 KiB; waiting after every
                # frame keeps what sits in the transport within its own high-water mark.
                await drain()
            except ConnectionError:
                return  # the browser went away; the receive loop notices and cleans up
            finally:
                outbox.sent(size)
            stats.frames_sent += 1
            stats.bytes_sent += len(frame)
        await reader
    finally:
        if not reader.done():
            reader.cancel()
            stats.streams_cancelled += 1
        try:
            # The reader closes the stream in its own finally (a reader cancelled before its
            # first step never opened it).
            await asyncio.wait([reader])
        finally:
            outbox.discard()
            stats.streams_open -= 1


async def _pump(stream: EventStream, outbox: _Outbox, stats: RelayStats) -> None:
    """Read the API's stream into the outbox, forwarding what the page needs, as received."""
    events = stream.raw_events()
    try:
        async for event, data in events:
            stats.upstream_events += 1
            stats.upstream_bytes += len(data)
            etype = type(event)
            if etype is RawContentBlockDeltaEvent:
                if type(event.delta) is TextDelta:  # type: ignore[union-attr]
                    await outbox.put(data)
            elif etype in _FORWARDED:
                await outbox.put(data)
    except APIError as exc:
        # The page gets the API's own error type and message, or a fixed sentence: never the
        # API's host, aiohttp's internals or the client's configuration. The log gets it all.
        _log.warning("relay stream failed (request_id=%s): %r", exc.request_id, exc)
        error_type, message = _browser_error(exc)
        await outbox.put(_encode({"type": "error", "error": {"type": error_type, "message": message}}))
    finally:
        await events.aclose()  # a cancelled put leaves it suspended at a yield
        await stream.close()
        outbox.close()


def _browser_error(exc: APIError) -> tuple[str, str]:
    """(error type, message) for the browser: only what the API said, or a fixed sentence."""
    if isinstance(exc, APIStatusError):
        body = exc.body
        detail = body.get("error") if isinstance(body, dict) else None
        api_message = detail.get("message") if isinstance(detail, dict) else None
        if not isinstance(api_message, str):
            api_message = f"the API answered with status {exc.status_code}"
        return exc.type or "api_error", api_message
    if isinstance(exc, APITimeoutError):
        return "connection_error", "the API did not answer in time"
    if isinstance(exc, IncompleteStreamError):
        return "connection_error", "the API's reply was cut off"
    if isinstance(exc, APIConnectionError):
        return "connection_error", "could not reach the API"
    return "api_error", "the API's reply could not be read"


class _Outbox:
    """A FIFO of event bytes from one reader to one writer, bounded in bytes.

    ``put`` waits while the bytes held (queued, plus taken but not yet ``sent``) would exceed
    ``limit``; an event larger than ``limit`` waits for an empty outbox and then passes alone,
    so nothing can deadlock. ``take`` returns everything queued (one frame's worth), or None
    once the outbox is closed and empty.
    """

    __slots__ = ("_closed", "_held", "_items", "_limit", "_space", "_stats", "_wakeup")

    def __init__(self, limit: int, stats: RelayStats) -> None:
        self._items: list[bytes] = []
        self._held = 0
        self._limit = limit
        self._stats = stats
        self._closed = False
        self._space: asyncio.Future[None] | None = None  # the reader, waiting for room
        self._wakeup: asyncio.Future[None] | None = None  # the writer, waiting for items

    async def put(self, data: bytes) -> None:
        size = len(data)
        while self._held and self._held + size > self._limit:
            self._space = asyncio.get_running_loop().create_future()
            await self._space
        self._items.append(data)
        self._held += size
        stats = self._stats
        stats.buffered_bytes += size
        if self._held > stats.peak_buffered_bytes:
            stats.peak_buffered_bytes = self._held
        _wake(self._wakeup)

    async def take(self) -> list[bytes] | None:
        while not self._items:
            if self._closed:
                return None
            self._wakeup = asyncio.get_running_loop().create_future()
            await self._wakeup
        items, self._items = self._items, []
        return items

    def sent(self, size: int) -> None:
        self._held -= size
        self._stats.buffered_bytes -= size
        _wake(self._space)

    def close(self) -> None:
        self._closed = True
        _wake(self._wakeup)

    def discard(self) -> None:
        """Drop what is still queued (the writer stopped early)."""
        self.sent(sum(map(len, self._items)))
        self._items = []


def _wake(waiter: asyncio.Future[None] | None) -> None:
    if waiter is not None and not waiter.done():
        waiter.set_result(None)
