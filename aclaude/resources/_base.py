"""What the resource modules share: headers (``betas``, workspace), path ids, query strings,
list endpoints, and opening a response whose body is streamed (downloads, batch results).

Resources reach the client only through ``APIClient``, the small interface below (``Client``
implements it): they sit below ``aclaude._client`` and never import it, nor use its privates.
JSON calls go through ``APIClient.request`` (one attempt per retry, body read whole, decoded by
msgspec into the given type); streams through ``event_stream``. Bodies that can be large are
never read whole: they are opened here (``open_response``), with the same retry policy for the
opening, and read chunk by chunk by the caller.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterable, Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, Protocol, TypeVar, cast
from urllib.parse import quote, urlencode

import msgspec

from .._exceptions import APIResponseValidationError
from .._http.headers_query import HeaderValues, Omit, QueryValues
from .._http.pagination import AsyncPaginator, PageBody
from .._http.retry import with_retries
from .._http.transport import Response, Timeout
from ..streaming._event_stream import EventStream
from ..types._extras import decode_keeping_extras
from ..types._request_id import attach_request_id
from ._options import RequestOptions, check_options

if TYPE_CHECKING:
    from typing_extensions import Unpack

__all__ = [
    "BETA_HEADER",
    "APIClient",
    "BetaAwareResource",
    "beta_header_value",
    "decode_json",
    "list_endpoint",
    "merge_headers",
    "open_with_retries",
    "path_id",
    "with_query",
]

_T = TypeVar("_T")

BETA_HEADER = "anthropic-beta"
WORKSPACE_HEADER = "anthropic-workspace-id"


class APIClient(Protocol):
    """What the resources need of a client: ``aclaude.Client`` (and every platform client)
    implements it. A resource holds one as ``self._client``."""

    @property
    def base_url(self) -> str: ...

    @property
    def max_retries(self) -> int: ...

    @property
    def max_event_bytes(self) -> int: ...

    @property
    def logger(self) -> logging.Logger: ...

    async def request(
        self,
        method: str,
        path: str,
        *,
        cast_to: type[_T],
        body: Any = None,
        **options: Unpack[RequestOptions],
    ) -> _T: ...

    async def open_response(
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
    ) -> Response: ...

    def event_stream(
        self,
        path: str,
        body: dict[str, Any],
        **options: Unpack[RequestOptions],
    ) -> EventStream: ...


def beta_header_value(betas: Iterable[str] | None, defaults: Sequence[str] = ()) -> str | None:
    """``betas`` (then ``defaults`` not already named) joined for the ``anthropic-beta`` header."""
    names = list(betas or ())
    if isinstance(betas, str):
        raise TypeError("betas must be a list of strings, e.g. betas=['files-api-2025-04-14']")
    names += [d for d in defaults if d not in names]
    return ",".join(names) if names else None


def merge_headers(
    extra_headers: HeaderValues | None,
    *,
    betas: Iterable[str] | None = None,
    default_betas: Sequence[str] = (),
    workspace_id: str | None = None,
    **more: str | None,
) -> dict[str, str | Omit | None] | None:
    """The headers of one call: ``anthropic-beta`` from ``betas`` (+ ``default_betas``), the
    workspace header, any other given header, then ``extra_headers`` (which win, as in the SDK)."""
    headers: dict[str, str | Omit | None] = {}
    beta = beta_header_value(betas, default_betas)
    if beta:
        headers[BETA_HEADER] = beta
    if workspace_id:
        headers[WORKSPACE_HEADER] = workspace_id
    for name, value in more.items():
        if value is not None:
            headers[name.replace("_", "-")] = value
    if extra_headers:
        headers.update({k.lower(): v for k, v in extra_headers.items()})
    return headers or None


class BetaAwareResource:
    """A resource whose calls take ``betas`` and ``workspace_id`` (models, batches, files); the
    beta client's instance sends ``default_betas`` as well."""

    def __init__(self, client: APIClient, *, default_betas: Sequence[str] = ()) -> None:
        self._client = client
        self._default_betas = tuple(default_betas)

    def _headers(
        self, extra: HeaderValues | None, betas: Iterable[str] | None, workspace_id: str | None
    ) -> dict[str, str | Omit | None] | None:
        return merge_headers(extra, betas=betas, default_betas=self._default_betas, workspace_id=workspace_id)

    def _options(
        self, options: RequestOptions, betas: Iterable[str] | None, workspace_id: str | None
    ) -> RequestOptions:
        """``options`` with the call's headers (``betas``, workspace) merged into ``extra_headers``."""
        check_options(options)
        merged = options.copy()
        merged["extra_headers"] = self._headers(options.get("extra_headers"), betas, workspace_id)
        return merged


