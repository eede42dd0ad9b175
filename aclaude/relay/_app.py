"""A websocket relay: browsers send prompts, the replies' events come back as they arrive.

    from aiohttp import web
    import aclaude
    from aclaude.relay import create_relay_app

    async def app_factory() -> web.Application:
        client = aclaude.Client()
        app = create_relay_app(client, model="claude-sonnet-4-5", max_tokens=1024)
        app.on_cleanup.append(lambda _app: client.close())
        return app

    web.run_app(app_factory(), host="127.0.0.1", port=8080)   # open http://127.0.0.1:8080/

The handshake is guarded before the upgrade and before any API request (see
``_handshake.py`` and docs/relay.md for the threat model): foreign ``Origin`` 403,
``authenticate`` 401, connection limits 429.

Protocol (docs/relay.md has the details). The browser sends:

* ``{"prompt": "...", "conversation": id?, "options": {...}?}``: a new reply. The server
  decides the model, ``max_tokens``, system prompt and tools; ``options`` may only carry the
  parameters listed in ``overrides``. A conversation's history is kept here, bounded.
* ``{"resume": stream, "after": seq}``: after a drop, the events of ``stream`` after ``seq``,
  then the live rest (exactly once); the upstream generation is not restarted.
* ``{"stop": true}``: stop the current reply now (closing the socket only detaches: a reply
  nobody resumes within ``resume_grace`` seconds is cancelled).

The relay sends text frames ``{"stream": id, "seq": n, "events": [...]}``: the events
numbered ``n - len(events) + 1`` to ``n`` of that reply. Events are the API's own (forwarded as
the bytes that arrived, filtered by ``forward=``) and the relay's: ``relay_start`` (the
stream and conversation ids), ``tool_progress`` (a server-side tool started / finished),
``error`` (the API's error type and message only) and ``relay_end`` (the reply is over).

Kept from the first relay: **no re-encoding** of the API's events (``raw_events()`` bytes are
joined into the frame), **backpressure** (a reply holds at most ``max_pending_bytes`` not yet
handed to its socket, then the upstream read waits, see ``_replay.py``) and **cancellation**
(``stop``, the grace period running out, or server shutdown close the upstream request).
"""

from __future__ import annotations

import asyncio
import contextlib
import importlib.resources
import logging
import secrets
from collections.abc import Callable, Collection, Coroutine, Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

import msgspec
from aiohttp import WSCloseCode, WSMsgType, web

from .._client import Client
from .._exceptions import (
    APIConnectionError,
    APIError,
    APIStatusError,
    APITimeoutError,
    IncompleteStreamError,
)
from ..streaming._accumulate import AccumulatorState, accumulate, materialize
from ..tools._runner import ToolParam, ToolRunner
from ..types._events import RawContentBlockDeltaEvent, TextDelta
from ..types._message import ToolUseBlock
from ._conversations import Conversations
from ._forward import DEFAULT_FORWARD, Classifier, check_forward
from ._handshake import (
    RELAY_PRINCIPAL,
    Admissions,
    Authenticate,
    admit,
    parse_allowed_origins,
)
from ._limits import RequestRate
from ._replay import Budget, ReplyLog
from ._stats import RelayStats
from ._store import RedisStore

__all__ = [
    "DEFAULT_MAX_CONNECTIONS",
    "DEFAULT_MAX_PENDING_BYTES",
    "DEFAULT_MAX_STREAMS_PER_PRINCIPAL",
    "RELAY_PRINCIPAL",
    "RELAY_STATS",
    "Authenticate",
    "Override",
    "RelayStats",
    "create_relay_app",
]

#: Per reply: events read from the API but not yet handed to the browser's socket.
DEFAULT_MAX_PENDING_BYTES = 256 * 1024
#: Per reply: events kept (after they were sent) for a browser that reconnects.
DEFAULT_MAX_RESUME_BYTES = 1024 * 1024
#: All replies of an app together (past it, replies drop their oldest sent events).
DEFAULT_MAX_BUFFERED_BYTES = 256 * 1024 * 1024
#: Websockets open at once, per app.
DEFAULT_MAX_CONNECTIONS = 1000
#: Websockets (hence upstream streams) open at once per principal, or per IP address without
#: an ``authenticate`` hook.
DEFAULT_MAX_STREAMS_PER_PRINCIPAL = 4
DEFAULT_MODEL = "claude-sonnet-4-5"
# A prompt is one user message: far below aiohttp's 4 MiB default for incoming frames.
_MAX_PROMPT_FRAME = 1024 * 1024

