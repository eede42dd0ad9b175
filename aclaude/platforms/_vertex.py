"""``VertexClient``: the Messages API on Google Cloud Vertex AI (``pip install aclaude[vertex]``).

What differs from the plain API, and nothing else:

* URL: ``POST {base}/projects/{project}/locations/{region}/publishers/anthropic/models/{model}``
  with ``:streamRawPredict`` (``:rawPredict`` without ``stream``); token counting is
  ``.../models/count-tokens:rawPredict``. ``base`` depends on the region: ``global``,
  the multi-regions ``us`` and ``eu``, or one region (``us-east5`` ...).
* body: ``model`` leaves it (it is in the URL), ``anthropic_version: "vertex-2023-10-16"``.
* auth: ``authorization: Bearer <OAuth2 access token>`` from google-auth credentials (or a
  fixed ``access_token``).

The stream is SSE, as from the API. Message Batches, models, files and completions raise
``UnsupportedOnPlatformError`` (a ``NotImplementedError``).

google-auth is synchronous and refreshing a token is an HTTP call: loading the default
credentials and every refresh run in a worker thread (``asyncio.to_thread``), one at a time,
while requests keep using a token that is still valid. google-auth's ``expired`` already
counts a safety margin before the real expiry, so a token is replaced before it can lapse.
"""

from __future__ import annotations

import asyncio
import os
from typing import TYPE_CHECKING, Any, ClassVar
from urllib.parse import quote

from .._exceptions import APIConnectionError, APIError
from .._http.transport import PreparedRequest
from ._base import ClientOptions, PlatformClient, json_object, require

if TYPE_CHECKING:
    from typing_extensions import Self, Unpack

__all__ = ["VERTEX_API_VERSION", "VertexClient", "vertex_base_url"]

VERTEX_API_VERSION = "vertex-2023-10-16"
CLOUD_PLATFORM_SCOPE = "https://www.googleapis.com/auth/cloud-platform"


def vertex_base_url(region: str) -> str:
    """The Vertex AI endpoint of ``region``: global, a multi-region (``us``, ``eu``) or one region."""
    if region == "global":
        return "https://aiplatform.googleapis.com/v1"
    if region in ("us", "eu"):
        return f"https://aiplatform.{region}.rep.googleapis.com/v1"
    return f"https://{region}-aiplatform.googleapis.com/v1"


def _segment(name: str, value: str) -> str:
    if not isinstance(value, str) or not value or value in (".", ".."):
        raise ValueError(f"expected a non-empty value for `{name}`, got {value!r}")
    return quote(value, safe="@")


def _transport_request() -> Any:
    """A google-auth HTTP transport for token refreshes (requests if installed, else urllib3)."""
    try:
        from google.auth.transport.requests import Request

        requests_transport: Any = Request  # google-auth's transports are untyped
        return requests_transport()
    except ImportError:
        pass
    try:
        import urllib3
        from google.auth.transport.urllib3 import Request as Urllib3Request
    except ImportError as exc:
        raise APIError(
            "refreshing Google credentials needs an HTTP library: pip install 'google-auth[requests]'"
        ) from exc
    urllib3_transport: Any = Urllib3Request
    return urllib3_transport(urllib3.PoolManager())


class _GoogleAuth:
    """An OAuth2 access token from google-auth credentials, refreshed off the loop."""

    def __init__(self, access_token: str | None, credentials: Any) -> None:
        self._access_token = access_token
        self._credentials = credentials
        self._transport: Any = None
        self._lock = asyncio.Lock()
        #: The project of the default credentials (filled when they are loaded).
        self.project_id: str | None = None

    async def token(self) -> str:
        if self._access_token:
            return self._access_token
        credentials = self._credentials
        if credentials is not None and credentials.token and not credentials.expired:
            return str(credentials.token)  # the usual case: no lock, no thread
        async with self._lock:  # one refresh for any number of waiting requests
            credentials = self._credentials
            if credentials is None or not credentials.token or credentials.expired:
                await asyncio.to_thread(self._refresh)
            credentials = self._credentials
            if credentials is None or not credentials.token:
                raise APIError("Google credentials gave no access token")
            return str(credentials.token)

    def _refresh(self) -> None:  # in a worker thread
        require("vertex", "VertexClient needs google-auth for credentials", "google.auth.exceptions")
        import google.auth
        import google.auth.exceptions
        try:
            if self._credentials is None:
                credentials, project_id = google.auth.default(scopes=[CLOUD_PLATFORM_SCOPE])
                self.project_id = project_id or None
                self._credentials = credentials
            if self._transport is None:
                self._transport = _transport_request()
            self._credentials.refresh(self._transport)
        except google.auth.exceptions.TransportError as exc:
            raise APIConnectionError(f"could not reach Google to refresh credentials: {exc}") from exc
        except google.auth.exceptions.GoogleAuthError as exc:
            if getattr(exc, "retryable", False):
                raise APIConnectionError(f"refreshing Google credentials failed: {exc}") from exc
            raise APIError(f"could not get Google credentials: {exc}") from exc


