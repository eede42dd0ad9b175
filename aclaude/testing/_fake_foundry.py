"""``FakeFoundry``: a fake Microsoft Foundry resource serving the Anthropic API, on loopback.

Point ``FoundryClient(base_url=fake.url + "/anthropic", ...)`` at it. Requests under
``/anthropic`` are the plain API's and pass through to the upstream ``FakeAnthropic`` once
authenticated: ``x-api-key`` or ``api-key`` equal to ``api_key``, or ``authorization: Bearer``
with one of ``tokens`` (Entra ID); anything else is Azure's 401. The Models and Message Batches
APIs are not served (404), as on Foundry.
"""

from __future__ import annotations

import hmac
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from aiohttp import web

from ._platform_fake import Forward, PlatformFake, ServerOptions
from ._sse_render import encode_json

if TYPE_CHECKING:
    from typing_extensions import Unpack

__all__ = ["FOUNDRY_API_KEY", "FOUNDRY_TOKEN", "FakeFoundry"]

FOUNDRY_API_KEY = "foundry-test-key"
FOUNDRY_TOKEN = "entra-test-token"
_PREFIX = "/anthropic"
_NOT_SERVED = ("/v1/models", "/v1/messages/batches")
# Request headers the upstream sees (credentials stay here).
_FORWARDED = ("anthropic-version", "anthropic-beta", "content-type")


def _azure_error(status: int, code: str, message: str) -> web.Response:
    return web.Response(
        status=status,
        body=encode_json({"error": {"code": code, "message": message}}),
        content_type="application/json",
    )


class FakeFoundry(PlatformFake):
    """A fake Foundry resource (see the module docstring)."""

    def __init__(
        self,
        *,
        api_key: str | None = FOUNDRY_API_KEY,
        tokens: Iterable[str] = (FOUNDRY_TOKEN,),
        **server: Unpack[ServerOptions],
    ) -> None:
        super().__init__(**server)
        self.api_key = api_key
        self.tokens = set(tokens)

    def _authenticated(self, request: web.Request) -> bool:
        key = self.api_key
        if key is not None:
            for name in ("x-api-key", "api-key"):
                given = request.headers.get(name)
                if given is not None and hmac.compare_digest(given, key):
                    return True
        auth = request.headers.get("authorization", "")
        return auth.startswith("Bearer ") and auth[7:] in self.tokens

    async def route(self, request: web.Request, body: bytes, json: Any) -> web.StreamResponse | Forward:
        path = request.raw_path.partition("?")[0]
        if not path.startswith(_PREFIX + "/"):
            return _azure_error(404, "404", "Resource not found")
        if not self._authenticated(request):
            return _azure_error(
                401,
                "401",
                "Access denied due to invalid subscription key or wrong API endpoint. Make sure to "
                "provide a valid key for an active subscription and use a correct regional API "
                "endpoint for your resource.",
            )
        plain_path = path[len(_PREFIX) :]
        if plain_path.startswith(_NOT_SERVED):
            return _azure_error(404, "404", "Resource not found")
        headers = {name: request.headers[name] for name in _FORWARDED if name in request.headers}
        query = request.raw_path.partition("?")[2]
        return Forward(
            path=plain_path + (f"?{query}" if query else ""),
            json=json,
            method=request.method,
            headers=headers,
        )