#: An entry of ``overrides``: the values the browser may choose, or a predicate.
Override = Collection[Any] | Callable[[Any], bool]

_log = logging.getLogger("aclaude.relay")
_T = TypeVar("_T")
_encode = msgspec.json.encode


@dataclass(frozen=True)
class _Config:
    client: Client
    params: dict[str, Any]
    overrides: Mapping[str, Override]
    forward: frozenset[str]
    runner: ToolRunner | None
    max_tool_turns: int
    max_pending_bytes: int
    max_resume_bytes: int
    resume_grace: float
    heartbeat: float | None
    page: bytes
    allowed_origins: frozenset[tuple[str, str, int | None]] | None
    authenticate: Authenticate | None
    max_connections: int
    max_streams_per_principal: int
    rate: RequestRate | None
    store: RedisStore | None


@dataclass(eq=False)
class _Reply:
    """One reply: its upstream task, its numbered events, who reads it now."""

    id: str
    principal: Hashable
    conversation: str
    log: ReplyLog
    task: asyncio.Task[None] | None = None
    #: The writer task of the attached socket, if any (one at a time).
    writer: asyncio.Task[None] | None = None
    writer_ws: web.WebSocketResponse | None = None
    grace: asyncio.TimerHandle | None = None
    mirror: _Mirror | None = None


@dataclass
class _State:
    replies: dict[str, _Reply] = field(default_factory=dict)
    sockets: set[web.WebSocketResponse] = field(default_factory=set)
    admissions: Admissions = field(default_factory=Admissions)
    tasks: set[asyncio.Task[Any]] = field(default_factory=set)
    #: Replies running upstream per principal (detached ones in their grace period included).
    running: dict[Hashable, int] = field(default_factory=dict)


#: ``app[RELAY_STATS]``: the ``RelayStats`` of an app made by ``create_relay_app``.
RELAY_STATS = web.AppKey("aclaude_relay_stats", RelayStats)
_CONFIG = web.AppKey("aclaude_relay_config", _Config)
_STATE = web.AppKey("aclaude_relay_state", _State)
_CONVERSATIONS = web.AppKey("aclaude_relay_conversations", Conversations)


