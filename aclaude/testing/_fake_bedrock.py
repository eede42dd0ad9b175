"""``FakeBedrock``: a fake Amazon Bedrock runtime endpoint (``bedrock-runtime``) on loopback.

It does what Bedrock does to a Messages request, on top of a ``FakeAnthropic`` upstream:

* authentication: AWS Signature V4 for service ``bedrock``, verified by recomputing the
  signature from the received request with botocore's own signer and the fake's fixed
  credentials (``credentials``: access key -> secret key, optional ``session_token``), at the
  request's ``x-amz-date``, which must be within five minutes of the fake's clock (``now``: a
  fixed ``datetime`` freezes it). A Bedrock API key (``api_key``) is accepted as a bearer token.
  A failure is Bedrock's 403 (``InvalidSignatureException``, ``UnrecognizedClientException`` ...).
* URL: ``POST /model/{model-id}/invoke`` (JSON) or ``/invoke-with-response-stream``.
* body: ``anthropic_version`` must be ``bedrock-2023-05-31``; ``model`` and ``stream`` must not
  be in it (Bedrock rejects extraneous keys); ``anthropic_beta`` becomes the upstream's
  ``anthropic-beta`` header.
* the stream: every SSE event of the upstream becomes an AWS event-stream ``chunk`` frame (its
  JSON base64-encoded, a padding field ``p`` of varying length, invocation metrics added to
  ``message_stop`` as Bedrock does); an ``event: error`` becomes an ``exception`` frame.
  ``split`` cuts each write into pieces of that many bytes, so frames arrive split at arbitrary
  offsets; ``corrupt = ("prelude" | "message", n)`` spoils one CRC of frame ``n``.
* errors: Bedrock's ``{"message": ...}`` body with an ``x-amzn-errortype`` header; request ids
  in ``x-amzn-requestid``.

botocore is imported only to verify signatures (``pip install aclaude[bedrock]``).
"""

from __future__ import annotations

import datetime
import hmac
import re
from collections.abc import Callable, Collection, Mapping
from typing import TYPE_CHECKING, Any, Literal
from urllib.parse import unquote

import msgspec
from aiohttp import web

from ._aws_frames import Corrupt, chunk_frame, exception_frame
from ._ids import new_id
from ._platform_fake import Forward, PlatformFake, ServerOptions, StreamTranslator
from ._sse_render import encode_json

if TYPE_CHECKING:
    from typing_extensions import Unpack

__all__ = ["BEDROCK_ACCESS_KEY", "BEDROCK_SECRET_KEY", "FakeBedrock"]

#: The example credentials of the AWS documentation: the fake's defaults.
BEDROCK_ACCESS_KEY = "AKIDEXAMPLE"
BEDROCK_SECRET_KEY = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"

_ANTHROPIC_VERSION = "bedrock-2023-05-31"
# The IAM action each runtime operation needs.
_ACTIONS = {
    "invoke": "bedrock:InvokeModel",
    "invoke-with-response-stream": "bedrock:InvokeModelWithResponseStream",
}
_SERVICE = "bedrock"
_MAX_SKEW = datetime.timedelta(minutes=5)
_AUTH_RE = re.compile(
    r"AWS4-HMAC-SHA256 Credential=(?P<credential>[^,\s]+),\s*SignedHeaders=(?P<signed>[^,\s]+),"
    r"\s*Signature=(?P<signature>[0-9a-f]{64})"
)
_MISMATCH = (
    "The request signature we calculated does not match the signature you provided. Check your "
    "AWS Secret Access Key and signing method. Consult the service documentation for details."
)
# API error type -> Bedrock's exception type, for HTTP errors and for in-stream error events.
_HTTP_ERROR_TYPES = {
    "invalid_request_error": "ValidationException",
    "authentication_error": "UnrecognizedClientException",
    "permission_error": "AccessDeniedException",
    "not_found_error": "ResourceNotFoundException",
    "request_too_large": "ValidationException",
    "rate_limit_error": "ThrottlingException",
    "overloaded_error": "ServiceUnavailableException",
    "api_error": "InternalServerException",
    "timeout_error": "ModelTimeoutException",
}
_STREAM_EXCEPTIONS = {
    "rate_limit_error": "throttlingException",
    "overloaded_error": "serviceUnavailableException",
    "api_error": "internalServerException",
    "invalid_request_error": "validationException",
    "timeout_error": "modelTimeoutException",
}
_PADDING = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"


