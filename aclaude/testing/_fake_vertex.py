"""``FakeVertex``: a fake Vertex AI endpoint for Anthropic models, on loopback.

Point ``VertexClient(base_url=fake.url + "/v1", ...)`` at it. It checks, as Vertex does:

* the URL: ``POST /v1/projects/{project}/locations/{region}/publishers/anthropic/models/{model}``
  with ``:rawPredict`` or ``:streamRawPredict``, or ``.../models/count-tokens:rawPredict``
  (anything else: 404);
* ``authorization: Bearer <token>`` with a token in ``tokens`` (else 401 ``UNAUTHENTICATED``);
  a project other than ``project`` is 403 ``PERMISSION_DENIED``, a location other than
  ``region`` 404;
* the body: ``anthropic_version`` is ``vertex-2023-10-16``; ``model`` is in the URL, not the body
  (the count-tokens endpoint takes it in the body).

Errors from Vertex itself have Google's shape, ``{"error": {"code", "message", "status"}}``;
errors from the model (the upstream) pass through in the API's shape, and so do streams (SSE).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote

from aiohttp import web

from ._platform_fake import Forward, PlatformFake, ServerOptions
from ._sse_render import encode_json

if TYPE_CHECKING:
    from typing_extensions import Unpack

__all__ = ["VERTEX_TOKEN", "FakeVertex"]

#: The fake's default valid access token.
VERTEX_TOKEN = "ya29.test-vertex-token"
_ANTHROPIC_VERSION = "vertex-2023-10-16"
_PREFIX = "/v1/projects/"


def _google_error(status: int, code: str, message: str) -> web.Response:
    return web.Response(
        status=status,
        body=encode_json({"error": {"code": status, "message": message, "status": code}}),
        content_type="application/json",
    )


class FakeVertex(PlatformFake):
    """A fake Vertex AI (see the module docstring)."""

    def __init__(
        self,
        *,
        project: str = "test-project",
        region: str = "us-east5",
        tokens: Iterable[str] = (VERTEX_TOKEN,),
        **server: Unpack[ServerOptions],
    ) -> None:
        super().__init__(**server)
        self.project = project
        self.region = region
        #: Access tokens accepted (a test may add or remove some to model a refresh).
        self.tokens = set(tokens)

    async def route(self, request: web.Request, body: bytes, json: Any) -> web.StreamResponse | Forward:
        path = request.raw_path.partition("?")[0]
        segments = path[len(_PREFIX) :].split("/") if path.startswith(_PREFIX) else []
        # {project} locations {region} publishers anthropic models {model}:{method}
        if (
            request.method != "POST"
            or len(segments) != 7
            or segments[1] != "locations"
            or segments[3:6] != ["publishers", "anthropic", "models"]
        ):
            return _google_error(404, "NOT_FOUND", f"The requested URL {path} was not found on this server.")
        project, region = unquote(segments[0]), unquote(segments[2])
        model, _, method = unquote(segments[6]).rpartition(":")
        count_tokens = model == "count-tokens"
        if not model or method not in (
            ("rawPredict",) if count_tokens else ("rawPredict", "streamRawPredict")
        ):
            return _google_error(404, "NOT_FOUND", f"The requested URL {path} was not found on this server.")
        auth = request.headers.get("authorization", "")
        if not auth.startswith("Bearer ") or auth[7:] not in self.tokens:
            return _google_error(
                401,
                "UNAUTHENTICATED",
                "Request had invalid authentication credentials. Expected OAuth 2 access token, login "
                "cookie or other valid authentication credential.",
            )
        resource = f"projects/{project}/locations/{region}/publishers/anthropic/models/{model}"
        if project != self.project:
            return _google_error(
                403,
                "PERMISSION_DENIED",
                f"Permission 'aiplatform.endpoints.predict' denied on resource '//aiplatform.googleapis.com/"
                f"{resource}' (or it may not exist).",
            )
        if region != self.region:
            return _google_error(404, "NOT_FOUND", f"Publisher Model `{resource}` not found.")
        if not isinstance(json, dict):
            return _google_error(400, "INVALID_ARGUMENT", "The request body must be a JSON object.")
        if json.get("anthropic_version") != _ANTHROPIC_VERSION:
            return _google_error(400, "INVALID_ARGUMENT", f"anthropic_version must be {_ANTHROPIC_VERSION!r}")
        plain = {k: v for k, v in json.items() if k != "anthropic_version"}
        headers = {}
        if "anthropic-beta" in request.headers:
            headers["anthropic-beta"] = request.headers["anthropic-beta"]
        if count_tokens:
            if "model" not in plain:
                return _google_error(400, "INVALID_ARGUMENT", "model is required")
            return Forward(path="/v1/messages/count_tokens", json=plain, headers=headers)
        if "model" in plain:
            return _google_error(400, "INVALID_ARGUMENT", "model is given by the URL, not the body")
        if (method == "streamRawPredict") != (plain.get("stream") is True):
            return _google_error(
                400, "INVALID_ARGUMENT", f"{method} and stream={plain.get('stream')!r} disagree"
            )
        plain["model"] = model
        return Forward(path="/v1/messages", json=plain, headers=headers)