def create_relay_app(
    client: Client,
    *,
    model: str = DEFAULT_MODEL,
    max_tokens: int = 1024,
    system: str | None = None,
    tools: Sequence[ToolParam] = (),
    params: Mapping[str, Any] | None = None,
    overrides: Mapping[str, Override] | None = None,
    forward: Iterable[str] = DEFAULT_FORWARD,
    max_tool_turns: int = 8,
    tool_timeout: float | None = 60.0,
    max_pending_bytes: int = DEFAULT_MAX_PENDING_BYTES,
    max_resume_bytes: int = DEFAULT_MAX_RESUME_BYTES,
    max_buffered_bytes: int = DEFAULT_MAX_BUFFERED_BYTES,
    resume_grace: float = 15.0,
    max_history_bytes: int = 256 * 1024,
    max_conversations: int = 10_000,
    heartbeat: float | None = 30.0,
    allowed_origins: Iterable[str] = (),
    authenticate: Authenticate | None = None,
    max_connections: int = DEFAULT_MAX_CONNECTIONS,
    max_streams_per_principal: int = DEFAULT_MAX_STREAMS_PER_PRINCIPAL,
    requests_per_minute: int | None = None,
    store: RedisStore | None = None,
) -> web.Application:
    """An aiohttp app serving the relay page at ``/`` and its websocket at ``/ws``.

    Each prompt becomes ``client.messages.create(model=..., max_tokens=..., system=...,
    tools=..., **params, messages=history + [prompt], stream=True)``; the browser may set only
    the parameters named in ``overrides`` (``{"model": {"claude-a", "claude-b"},
    "temperature": lambda t: 0 <= t <= 1}``). ``tools``: ``aclaude.tool`` functions run here by
    the tool runner (the browser sees ``tool_progress`` events) and definition dicts sent as
    given (server tools such as web search); at most ``max_tool_turns`` tool rounds per prompt.
    ``forward``: the event categories sent to the browser (see ``_forward.py``).

    Limits: ``requests_per_minute`` per principal (None: no limit; an ``rate_limit_error``
    event when exceeded); the handshake's 403/401/429 (see docs/relay.md). Resume: replies
    stay resumable for ``resume_grace`` seconds after their socket drops, then are cancelled;
    ``store`` (a ``RedisStore``) lets another process serve the resume. The app does not close
    ``client`` (nor ``store``): their owner does (for example in ``app.on_cleanup``).
    """
    if min(max_pending_bytes, max_resume_bytes, max_buffered_bytes, max_history_bytes) < 1:
        raise ValueError("byte limits must be >= 1")
    if max_connections < 1 or max_streams_per_principal < 1:
        raise ValueError("max_connections and max_streams_per_principal must be >= 1")
    if resume_grace < 0 or max_tool_turns < 0:
        raise ValueError("resume_grace and max_tool_turns must be >= 0")
    request: dict[str, Any] = {"model": model, "max_tokens": max_tokens, **(params or {})}
    if system is not None:
        request["system"] = system
    runner: ToolRunner | None = None
    if tools:
        # The runner validates the tools and runs a turn's calls concurrently; the relay drives
        # the turns itself, because it forwards each turn's raw events as they arrive.
        runner = ToolRunner(
            client.messages,
            tools=tools,
            max_iterations=None,
            tool_timeout=tool_timeout,
            params={"messages": []},
        )
        request["tools"] = list(runner._definitions)
    page = importlib.resources.files("aclaude.relay").joinpath("static/index.html").read_bytes()
    app = web.Application()
    app[RELAY_STATS] = RelayStats(Budget(max_buffered_bytes))
    app[_CONFIG] = _Config(
        client=client,
        params=request,
        overrides=dict(overrides or {}),
        forward=check_forward(forward),
        runner=runner,
        max_tool_turns=max_tool_turns,
        max_pending_bytes=max_pending_bytes,
        max_resume_bytes=max_resume_bytes,
        resume_grace=resume_grace,
        heartbeat=heartbeat,
        page=page,
        allowed_origins=parse_allowed_origins(allowed_origins),
        authenticate=authenticate,
        max_connections=max_connections,
        max_streams_per_principal=max_streams_per_principal,
        rate=RequestRate(requests_per_minute) if requests_per_minute is not None else None,
        store=store,
    )
    app[_STATE] = _State()
    app[_CONVERSATIONS] = Conversations(max_conversations, max_history_bytes)
    app.router.add_get("/", _page)
    app.router.add_get("/ws", _websocket)
    app.on_shutdown.append(_shutdown)
    return app


async def _page(request: web.Request) -> web.Response:
    return web.Response(
        body=request.app[_CONFIG].page,
        content_type="text/html",
        charset="utf-8",
        headers={"cache-control": "no-cache"},
    )


async def _shutdown(app: web.Application) -> None:
    state = app[_STATE]
    # Open websockets would otherwise keep the server's shutdown waiting on their handlers.
    for ws in list(state.sockets):
        await ws.close(code=WSCloseCode.GOING_AWAY, message=b"server shutdown")
    for reply in list(state.replies.values()):
        _forget(app, reply, cancel=True)
    tasks = [t for t in state.tasks if not t.done()]
    for task in tasks:
        task.cancel()
    if tasks:
        await asyncio.wait(tasks)


async def _websocket(request: web.Request) -> web.WebSocketResponse:
    config = request.app[_CONFIG]
    stats = request.app[RELAY_STATS]
    principal = await admit(request, config, request.app[_STATE].admissions, stats)
    try:
        return await _serve_socket(request, principal)
    finally:
        request.app[_STATE].admissions.release(principal)


# -- one socket ------------------------------------------------------------------------------


