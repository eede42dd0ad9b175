"""``FakeAnthropic``: the embedded fake Messages API server (aiohttp, loopback, real HTTP).

Routing is generic on purpose: any method and path first pops that path's queue of scripted
replies, so tests can script endpoints this module knows nothing about. Only when a path's
queue is empty do the built-in answers apply: a generated reply for ``POST /v1/messages``, a
token estimate for ``POST /v1/messages/count_tokens``, and the API's 404 error otherwise.

Shutdown is deliberate: in-flight handlers (held or slow streams) are cancelled first, then the
runner is cleaned up, so ``close()`` is quick and leaves no tasks or sockets behind, which the
test suite checks by running with warnings as errors.
"""

from __future__ import annotations

import asyncio
import collections
import time
from collections.abc import Awaitable, Callable, Collection
from typing import Any

import msgspec
from aiohttp import web

from ._control import parse_control
from ._ids import new_id
from ._loopback import LoopbackServer
from ._message import DEFAULT_MODEL, estimate_input_tokens
from ._org_limits import OrgLimits
from ._recorded import RecordedRequest
from ._replies import Chunking, Reply
from ._resources import ResourceAPI
from ._respond import Context, Defaults, json_error, json_response, respond_generated, respond_scripted
from ._validate import Rejection, check_auth, check_messages_body, check_model

__all__ = ["FakeAnthropic"]

MESSAGES_PATH = "/v1/messages"

# Benchmarks open 1,000+ connections at once; a short accept backlog would turn that burst into
# SYN retries (a one-second stall) and skew every measurement.
_BACKLOG = 4096


