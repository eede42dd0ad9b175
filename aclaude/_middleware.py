"""Request middleware: async hooks around each attempt (``Client(middleware=[...])``).

The contract follows the official SDK's (``anthropic._middleware``): a middleware is a
``Middleware`` subclass overriding ``handle_async(request, call_next)``, or an async callable
``(request, call_next) -> Response``. The chain runs inside the retry loop, once per attempt,
outermost first. A middleware may

* look at or replace the request (``request.copy(headers=..., body=...)``) before ``call_next``;
* look at the response (status, headers, rate limits) or the exception ``call_next`` raised
  (aclaude's typed errors: an HTTP status >= 400 raises ``APIStatusError`` here, where the
  official SDK hands back the error response; a raised ``APIError`` is retried by the usual
  policy, anything else propagates as it is);
* wrap the response to watch its body (``ResponseWrapper``);
* answer without sending: return a ``StaticResponse`` and never call ``call_next``.

Zero cost when unused: a client without middleware (and without a rate limiter) never enters
this module; ``install_middleware`` replaces the client's ``open_response`` on the instance
only when there is a chain to run, so the streaming path of every other client is untouched.
"""

from __future__ import annotations

import copy as _copy
import dataclasses
import inspect
import time
from collections.abc import AsyncIterable, Awaitable, Callable, Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from ._http.raw_response import record_response
from ._http.transport import Response, Timeout

if TYPE_CHECKING:
    from typing import TypeAlias

__all__ = [
    "APIRequest",
    "CallNext",
    "Middleware",
    "MiddlewareCallable",
    "MiddlewareInput",
    "ResponseWrapper",
    "StaticResponse",
    "install_middleware",
]

_UNSET: Any = object()


@dataclasses.dataclass(slots=True, kw_only=True, eq=False, repr=False)
class APIRequest:
    """One attempt of a call as the middleware sees it, before the client adds its own headers
    (credentials, version) and encodes the body.

    ``headers`` are this call's extra headers (lower-case names), ``body`` the JSON body before
    encoding (a dict, or None), ``content`` a raw body when there is no JSON one, ``params`` the
    extra query, ``retry_count`` 0 on the first attempt. Treat it as immutable: ``copy()``
    makes a changed one (its body and headers are copies, safe to edit).
    """

    # A dataclass for its generated keyword-only __init__ and slots; equality stays identity
    # and the repr is the short one below (a generated repr would show the headers).
    method: str
    path: str
    base_url: str
    headers: Mapping[str, str]
    body: Any = None
    content: bytes | AsyncIterable[bytes] | None = None
    params: Mapping[str, str] | None = None
    timeout: Timeout | float | None = None
    retry_count: int = 0

    @property
    def url(self) -> str:
        """The full URL (platform clients may still rewrite it when they prepare the attempt)."""
        return self.base_url + self.path

    @property
    def json(self) -> Any:
        """The JSON body (the official SDK's name)."""
        return self.body

    @property
    def model(self) -> str | None:
        """The ``model`` of the body, if it has one."""
        body = self.body
        model = body.get("model") if isinstance(body, Mapping) else getattr(body, "model", None)
        return model if isinstance(model, str) else None

    def copy(
        self,
        *,
        method: str = _UNSET,
        path: str = _UNSET,
        headers: Mapping[str, str] = _UNSET,
        body: Any = _UNSET,
        params: Mapping[str, str] | None = _UNSET,
        timeout: Timeout | float | None = _UNSET,
    ) -> APIRequest:
        """A new request with the given parts replaced; the rest is copied (the body deeply,
        so editing the copy never changes what the caller passed)."""
        return APIRequest(
            method=self.method if method is _UNSET else method,
            path=self.path if path is _UNSET else path,
            base_url=self.base_url,
            headers=dict(self.headers) if headers is _UNSET else {k.lower(): v for k, v in headers.items()},
            body=_copy.deepcopy(self.body) if body is _UNSET else body,
            content=self.content,
            params=self.params if params is _UNSET else params,
            timeout=self.timeout if timeout is _UNSET else timeout,
            retry_count=self.retry_count,
        )

    def __repr__(self) -> str:
        return f"<APIRequest {self.method} {self.path} retry={self.retry_count}>"


CallNext: TypeAlias = Callable[[APIRequest], Awaitable[Response]]
MiddlewareCallable: TypeAlias = Callable[[APIRequest, CallNext], Awaitable[Response]]


class Middleware:
    """Base class of a middleware object: override ``handle_async``."""

    async def handle_async(self, request: APIRequest, call_next: CallNext) -> Response:
        """Run around one attempt; the default passes it on unchanged."""
        return await call_next(request)


MiddlewareInput: TypeAlias = Middleware | MiddlewareCallable