class _Socket:
    """What one websocket is doing: at most one reply attached at a time."""

    def __init__(self, request: web.Request, ws: web.WebSocketResponse, principal: Hashable) -> None:
        self.request = request
        self.app = request.app
        self.ws = ws
        self.principal = principal
        self.reply: _Reply | None = None
        self.remote: asyncio.Task[None] | None = None  # a resume served from the store
        self.remote_stream: str | None = None

    def busy(self) -> bool:
        if self.remote is not None and not self.remote.done():
            return True
        reply = self.reply
        return reply is not None and reply.writer_ws is self.ws and not _finished(reply)

    async def error(self, error_type: str, message: str) -> None:
        await _send_error(self.ws, error_type, message)

    async def handle(self, message: Any) -> None:
        if not isinstance(message, dict):
            await self.error("invalid_request_error", 'expected {"prompt": "..."} or {"resume": ...}')
        elif message.get("stop") is True:
            self.stop()
        elif "resume" in message:
            await self.resume(message)
        else:
            await self.prompt(message)

    def stop(self) -> None:
        if self.remote is not None and not self.remote.done() and self.remote_stream is not None:
            store = self.app[_CONFIG].store
            assert store is not None
            _spawn(self.app, store.request_stop(self.remote_stream))
            return
        reply = self.reply
        if reply is not None and reply.task is not None and not reply.task.done():
            reply.task.cancel()
            self.app[RELAY_STATS].streams_cancelled += 1

    async def prompt(self, message: dict[str, Any]) -> None:
        config = self.app[_CONFIG]
        stats = self.app[RELAY_STATS]
        prompt = message.get("prompt")
        if not isinstance(prompt, str) or not prompt.strip():
            await self.error("invalid_request_error", 'expected {"prompt": "..."}')
            return
        if self.busy():
            await self.error("invalid_request_error", "a reply is still streaming")
            return
        options = message.get("options") or {}
        refused = _check_options(options, config.overrides)
        if refused is not None:
            await self.error("invalid_request_error", refused)
            return
        conversation = message.get("conversation")
        history: list[Any] = []
        if conversation is not None:
            found = await _load_history(self.app, conversation, self.principal)
            if found is None:
                await self.error("not_found_error", "unknown conversation")
                return
            history = found
        # A reply left running by a dropped socket still counts: dropping and reconnecting
        # cannot multiply a principal's upstream streams.
        if self.app[_STATE].running.get(self.principal, 0) >= config.max_streams_per_principal:
            stats.refused_limit += 1
            await self.error("rate_limit_error", "too many replies streaming at once")
            return
        if config.rate is not None and (wait := config.rate.allow(self.principal)) is not None:
            stats.refused_rate += 1
            await self.error("rate_limit_error", f"too many requests; try again in {wait:.0f} s")
            return
        reply = await _start_reply(
            self.app, self.principal, conversation or secrets.token_urlsafe(12), history, prompt, options
        )
        self.attach(reply, 0)

    async def resume(self, message: dict[str, Any]) -> None:
        stream, after = message.get("resume"), message.get("after", 0)
        if not isinstance(stream, str) or type(after) is not int or after < 0:
            await self.error("invalid_request_error", 'expected {"resume": "<stream id>", "after": <seq>}')
            return
        if self.busy():
            await self.error("invalid_request_error", "a reply is still streaming")
            return
        stats = self.app[RELAY_STATS]
        reply = self.app[_STATE].replies.get(stream)
        if reply is not None:
            if reply.principal != self.principal:
                await self.error("not_found_error", "unknown stream")
                return
            if after > reply.log.last_seq:
                await self.error("invalid_request_error", "after is beyond the stream")
                return
            stats.resumes += 1
            self.attach(reply, after)
            return
        store = self.app[_CONFIG].store
        if store is not None and await store.principal(stream) == _principal_key(self.principal):
            stats.resumes += 1
            stats.resumes_remote += 1
            self.remote_stream = stream
            self.remote = _spawn(self.app, _send_remote(self.request, self.ws, store, stream, after))
            return
        stats.resume_unavailable += 1
        await self.error("resume_unavailable", "this stream can no longer be resumed")

    def attach(self, reply: _Reply, after: int) -> None:
        """Make this socket the reader of ``reply`` from ``after`` on (replacing another)."""
        if reply.grace is not None:
            reply.grace.cancel()
            reply.grace = None
        if reply.writer is not None and not reply.writer.done():
            reply.writer.cancel()  # the old socket is gone or being replaced: one reader only
        old = self.reply
        if old is not None and old is not reply and old.writer_ws is self.ws:
            old.writer_ws = None  # this socket moves on: the previous reply may be forgotten
            _arm_grace(self.app, old)
        reply.log.rewind(after)
        self.reply = reply
        reply.writer_ws = self.ws
        reply.writer = _spawn(self.app, _send_reply(self.request, self.ws, reply, after))

    def detach(self) -> None:
        """The socket is closing: stop writing; a live reply waits ``resume_grace`` for a new one."""
        if self.remote is not None:
            self.remote.cancel()
        reply = self.reply
        if reply is None or reply.writer_ws is not self.ws:
            return
        if reply.writer is not None:
            reply.writer.cancel()
        reply.writer = None
        reply.writer_ws = None
        _arm_grace(self.app, reply)


