"""``Client``: configuration, credentials and the shared aiohttp session; resources hang off it."""

from __future__ import annotations

import asyncio
import logging
import os
import time
from collections.abc import AsyncIterable, Callable, Coroutine, Mapping, Sequence
from types import MethodType
from typing import TYPE_CHECKING, Any, ClassVar, Literal, Protocol, TypeVar, overload

import msgspec

from ._closing import AsyncClosing
from ._decoders.sse import DEFAULT_MAX_EVENT_BYTES, SSEDecoder
from ._exceptions import APIError, APIResponseValidationError, APIStatusError, ClientClosedError
from ._http.headers_query import HeaderValues, QueryValues, add_headers, encode_query, merge_headers
from ._http.raw_response import record_body, record_response
from ._http.read_deadlines import ReadDeadlines
from ._http.retry import with_retries
from ._http.transport import (
    DEFAULT_MAX_BODY_BYTES,
    PreparedRequest,
    Response,
    Timeout,
    env_proxy,
    new_session,
    send,
)
from ._logging import configure_logger, describe_body, redact_headers, redact_url
from ._middleware import Middleware, MiddlewareInput, install_middleware
from ._version import __version__
from .resources._client_twins import ClientWithRawResponse, ClientWithStreamingResponse
from .resources._options import RequestOptions, check_options
from .resources.beta import Beta
from .resources.completions import Completions
from .resources.files import Files
from .resources.messages import Messages
from .resources.models import Models
from .resources.skills import Skills
from .resources.user_profiles import UserProfiles
from .streaming._event_stream import DecoderFactory, EventStream
from .types._request_id import attach_request_id
from .types.params import NOT_GIVEN

if TYPE_CHECKING:
    from typing_extensions import Unpack

if TYPE_CHECKING:
    import aiohttp  # the session is made in _http/transport.py; here only its type
    from multidict import MultiDict
    from typing_extensions import Self
from .types._extras import decode_keeping_extras

__all__ = ["DEFAULT_MAX_CONNECTIONS", "DEFAULT_TIMEOUT", "Client", "PreparedRequest"]

DEFAULT_BASE_URL = "https://api.anthropic.com"
DEFAULT_API_VERSION = "2023-06-01"
#: Connections in the pool: enough for 2,000 concurrent streams with room to spare.
DEFAULT_MAX_CONNECTIONS = 4096
DEFAULT_TIMEOUT = Timeout()
RETRY_COUNT_HEADER = "x-stainless-retry-count"

_T = TypeVar("_T")
_NOT_GIVEN: Any = NOT_GIVEN


class _BoundVerb(Protocol):
    def __call__(
        self, path: str, *, cast_to: Any = None, body: Any = None, **options: Unpack[RequestOptions]
    ) -> Coroutine[Any, Any, Any]: ...


class _Verb:
    """``client.get(path, ...)`` and its siblings: ``request`` with the HTTP method filled in,
    one function per method (``help()`` shows its parameters)."""

    __slots__ = ("_function",)

    def __init__(self, method: str, about_body: str = "") -> None:
        # A method of Client (its first parameter named as one, for help(Client.get)).
        async def verb(
            self: Client,
            path: str,
            *,
            cast_to: Any = None,
            body: Any = None,
            **options: Unpack[RequestOptions],
        ) -> Any:
            return await self.request(method, path, cast_to=cast_to, body=body, **options)

        verb.__name__ = method.lower()
        verb.__qualname__ = f"Client.{verb.__name__}"
        verb.__doc__ = f"``{method} path`` {about_body}(see ``request``)."
        self._function = verb

    @overload
    def __get__(self, client: None, owner: type[Any]) -> Callable[..., Coroutine[Any, Any, Any]]: ...

    @overload
    def __get__(self, client: Client, owner: type[Any]) -> _BoundVerb: ...

    def __get__(self, client: Client | None, owner: type[Any]) -> Any:
        return self._function if client is None else MethodType(self._function, client)