class FakeAnthropic(LoopbackServer):
    """A fake Anthropic API on ``host:port`` (port 0: an ephemeral port, see ``url``).

    ``deltas`` / ``delta_bytes`` shape generated replies, ``chunking`` is the default write
    granularity (``"event"`` or a byte count), ``model`` the model named when a request has
    none. ``record=False`` keeps ``requests`` empty (long-running servers, benchmarks).

    Requests are checked as the real API checks them (see ``_validate``): 401 without a key
    (or, given ``api_keys``, with another key), 400 ``invalid_request_error`` for a Messages
    body the API refuses, 404 for a model outside ``models`` (when given). ``validate=False``
    (or the request header ``x-fake-validate: off``) turns the checks off, for tests that send
    odd bodies on purpose.

    Pacing, for demos: ``first_token_delay`` seconds before the first content event and
    ``token_interval`` seconds between events (default 0: as fast as possible; a reply's own
    ``hold_after_start`` / ``delay_between`` or the ``x-fake-hold`` / ``x-fake-delay`` headers win).
    """

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        deltas: int = 20,
        delta_bytes: int = 12,
        chunking: Chunking = "event",
        model: str = DEFAULT_MODEL,
        record: bool = True,
        validate: bool = True,
        api_keys: Collection[str] | None = None,
        models: Collection[str] | None = None,
        first_token_delay: float = 0.0,
        token_interval: float = 0.0,
        org_limits: OrgLimits | None = None,
    ) -> None:
        if deltas < 0 or delta_bytes < 1:
            raise ValueError("deltas must be >= 0 and delta_bytes >= 1")
        if not (first_token_delay >= 0 and token_interval >= 0):
            raise ValueError("first_token_delay and token_interval must be >= 0")
        super().__init__(host, port)
        self._defaults = Defaults(
            deltas=deltas,
            delta_bytes=delta_bytes,
            chunking=chunking,
            model=model,
            first_token_delay=first_token_delay,
            token_interval=token_interval,
        )
        #: Whether requests are checked as the real API checks them (see the class docstring).
        self.validate = validate
        self._api_keys = frozenset(api_keys) if api_keys is not None else None
        self._models = frozenset(models) if models is not None else None
        self._record = record
        self._queues: dict[str, collections.deque[Reply]] = {}
        self._requests: list[RecordedRequest] = []
        self._in_flight = 0
        self._peak_in_flight = 0
        #: Models, batches, files, completions; ``resources.batches`` / ``resources.files`` hold state.
        self.resources = ResourceAPI()
        #: An organization's rate limits to enforce on ``POST /v1/messages`` (None: unlimited).
        self.org_limits = org_limits

    # -- lifecycle ---------------------------------------------------------------------------

    async def start(self) -> None:
        """Bind and start serving; ``url`` is valid afterwards."""
        app = self._new_app()
        if self.org_limits is not None:
            app.on_response_prepare.append(self.org_limits.on_response_prepare)
        await self._serve(app, backlog=_BACKLOG)

    # -- public state ------------------------------------------------------------------------

    @property
    def requests(self) -> list[RecordedRequest]:
        """Every request received so far, oldest first."""
        return self._requests

    @property
    def in_flight(self) -> int:
        """Requests being answered right now (a stream counts until its last byte is written
        or its client went away)."""
        return self._in_flight

    @property
    def peak_in_flight(self) -> int:
        """The most requests answered at the same time since start (or the last ``reset()``):
        how a test checks a client's concurrency cap from the server's side."""
        return self._peak_in_flight

    def enqueue(self, *replies: Reply, path: str = MESSAGES_PATH) -> None:
        """Queue scripted replies (FIFO) for requests to ``path``, whatever their method."""
        self._queues.setdefault(path, collections.deque()).extend(replies)

    def queued(self, path: str = MESSAGES_PATH) -> int:
        """How many scripted replies for ``path`` are still waiting."""
        return len(self._queues.get(path, ()))

    def reset(self) -> None:
        """Forget queued replies and recorded requests; restart ``peak_in_flight``."""
        self._queues.clear()
        self._requests.clear()
        self._peak_in_flight = self._in_flight

    # -- request handling --------------------------------------------------------------------

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        task = asyncio.current_task()
        if task is not None:
            self._active.add(task)
        self._in_flight += 1
        if self._in_flight > self._peak_in_flight:
            self._peak_in_flight = self._in_flight
        try:
            return await self._dispatch(request)
        finally:
            self._in_flight -= 1
            if task is not None:
                self._active.discard(task)

    async def _dispatch(self, request: web.Request) -> web.StreamResponse:
        # A file upload is parsed by its handler as it arrives, never held whole here.
        streamed = self.resources.streams_request_body(request.method, request.path)
        body = b"" if streamed and not self._queues.get(request.path) else await request.read()
        try:
            decoded: Any = msgspec.json.decode(body) if body else None
        except msgspec.DecodeError:
            decoded = None
        if self._record:
            self._requests.append(
                RecordedRequest(
                    method=request.method,
                    path=request.path,
                    query=dict(request.query),
                    headers=request.headers,
                    body=body,
                    json=decoded,
                    received_at=time.monotonic(),
                )
            )
        request_id = new_id("req")
        try:
            control = parse_control(request.headers)
        except ValueError as exc:
            ctx = Context(request, decoded, parse_control({}), self._defaults, request_id)
            return json_error(ctx, 400, "invalid_request_error", str(exc))
        ctx = Context(request, decoded, control, self._defaults, request_id)
        rejection = self._check(request, decoded, control.validate)
        if rejection is not None:
            return json_error(ctx, rejection.status, rejection.error_type, rejection.message)

        queue = self._queues.get(request.path)
        if self.org_limits is not None and request.method == "POST" and request.path == MESSAGES_PATH:
            expected = control.deltas if control.deltas is not None else self._defaults.deltas
            refused = self.org_limits.admit(request, decoded, expected)
            if refused is not None:
                return refused
        if queue:
            return await respond_scripted(queue.popleft(), ctx)
        routed = await self.resources.respond(ctx)
        if routed is not None:
            return routed
        builtin = _BUILTIN.get((request.method, request.path))
        if builtin is not None:
            return await builtin(ctx)
        return json_error(ctx, 404, "not_found_error", f"Not found: {request.method} {request.path}")

    def _check(self, request: web.Request, body: Any, per_request: bool | None) -> Rejection | None:
        """What the real API would refuse in this request (``None``: nothing), before any
        scripted or built-in answer: a test must not pass with a request the API refuses."""
        if not (self.validate if per_request is None else per_request):
            return None
        if not request.path.startswith("/v1/"):
            return None
        rejection = check_auth(request.headers, self._api_keys)
        if rejection is None and request.method == "POST" and request.path in _CHECKED_BODIES:
            count_tokens = request.path != MESSAGES_PATH
            rejection = check_messages_body(body, count_tokens=count_tokens) or check_model(
                body, self._models
            )
        return rejection


async def _count_tokens(ctx: Context) -> web.StreamResponse:
    return json_response(ctx, {"input_tokens": estimate_input_tokens(ctx.json)})


# The endpoints whose bodies are checked (others are checked for authentication only).
_CHECKED_BODIES = frozenset({MESSAGES_PATH, MESSAGES_PATH + "/count_tokens"})

_BUILTIN: dict[tuple[str, str], Callable[[Context], Awaitable[web.StreamResponse]]] = {
    ("POST", MESSAGES_PATH): respond_generated,
    ("POST", MESSAGES_PATH + "/count_tokens"): _count_tokens,
}