async def _serve_socket(request: web.Request, principal: Hashable) -> web.WebSocketResponse:
    config = request.app[_CONFIG]
    stats = request.app[RELAY_STATS]
    state = request.app[_STATE]
    # No compression: frames are small and latency-bound, and a deflate context costs hundreds
    # of KiB per connection, which a relay holding thousands of sockets cannot afford.
    ws = web.WebSocketResponse(heartbeat=config.heartbeat, compress=False, max_msg_size=_MAX_PROMPT_FRAME)
    await ws.prepare(request)
    state.sockets.add(ws)
    stats.connections += 1
    sock = _Socket(request, ws, principal)
    try:
        # The receive loop runs for the socket's whole life: it is how a closed tab is noticed
        # even while the relay is blocked on a slow send or waiting for the API.
        async for msg in ws:
            if msg.type is not WSMsgType.TEXT:
                continue
            await sock.handle(_decode_frame(msg.data))
    finally:
        state.sockets.discard(ws)
        stats.connections -= 1
        sock.detach()
    return ws


def _check_options(options: Any, overrides: Mapping[str, Override]) -> str | None:
    """None if every option is allowed, else why not (names the parameter, never the list)."""
    if not isinstance(options, dict):
        return "options must be an object"
    for name, value in options.items():
        allowed = overrides.get(name)
        if allowed is None:
            return f"the parameter {name!r} is set by the server"
        ok = allowed(value) if callable(allowed) else _hashable(value) and value in allowed
        if not ok:
            return f"this value of {name!r} is not allowed"
    return None


def _hashable(value: Any) -> bool:
    try:
        hash(value)
    except TypeError:
        return False
    return True


def _decode_frame(data: str) -> Any:
    """A browser's frame decoded, or None when it is not JSON (or nested too deep for the
    decoder: a RecursionError is the browser's fault, not the handler's)."""
    try:
        return msgspec.json.decode(data)
    except (msgspec.DecodeError, RecursionError):
        return None


def _principal_key(principal: Hashable) -> str:
    return f"{type(principal).__name__}:{principal}"


async def _load_history(app: web.Application, conversation: Any, principal: Hashable) -> list[Any] | None:
    if not isinstance(conversation, str):
        return None
    key = _principal_key(principal)
    found = app[_CONVERSATIONS].get(conversation)
    if found is None and (store := app[_CONFIG].store) is not None:
        found = await store.load_history(conversation)
    if found is None or found[0] != key:
        return None
    return list(found[1])


def _spawn(app: web.Application, coro: Coroutine[Any, Any, _T]) -> asyncio.Task[_T]:
    tasks = app[_STATE].tasks
    task = asyncio.ensure_future(coro)
    tasks.add(task)
    task.add_done_callback(_task_done(tasks))
    return task


def _task_done(tasks: set[asyncio.Task[Any]]) -> Callable[[asyncio.Task[Any]], None]:
    def done(task: asyncio.Task[Any]) -> None:
        tasks.discard(task)
        if not task.cancelled() and (exc := task.exception()) is not None:
            _log.error("relay task failed", exc_info=exc)

    return done


def _finished(reply: _Reply) -> bool:
    return reply.log.closed and (reply.writer is None or reply.writer.done())


# -- sending to a browser --------------------------------------------------------------------


def _frame(stream: bytes, seq: int, events: list[bytes]) -> bytes:
    # Built from bytes: the API's events go out as they arrived (no re-encoding).
    head = b'{"stream":"' + stream + b'","seq":' + str(seq).encode() + b',"events":['
    return head + b",".join(events) + b"]}"


