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

import functools
import logging
from collections.abc import AsyncIterable, Awaitable, Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, Protocol, TypedDict, TypeVar, cast
from urllib.parse import quote, urlencode

import msgspec

from .._exceptions import APIResponseValidationError
from .._http.download import BinaryResponse
from .._http.headers_query import HeaderValues, Omit, QueryValues
from .._http.pagination import AsyncPaginator, PageBody
from .._http.retry import with_retries
from .._http.transport import Response, Timeout
from ..streaming._event_stream import EventStream
from ..types._extras import decode_keeping_extras
from ..types._request_id import attach_request_id
from ._options import OPTION_KEYS, RequestOptions
from ._signatures import document_methods
from ._twins import RawTwinT, Resource, StreamingTwinT

if TYPE_CHECKING:
    from typing_extensions import Unpack

__all__ = [
    "BETA_HEADER",
    "APIClient",
    "BetaAwareResource",
    "IdPageParams",
    "JSONRequest",
    "OpenResponseOptions",
    "ResourceOptions",
    "beta_header_value",
    "decode_json",
    "list_endpoint",
    "merge_headers",
    "open_with_retries",
    "open_attempt",
    "path_id",
    "retries_for",
    "TokenPageParams",
    "with_query",
]

_T = TypeVar("_T")

BETA_HEADER = "anthropic-beta"
WORKSPACE_HEADER = "anthropic-workspace-id"


class OpenResponseOptions(TypedDict, total=False):
    """The keywords of ``APIClient.open_response``: a JSON ``body`` or raw ``content``."""

    body: Any
    extra_headers: HeaderValues | None
    extra_query: QueryValues | None
    timeout: Timeout | float | None
    retry_count: int
    content: bytes | AsyncIterable[bytes] | None


class JSONRequest(RequestOptions, total=False):
    """The keywords of ``APIClient.request``: the JSON ``body`` and the ``RequestOptions``."""

    body: Any


class ResourceOptions(RequestOptions, total=False):
    """What every method of models, batches, files, skills and user profiles takes besides its
    own parameters: ``betas`` (the ``anthropic-beta`` header), ``workspace_id`` (the
    ``anthropic-workspace-id`` header) and the ``RequestOptions``."""

    betas: Iterable[str] | None
    workspace_id: str | None


class IdPageParams(ResourceOptions, total=False):
    """A list paged by ids (``after_id`` / ``before_id``) and its ``limit``, with the options."""

    after_id: str | None
    before_id: str | None
    limit: int | None


class TokenPageParams(ResourceOptions, total=False):
    """A list paged by a ``page`` token and its ``limit``, with the options."""

    limit: int | None
    page: str | None


_RESOURCE_OPTION_KEYS = OPTION_KEYS | {"betas", "workspace_id"}
_CURSOR_KEYS = ("after_id", "before_id", "limit", "page")


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
        self, method: str, path: str, *, cast_to: type[_T], **options: Unpack[JSONRequest]
    ) -> _T:
        """One JSON request (with its retries), decoded as ``cast_to``; see ``Client``."""
        ...

    async def open_response(self, method: str, path: str, **options: Unpack[OpenResponseOptions]) -> Response:
        """One attempt (``retry_count`` is its number), the response open; see ``Client``."""
        ...

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


class BetaAwareResource(Resource[RawTwinT, StreamingTwinT]):
    """A resource whose calls take ``ResourceOptions`` (models, batches, files, skills, user
    profiles); the beta client's instance sends ``default_betas`` as well. ``help()`` of each
    public method taking ``**options: Unpack[...]`` lists the options' keys."""

    def __init__(self, client: APIClient, *, default_betas: Sequence[str] = ()) -> None:
        self._client = client
        self._default_betas = tuple(default_betas)

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        document_methods(cls)

    def _options(self, options: ResourceOptions, **headers: str | None) -> RequestOptions:
        """``options`` with the call's headers (``betas``, workspace, ``headers``) merged into
        ``extra_headers``, those given in ``extra_headers`` winning."""
        if not _RESOURCE_OPTION_KEYS.issuperset(options):
            unknown = sorted(set(options) - _RESOURCE_OPTION_KEYS)[0]
            raise TypeError(f"got an unexpected keyword argument {unknown!r}")
        merged = cast("dict[str, Any]", options.copy())
        betas, workspace_id = merged.pop("betas", None), merged.pop("workspace_id", None)
        merged["extra_headers"] = merge_headers(
            options.get("extra_headers"),
            betas=betas,
            default_betas=self._default_betas,
            workspace_id=workspace_id,
            **headers,
        )
        return cast("RequestOptions", merged)

    def _list(self, path: str, item_type: type[_T], params: ResourceOptions) -> AsyncPaginator[_T]:
        """``list()``: ``params`` are the page cursors (``IdPageParams``, ``TokenPageParams``)
        and the options."""
        options: Any = dict(params)
        cursors = cursor_params(**{key: options.pop(key) for key in _CURSOR_KEYS if key in options})
        return list_endpoint(self._client, path, item_type, cursors, self._options(options))

    async def _download(self, path: str, options: ResourceOptions) -> BinaryResponse:
        """A body to download (a file, a skill version's archive), not yet read."""
        call_options = self._options(options, accept="application/binary")
        return BinaryResponse(await open_with_retries(self._client, "GET", path, call_options))

    async def _call(
        self, method: str, path: str, cast_to: type[_T], options: ResourceOptions, body: Any = None
    ) -> _T:
        """One JSON request of this resource, decoded as ``cast_to``."""
        return await self._client.request(method, path, cast_to=cast_to, body=body, **self._options(options))


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
    options: RequestOptions,
) -> AsyncPaginator[_T]:
    """An ``AsyncPaginator`` over ``GET path`` (``path`` may carry fixed query parameters);
    ``options`` as ``BetaAwareResource._options`` gives them."""
    body_type = cast("type[PageBody[_T]]", PageBody[item_type])  # type: ignore[valid-type]
    extra_query = options.get("extra_query") or {}

    async def fetch(params: Mapping[str, str]) -> PageBody[_T]:
        page_options = options.copy()
        page_options["extra_query"] = {**params, **extra_query} or None
        return await client.request("GET", path, cast_to=body_type, **page_options)

    return AsyncPaginator(fetch, cursors)


def retries_for(client: APIClient, options: RequestOptions) -> int:
    """The retries of one call: its ``max_retries``, else the client's."""
    max_retries = options.get("max_retries")
    return client.max_retries if max_retries is None else max_retries


def open_attempt(
    client: APIClient,
    method: str,
    path: str,
    options: RequestOptions,
    retry_count: int,
    content: bytes | AsyncIterable[bytes] | None = None,
) -> Awaitable[Response]:
    """One attempt of ``method path`` with the call's headers, query and timeout."""
    return client.open_response(
        method,
        path,
        extra_headers=options.get("extra_headers"),
        extra_query=options.get("extra_query"),
        timeout=options.get("timeout"),
        retry_count=retry_count,
        content=content,
    )


async def open_with_retries(client: APIClient, method: str, path: str, options: RequestOptions) -> Response:
    """Open a response whose body the caller streams; the opening is retried like any request.

    The caller must finish the response with ``release()`` or ``close()``.
    """
    attempt = functools.partial(open_attempt, client, method, path, options)
    return await with_retries(attempt, retries_for(client, options))


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