def _error_of(body: bytes) -> tuple[str, str]:
    """(error type, message) of an API error body or event (best effort)."""
    try:
        decoded: Any = msgspec.json.decode(body)
    except (msgspec.DecodeError, UnicodeDecodeError):
        return "api_error", body.decode("utf-8", "replace")
    error = decoded.get("error") if isinstance(decoded, dict) else None
    if isinstance(error, dict):
        return str(error.get("type", "api_error")), str(error.get("message", ""))
    return "api_error", ""


class _EventStreamTranslator(StreamTranslator):
    """Canonical SSE (``event: X\\ndata: {...}\\n\\n``, what FakeAnthropic writes) to frames."""

    def __init__(self, split: int | None, corrupt: tuple[Corrupt, int] | None) -> None:
        self._split = split
        self._corrupt = corrupt
        self._pending = b""
        self._frames = 0

    def feed(self, chunk: bytes) -> list[bytes]:
        self._pending += chunk
        *blocks, self._pending = self._pending.split(b"\n\n")
        out = b"".join(self._frame(block) for block in blocks if block.strip())
        if not out:
            return []
        if self._split is None:
            return [out]
        return [out[i : i + self._split] for i in range(0, len(out), self._split)]

    def _frame(self, block: bytes) -> bytes:
        name = b""
        data = b""
        for line in block.split(b"\n"):
            if line.startswith(b"event:"):
                name = line[6:].strip()
            elif line.startswith(b"data:"):
                data = line[6:] if line[5:6] == b" " else line[5:]
        index = self._frames
        self._frames += 1
        if name == b"error":
            error_type, message = _error_of(data)
            exception = _STREAM_EXCEPTIONS.get(error_type, "modelStreamErrorException")
            return exception_frame(exception, message)
        if name == b"message_stop":
            data = self._with_metrics(data)
        corrupt = self._corrupt[0] if self._corrupt and self._corrupt[1] == index else None
        return chunk_frame(data, padding=_PADDING[: index % len(_PADDING)], corrupt=corrupt)

    @staticmethod
    def _with_metrics(data: bytes) -> bytes:
        # Bedrock appends its own invocation metrics to the last event.
        try:
            event = msgspec.json.decode(data)
        except msgspec.DecodeError:
            return data
        if not isinstance(event, dict):
            return data
        event["amazon-bedrock-invocationMetrics"] = {
            "inputTokenCount": 10,
            "outputTokenCount": 20,
            "invocationLatency": 123,
            "firstByteLatency": 45,
        }
        return encode_json(event)