async def _send_error(ws: web.WebSocketResponse, error_type: str, message: str) -> None:
    """An error outside any reply (a bad message): ``stream`` null, ``seq`` 0."""
    event = _encode({"type": "error", "error": {"type": error_type, "message": message}})
    with contextlib.suppress(ConnectionError):
        await ws.send_frame(b'{"stream":null,"seq":0,"events":[' + event + b"]}", WSMsgType.TEXT)


async def _send_reply(request: web.Request, ws: web.WebSocketResponse, reply: _Reply, after: int) -> None:
    """Send ``reply``'s events after ``after`` to ``ws``, then the live rest, until its end."""
    stats = request.app[RELAY_STATS]
    log = reply.log
    stream = reply.id.encode()
    drain = request.writer.drain
    cursor = after
    while True:
        got = log.since(cursor)
        if got is None:
            stats.resume_unavailable += 1
            await _send_error(ws, "resume_unavailable", "the events after this point are no longer held")
            return
        last, events = got
        if events:
            frame = _frame(stream, last, events)
            try:
                await ws.send_frame(frame, WSMsgType.TEXT)
                # send_frame waits for the transport only every 64 KiB; waiting after every
                # frame keeps what sits in the transport within its own high-water mark.
                await drain()
            except ConnectionError:
                return  # the browser went away; the receive loop notices and detaches
            cursor = last
            log.sent(last)
            stats.frames_sent += 1
            stats.bytes_sent += len(frame)
        elif log.closed:
            return
        else:
            await log.wait(cursor)


async def _send_remote(
    request: web.Request, ws: web.WebSocketResponse, store: RedisStore, stream: str, after: int
) -> None:
    """A resume of a reply running on another node, read from the store."""
    app = request.app
    stats = app[RELAY_STATS]
    drain = request.writer.drain
    grace = app[_CONFIG].resume_grace
    sid = stream.encode()
    cursor = after
    loop = asyncio.get_running_loop()
    marked = 0.0
    while True:
        if loop.time() - marked > max(grace / 3, 0.5):
            # Tell the owning node that someone reads this reply, so it does not cancel it.
            await store.mark_attached(stream, max(grace, 1.0) * 2)
            marked = loop.time()
        got = await store.read(stream, cursor, block_ms=500)
        if got is None:
            await _send_error(ws, "resume_unavailable", "this stream can no longer be resumed")
            return
        events, end = got
        if events and events[0][0] != cursor + 1:
            stats.resume_unavailable += 1
            await _send_error(ws, "resume_unavailable", "the events after this point are no longer held")
            return
        if events:
            frame = _frame(sid, events[-1][0], [data for _, data in events])
            try:
                await ws.send_frame(frame, WSMsgType.TEXT)
                await drain()
            except ConnectionError:
                return
            cursor = events[-1][0]
            stats.frames_sent += 1
            stats.bytes_sent += len(frame)
        if end:
            return


# -- the reply's upstream --------------------------------------------------------------------


async def _start_reply(
    app: web.Application,
    principal: Hashable,
    conversation: str,
    history: list[Any],
    prompt: str,
    options: dict[str, Any],
) -> _Reply:
    config = app[_CONFIG]
    stats = app[RELAY_STATS]
    reply = _Reply(
        id=secrets.token_urlsafe(16),
        principal=principal,
        conversation=conversation,
        log=ReplyLog(
            max_pending=config.max_pending_bytes, max_bytes=config.max_resume_bytes, budget=stats.budget
        ),
    )
    if config.store is not None and await config.store.open_reply(reply.id, _principal_key(principal)):
        reply.mirror = _Mirror(app, config.store, reply)
        reply.log.mirrored = True
    state = app[_STATE]
    state.replies[reply.id] = reply
    state.running[principal] = state.running.get(principal, 0) + 1
    stats.streams_open += 1
    stats.streams_started += 1
    reply.task = _spawn(app, _run_reply(app, reply, history, prompt, options))
    reply.task.add_done_callback(_reply_done(app, reply))
    return reply


async def _append(reply: _Reply, data: bytes) -> None:
    seq = await reply.log.append(data, attached=reply.writer_ws is not None)
    if reply.mirror is not None:
        await reply.mirror.push(seq, data)