class ResponseWrapper(Response):
    """A response that forwards to another one; subclass it to watch the body as it arrives
    (override ``read_chunk`` and call ``super().read_chunk()``) or to learn how it ended
    (``release``: read to the end; ``close``: dropped early)."""

    __slots__ = ("inner",)

    def __init__(self, inner: Response) -> None:  # no super().__init__: nothing of aiohttp here
        self.inner = inner
        self.status = inner.status
        self.headers = inner.headers
        self.request_id = inner.request_id
        self.read_time = inner.read_time

    async def read_chunk(self) -> bytes:
        return await self.inner.read_chunk()

    def expire(self) -> None:
        self.inner.expire()

    def release(self) -> None:
        self.inner.release()

    def close(self) -> None:
        self.inner.close()


class StaticResponse(Response):
    """A response made up by a middleware (a cache hit, a canned reply): ``chunks`` are the body
    (for a stream, SSE bytes), read one chunk per read. Nothing is sent. Without a
    ``content-type`` header it says ``text/event-stream`` (streams check it; JSON calls do not)."""

    __slots__ = ("_chunks",)

    def __init__(
        self,
        chunks: bytes | Iterable[bytes],
        *,
        status: int = 200,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        self._chunks = [chunks] if isinstance(chunks, bytes) else list(chunks)
        self._chunks.reverse()
        self.status = status
        given = {k.lower(): v for k, v in (headers or {}).items()}
        self.headers = {"content-type": "text/event-stream", **given}
        self.request_id = self.headers.get("request-id")
        self.read_time = time.monotonic  # made up here: its bytes come when they are read

    async def read_chunk(self) -> bytes:
        return self._chunks.pop() if self._chunks else b""

    def expire(self) -> None:
        pass

    def release(self) -> None:
        self._chunks.clear()

    def close(self) -> None:
        self._chunks.clear()


def _is_async_callable(obj: object) -> bool:
    if inspect.iscoroutinefunction(obj):
        return True
    call = getattr(obj, "__call__", None)  # noqa: B004 - instances with an async __call__
    return call is not None and inspect.iscoroutinefunction(call)


def validate(middleware: Iterable[object]) -> None:
    """Raise ``TypeError`` for an entry that is not async middleware (a sync function would
    otherwise fail only on the first request)."""
    for entry in middleware:
        if isinstance(entry, Middleware):
            if not inspect.iscoroutinefunction(type(entry).handle_async):
                raise TypeError(f"{type(entry).__name__}.handle_async() must be an async function")
        elif not callable(entry) or not _is_async_callable(entry):
            raise TypeError(f"middleware {entry!r} is not an async callable (request, call_next)")


def _link(entry: MiddlewareInput, call_next: CallNext) -> CallNext:
    handler = entry.handle_async if isinstance(entry, Middleware) else entry

    def run(request: APIRequest) -> Awaitable[Response]:
        return handler(request, call_next)

    return run


def build_chain(middleware: Sequence[MiddlewareInput], send: CallNext) -> CallNext:
    """``send`` wrapped in ``middleware``, the first entry outermost."""
    chain = send
    for entry in reversed(middleware):
        chain = _link(entry, chain)
    return chain


def install_middleware(client: Any, middleware: Sequence[MiddlewareInput]) -> None:
    """Route ``client``'s attempts through ``middleware`` (no-op for an empty list).

    ``client`` is an ``aclaude.Client`` (not imported here: this module sits below it).

    The client's class ``open_response`` stays the innermost step;
    the instance gets an ``open_response`` of the same signature that builds an ``APIRequest`` and runs
    the chain.
    """
    if not middleware:
        return
    validate(middleware)
    for entry in middleware:
        attach = getattr(entry, "attach", None)
        if callable(attach):  # e.g. aclaude.telemetry.Telemetry: instruments the client itself
            attach(client)
    send_attempt: Callable[..., Awaitable[Response]] = type(client).open_response

    async def send(request: APIRequest) -> Response:
        return await send_attempt(
            client,
            request.method,
            request.path,
            body=request.body,
            extra_headers=request.headers or None,
            extra_query=request.params,
            timeout=request.timeout,
            retry_count=request.retry_count,
            content=request.content,
        )

    chain = build_chain(middleware, send)

    async def open_through_chain(
        method: str,
        path: str,
        *,
        body: Any = None,
        extra_headers: Mapping[str, str] | None = None,
        extra_query: Mapping[str, str] | None = None,
        timeout: Timeout | float | None = None,
        retry_count: int = 0,
        content: bytes | AsyncIterable[bytes] | None = None,
    ) -> Response:
        request = APIRequest(
            method=method,
            path=path,
            base_url=client.base_url,
            headers={k.lower(): v for k, v in extra_headers.items()} if extra_headers else {},
            body=body,
            content=content,
            params=extra_query,
            timeout=timeout,
            retry_count=retry_count,
        )
        response = await chain(request)
        # What the caller gets (a middleware's own answer, or a wrapper) is what
        # with_raw_response reports: recorded after the one the client opened, if any.
        record_response(response, retry_count)
        return response

    client.open_response = open_through_chain
