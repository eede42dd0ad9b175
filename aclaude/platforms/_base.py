"""``PlatformClient``: what the cloud-platform clients (Bedrock, Vertex AI, Foundry) share.

A platform client is a ``Client``: the same resources, ``EventStream``/``MessageStream``,
retries and typed errors. A subclass only says how one attempt goes on the wire, by overriding
``Client._prepare_request`` (it takes and returns a ``PreparedRequest``: URL, body rewriting,
authentication; called again for every retry) and, if its stream is not SSE,
``Client._decoder_factory``; ``_request_id_header`` names its request-id header. This module
adds what all three need around that: credentials that never fall back to
``ANTHROPIC_API_KEY``, a clear error for endpoints the platform does not offer, readable
messages for the platforms' own error bodies (``_describe_error``), and ``with_options`` copies
of the right class.
"""

from __future__ import annotations

import importlib
import logging
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, ClassVar, TypedDict

from .._client import _NOT_GIVEN, Client
from .._exceptions import APIError, APIStatusError, UnsupportedOnPlatformError
from .._http.headers_query import HeaderValues, QueryValues
from .._http.transport import Timeout
from .._logging import redact_url
from .._middleware import Middleware, MiddlewareInput

if TYPE_CHECKING:
    import aiohttp  # only the types of the session options: the session is made in _http
    from typing_extensions import Self, Unpack

__all__ = ["ClientOptions", "PlatformClient", "json_object", "require"]

_FEATURES = (
    ("/v1/messages/batches", "The Message Batches API"),
    ("/v1/messages/count_tokens", "Token counting"),
    ("/v1/models", "The Models API"),
    ("/v1/files", "The Files API"),
    ("/v1/complete", "The legacy Text Completions API"),
)


class ClientOptions(TypedDict, total=False):
    """The ``Client`` options every platform client takes as well (see ``aclaude.Client``)."""

    timeout: Timeout | float | None
    max_retries: int
    default_headers: HeaderValues | None
    default_query: QueryValues | None
    max_connections: int
    max_in_flight: int | None
    session: aiohttp.ClientSession | None
    connector: aiohttp.BaseConnector | None
    trust_env: bool
    max_event_bytes: int
    max_body_bytes: int
    tcp_keepalive: bool
    log_level: str | None
    logger: logging.Logger | None
    middleware: Sequence[MiddlewareInput] | None
    rate_limiter: Middleware | None


def require(extra: str, message: str, *modules: str) -> None:
    """Import a platform's optional dependency (``modules``; call it off the loop), or raise
    ``APIError`` with ``message`` and the extra that installs it."""
    try:
        for name in modules:
            importlib.import_module(name)
    except ImportError as exc:
        raise APIError(f"{message}: pip install 'aclaude[{extra}]'") from exc


def json_object(body: Any, platform: str, path: str) -> dict[str, Any]:
    """A shallow copy of a JSON-object request body, safe to rewrite: the caller's dict is sent
    again on a retry and must stay as it was."""
    if isinstance(body, Mapping):
        return dict(body)
    raise TypeError(f"{platform} needs a JSON object body for {path}, got {type(body).__name__}")


class PlatformClient(Client):
    """Base class of ``BedrockClient``, ``VertexClient`` and ``FoundryClient``."""

    #: The platform's name, for messages ("Amazon Bedrock").
    platform: ClassVar[str] = "a cloud platform"
    #: No message threads on the platforms (the SDK's flag): beta tool runners send everything.
    _supports_message_threads: ClassVar[bool] = False

    def __init__(self, *, base_url: str, **options: Unpack[ClientOptions]) -> None:
        # "" (not None): a platform client must never pick up ANTHROPIC_API_KEY or
        # ANTHROPIC_AUTH_TOKEN from the environment and send it to another company's endpoint.
        super().__init__(api_key="", auth_token="", base_url=base_url, **options)

    #: Constructor arguments (resolved) that ``with_options`` passes to the copy.
    _platform_options: dict[str, Any]

    def __repr__(self) -> str:
        url = redact_url(self.base_url)
        return f"<aclaude.{type(self).__name__} base_url={url!r} auth={self._auth_kind()}>"

    def _auth_kind(self) -> str:
        """How requests are authenticated, for ``repr`` (never a secret)."""
        return "none"

    def _share_state(self, source: Self) -> None:
        """Adopt ``source``'s credential caches (a ``with_options`` copy shares them)."""

    def _unsupported(self, method: str, path: str) -> UnsupportedOnPlatformError:
        bare = path.partition("?")[0]
        feature = next((name for prefix, name in _FEATURES if bare.startswith(prefix)), None)
        return UnsupportedOnPlatformError(feature or f"{method} {bare}", self.platform)

    def _copy(self, api_key: str | None, auth_token: str | None, options: dict[str, Any]) -> Self:
        """``with_options``: a client of the same platform sharing this one's pool and
        credentials. Credentials themselves cannot change: make a new client for other ones."""
        if api_key is not _NOT_GIVEN or auth_token is not _NOT_GIVEN:
            raise TypeError(
                f"{type(self).__name__}.with_options() cannot change credentials; create a new client"
            )
        copy = type(self)(**self._platform_options, **options)
        copy._share_state(self)
        return copy

    def _describe_error(self, exc: APIStatusError) -> None:
        """Give an error from the platform itself (not from the model behind it) a readable
        message: AWS sends ``{"message": ...}`` with an ``x-amzn-errortype`` header, Google
        ``{"error": {"message": ..., "status": "PERMISSION_DENIED"}}``. API-format errors, which
        already have a type, are left as they are."""
        header = self._request_id_header
        if exc.request_id is None and header is not None:
            exc.request_id = exc.headers.get(header)
        if exc.type is not None:
            return
        body = exc.body
        message: Any = None
        error_type: Any = None
        if isinstance(body, Mapping):
            inner = body.get("error")
            if isinstance(inner, Mapping):
                message, error_type = inner.get("message"), inner.get("status")
            else:
                message = body.get("message", body.get("Message"))
        elif isinstance(body, str) and body:
            message = body
        aws_type = exc.headers.get("x-amzn-errortype")
        if aws_type:
            error_type = aws_type.partition(":")[0]
        error_type = error_type if isinstance(error_type, str) and error_type else None
        message = message if isinstance(message, str) and message else "(no error message)"
        text = f"Error code: {exc.status_code} - {error_type or 'error'}: {message} ({self.platform}"
        text += f", request_id: {exc.request_id})" if exc.request_id else ")"
        exc.type = error_type
        exc.message = text
        exc.args = (text,)