async def _run_reply(
    app: web.Application, reply: _Reply, history: list[Any], prompt: str, options: dict[str, Any]
) -> None:
    """The upstream side of one reply: the API's turns (and tool rounds), into the reply's log."""
    config = app[_CONFIG]
    stats = app[RELAY_STATS]
    forward = config.forward
    messages = [*history, {"role": "user", "content": prompt}]
    request = {**config.params, **options}  # options were checked against the allow-list
    conversation = reply.conversation
    await _append(reply, _encode({"type": "relay_start", "stream": reply.id, "conversation": conversation}))
    stop_reason: str | None = None
    history_room = app[_CONVERSATIONS].max_bytes
    keep = True
    try:
        for turn in range(config.max_tool_turns + 1):
            stream = config.client.messages.create(stream=True, messages=messages, **request)
            state = AccumulatorState()
            classify = Classifier().category
            events = stream.raw_events()
            # The turn is accumulated for the history; past max_history_bytes it could not be
            # kept anyway, so text stops being accumulated (memory stays bounded) and the
            # exchange is not saved.
            room = history_room
            try:
                async for event, data in events:
                    stats.upstream_events += 1
                    stats.upstream_bytes += len(data)
                    room -= len(data)
                    if room >= 0 or not (
                        isinstance(event, RawContentBlockDeltaEvent) and isinstance(event.delta, TextDelta)
                    ):
                        accumulate(state, event)
                    if classify(event) in forward:
                        await _append(reply, data)
            finally:
                await events.aclose()  # a cancelled append leaves it suspended at a yield
                await stream.close()
            message = materialize(state)
            if message is None or room < 0:
                keep = False
                stop_reason = message.stop_reason if message is not None else None
                break
            stop_reason = message.stop_reason
            messages.append({"role": "assistant", "content": msgspec.to_builtins(message.content)})
            calls = [b for b in message.content if isinstance(b, ToolUseBlock)]
            runner = config.runner
            if stop_reason != "tool_use" or not calls or runner is None or turn == config.max_tool_turns:
                break
            for call in calls:
                await _append(reply, _encode({"type": "tool_progress", "status": "started",
                                              "tool_use_id": call.id, "name": call.name}))
            results = await runner._run_tools(calls)
            for call, result in zip(calls, results, strict=True):
                await _append(reply, _encode({"type": "tool_progress", "status": "finished",
                                              "tool_use_id": call.id, "name": call.name,
                                              "is_error": bool(result.get("is_error")),
                                              "content": result.get("content")}))
            messages.append({"role": "user", "content": results})
        if keep:
            await _save_history(app, reply, messages)
    except APIError as exc:
        # The page gets the API's own error type and message, or a fixed sentence: never the
        # API's host, aiohttp's internals or the client's configuration. The log gets it all.
        _log.warning("relay stream failed (request_id=%s): %r", exc.request_id, exc)
        error_type, text = _browser_error(exc)
        await _append(reply, _encode({"type": "error", "error": {"type": error_type, "message": text}}))
        stop_reason = "error"
    end = {"type": "relay_end", "stop_reason": stop_reason, "conversation": conversation}
    await _append(reply, _encode(end))


async def _save_history(app: web.Application, reply: _Reply, messages: list[Any]) -> None:
    key = _principal_key(reply.principal)
    stored = app[_CONVERSATIONS].put(reply.conversation, key, messages)
    store = app[_CONFIG].store
    if store is not None:
        await store.save_history(reply.conversation, key, stored)


def _reply_done(app: web.Application, reply: _Reply) -> Callable[[asyncio.Task[None]], None]:
    def done(task: asyncio.Task[None]) -> None:
        # Stopped, abandoned or failed (a bug, logged by _spawn): a reader still gets an end.
        last: list[dict[str, Any]] = []
        if task.cancelled():
            last = [{"type": "relay_end", "stop_reason": "cancelled", "conversation": reply.conversation}]
        elif task.exception() is not None:
            last = [
                {"type": "error", "error": {"type": "api_error", "message": "the relay failed"}},
                {"type": "relay_end", "stop_reason": "error", "conversation": reply.conversation},
            ]
        for event in last:
            data = _encode(event)
            seq = reply.log.append_nowait(data)
            if reply.mirror is not None:
                reply.mirror.push_nowait(seq, data)
        reply.log.close()
        app[RELAY_STATS].streams_open -= 1
        running = app[_STATE].running
        left = running[reply.principal] - 1
        if left:
            running[reply.principal] = left
        else:
            del running[reply.principal]
        if reply.mirror is not None:
            reply.mirror.finish(reply.log.last_seq)
        # A finished reply stays resumable for the grace period (its tail may be in flight).
        if reply.grace is None:
            _arm_grace(app, reply)

    return done


