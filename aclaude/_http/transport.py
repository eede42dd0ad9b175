"""The only module of the client that touches aiohttp: it makes the session (connection pool),
sends a ``PreparedRequest``, checks the status, maps errors and yields the body's bytes. (The
relay and the fake API in ``aclaude.testing`` are aiohttp servers of their own.)

Every aiohttp / OS / asyncio-timeout exception that a request or a body read can raise is
mapped here, at this one boundary, to ``APIConnectionError`` / ``APITimeoutError`` (``raise ...
from exc``); HTTP error statuses become the typed ``APIStatusError`` subclasses. Nothing from
aiohttp escapes to the caller.

Redirects are never followed: the API does not redirect, and following one to another host
would hand it the API key.

The aiohttp exceptions chained as ``__cause__`` are scrubbed first (``_scrubbed``): some hold the
request's headers (the API key) or a URL or proxy with a password, and a chained exception is
what error trackers and debuggers show.
"""

from __future__ import annotations

import asyncio
import functools
import inspect
import socket
import sys
import time
from collections.abc import AsyncIterable, AsyncIterator, Callable, Mapping
from typing import Any

import aiohttp
import msgspec
from aiohttp.client_proto import ResponseHandler
from aiohttp.client_reqrep import ClientRequest, ConnectionKey, RequestInfo
from aiohttp.connector import Connection
from aiohttp.helpers import get_env_proxy_for_url
from aiohttp.tracing import Trace
from multidict import CIMultiDict, CIMultiDictProxy
from yarl import URL

from .._exceptions import (
    APIConnectionError,
    APIResponseValidationError,
    APIStatusError,
    APITimeoutError,
    ErrorRequest,
    ErrorResponse,
    error_for_status,
)
from .._logging import redact_headers, redact_url
from ..types._rate_limits import RateLimits
from .headers_query import add_headers
from .read_deadlines import ReadDeadlines
from .timings_context import current_timings

__all__ = [
    "DEFAULT_MAX_BODY_BYTES",
    "PreparedRequest",
    "Response",
    "Timeout",
    "env_proxy",
    "keepalive_options",
    "new_session",
    "read_stamping_connector",
    "send",
    "set_keepalive",
]

# An error body larger than this is cut (we only need its message).
_MAX_ERROR_BODY = 1024 * 1024
_encode = msgspec.json.Encoder().encode


class PreparedRequest(msgspec.Struct, kw_only=True):
    """One attempt as it goes on the wire: the one object every ``_prepare_request`` (the plain
    client's and each cloud platform's) takes and returns.

    ``path`` is the API path (``/v1/messages``); ``url`` the full URL (``base_url + path`` until
    a platform rewrites it); ``json`` the body before encoding (None when there is none),
    encoded by ``send``; ``content`` a raw body (bytes or a stream) used when ``json`` is None.
    ``headers`` may be the client's shared dict: replace it with a new mapping, never change it.
    A new one is made for every attempt, so a platform may rewrite it in place.
    """

    # A Struct: built in C, with no Python __init__ frame on the hot path.
    method: str
    path: str
    url: str
    headers: Mapping[str, str]
    json: Any = None
    content: bytes | AsyncIterable[bytes] | None = None
    params: Mapping[str, str] | None = None

    def __repr__(self) -> str:
        # Never the headers (credentials) nor the body.
        return f"<PreparedRequest {self.method} {redact_url(self.url)}>"


def new_session(
    connector: aiohttp.BaseConnector | None,
    *,
    max_connections: int,
    trust_env: bool,
    tcp_keepalive: bool = True,
) -> aiohttp.ClientSession:
    """The connection pool of a client (call it inside the running loop: aiohttp binds a
    session to one). ``connector`` is the caller's own (kept open when the session closes);
    without one, a pool of ``max_connections`` is made and owned by the session."""
    session = aiohttp.ClientSession(
        connector=connector
        or _StampingConnector(
            limit=max_connections, limit_per_host=0, **keepalive_options(tcp_keepalive)
        ),
        connector_owner=connector is None,
        # aiohttp's default 300 s total limit would cut long streams: limits come from
        # Timeout, per request.
        timeout=aiohttp.ClientTimeout(total=None),
        trust_env=trust_env,
        # No default headers: credentials belong to each request, never to a session that
        # with_options() copies share (a copy with other credentials would otherwise still send
        # this client's key).
    )
    # aiohttp silently re-sends an idempotent request (GET, PUT, DELETE ...) once when a pooled
    # connection turns out to be closed; retries are ours to count and pace.
    if hasattr(session, "_retry_connection"):
        session._retry_connection = False
    return session

