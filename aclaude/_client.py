"""``Client``: configuration, credentials and the shared aiohttp session; resources hang off it."""

from __future__ import annotations

import os
from collections.abc import Mapping
from types import TracebackType
from typing import Any

import aiohttp
import msgspec

from ._sse import DEFAULT_MAX_EVENT_BYTES
from ._transport import Response, Timeout, open_response
from ._version import __version__
from .resources.messages import Messages

__all__ = ["DEFAULT_MAX_CONNECTIONS", "Client"]

DEFAULT_BASE_URL = "https://api.anthropic.com"
DEFAULT_API_VERSION = "2023-06-01"
#: Connections in the pool: enough for 2,000 concurrent streams with room to spare.
DEFAULT_MAX_CONNECTIONS = 4096
DEFAULT_TIMEOUT = Timeout()

_encode = msgspec.json.Encoder().encode


class Client:
    """An asyncio client for the Anthropic API.

    ``api_key`` defaults to ``ANTHROPIC_API_KEY``, ``auth_token`` (sent as a Bearer token) to
    ``ANTHROPIC_AUTH_TOKEN`` and ``base_url`` to ``ANTHROPIC_BASE_URL``. Use it as
    ``async with Client() as client:`` or call ``await client.close()``. One client holds one
    connection pool (``max_connections``); pass ``session=`` to use your own aiohttp session
    (the client then never closes it).
    """

    def __init__(
        self,
        *,
        api_key: str | None = None,
        auth_token: str | None = None,
        base_url: str | None = None,
        timeout: Timeout | float | None = DEFAULT_TIMEOUT,
        max_retries: int = 2,
        default_headers: Mapping[str, str] | None = None,
        default_query: Mapping[str, str] | None = None,
        max_connections: int = DEFAULT_MAX_CONNECTIONS,
        session: aiohttp.ClientSession | None = None,
        max_event_bytes: int = DEFAULT_MAX_EVENT_BYTES,
    ) -> None:
        if api_key is None:
            api_key = os.environ.get("ANTHROPIC_API_KEY")
        if auth_token is None:
            auth_token = os.environ.get("ANTHROPIC_AUTH_TOKEN")
        if base_url is None:
            base_url = os.environ.get("ANTHROPIC_BASE_URL") or DEFAULT_BASE_URL
        self._api_key = api_key
        self._auth_token = auth_token
        self.base_url = base_url.rstrip("/")
        self.timeout = Timeout.coerce(timeout)
        self.max_retries = max_retries
        self.max_connections = max_connections
        self.max_event_bytes = max_event_bytes
        self._default_query = dict(default_query) if default_query else None
        self._session = session
        self._owns_session = session is None
        self._closed = False
        self._headers = self._build_headers(default_headers)
        self.messages = Messages(self)

    def __repr__(self) -> str:
        # Never the key: only whether one is set.
        auth = "api_key=***" if self._api_key else ("auth_token=***" if self._auth_token else "no key")
        return f"<aclaude.Client base_url={self.base_url!r} {auth}>"

    def _build_headers(self, default_headers: Mapping[str, str] | None) -> dict[str, str]:
        headers = {
            "anthropic-version": DEFAULT_API_VERSION,
            "content-type": "application/json",
            "accept": "application/json",
            "user-agent": f"aclaude/{__version__}",
        }
        if self._api_key:
            headers["x-api-key"] = self._api_key
        if self._auth_token:
            headers["authorization"] = f"Bearer {self._auth_token}"
        if default_headers:
            headers.update({k.lower(): v for k, v in default_headers.items()})
        return headers

    # -- lifecycle -------------------------------------------------------------------------

    async def __aenter__(self) -> Client:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()

    async def close(self) -> None:
        """Close the connection pool (if this client created it). Idempotent."""
        self._closed = True
        session, self._session = self._session, None
        if session is not None and self._owns_session and not session.closed:
            await session.close()

    @property
    def is_closed(self) -> bool:
        return self._closed

    def _get_session(self) -> aiohttp.ClientSession:
        if self._closed:
            raise RuntimeError("this aclaude.Client is closed")
        session = self._session
        if session is None:
            # Made on first use, inside the running loop (aiohttp binds sessions to a loop).
            connector = aiohttp.TCPConnector(limit=self.max_connections, limit_per_host=0)
            session = aiohttp.ClientSession(
                connector=connector,
                timeout=aiohttp.ClientTimeout(total=None),  # per-request limits come from Timeout
                auto_decompress=True,
                trust_env=False,
            )
            self._session = session
        return session

    # -- requests --------------------------------------------------------------------------

    def _url(self, path: str) -> str:
        return self.base_url + path

    async def _open(
        self,
        method: str,
        path: str,
        *,
        body: Any = None,
        extra_headers: Mapping[str, str] | None = None,
        extra_query: Mapping[str, str] | None = None,
        timeout: Timeout | float | None = None,
    ) -> Response:
        """Send a request; return the open response (status < 400) or raise the typed error."""
        headers = self._headers
        if extra_headers:
            headers = {**headers, **{k.lower(): v for k, v in extra_headers.items()}}
        params = self._default_query
        if extra_query:
            params = {**(params or {}), **extra_query}
        return await open_response(
            self._get_session(),
            method,
            self._url(path),
            headers=headers,
            body=_encode(body) if body is not None else None,
            params=params,
            timeout=self.timeout if timeout is None else Timeout.coerce(timeout),
        )