def _arm_grace(app: web.Application, reply: _Reply) -> None:
    loop = asyncio.get_running_loop()
    grace = app[_CONFIG].resume_grace
    if reply.grace is not None:
        reply.grace.cancel()
    reply.grace = loop.call_later(grace, _grace_over, app, reply)


def _grace_over(app: web.Application, reply: _Reply) -> None:
    reply.grace = None
    if reply.writer_ws is not None:
        return  # a browser came back
    store = app[_CONFIG].store
    if store is not None and reply.mirror is not None and not reply.log.closed:
        _spawn(app, _check_remote_then_forget(app, reply, store))
        return
    _forget(app, reply, cancel=True)


async def _check_remote_then_forget(app: web.Application, reply: _Reply, store: RedisStore) -> None:
    if await store.attached(reply.id):
        _arm_grace(app, reply)  # read on another node: keep generating
    elif reply.writer_ws is None:
        _forget(app, reply, cancel=True)


def _forget(app: web.Application, reply: _Reply, *, cancel: bool) -> None:
    """Drop a reply: cancel its upstream if still running, give back its buffer."""
    if reply.grace is not None:
        reply.grace.cancel()
        reply.grace = None
    if cancel and reply.task is not None and not reply.task.done():
        reply.task.cancel()  # closes the upstream request: the API stops generating
        app[RELAY_STATS].streams_cancelled += 1
    if reply.writer is not None:
        reply.writer.cancel()
    if app[_STATE].replies.pop(reply.id, None) is not None:
        if reply.task is not None and not reply.task.done():
            reply.task.add_done_callback(lambda _t: reply.log.discard())
        else:
            reply.log.discard()


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


class _Mirror:
    """Copies a reply's events to the store in batches (one pipeline per batch), in order.

    ``push`` waits while more than ``max_pending_bytes`` wait for Redis, so a slow Redis slows
    the upstream read instead of growing memory. A failed write turns mirroring off for the
    reply (the store logs the outage): the reply goes on, resumable on this node only.
    """

    def __init__(self, app: web.Application, store: RedisStore, reply: _Reply) -> None:
        self._app = app
        self._store = store
        self._reply = reply
        self._limit = app[_CONFIG].max_pending_bytes
        self._queue: list[tuple[int, bytes]] = []
        self._bytes = 0
        self._end: int | None = None
        self._wakeup = asyncio.Event()
        self._space = asyncio.Event()
        self._task = _spawn(app, self._run())

    async def push(self, seq: int, data: bytes) -> None:
        if self._task.done():
            return  # mirroring stopped (Redis failed): queue nothing
        while self._bytes > self._limit and not self._task.done():
            self._space.clear()
            await self._space.wait()
        self.push_nowait(seq, data)

    def push_nowait(self, seq: int, data: bytes) -> None:
        if self._task.done():
            return
        self._queue.append((seq, data))
        self._bytes += len(data)
        self._wakeup.set()

    def finish(self, last_seq: int) -> None:
        self._end = last_seq
        self._wakeup.set()

    async def _run(self) -> None:
        try:
            while True:
                await self._wakeup.wait()
                self._wakeup.clear()
                batch, self._queue = self._queue, []
                self._bytes = 0
                end = self._end
                self._space.set()
                if not batch and end is None:
                    continue
                result = await self._store.append(self._reply.id, batch, end)
                if result == "failed":
                    self._reply.log.mirrored = False
                    return
                task = self._reply.task
                if result == "stop" and task is not None and not task.done():
                    task.cancel()  # stopped by a browser reading this reply on another node
                    self._app[RELAY_STATS].streams_cancelled += 1
                if end is not None and not self._queue:
                    return
        finally:
            self._space.set()
