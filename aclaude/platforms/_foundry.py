"""``FoundryClient``: the Messages API on Microsoft Foundry (Azure).

Foundry serves the Anthropic API itself under ``https://{resource}.services.ai.azure.com/
anthropic``: same paths, bodies and SSE streams. Only authentication differs: a Foundry API key
(sent as ``x-api-key`` and as Azure's ``api-key``) or a Microsoft Entra ID token (``authorization:
Bearer``), fixed or from a token provider called for every request. Message Batches and the
Models API are not offered there and raise ``UnsupportedOnPlatformError``.
"""

from __future__ import annotations

import asyncio
import inspect
import os
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any, ClassVar

from .._http.transport import PreparedRequest
from ._base import ClientOptions, PlatformClient

if TYPE_CHECKING:
    from typing_extensions import Unpack

__all__ = ["AzureADTokenProvider", "FoundryClient"]

#: Returns a Microsoft Entra ID access token: a plain function (run in a worker thread, as it
#: may block to refresh) or a coroutine function (awaited on the loop; preferred, e.g.
#: ``azure.identity.aio.get_bearer_token_provider``).
AzureADTokenProvider = Callable[[], str | Awaitable[str]]

_UNSUPPORTED_PREFIXES = ("/v1/messages/batches", "/v1/models")


class FoundryClient(PlatformClient):
    """The Messages API on Microsoft Foundry, with the same resources, streams, retries and
    errors as ``aclaude.Client``.

    ``resource``: the Foundry resource name (``ANTHROPIC_FOUNDRY_RESOURCE``), giving
    ``https://{resource}.services.ai.azure.com/anthropic``; or ``base_url`` instead
    (``ANTHROPIC_FOUNDRY_BASE_URL``). Credentials, exactly one of: ``api_key``
    (``ANTHROPIC_FOUNDRY_API_KEY``), ``azure_ad_token`` (a fixed Entra ID token), or
    ``azure_ad_token_provider`` (called for every request). Other options are those of
    ``aclaude.Client``.
    """

    platform: ClassVar[str] = "Microsoft Foundry"

    def __init__(
        self,
        *,
        resource: str | None = None,
        api_key: str | None = None,
        azure_ad_token: str | None = None,
        azure_ad_token_provider: AzureADTokenProvider | None = None,
        base_url: str | None = None,
        **options: Unpack[ClientOptions],
    ) -> None:
        if azure_ad_token is not None and azure_ad_token_provider is not None:
            raise ValueError("pass azure_ad_token or azure_ad_token_provider, not both")
        entra = azure_ad_token is not None or azure_ad_token_provider is not None
        if api_key is not None and entra:
            raise ValueError("pass either api_key or an Entra ID token, not both")
        if api_key is None and not entra:
            api_key = os.environ.get("ANTHROPIC_FOUNDRY_API_KEY") or None
        if api_key is None and not entra:
            raise ValueError(
                "no Foundry credentials: pass api_key, azure_ad_token or azure_ad_token_provider, "
                "or set ANTHROPIC_FOUNDRY_API_KEY"
            )
        if base_url is not None and resource is not None:
            raise ValueError("pass resource or base_url, not both")
        if base_url is None:
            base_url = os.environ.get("ANTHROPIC_FOUNDRY_BASE_URL") or None
        if base_url is None:
            resource = resource or os.environ.get("ANTHROPIC_FOUNDRY_RESOURCE")
            if not resource:
                raise ValueError(
                    "no Foundry endpoint: pass resource= or base_url=, or set ANTHROPIC_FOUNDRY_RESOURCE"
                )
            base_url = f"https://{resource}.services.ai.azure.com/anthropic"
        self._foundry_key = api_key
        self._entra_token = azure_ad_token
        self._token_provider = azure_ad_token_provider
        self._platform_options = {
            "api_key": api_key,
            "azure_ad_token": azure_ad_token,
            "azure_ad_token_provider": azure_ad_token_provider,
        }
        super().__init__(base_url=base_url, **options)

    def _auth_kind(self) -> str:
        if self._token_provider is not None:
            return "entra_token_provider"
        return "entra_token" if self._entra_token else "api_key"

    def _build_headers(self) -> dict[str, str]:
        # Fixed credentials go in the shared headers, built once: no per-request cost.
        headers = super()._build_headers()
        if self._foundry_key:
            headers["x-api-key"] = self._foundry_key
            headers["api-key"] = self._foundry_key
        elif self._entra_token:
            headers["authorization"] = f"Bearer {self._entra_token}"
        return headers

    async def _token(self) -> str:
        provider = self._token_provider
        assert provider is not None
        if inspect.iscoroutinefunction(provider):
            token: Any = await provider()
        else:
            token = await asyncio.to_thread(provider)
            if inspect.isawaitable(token):  # a plain function that returned an awaitable
                token = await token
        if not isinstance(token, str) or not token:
            raise ValueError(
                f"azure_ad_token_provider must return a non-empty string, got {type(token).__name__}"
            )
        return token

    async def _prepare_request(self, request: PreparedRequest) -> PreparedRequest:
        if request.path.startswith(_UNSUPPORTED_PREFIXES):
            raise self._unsupported(request.method, request.path)
        if self._token_provider is not None:
            request.headers = {**request.headers, "authorization": f"Bearer {await self._token()}"}
        return request