class FakeBedrock(PlatformFake):
    """A fake Bedrock runtime (see the module docstring). ``region`` is the one signatures
    must be scoped to; ``now`` a fixed ``datetime`` (UTC) or a clock function."""

    def __init__(
        self,
        *,
        region: str = "us-east-1",
        credentials: Mapping[str, str] | None = None,
        session_token: str | None = None,
        api_key: str | None = None,
        now: datetime.datetime | Callable[[], datetime.datetime] | None = None,
        split: int | None = None,
        corrupt: tuple[Literal["prelude", "message"], int] | None = None,
        allowed_actions: Collection[str] | None = None,
        **server: Unpack[ServerOptions],
    ) -> None:
        super().__init__(**server)
        self.region = region
        #: The IAM actions the caller's policy grants (None: all), e.g. ``{"bedrock:InvokeModel"}``
        #: to see what a policy without ``bedrock:InvokeModelWithResponseStream`` does.
        self.allowed_actions = frozenset(allowed_actions) if allowed_actions is not None else None
        self.credentials = (
            dict(credentials) if credentials is not None else {BEDROCK_ACCESS_KEY: BEDROCK_SECRET_KEY}
        )
        self.session_token = session_token
        self.api_key = api_key
        self._now = now
        #: Bytes per write of a stream (None: one write per frame).
        self.split = split
        #: Spoil the prelude or message CRC of frame ``n`` of every stream.
        self.corrupt = corrupt
        #: Requests whose SigV4 signature was recomputed and matched.
        self.signatures_verified = 0

    def now(self) -> datetime.datetime:
        """The fake's clock."""
        if self._now is None:
            return datetime.datetime.now(datetime.timezone.utc)
        if isinstance(self._now, datetime.datetime):
            return self._now
        return self._now()

    # -- checks ------------------------------------------------------------------------------

    def _error(self, request: web.Request, status: int, error_type: str, message: str) -> web.Response:
        return web.Response(
            status=status,
            body=encode_json({"message": message}),
            headers={
                "content-type": "application/json",
                "x-amzn-errortype": f"{error_type}:http://internal.amazon.com/coral/com.amazon.bedrock/",
                "x-amzn-requestid": new_id("bedrock"),
            },
        )

    def _authenticate(self, request: web.Request, body: bytes) -> web.Response | None:
        auth = request.headers.get("authorization", "")
        if auth.startswith("Bearer "):
            if self.api_key is not None and hmac.compare_digest(auth[7:], self.api_key):
                return None
            return self._error(
                request, 403, "AccessDeniedException", "Authentication failed: invalid API key"
            )
        if not auth:
            return self._error(
                request, 403, "MissingAuthenticationTokenException", "Missing Authentication Token"
            )
        match = _AUTH_RE.fullmatch(auth)
        if match is None:
            return self._error(
                request, 403, "IncompleteSignatureException", "Authorization header is malformed"
            )
        parts = match["credential"].split("/")
        if len(parts) != 5 or parts[4] != "aws4_request":
            return self._error(request, 403, "IncompleteSignatureException", "Credential is malformed")
        access_key, date, region, service, _ = parts
        secret = self.credentials.get(access_key)
        if secret is None:
            return self._error(
                request,
                403,
                "UnrecognizedClientException",
                "The security token included in the request is invalid.",
            )
        if service != _SERVICE:
            return self._error(
                request,
                403,
                "InvalidSignatureException",
                f"Credential should be scoped to correct service: '{_SERVICE}'.",
            )
        if region != self.region:
            return self._error(
                request,
                403,
                "InvalidSignatureException",
                f"Credential should be scoped to a valid region, not '{region}'.",
            )
        signed = match["signed"].split(";")
        amz_date = request.headers.get("x-amz-date", "")
        if "host" not in signed or "x-amz-date" not in signed or not amz_date.startswith(date):
            return self._error(request, 403, "IncompleteSignatureException", "Signed headers are incomplete")
        try:
            when = datetime.datetime.strptime(amz_date, "%Y%m%dT%H%M%SZ").replace(
                tzinfo=datetime.timezone.utc
            )
        except ValueError:
            return self._error(request, 403, "IncompleteSignatureException", "X-Amz-Date is malformed")
        if abs(when - self.now()) > _MAX_SKEW:
            return self._error(
                request, 403, "InvalidSignatureException", f"Signature expired: {amz_date} is out of range"
            )
        token = request.headers.get("x-amz-security-token")
        if self.session_token is not None and (
            token != self.session_token or "x-amz-security-token" not in signed
        ):
            return self._error(
                request,
                403,
                "UnrecognizedClientException",
                "The security token included in the request is invalid.",
            )
        expected = self._expected_signature(request, body, signed, access_key, secret, token, amz_date)
        if not hmac.compare_digest(expected, match["signature"]):
            return self._error(request, 403, "InvalidSignatureException", _MISMATCH)
        self.signatures_verified += 1
        return None

    def _expected_signature(
        self,
        request: web.Request,
        body: bytes,
        signed: list[str],
        access_key: str,
        secret: str,
        token: str | None,
        amz_date: str,
    ) -> str:
        """The signature botocore computes for what was received."""
        from botocore.auth import SigV4Auth
        from botocore.awsrequest import AWSRequest
        from botocore.credentials import Credentials

        headers = {name: ",".join(request.headers.getall(name, [])) for name in signed}
        # The path as received; the query from its decoded values (AWS canonicalises it anew).
        url = f"{request.scheme}://{request.host}{request.raw_path.partition('?')[0]}"
        query = list(request.query.items())
        aws_request = AWSRequest(
            method=request.method, url=url, headers=headers, data=body, params=query or None
        )
        aws_request.context["timestamp"] = amz_date
        signer = SigV4Auth(Credentials(access_key, secret, token), _SERVICE, self.region)
        canonical = signer.canonical_request(aws_request)
        return str(signer.signature(signer.string_to_sign(aws_request, canonical), aws_request))

    def _authorize(self, request: web.Request, operation: str, model: str) -> web.Response | None:
        """IAM: the action behind ``operation`` must be one of ``allowed_actions``, else AWS's 403."""
        action = _ACTIONS[operation]
        if self.allowed_actions is None or action in self.allowed_actions:
            return None
        resource = f"arn:aws:bedrock:{self.region}::foundation-model/{model}"
        return self._error(
            request,
            403,
            "AccessDeniedException",
            f"User: arn:aws:iam::123456789012:user/fake is not authorized to perform: {action} on "
            f"resource: {resource} because no identity-based policy allows the {action} action",
        )

    async def route(self, request: web.Request, body: bytes, json: Any) -> web.StreamResponse | Forward:
        denied = self._authenticate(request, body)
        if denied is not None:
            return denied
        segments = request.raw_path.partition("?")[0].split("/")
        if (
            request.method != "POST"
            or len(segments) != 4
            or segments[1] != "model"
            or not segments[2]
            or segments[3] not in ("invoke", "invoke-with-response-stream")
        ):
            return self._error(request, 404, "UnknownOperationException", "Unknown operation")
        denied = self._authorize(request, segments[3], unquote(segments[2]))
        if denied is not None:
            return denied
        if not isinstance(json, dict):
            return self._error(
                request, 400, "ValidationException", "Malformed input request: expected a JSON object"
            )
        for key in ("model", "stream"):
            if key in json:
                return self._error(
                    request,
                    400,
                    "ValidationException",
                    f"Malformed input request: #: extraneous key [{key}] is not permitted, "
                    "please reformat your input and try again.",
                )
        if json.get("anthropic_version") != _ANTHROPIC_VERSION:
            return self._error(
                request,
                400,
                "ValidationException",
                f"Malformed input request: anthropic_version must be {_ANTHROPIC_VERSION}, "
                f"got {json.get('anthropic_version')!r}",
            )
        plain = {k: v for k, v in json.items() if k not in ("anthropic_version", "anthropic_beta")}
        plain["model"] = unquote(segments[2])
        plain["stream"] = segments[3] == "invoke-with-response-stream"
        headers = {}
        betas = json.get("anthropic_beta")
        if isinstance(betas, list) and betas:
            headers["anthropic-beta"] = ",".join(str(b) for b in betas)
        return Forward(path="/v1/messages", json=plain, headers=headers)

    # -- answers -----------------------------------------------------------------------------

    def translate_error(
        self, request: web.Request, status: int, body: bytes, headers: Mapping[str, str]
    ) -> web.StreamResponse:
        error_type, message = _error_of(body)
        response = self._error(
            request, status, _HTTP_ERROR_TYPES.get(error_type, "InternalServerException"), message
        )
        for name in ("retry-after", "retry-after-ms", "x-should-retry"):
            if name in headers:
                response.headers[name] = headers[name]
        if "request-id" in headers:
            response.headers["x-amzn-requestid"] = headers["request-id"]
        return response

    def response_headers(self, upstream: Mapping[str, str], *, stream: bool) -> dict[str, str]:
        headers = {
            "content-type": "application/vnd.amazon.eventstream" if stream else "application/json",
            "x-amzn-requestid": upstream.get("request-id") or new_id("bedrock"),
        }
        if stream:
            headers["x-amzn-bedrock-content-type"] = "application/json"
        return headers

    def translator(self) -> StreamTranslator:
        return _EventStreamTranslator(self.split, self.corrupt)