# -- aiohttp's connection protocol, as aclaude's own pool runs it ---------------------------
#
# One per-chunk cost removed, and (for benchmarks) a stamp of when bytes came off the socket.
#
# Why a subclass: aiohttp 3.14's ``StreamReader`` calls ``protocol.resume_reading()`` for every
# piece of the body it hands out while its buffer is below the low-water mark, whether or not
# reading was ever paused. An SSE body arrives as one HTTP chunk per event, so that is one
# ``resume_reading()`` per event, and each one re-enters the parser with ``data_received(b"")``
# and asks the transport to resume: four Python calls that do nothing when nothing was paused.
# Measured here on 206-chunk bodies (one non-streaming ``create()`` of 200 deltas), aiohttp's
# parsing and buffering cost 230 µs per body with them and 152 µs without.
#
# Skipping them is safe because the only unparsed data the parser can hold back is data it
# stopped on when the buffer paused the protocol (``pause_reading`` sets ``_reading_paused``,
# and the parser stops only then); while neither flag is set there is nothing to resume. A paused
# protocol resumes exactly as aiohttp does it. Older aiohttp (3.11-3.13) only calls
# ``resume_reading()`` when paused, so there this changes nothing.


class AclaudeResponseHandler(ResponseHandler):
    """aiohttp's protocol without the no-op ``resume_reading()`` per body chunk."""

    # aiohttp before 3.14 has no buffer pause; this class default keeps the test valid there.
    _buffer_paused = False

    def resume_reading(self, resume_parser: bool = True) -> None:
        if self._reading_paused or self._buffer_paused:
            super().resume_reading(resume_parser)


class ReadStampingHandler(AclaudeResponseHandler):
    """Also notes when bytes last came off the socket: a stream's timings stamp a read with this
    (``Response.read_time``), not with the moment its task got to run (under load, other tasks
    run first: p50 0.2 ms, p99 2-3 ms later at 100 streams on this project's machine). An extra
    Python call per socket read, so only on a benchmark's connector."""

    read_at = 0.0

    def data_received(self, data: bytes) -> None:
        if data:  # aiohttp calls it with b"" to resume a paused decompression: not a read
            self.read_at = time.monotonic()
        super().data_received(data)