def path_id(name: str, value: str) -> str:
    """``value`` checked (a non-empty string) and quoted for use as one path segment."""
    if not isinstance(value, str) or not value:
        raise ValueError(f"expected a non-empty string for {name}, got {value!r}")
    return quote(value, safe="")


def with_query(path: str, params: Mapping[str, Any]) -> str:
    """``path`` with a query string; ``None`` values are left out, booleans are ``true``/
    ``false`` and lists are repeated as ``key[]=a&key[]=b`` (the official SDK's "brackets")."""
    pairs: list[tuple[str, str]] = []
    for key, value in params.items():
        if value is None:
            continue
        if isinstance(value, (list, tuple)):
            pairs.extend((f"{key}[]", _query_value(v)) for v in value)
        else:
            pairs.append((key, _query_value(value)))
    return f"{path}?{urlencode(pairs)}" if pairs else path


def _query_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def cursor_params(**params: Any) -> dict[str, str]:
    """The page-selecting query parameters that are set (they change from page to page)."""
    return {k: _query_value(v) for k, v in params.items() if v is not None}


def list_endpoint(
    client: APIClient,
    path: str,
    item_type: type[_T],
    cursors: Mapping[str, str],
    *,
    headers: HeaderValues | None,
    options: RequestOptions,
) -> AsyncPaginator[_T]:
    """An ``AsyncPaginator`` over ``GET path`` (``path`` may carry fixed query parameters)."""
    check_options(options)
    body_type = cast("type[PageBody[_T]]", PageBody[item_type])  # type: ignore[valid-type]
    extra_query = options.get("extra_query") or {}

    async def fetch(params: Mapping[str, str]) -> PageBody[_T]:
        page_options = options.copy()
        page_options["extra_headers"] = headers
        page_options["extra_query"] = {**params, **extra_query} or None
        return await client.request("GET", path, cast_to=body_type, **page_options)

    return AsyncPaginator(fetch, cursors)


async def open_with_retries(
    client: APIClient,
    method: str,
    path: str,
    *,
    headers: HeaderValues | None,
    options: RequestOptions,
) -> Response:
    """Open a response whose body the caller streams; the opening is retried like any request.

    The caller must finish the response with ``release()`` or ``close()``.
    """
    check_options(options)
    max_retries = options.get("max_retries")
    retries = client.max_retries if max_retries is None else max_retries

    async def attempt(retry_count: int) -> Response:
        return await client.open_response(
            method,
            path,
            extra_headers=headers,
            extra_query=options.get("extra_query"),
            timeout=options.get("timeout"),
            retry_count=retry_count,
        )

    return await with_retries(attempt, retries)


def decode_json(raw: bytes, cast_to: type[_T], request_id: str | None) -> _T:
    """Decode a JSON body into ``cast_to``; a body of the wrong shape is a typed error."""
    try:
        result = decode_keeping_extras(raw, cast_to)  # fields newer than this client are kept
    except (msgspec.DecodeError, UnicodeDecodeError, RecursionError, APIResponseValidationError) as exc:
        raise APIResponseValidationError(
            f"response body is not the expected JSON: {exc}", request_id=request_id
        ) from exc
    attach_request_id(result, request_id)
    return result

