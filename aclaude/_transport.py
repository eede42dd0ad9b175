"""The only module that touches aiohttp: send a request, check the status, map errors, yield bytes.

Every aiohttp / OS / asyncio-timeout exception that a request or a body read can raise is
mapped here, at this one boundary, to ``APIConnectionError`` / ``APITimeoutError`` (``raise ...
from exc``); HTTP error statuses become the typed ``APIStatusError`` subclasses. Nothing from
aiohttp escapes to the caller.

Redirects are never followed: the API does not redirect, and following one to another host
would hand it the API key.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterable, AsyncIterator, Callable, Mapping
from typing import Any

import aiohttp
import msgspec
from yarl import URL

from ._exceptions import (
    APIConnectionError,
    APIStatusError,
    APITimeoutError,
    error_for_status,
)
from ._ratelimit import RateLimits

__all__ = ["Response", "Timeout", "open_response"]

# An error body larger than this is cut (we only need its message).
_MAX_ERROR_BODY = 1024 * 1024


class Timeout(msgspec.Struct, frozen=True, kw_only=True):
    """Time limits of one request, in seconds (``None``: no limit).

    ``connect``: to open the connection. ``read``: the longest silence allowed between two
    reads of the response (an idle stream fails with ``APITimeoutError`` after this long).
    ``total``: the whole request including the full body; off by default so that a long
    stream is never cut by a blanket deadline.
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

    __slots__ = ("_on_release", "_resp", "headers", "request_id", "status")

    def __init__(
        self, resp: aiohttp.ClientResponse, on_release: Callable[[], None] | None = None
    ) -> None:
        self._resp = resp
        self._on_release = on_release
        self.status = resp.status
        self.headers: Mapping[str, str] = resp.headers
        self.request_id: str | None = resp.headers.get("request-id")

    @property
    def rate_limits(self) -> RateLimits:
        """The ``anthropic-ratelimit-*`` (and ``retry-after``) headers, typed."""
        return RateLimits.from_headers(self.headers)

    async def read_chunk(self) -> bytes:
        """The next piece of the body: all the bytes that arrived since the last call (waiting
        for some if there are none); ``b""`` at the end of the body.

        A plain coroutine rather than an async generator: a stream that is held open between
        reads then keeps no suspended frame (nor its last chunk) alive."""
        try:
            return await self._resp.content.readany()
        except (asyncio.TimeoutError, aiohttp.ServerTimeoutError) as exc:
            raise APITimeoutError(
                "timed out reading the response (read timeout or overall deadline)",
                request_id=self.request_id,
            ) from exc
        except (aiohttp.ClientError, OSError) as exc:
            raise APIConnectionError(
                f"connection lost while reading the response: {_describe(exc)}",
                request_id=self.request_id,
            ) from exc

    async def iter_bytes(self) -> AsyncIterator[bytes]:
        """The body as it arrives, chunk by chunk (see ``read_chunk``)."""
        read_chunk = self.read_chunk
        while chunk := await read_chunk():
            yield chunk

    async def read(self) -> bytes:
        """The whole body (for JSON responses)."""
        chunks = [chunk async for chunk in self.iter_bytes()]
        return b"".join(chunks)

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


async def open_response(
    session: aiohttp.ClientSession,
    method: str,
    url: str,
    *,
    headers: Mapping[str, str],
    body: bytes | AsyncIterable[bytes] | None,
    params: Mapping[str, str] | None,
    timeout: Timeout,
    on_release: Callable[[], None] | None = None,
) -> Response:
    """Send one request and return the open response, or raise the typed error.

    A status >= 400 reads the (bounded) error body and raises ``APIStatusError``'s subclass.
    """
    try:
        resp = await session.request(
            method,
            url,
            data=body,
            headers=headers,
            params=params,
            timeout=timeout.to_aiohttp(),
            allow_redirects=False,
        )
    except (asyncio.TimeoutError, aiohttp.ServerTimeoutError) as exc:
        raise APITimeoutError(f"request timed out before a response: {method} {url}") from exc
    except (aiohttp.ClientError, OSError) as exc:
        raise APIConnectionError(f"connection error: {_describe(exc)}") from exc
    if resp.status < 300:
        return Response(resp, on_release)
    try:
        raise await _status_error(resp)
    finally:
        resp.close()


async def _status_error(resp: aiohttp.ClientResponse) -> APIStatusError:
    request_id = resp.headers.get("request-id")
    try:
        raw = await resp.content.read(_MAX_ERROR_BODY)
    except (asyncio.TimeoutError, aiohttp.ClientError, OSError):
        raw = b""
    body: Any
    try:
        body = msgspec.json.decode(raw) if raw else None
    except (msgspec.DecodeError, UnicodeDecodeError):
        body = raw.decode("utf-8", "replace")
    if 300 <= resp.status < 400:
        # Never followed (see module docstring); reported as an error with the target's host only.
        location = resp.headers.get("location", "")
        body = body or f"redirect to {_host_of(location)} not followed"
    return error_for_status(resp.status, body, headers=resp.headers, request_id=request_id)


def _host_of(url: str) -> str:
    try:
        return URL(url).host or "(relative)"
    except (ValueError, TypeError):
        return "(unparseable)"


def _describe(exc: BaseException) -> str:
    # aiohttp error texts never include request headers, so the API key cannot leak from here.
    text = str(exc) or type(exc).__name__
    return f"{type(exc).__name__}: {text}" if str(exc) else text