class _StampingConnector(aiohttp.TCPConnector):
    """aiohttp's pool, stamping when it hands a (pooled or new) connection to a stream's request:
    ``StreamTimings.connection_acquired``, so ``pool_wait`` shows time spent queueing for a
    connection. One awaited frame and a context-variable read per request (no aiohttp trace:
    a ``TraceConfig`` makes a trace object and fires its signals on every request). Its
    connections run ``AclaudeResponseHandler`` (above); with ``stamp_reads`` they also stamp
    their reads (``ReadStampingHandler``)."""

    def __init__(self, *, stamp_reads: bool = False, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        if hasattr(self, "_factory"):  # aiohttp's protocol factory (private)
            handler = ReadStampingHandler if stamp_reads else AclaudeResponseHandler
            factory: Any = functools.partial(handler, loop=self._loop)
            self._factory = factory

    async def connect(
        self, req: ClientRequest, traces: list[Trace], timeout: aiohttp.ClientTimeout
    ) -> Connection:
        connection = await super().connect(req, traces, timeout)
        timings = current_timings.get()
        if timings is not None:
            timings.connection_acquired = time.monotonic()
        return connection


def read_stamping_connector(max_connections: int) -> aiohttp.BaseConnector:
    """A connection pool for ``Client(connector=...)`` whose streams stamp each read when its
    bytes came off the socket (for benchmark harnesses: ``aclaude bench``). The caller closes
    it (``await connector.close()``) after the client."""
    return _StampingConnector(
        stamp_reads=True, limit=max_connections, limit_per_host=0, **keepalive_options(True)
    )


#: The largest JSON body ``Response.read()`` takes (counted after decompression, while reading):
#: the API's JSON answers (a model list, a batch, file metadata) are a few KB; a page of 1,000
#: batches well under 10 MiB.
DEFAULT_MAX_BODY_BYTES = 64 * 1024 * 1024

# asyncio.timeout is 3.11+. On 3.10 its backport, which aiohttp itself requires there (and
# pyproject names): not asyncio.wait_for, whose 3.10 version can lose a cancellation or the
# response when the two race (a cancelled stream then leaked its connection).
if sys.version_info >= (3, 11):
    _timeout_cm: Callable[[float], Any] = asyncio.timeout
else:  # pragma: no cover - Python 3.10
    from async_timeout import timeout as _timeout_cm


class Timeout(msgspec.Struct, frozen=True, kw_only=True):
    """Time limits of one request, in seconds (``None``: no limit).

    ``connect``: to open the connection. ``read``: the longest the server may stay silent:
    waiting for the response headers, or any one read of the body waiting for data (an idle
    stream fails with ``APITimeoutError`` after this long; time the caller spends between reads
    does not count).
    ``total``: the whole request including the full body; off by default so that a long
    stream is never cut by a blanket deadline.

    Two limits follow from ``read`` even without ``total``, so that a server that keeps the
    socket busy without answering cannot hold a call forever: the final response headers must
    come within ``connect + read`` of sending (endless ``103 Early Hints`` count as waiting),
    and a JSON (non-streaming) body must arrive whole within ``read`` of its first read (a body
    trickling a byte a second is not progress: the JSON is only useful once it is complete).
    """

    connect: float | None = 10.0
    read: float | None = 120.0
    total: float | None = None

    @classmethod
    def coerce(cls, value: Timeout | float | None) -> Timeout:
        """``Timeout``, or a number meaning the read (idle) limit, or None for no limits."""
        if isinstance(value, Timeout):
            return value
        if value is None:
            return cls(connect=None, read=None, total=None)
        return cls(connect=min(float(value), 10.0), read=float(value))

    def to_aiohttp(self) -> aiohttp.ClientTimeout:
        # aiohttp's sock_read times the wait for the headers only: send() then hands
        # the body reads to ReadDeadlines.
        # One aiohttp object per distinct Timeout, not one per request (each response keeps it).
        cached = _AIOHTTP_TIMEOUTS.get(self)
        if cached is None:
            cached = aiohttp.ClientTimeout(
                total=self.total, sock_connect=self.connect, sock_read=self.read
            )
            if len(_AIOHTTP_TIMEOUTS) < 256:
                _AIOHTTP_TIMEOUTS[self] = cached
        return cached


_AIOHTTP_TIMEOUTS: dict[Timeout, aiohttp.ClientTimeout] = {}


class Response:
    """An open HTTP response with status < 400: headers now, body bytes as they arrive.

    Always finish with ``release()`` (body fully read: the connection returns to the pool) or
    ``close()`` (drop the connection: used when the body was not read to the end).
    """

    __slots__ = (
        "_deadlines",
        "_on_release",
        "_read_timeout",
        "_resp",
        "headers",
        "max_body_bytes",
        "read_time",
        "request_id",
        "status",
    )

    def __init__(
        self,
        resp: aiohttp.ClientResponse,
        on_release: Callable[[], None] | None = None,
        deadlines: ReadDeadlines | None = None,
        read_timeout: float | None = None,
    ) -> None:
        self._resp = resp
        self._on_release = on_release
        connection = resp.connection
        protocol = connection.protocol if connection is not None else None
        #: When the bytes ``read_chunk`` just returned came off the socket (the last of them,
        #: ``time.monotonic()`` seconds): from the protocol on a ``read_stamping_connector``;
        #: otherwise the clock itself, read when the reading task runs (no cost added).
        self.read_time: Callable[[], float] = (
            functools.partial(getattr, protocol, "read_at")
            if isinstance(protocol, ReadStampingHandler)
            else time.monotonic
        )
        # Each read that has to wait registers here for at most read_timeout seconds.
        self._deadlines = deadlines if read_timeout else None
        self._read_timeout = read_timeout or 0.0
        self.status = resp.status
        self.headers: Mapping[str, str] = resp.headers
        self.request_id: str | None = resp.headers.get("request-id")
        #: ``read()`` refuses a body larger than this (``APIResponseValidationError``).
        self.max_body_bytes = DEFAULT_MAX_BODY_BYTES

    @property
    def rate_limits(self) -> RateLimits:
        """The ``anthropic-ratelimit-*`` (and ``retry-after``) headers, typed."""
        return RateLimits.from_headers(self.headers)

    async def read_chunk(self) -> bytes:
        """The next piece of the body: all the bytes that arrived since the last call (waiting
        for some if there are none); ``b""`` at the end of the body.

        A plain coroutine rather than an async generator: a stream that is held open between
        reads then keeps no suspended frame (nor its last chunk) alive."""
        deadlines = self._deadlines
        try:
            if deadlines is None:
                return await self._resp.content.readany()
            deadlines.start(self, self._read_timeout)
            try:
                return await self._resp.content.readany()
            finally:
                deadlines.stop(self)
        except _ReadTimedOut as exc:
            raise APITimeoutError(
                f"no data from the server for {self._read_timeout:g} s (read timeout)",
                request_id=self.request_id,
            ) from exc
        except (asyncio.TimeoutError, aiohttp.ServerTimeoutError) as exc:
            raise APITimeoutError(
                "timed out reading the response (read timeout or overall deadline)",
                request_id=self.request_id,
            ) from _scrubbed(exc)
        except (aiohttp.ClientError, OSError) as exc:
            raise APIConnectionError(
                f"connection lost while reading the response: {_describe(exc)}",
                request_id=self.request_id,
            ) from _scrubbed(exc)

    async def iter_bytes(self) -> AsyncIterator[bytes]:
        """The body as it arrives, chunk by chunk (see ``read_chunk``)."""
        read_chunk = self.read_chunk
        while chunk := await read_chunk():
            yield chunk

    async def read(self) -> bytes:
        """The whole body (for JSON responses), at most ``max_body_bytes`` of it (counted as it
        arrives, after decompression: ``APIResponseValidationError`` past it), and all of it within
        the read timeout of the first read (``APITimeoutError`` otherwise)."""
        limit = self.max_body_bytes
        chunks: list[bytes] = []
        size = 0
        read_timeout = self._read_timeout
        clock = asyncio.get_running_loop().time if self._deadlines is not None else None
        give_up = clock() + read_timeout if clock is not None else 0.0
        slow = (
            f"the response body did not arrive in full within {read_timeout:g} s (read timeout)"
        )
        try:
            while True:
                if clock is not None:
                    left = give_up - clock()
                    if left <= 0:
                        raise APITimeoutError(slow, request_id=self.request_id)
                    self._read_timeout = min(read_timeout, left)
                try:
                    chunk = await self.read_chunk()
                except APITimeoutError as exc:
                    if self._read_timeout < read_timeout:  # the whole-body limit, not silence
                        raise APITimeoutError(slow, request_id=self.request_id) from exc
                    raise
                if not chunk:
                    return b"".join(chunks)
                size += len(chunk)
                if size > limit:
                    raise APIResponseValidationError(
                        f"the response body is larger than the limit of {limit} bytes "
                        "(max_body_bytes)",
                        request_id=self.request_id,
                    )
                chunks.append(chunk)
        finally:
            self._read_timeout = read_timeout

    def expire(self) -> None:
        """Called by ``ReadDeadlines`` when a read waited too long: it fails at once."""
        self._resp.content.set_exception(_ReadTimedOut())

    def release(self) -> None:
        self._resp.release()
        self._done()

    def close(self) -> None:
        self._resp.close()
        self._done()

    def _done(self) -> None:
        on_release, self._on_release = self._on_release, None
        if on_release is not None:
            on_release()


async def send(
    session: aiohttp.ClientSession,
    request: PreparedRequest,
    *,
    timeout: Timeout,
    on_release: Callable[[], None] | None = None,
    deadlines: ReadDeadlines | None = None,
    max_body_bytes: int = DEFAULT_MAX_BODY_BYTES,
    proxy: URL | None = None,
    extra_headers: Mapping[str, Any] | None = None,
    retry_count: int = 0,
    on_open: Callable[[Response, int], None] | None = None,
) -> Response:
    """Send one request and return the open response, or raise the typed error.

    A status >= 400 reads the (bounded) error body and raises ``APIStatusError``'s subclass.
    With ``deadlines``, the body's reads are timed there (``timeout.read``), not by aiohttp.
    ``extra_headers`` are merged over ``request.headers`` (as ``add_headers`` does) in the
    dict handed to aiohttp, which lets it go once copied: a request waiting for its response
    holds no merged copy of its own. ``on_open(response, retry_count)`` is called with the
    response opened.
    """
    body = request.json
    pending = session.request(
        request.method,
        request.url,
        data=_encode(body) if body is not None else request.content,
        headers=add_headers(request.headers, extra_headers) if extra_headers else request.headers,
        params=request.params,
        timeout=timeout.to_aiohttp(),
        allow_redirects=False,
        proxy=proxy,
    )
    try:
        if not timeout.read:
            resp = await pending
        else:
            # The final headers within connect + read: aiohttp's sock_read restarts on every
            # packet, so endless 103 Early Hints (or headers a byte at a time) would never end.
            limit = (timeout.connect or 0.0) + timeout.read
            task = asyncio.current_task() if deadlines is not None else None
            if task is None:
                async with _timeout_cm(limit):
                    resp = await pending
            else:
                # On the client's shared timer, like the body's reads: an asyncio.timeout is
                # a Timeout and a TimerHandle per request, held while it waits (thousands at
                # a time when many streams open at once) and a heap push and cancel each.
                wait = _HeadersWait(task)
                deadlines.start(wait, limit)  # type: ignore[union-attr]  # task set: not None
                try:
                    resp = await pending
                except asyncio.CancelledError:
                    if wait.timed_out():
                        raise asyncio.TimeoutError from None
                    raise
                finally:
                    deadlines.stop(wait)  # type: ignore[union-attr]
    except (asyncio.TimeoutError, aiohttp.ServerTimeoutError) as exc:
        error: APIConnectionError = APITimeoutError(
            f"request timed out before a response: {request.method} {redact_url(request.url)}"
        )
        error.request = _error_request(request, extra_headers)
        raise error from _scrubbed(exc)
    except (aiohttp.ClientError, OSError) as exc:
        error = APIConnectionError(f"connection error: {_describe(exc)}")
        error.request = _error_request(request, extra_headers)
        raise error from _scrubbed(exc)
    if resp.status < 300:
        if deadlines is None or not timeout.read:  # 0, like None, is no limit (as in aiohttp)
            response = Response(resp, on_release)
        else:
            _stop_aiohttp_read_timer(resp)
            response = Response(resp, on_release, deadlines, timeout.read)
        response.max_body_bytes = max_body_bytes
        if on_open is not None:
            on_open(response, retry_count)
        return response
    try:
        raise await _status_error(resp, timeout.read, _error_request(request, extra_headers))
    finally:
        resp.close()


def _error_request(request: PreparedRequest, extra_headers: Mapping[str, Any] | None = None) -> ErrorRequest:
    """What ``error.request`` shows: credentials masked (made only when a request failed)."""
    url, params = request.url, request.params
    full = redact_url(URL(url).update_query(params) if params else url)
    headers = add_headers(request.headers, extra_headers) if extra_headers else request.headers
    return ErrorRequest(request.method, full, redact_headers(headers))


def env_proxy(url: str) -> URL | None:
    """The proxy the environment names for ``url`` (``HTTPS_PROXY`` / ``HTTP_PROXY`` /
    ``ALL_PROXY``, unless ``NO_PROXY`` covers its host), with its credentials (from the proxy
    URL or ``~/.netrc``) in the URL, where aiohttp takes them for ``Proxy-Authorization``; or
    None.

    A client looks this up once per base URL, not per request: aiohttp's own ``trust_env``
    reads the environment and ``~/.netrc`` again for every request (about a fifth more CPU
    in the soak test), and would also send ``~/.netrc`` credentials to the API host."""
    try:
        proxy, auth = get_env_proxy_for_url(URL(url))
    except (LookupError, ValueError):
        return None
    # In the URL: aiohttp 3.14 deprecates its proxy_auth argument.
    return proxy.with_user(auth.login).with_password(auth.password) if auth is not None else proxy


def _stop_aiohttp_read_timer(resp: aiohttp.ClientResponse) -> None:
    """Switch off aiohttp's per-packet read timer for the rest of this response (the next
    request on the connection sets its own): ReadDeadlines times the body reads instead."""
    connection = resp.connection
    protocol = connection.protocol if connection is not None else None
    if protocol is not None:  # None: the body already arrived and the timer is gone with it
        protocol.read_timeout = None
        protocol.start_timeout()  # with no timeout set: cancels the armed timer, arms none


class _HeadersWait:
    """A request waiting for its final headers, registered with ``ReadDeadlines``: past its
    deadline the waiting task is cancelled, and ``timed_out()`` (in its ``except
    CancelledError``) tells that cancellation from any other. As ``asyncio.timeout`` does it:
    on 3.11+ the cancellation is taken back (``uncancel``) and counted, so that a cancel from
    outside arriving at the same time still wins and a surrounding ``asyncio.timeout`` or
    TaskGroup is not confused."""

    __slots__ = ("_cancelling", "_expired", "_task")

    def __init__(self, task: asyncio.Task[Any]) -> None:
        self._task = task
        self._expired = False
        self._cancelling = 0
        if sys.version_info >= (3, 11):
            self._cancelling = task.cancelling()

    def expire(self) -> None:
        self._expired = True
        self._task.cancel()

    def timed_out(self) -> bool:
        """In ``except CancelledError``: True if this deadline was the cancellation's cause."""
        if not self._expired:
            return False
        if sys.version_info >= (3, 11):
            return self._task.uncancel() <= self._cancelling
        return True  # pragma: no cover - Python 3.10: no cancellation counts to compare


class _ReadTimedOut(Exception):
    """Set on a response's body reader by ``Response.expire``; becomes ``APITimeoutError``."""


async def _read_error_body(resp: aiohttp.ClientResponse, chunks: list[bytes]) -> None:
    """The error body to its end or the cap, whatever the packets it came in (into ``chunks``)."""
    size = 0
    while size < _MAX_ERROR_BODY:
        try:
            piece = await resp.content.read(_MAX_ERROR_BODY - size)
        except (asyncio.TimeoutError, aiohttp.ClientError, OSError):
            break  # what arrived is the best we have
        if not piece:
            break
        chunks.append(piece)
        size += len(piece)


async def _status_error(
    resp: aiohttp.ClientResponse, read: float | None, request: ErrorRequest
) -> APIStatusError:
    request_id = resp.headers.get("request-id")
    chunks: list[bytes] = []
    reading = asyncio.ensure_future(_read_error_body(resp, chunks))
    try:
        # Within the read timeout as a whole: a trickling error body is cut there (what came
        # is kept), not waited on.
        await asyncio.wait([reading], timeout=read or None)
    finally:
        if not reading.done():
            reading.cancel()
            await asyncio.wait([reading])
    raw = b"".join(chunks)
    body: Any
    try:
        body = msgspec.json.decode(raw) if raw else None
    except (msgspec.DecodeError, UnicodeDecodeError, RecursionError):
        body = raw.decode("utf-8", "replace")
    if 300 <= resp.status < 400:
        # Never followed (see module docstring); reported as an error with the target's host only.
        location = resp.headers.get("location", "")
        body = body or f"redirect to {_host_of(location)} not followed"
    response = ErrorResponse(resp.status, resp.headers, raw, request)
    return error_for_status(
        resp.status, body, headers=resp.headers, request_id=request_id, response=response
    )


def _host_of(url: str) -> str:
    try:
        return URL(url).host or "(relative)"
    except (ValueError, TypeError):
        return "(unparseable)"


def _describe(exc: BaseException) -> str:
    # aiohttp error texts never include request headers; a URL in one (InvalidURL) may carry a
    # password, which goes.
    text = redact_url(exc) if isinstance(exc, aiohttp.InvalidURL) else str(exc)
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def _scrubbed(exc: BaseException) -> BaseException:
    """``exc`` with every secret taken out of it and the exceptions chained to it, in place.

    aiohttp's ``ClientResponseError`` (raised for a malformed response, among others) keeps the
    request's headers in ``request_info`` (``x-api-key``, ``authorization``) and earlier
    responses in ``history``; a ``ClientConnectorError`` keeps the proxy and its credentials in
    its connection key; ``InvalidURL`` the URL, password included.
    """
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen and len(seen) < 16:
        seen.add(id(current))
        if isinstance(current, aiohttp.ClientResponseError):
            info = current.request_info
            if info is not None:
                current.request_info = RequestInfo(
                    URL(redact_url(info.url)),
                    info.method,
                    CIMultiDictProxy(CIMultiDict(redact_headers(info.headers))),
                    URL(redact_url(info.real_url)),
                )
            current.history = ()
            current.args = (current.request_info, ())
        elif isinstance(current, aiohttp.ClientConnectorError):
            key = current._conn_key
            if isinstance(key, ConnectionKey) and (key.proxy is not None or key.proxy_auth is not None):
                proxy = URL(redact_url(key.proxy)) if key.proxy is not None else None
                current._conn_key = key._replace(proxy=proxy, proxy_auth=None)
                current.args = (current._conn_key, *current.args[1:])
        elif isinstance(current, aiohttp.InvalidURL):
            current._url = redact_url(current._url)
            current.args = (current._url, *current.args[1:])
        current = current.__cause__ or current.__context__
    return exc


# -- TCP keep-alive ---------------------------------------------------------------------------

#: As the official SDK: the first probe after 60 s of silence, then every 60 s, 5 unanswered
#: probes drop the connection. A NAT or load balancer that forgets idle flows (often after
#: 350 s or less) then still sees traffic on a long stream or a long non-streaming call.
KEEPALIVE_IDLE = 60
KEEPALIVE_INTERVAL = 60
KEEPALIVE_COUNT = 5


def set_keepalive(
    sock: socket.socket,
    *,
    idle: int = KEEPALIVE_IDLE,
    interval: int = KEEPALIVE_INTERVAL,
    count: int = KEEPALIVE_COUNT,
) -> None:
    """Turn TCP keep-alive on for ``sock`` (the timings where the platform has them)."""
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE, 1)
    # Linux: TCP_KEEPIDLE; macOS: TCP_KEEPALIVE is the idle time. Windows has all three
    # since 10 (1709); other platforms keep their defaults.
    idle_option = getattr(socket, "TCP_KEEPIDLE", None) or getattr(socket, "TCP_KEEPALIVE", None)
    for option, value in (
        (idle_option, idle),
        (getattr(socket, "TCP_KEEPINTVL", None), interval),
        (getattr(socket, "TCP_KEEPCNT", None), count),
    ):
        if option is not None:
            try:
                sock.setsockopt(socket.IPPROTO_TCP, option, value)
            except OSError:  # an option the platform lists but refuses
                pass


def _keepalive_socket(addr_info: Any) -> socket.socket:
    """aiohttp's ``socket_factory``: the socket it would make, with keep-alive on."""
    family, type_, proto, _, _ = addr_info
    sock = socket.socket(family=family, type=type_, proto=proto)
    try:
        set_keepalive(sock)
    except OSError:
        pass  # keep-alive is a safety net, never a reason to fail a connection
    return sock


def keepalive_options(enabled: bool) -> dict[str, Any]:
    """Keyword arguments for ``aiohttp.TCPConnector`` that turn keep-alive on for every
    connection it opens (none when ``enabled`` is false, or with an aiohttp before 3.12,
    which has no ``socket_factory``)."""
    if enabled and _HAS_SOCKET_FACTORY:
        return {"socket_factory": _keepalive_socket}
    return {}


_HAS_SOCKET_FACTORY = "socket_factory" in inspect.signature(aiohttp.TCPConnector).parameters