class Client(AsyncClosing):
    """An asyncio client for the Anthropic API.

    ``api_key`` defaults to ``ANTHROPIC_API_KEY``; ``auth_token`` (sent as a Bearer token) to
    ``ANTHROPIC_AUTH_TOKEN``; ``base_url`` to ``ANTHROPIC_BASE_URL``. Use it as
    ``async with Client() as client:`` or call ``await client.close()``.

    One client holds one connection pool of ``max_connections``; ``max_in_flight`` optionally
    caps the requests in flight (streams count until they end). Pass ``session=`` (or
    ``connector=``) to use your own aiohttp objects: the client never closes what it did not
    create. Proxies come from the environment (``HTTPS_PROXY``, ``HTTP_PROXY``, ``ALL_PROXY``,
    ``NO_PROXY``; proxy credentials also from ``~/.netrc``), read once when the client first
    sends, as in the official SDK; ``trust_env=False`` ignores them.
    An https endpoint is reached through the proxy by a ``CONNECT`` tunnel: the proxy sees the
    host name, never the request's headers (the API key).

    Resources (attributes of every client, as in the official SDK):

    - ``messages``: ``create()`` (``stream=True`` for the events), ``stream()`` (a
      ``MessageStream``), ``parse()``, ``count_tokens()``, ``tool_runner()``;
      ``messages.batches``: the Message Batches API (``create``, ``retrieve``, ``list``,
      ``cancel``, ``delete``, ``results``)
    - ``models``: ``list()``, ``retrieve()``
    - ``files``: ``upload()``, ``list()``, ``retrieve_metadata()``, ``download()``, ``delete()``
    - ``completions``: the legacy Text Completions API
    - ``skills``: Agent Skills and their ``versions`` (``create`` uploads the skill's files)
    - ``user_profiles``: ``create()``, ``retrieve()``, ``update()``, ``list()``, ``delete()``
    - ``beta``: ``beta.messages`` (with ``betas=[...]``), ``beta.models``, ``beta.files``,
      ``beta.skills``, ``beta.user_profiles``

    Each resource's ``with_raw_response`` makes the same calls and returns the HTTP response too;
    ``with_streaming_response`` gives the response as soon as its headers arrive, then its body.

    ``with_options(...)`` returns a copy with other options sharing this client's connection pool.
    ``max_body_bytes`` caps a JSON (non-streaming) body, ``max_event_bytes`` one stream event;
    ``tcp_keepalive`` (on) keeps the pool's idle connections alive through NATs and load
    balancers (SO_KEEPALIVE: 60 s idle and interval, 5 probes, as the official SDK).
    """

    #: Makes the decoder of a streamed response body. Cloud-platform subclasses whose streams
    #: are not SSE replace it (see ``_prepare_request`` for the request side).
    _decoder_factory: ClassVar[DecoderFactory] = SSEDecoder
    #: The response header holding the request id when the server does not send ``request-id``
    #: (a cloud platform's own, e.g. ``x-amzn-requestid``).
    _request_id_header: ClassVar[str | None] = None
    #: The stream class of streamed calls; telemetry (aclaude.telemetry) sets a traced subclass
    #: on an instrumented client only.
    _event_stream_class: type[EventStream] = EventStream

    def __init__(
        self,
        *,
        api_key: str | None = None,
        auth_token: str | None = None,
        base_url: str | None = None,
        timeout: Timeout | float | None = DEFAULT_TIMEOUT,
        max_retries: int = 2,
        default_headers: HeaderValues | None = None,
        default_query: QueryValues | None = None,
        max_connections: int = DEFAULT_MAX_CONNECTIONS,
        max_in_flight: int | None = None,
        session: aiohttp.ClientSession | None = None,
        connector: aiohttp.BaseConnector | None = None,
        trust_env: bool = True,
        max_event_bytes: int = DEFAULT_MAX_EVENT_BYTES,
        max_body_bytes: int = DEFAULT_MAX_BODY_BYTES,
        tcp_keepalive: bool = True,
        log_level: str | None = None,
        logger: logging.Logger | None = None,
        middleware: Sequence[MiddlewareInput] | None = None,
        rate_limiter: Middleware | None = None,
    ) -> None:
        if api_key is None:
            api_key = os.environ.get("ANTHROPIC_API_KEY")
        if auth_token is None:
            auth_token = os.environ.get("ANTHROPIC_AUTH_TOKEN")
        if base_url is None:
            base_url = os.environ.get("ANTHROPIC_BASE_URL") or DEFAULT_BASE_URL
        self._api_key = api_key or None
        self._auth_token = auth_token or None
        self.base_url = base_url.rstrip("/")
        self.timeout = Timeout.coerce(timeout)
        self.max_retries = max_retries
        self.max_connections = max_connections
        self.max_event_bytes = max_event_bytes
        #: The largest JSON body taken (after decompression); larger: APIResponseValidationError.
        self.max_body_bytes = max_body_bytes
        #: TCP keep-alive on the pool's connections (60 s idle and interval, 5 probes).
        self.tcp_keepalive = tcp_keepalive
        self.trust_env = trust_env
        # (base URL, proxy URL with its credentials) from the environment: looked up once per base URL.
        self._proxy: tuple[str, Any] | None = None
        self._default_headers = dict(default_headers) if default_headers else {}
        self._default_query = dict(default_query) if default_query else None
        # As it goes on the wire (true/false, key[]=a&key[]=b), encoded once.
        self._query = encode_query(self._default_query)
        self._session = session
        self._connector = connector
        self._owns_session = session is None
        # A with_options() copy takes its session from the client it was made from, when it
        # needs one (so a copy can be made before any event loop runs).
        self._session_source: Client | None = None
        self._max_in_flight = max_in_flight
        self._in_flight = asyncio.Semaphore(max_in_flight) if max_in_flight else None
        self._closed = False
        # The body reads' timeouts, on one loop timer (made by the first request, in its loop).
        self._deadlines: ReadDeadlines | None = None
        self._log_level = log_level
        self._log = configure_logger(log_level, logger)
        self._headers = self._build_headers()
        self.messages = Messages(self)
        self.models = Models(self)
        self.completions = Completions(self)
        self.files = Files(self)
        self.skills = Skills(self)
        self.user_profiles = UserProfiles(self)
        self.beta = Beta(self)
        # Hooks around each attempt (aclaude._middleware); none: open_response stays the plain method.
        # The limiter (an aclaude.ratelimit.RateLimiter: typed by its base here, since ratelimit
        # sits above the client) runs innermost, after every other middleware.
        self.middleware = tuple(middleware or ())
        self.rate_limiter = rate_limiter
        install_middleware(self, (*self.middleware, *((rate_limiter,) if rate_limiter else ())))

    @property
    def with_streaming_response(self) -> ClientWithStreamingResponse:
        """``async with client.with_streaming_response.messages.create(...) as response``:
        headers first, then the body as it arrives (see ``StreamedResponse``)."""
        return ClientWithStreamingResponse(self)

    @property
    def with_raw_response(self) -> ClientWithRawResponse:
        """``client.with_raw_response.messages.create(...)``: each resource's raw twin."""
        return ClientWithRawResponse(self)

    def __repr__(self) -> str:
        # Never the key: only whether one is set.
        auth = "api_key=***" if self._api_key else ("auth_token=***" if self._auth_token else "no key")
        return f"<aclaude.Client base_url={redact_url(self.base_url)!r} {auth}>"

    def _build_headers(self) -> dict[str, str]:
        headers = {
            "anthropic-version": DEFAULT_API_VERSION,
            "content-type": "application/json",
            "accept": "application/json",
            "user-agent": f"aclaude/{__version__}",
            # Overwritten on retries (open_response); here so that the first attempt costs no copy.
            RETRY_COUNT_HEADER: "0",
        }
        if self._api_key:
            headers["x-api-key"] = self._api_key
        if self._auth_token:
            headers["authorization"] = f"Bearer {self._auth_token}"
        # A None / omit value removes a header, as the SDK's Omit() does.
        return merge_headers(headers, self._default_headers)

    def with_options(
        self,
        *,
        api_key: str | None = _NOT_GIVEN,
        auth_token: str | None = _NOT_GIVEN,
        base_url: str | None = _NOT_GIVEN,
        timeout: Timeout | float | None = _NOT_GIVEN,
        max_retries: int = _NOT_GIVEN,
        default_headers: HeaderValues | None = _NOT_GIVEN,
        default_query: QueryValues | None = _NOT_GIVEN,
        max_event_bytes: int = _NOT_GIVEN,
        middleware: Sequence[MiddlewareInput] = _NOT_GIVEN,
        rate_limiter: Middleware | None = _NOT_GIVEN,
    ) -> Self:
        """A client (of the same class) with some options changed, sharing this one's
        connection pool.

        ``default_headers`` and ``default_query`` are merged over this client's (a ``None``
        header value removes one), as in the official SDK. The copy can be made outside an event
        loop; it never closes the pool: close the original when done.
        """
        changes = {
            "base_url": base_url,
            "timeout": timeout,
            "max_retries": max_retries,
            "default_headers": default_headers,
            "default_query": default_query,
            "max_event_bytes": max_event_bytes,
            "middleware": middleware,
            "rate_limiter": rate_limiter,
        }
        copy = self._copy(api_key, auth_token, self._shared_options(**changes))
        self._share_pool(copy)
        return copy

    def _copy(self, api_key: str | None, auth_token: str | None, options: dict[str, Any]) -> Self:
        """The ``with_options`` copy built from ``options`` (``_shared_options``) and the
        credentials asked for (``_NOT_GIVEN``: this client's). Platform clients override it."""
        return type(self)(
            # "" rather than None: a copy never falls back to the environment's credentials.
            api_key=(self._api_key if api_key is _NOT_GIVEN else api_key) or "",
            auth_token=(self._auth_token if auth_token is _NOT_GIVEN else auth_token) or "",
            **options,
        )

    def _shared_options(self, **changes: Any) -> dict[str, Any]:
        """Constructor arguments for a copy of this client on its pool (``with_options``):
        each of ``changes`` left ``_NOT_GIVEN`` keeps this client's value."""
        current: dict[str, Any] = {
            "base_url": self.base_url,
            "timeout": self.timeout,
            "max_retries": self.max_retries,
            "default_headers": self._default_headers,
            "default_query": self._default_query,
            "max_event_bytes": self.max_event_bytes,
            "middleware": self.middleware,
            "rate_limiter": self.rate_limiter,
        }
        options = {name: current[name] if value is _NOT_GIVEN else value for name, value in changes.items()}
        options.setdefault("middleware", self.middleware)  # copies keep the hooks and the budget
        options.setdefault("rate_limiter", self.rate_limiter)
        # Merged over this client's, as the SDK does (None is "no change" there too).
        for name in ("default_headers", "default_query"):
            if changes.get(name, _NOT_GIVEN) is not _NOT_GIVEN:
                options[name] = {**(current[name] or {}), **(changes[name] or {})}
        # No session here: the copy takes this client's when it first needs one (_share_pool),
        # so that a copy can be made outside an event loop.
        options.update(
            max_connections=self.max_connections,
            logger=self._log,
            max_body_bytes=self.max_body_bytes,
            tcp_keepalive=self.tcp_keepalive,
        )
        return options

    def _share_pool(self, copy: Client) -> None:
        """Make ``copy`` (from ``with_options``) use this client's pool and in-flight cap: its
        session is this client's, fetched when the copy first needs it."""
        copy._in_flight = self._in_flight
        copy._session_source = self
        copy._owns_session = False
        copy.trust_env = self.trust_env  # the pool's proxy choice goes with it

    # -- lifecycle -------------------------------------------------------------------------

    async def close(self) -> None:
        """Close the connection pool (if this client created it). Idempotent."""
        self._closed = True
        session, self._session = self._session, None
        if self._deadlines is not None:
            self._deadlines.close()
        if session is not None and self._owns_session and not session.closed:
            await session.close()

    @property
    def is_closed(self) -> bool:
        """Whether ``close()`` was called (a closed client raises ``ClientClosedError``)."""
        return self._closed

    @property
    def logger(self) -> logging.Logger:
        """The logger this client writes its request lines to (``logger=`` / ``log_level=``)."""
        return self._log

    def _get_session(self) -> aiohttp.ClientSession:
        if self._closed:
            raise ClientClosedError("this aclaude.Client is closed")
        session = self._session
        if session is None and self._session_source is not None:
            return self._session_source._get_session()
        if session is None:
            # Made on first use, inside the running loop (aiohttp binds sessions to a loop).
            # Proxies from the environment are looked up by the client, once (_env_proxy).
            session = self._session = new_session(
                self._connector,
                max_connections=self.max_connections,
                # Proxies are looked up once per client (_env_proxy), not by aiohttp per request.
                trust_env=False,
                tcp_keepalive=self.tcp_keepalive,
            )
        return session

    # -- requests --------------------------------------------------------------------------

    async def _prepare_request(self, request: PreparedRequest) -> PreparedRequest:
        """The request seam: turn one attempt into what goes on the wire.

        Called by ``open_response`` for every attempt (so a retry is prepared afresh, e.g.
        re-signed), after the ``max_in_flight`` slot was taken, with ``request.url`` set to
        ``base_url + path``. The plain client sends it as it is; cloud-platform clients
        override this to rewrite the URL and body and to authenticate (see ``PreparedRequest``
        for what may be changed).
        """
        return request

    def open_response(
        self,
        method: str,
        path: str,
        *,
        body: Any = None,
        extra_headers: HeaderValues | None = None,
        extra_query: QueryValues | None = None,
        timeout: Timeout | float | None = None,
        retry_count: int = 0,
        content: bytes | AsyncIterable[bytes] | None = None,
    ) -> Coroutine[Any, Any, Response]:
        """Send one attempt; return the open response (status < 400) or raise the typed error.

        The low-level call under every resource method (``retry_count`` is the attempt's number;
        retrying is the caller's). ``body`` is sent as JSON; ``content`` (used when there is no
        ``body``) as is: raw bytes or a streamed body such as a multipart upload (its
        content-type in ``extra_headers``). Finish the response with ``release()`` or ``close()``.
        Await it (it returns the attempt's coroutine).
        """
        cls = type(self)
        if (
            self._in_flight is None
            and cls._prepare_request is _PLAIN_PREPARE
            and cls._describe_error is _PLAIN_DESCRIBE
            and cls._request_id_header is None
            and not self._log.isEnabledFor(logging.INFO)
        ):
            # Nothing to do around the send (no slot to take or give back, no request to
            # rewrite, nothing to log): the coroutine of ``send`` itself, so that while the
            # response headers are awaited no frame of this method is held (thousands of
            # streams may be opening at once). The extra headers are merged over the client's
            # by send, into a dict aiohttp lets go once it has copied it.
            extra: HeaderValues | None = extra_headers
            if retry_count:
                extra = {RETRY_COUNT_HEADER: str(retry_count), **(extra_headers or {})}
            return send(
                self._get_session(),
                PreparedRequest(
                    method=method,
                    path=path,
                    url=self.base_url + path,
                    headers=self._headers,
                    json=body,
                    content=content,
                    params=self._params(extra_query),
                ),
                timeout=self.timeout if timeout is None else Timeout.coerce(timeout),
                deadlines=self._read_deadlines(),
                max_body_bytes=self.max_body_bytes,
                proxy=self._env_proxy() if self.trust_env else None,
                extra_headers=extra,
                retry_count=retry_count,
                on_open=record_response,
            )
        return self._open_response(
            method, path, body, extra_headers, extra_query, timeout, retry_count, content
        )

    def _params(self, extra_query: QueryValues | None) -> MultiDict[str] | None:
        """The query of a request: the client's, with ``extra_query`` over it."""
        if extra_query:
            return encode_query({**(self._default_query or {}), **extra_query})
        return self._query

    def _read_deadlines(self) -> ReadDeadlines:
        """The shared timer of every read's deadline (made in the running loop on first use)."""
        deadlines = self._deadlines
        if deadlines is None:
            deadlines = self._deadlines = ReadDeadlines(asyncio.get_running_loop())
        return deadlines

    async def _open_response(
        self,
        method: str,
        path: str,
        body: Any,
        extra_headers: HeaderValues | None,
        extra_query: QueryValues | None,
        timeout: Timeout | float | None,
        retry_count: int,
        content: bytes | AsyncIterable[bytes] | None,
    ) -> Response:
        """``open_response`` with its slot, request seam, error hook and logging."""
        # Every request carries this client's whole header set (its own credentials included):
        # the shared dict as it is when nothing is added, else a merged copy.
        headers: Mapping[str, str] = self._headers
        if retry_count:
            headers = add_headers(headers, {RETRY_COUNT_HEADER: str(retry_count)})
        if extra_headers:
            headers = add_headers(headers, extra_headers)
        params = self._params(extra_query)
        log = self._log
        debug = log.isEnabledFor(logging.DEBUG)
        if debug:
            log.debug(
                "request %s %s retry=%d headers=%s body=%s",
                method,
                path,
                retry_count,
                redact_headers(headers),
                describe_body(body, content),
            )
        started = time.monotonic()
        semaphore = self._in_flight
        if semaphore is not None:
            await semaphore.acquire()
        try:
            session = self._get_session()
            deadlines = self._read_deadlines()
            request = await self._prepare_request(
                PreparedRequest(
                    method=method,
                    path=path,
                    url=self.base_url + path,
                    headers=headers,
                    json=body,
                    content=content,
                    params=params,
                )
            )
            response = await send(
                session,
                request,
                timeout=self.timeout if timeout is None else Timeout.coerce(timeout),
                on_release=semaphore.release if semaphore is not None else None,
                deadlines=deadlines,
                max_body_bytes=self.max_body_bytes,
                proxy=self._env_proxy() if self.trust_env else None,
            )
        except APIError as exc:
            if semaphore is not None:
                semaphore.release()
            if isinstance(exc, APIStatusError):
                self._describe_error(exc)
            if log.isEnabledFor(logging.INFO):
                log.info(
                    "request %s %s failed: %s (request_id=%s)",
                    method,
                    path,
                    type(exc).__name__,
                    exc.request_id,
                )
            raise
        except BaseException:
            if semaphore is not None:
                semaphore.release()
            raise
        header = self._request_id_header
        if header is not None and response.request_id is None:
            response.request_id = response.headers.get(header)
        record_response(response, retry_count)  # for with_raw_response
        if debug:
            log.debug("response headers=%s", redact_headers(response.headers))
        if log.isEnabledFor(logging.INFO):
            log.info(
                "response %s %s %d request_id=%s in %.0f ms",
                method,
                path,
                response.status,
                response.request_id,
                (time.monotonic() - started) * 1000,
            )
        return response

    def _describe_error(self, exc: APIStatusError) -> None:
        """Hook for a cloud platform: give an error from the platform itself (not in the API's
        format) a readable message. The API's own errors need nothing."""

    def _env_proxy(self) -> Any:
        """The proxy from the environment for this client's base URL (None: no proxy), looked
        up once per base URL."""
        cached = self._proxy
        if cached is None or cached[0] != self.base_url:
            cached = self._proxy = (self.base_url, env_proxy(self.base_url))
        return cached[1]

    def event_stream(
        self,
        path: str,
        body: dict[str, Any],
        **options: Unpack[RequestOptions],
    ) -> EventStream:
        """A (not yet sent) streaming ``POST path`` with ``body`` as JSON (``extra_body`` merged
        into it): the events of any streaming endpoint, with this client's retries, timeouts and
        typed errors."""
        extra_body = options.get("extra_body")
        if extra_body:
            body.update(extra_body)
        timeout = options.get("timeout")
        max_retries = options.get("max_retries")
        extra_headers, extra_query = options.get("extra_headers"), options.get("extra_query")
        opener = _StreamOpener(self, path, body, extra_headers, extra_query, timeout)

        limits = self.timeout if timeout is None else Timeout.coerce(timeout)
        return self._event_stream_class(
            opener,
            max_retries=self.max_retries if max_retries is None else max_retries,
            idle_timeout=limits.read,
            max_event_bytes=self.max_event_bytes,
            decoder_factory=self._decoder_factory,
        )

    @overload
    async def request(
        self,
        method: str,
        path: str,
        *,
        cast_to: type[_T],
        body: Any = None,
        stream: Literal[False] = False,
        **options: Unpack[RequestOptions],
    ) -> _T: ...

    @overload
    async def request(
        self,
        method: str,
        path: str,
        *,
        cast_to: None = None,
        body: Any = None,
        stream: Literal[False] = False,
        **options: Unpack[RequestOptions],
    ) -> Any: ...

    @overload
    async def request(
        self,
        method: str,
        path: str,
        *,
        cast_to: Any = None,
        body: Any = None,
        stream: Literal[True],
        **options: Unpack[RequestOptions],
    ) -> EventStream: ...

    async def request(
        self,
        method: str,
        path: str,
        *,
        cast_to: Any = None,
        body: Any = None,
        stream: bool = False,
        **options: Unpack[RequestOptions],
    ) -> Any:
        """Any endpoint, with this client's headers, retries and errors.

        Returns the decoded JSON body, converted to ``cast_to`` (a msgspec Struct type, dict ...)
        when given; ``cast_to=str`` or ``bytes`` returns the body as it came, JSON or not.
        ``stream=True`` (POST) returns the opened ``EventStream`` of a server-sent-events
        answer. ``get``/``post``/``put``/``patch``/``delete`` are shorthands. ``options``: see
        ``RequestOptions`` (``extra_body`` is merged into ``body``, except for GET).
        """
        check_options(options)
        path = path if path.startswith("/") else "/" + path
        if stream:
            if method.upper() != "POST":
                raise ValueError("stream=True is for POST requests")
            # event_stream merges extra_body into the body: never into the caller's dict.
            stream_body: dict[str, Any] = dict(body) if body else {}
            return await self.event_stream(path, stream_body, **options)
        max_retries = options.get("max_retries")
        retries = self.max_retries if max_retries is None else max_retries
        extra_body = options.get("extra_body")
        if extra_body and method != "GET":
            body = {**body, **extra_body} if body else dict(extra_body)
        extra_headers = options.get("extra_headers")
        extra_query = options.get("extra_query")
        timeout = options.get("timeout")

        async def attempt(retry_count: int) -> tuple[bytes, str | None]:
            response = await self.open_response(
                method,
                path,
                body=body,
                extra_headers=extra_headers,
                extra_query=extra_query,
                timeout=timeout,
                retry_count=retry_count,
            )
            try:
                raw = await response.read()
            finally:
                response.release()
            record_body(response, raw)  # for with_raw_response
            return raw, response.request_id

        raw, request_id = await with_retries(attempt, retries)
        if cast_to is bytes:
            return raw
        try:
            if cast_to is str:
                return raw.decode("utf-8")
            if not raw:
                return None
            # Fields newer than this client are kept (see types._extras).
            result = decode_keeping_extras(raw, cast_to) if cast_to else msgspec.json.decode(raw)
        except (msgspec.DecodeError, UnicodeDecodeError, RecursionError, APIResponseValidationError) as exc:
            raise APIResponseValidationError(
                f"response body is not the expected JSON: {exc}", request_id=request_id
            ) from exc
        attach_request_id(result, request_id)  # models, batches, files, pages: obj.request_id
        return result

    get = _Verb("GET")
    post = _Verb("POST", "with ``body=`` as JSON ")
    put = _Verb("PUT")
    patch = _Verb("PATCH")
    delete = _Verb("DELETE")