class VertexClient(PlatformClient):
    """The Messages API on Google Cloud Vertex AI, with the same resources, streams, retries
    and errors as ``aclaude.Client``.

    ``region``: ``CLOUD_ML_REGION`` by default; ``global``, ``us``, ``eu`` or a region such as
    ``us-east5``. ``project_id``: ``ANTHROPIC_VERTEX_PROJECT_ID``, else the project of the
    credentials. Credentials: ``access_token`` (a fixed OAuth2 token), or ``credentials`` (a
    ``google.auth.credentials.Credentials``, refreshed as needed), else Application Default
    Credentials. ``base_url`` defaults to ``ANTHROPIC_VERTEX_BASE_URL``, else the region's
    endpoint (``https://{region}-aiplatform.googleapis.com/v1`` ...). Model ids are Vertex's
    (``claude-sonnet-4-5@20250929``). Other options are those of ``aclaude.Client``.
    """

    platform: ClassVar[str] = "Google Vertex AI"

    def __init__(
        self,
        *,
        region: str | None = None,
        project_id: str | None = None,
        access_token: str | None = None,
        credentials: Any = None,
        base_url: str | None = None,
        **options: Unpack[ClientOptions],
    ) -> None:
        region = region or os.environ.get("CLOUD_ML_REGION")
        if not region:
            raise ValueError("no Vertex AI region: pass region= or set CLOUD_ML_REGION")
        project_id = project_id or os.environ.get("ANTHROPIC_VERTEX_PROJECT_ID") or None
        if project_id is None and credentials is not None:
            project_id = getattr(credentials, "project_id", None) or None
        if project_id is None and (access_token or credentials is not None):
            raise ValueError("no Vertex AI project: pass project_id= or set ANTHROPIC_VERTEX_PROJECT_ID")
        _segment("region", region)
        self.region: str = region
        self.project_id: str | None = project_id
        self._google = _GoogleAuth(access_token, credentials)
        self._platform_options = {
            "region": region,
            "project_id": project_id,
            "access_token": access_token,
            "credentials": credentials,
        }
        if base_url is None:
            base_url = os.environ.get("ANTHROPIC_VERTEX_BASE_URL") or vertex_base_url(region)
        super().__init__(base_url=base_url, **options)

    def _auth_kind(self) -> str:
        return "access_token" if self._google._access_token else "google-auth"

    def _share_state(self, source: Self) -> None:
        self._google = source._google

    def _build_headers(self) -> dict[str, str]:
        headers = super()._build_headers()
        headers.pop("anthropic-version", None)  # the body's anthropic_version is Vertex's
        return headers

    async def _prepare_request(self, request: PreparedRequest) -> PreparedRequest:
        path = request.path
        if request.method.upper() != "POST" or path not in ("/v1/messages", "/v1/messages/count_tokens"):
            raise self._unsupported(request.method, path)
        data = json_object(request.json, self.platform, path)
        token = await self._google.token()
        project = self.project_id or self._google.project_id
        if not project:
            raise APIError(
                "no Vertex AI project: pass project_id= or set ANTHROPIC_VERTEX_PROJECT_ID "
                "(the default credentials name none)"
            )
        base = (
            f"{self.base_url}/projects/{_segment('project_id', project)}"
            f"/locations/{_segment('region', self.region)}/publishers/anthropic/models"
        )
        if path == "/v1/messages":
            model = data.pop("model", None)
            specifier = "streamRawPredict" if data.get("stream") else "rawPredict"
            url = f"{base}/{_segment('model', model)}:{specifier}"
        else:
            url = f"{base}/count-tokens:rawPredict"  # the model stays in the body here
        data.setdefault("anthropic_version", VERTEX_API_VERSION)
        request.url, request.json = url, data
        request.headers = {**request.headers, "authorization": f"Bearer {token}"}
        return request