class _StreamOpener:
    """Sends the attempts of one streamed ``POST`` (an ``EventStream``'s ``Opener``): calling it
    returns ``open_response``'s coroutine itself (no frame of its own while it waits).

    A small object rather than a ``functools.partial`` of ``open_response``: a partial keeps a
    dict of its keywords and a bound method, about 250 B more per stream while thousands open
    at once."""

    __slots__ = ("_body", "_client", "_extra_headers", "_extra_query", "_path", "_timeout")

    def __init__(
        self,
        client: Client,
        path: str,
        body: Any,
        extra_headers: HeaderValues | None,
        extra_query: QueryValues | None,
        timeout: Timeout | float | None,
    ) -> None:
        self._client = client
        self._path = path
        self._body = body
        self._extra_headers = extra_headers
        self._extra_query = extra_query
        self._timeout = timeout

    @property
    def keywords(self) -> dict[str, Any]:
        """The call's keywords, as a partial of ``open_response`` would show them (telemetry
        reads the request body there)."""
        return {
            "body": self._body,
            "extra_headers": self._extra_headers,
            "extra_query": self._extra_query,
            "timeout": self._timeout,
        }

    def __call__(self, *, retry_count: int) -> Coroutine[Any, Any, Response]:
        # The instance's open_response: a client with middleware routes it through the chain.
        return self._client.open_response(
            "POST",
            self._path,
            body=self._body,
            extra_headers=self._extra_headers,
            extra_query=self._extra_query,
            timeout=self._timeout,
            retry_count=retry_count,
        )


# What open_response compares a client's class with to take its direct path.
_PLAIN_PREPARE = Client._prepare_request
_PLAIN_DESCRIBE = Client._describe_error
