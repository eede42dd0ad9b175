"""``BedrockClient``: the Messages API on Amazon Bedrock (``pip install aclaude[bedrock]``).

What differs from the plain API, and nothing else:

* URL: ``POST /model/{model}/invoke-with-response-stream`` (``/invoke`` without ``stream``) on
  ``https://bedrock-runtime.{region}.amazonaws.com``; ``model`` and ``stream`` leave the body.
* body: ``anthropic_version: "bedrock-2023-05-31"``; the ``anthropic-beta`` header becomes the
  ``anthropic_beta`` list.
* auth: AWS Signature V4 (service ``bedrock``) with botocore's credential chain, or a Bedrock
  API key sent as a bearer token (``api_key=`` / ``AWS_BEARER_TOKEN_BEDROCK``).
* the stream: AWS binary event-stream frames (``_aws_eventstream``), each holding one Messages
  API event, which then take the plain path (typed events, ``MessageStream``, strict ends).

Only ``messages.create`` / ``messages.stream`` (and their beta forms) exist on Bedrock; batches,
token counting, models, files and completions raise ``UnsupportedOnPlatformError``.

Credentials are resolved by botocore, which may read files or call a metadata service: that
runs in a worker thread (``asyncio.to_thread``), once, and again only when temporary
credentials near their expiry. Signing itself is a few HMACs, done per attempt (a retry is
signed afresh, with a fresh date), on the loop.
"""

from __future__ import annotations

import asyncio
import datetime
import os
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, ClassVar
from urllib.parse import quote

import msgspec
from yarl import URL

from .._decoders.aws_eventstream import AWSEventStreamDecoder
from .._exceptions import APIError
from .._http.transport import PreparedRequest
from ..streaming._event_stream import DecoderFactory
from ._base import ClientOptions, PlatformClient, json_object, require

if TYPE_CHECKING:
    from typing_extensions import Self, Unpack

    from .._exceptions import APIStatusError

__all__ = ["BEDROCK_API_VERSION", "BedrockClient"]

BEDROCK_API_VERSION = "bedrock-2023-05-31"
#: The IAM action every BedrockClient request needs (see BedrockClient._describe_error).
STREAM_PERMISSION = "bedrock:InvokeModelWithResponseStream"
_SERVICE = "bedrock"
_SIGV4_TIMESTAMP = "%Y%m%dT%H%M%SZ"
# Not signed: botocore leaves user-agent out too; a proxy may rewrite it.
_UNSIGNED_HEADERS = frozenset({"user-agent", "connection", "expect", "transfer-encoding"})

_encode = msgspec.json.Encoder().encode


def _utcnow() -> datetime.datetime:
    """The signing clock (a function of its own so that tests can freeze it)."""
    return datetime.datetime.now(datetime.timezone.utc)


def _config_region(profile: str | None) -> str | None:
    """The region of the AWS config (``~/.aws/config``, profile ``profile``), if botocore is here."""
    try:
        import botocore.session
    except ImportError:
        return None
    region = botocore.session.Session(profile=profile).get_config_variable("region")
    return region if isinstance(region, str) and region else None


class _AwsCredentials:
    """botocore credentials, resolved in a thread and cached as a frozen (immutable) set."""

    def __init__(
        self,
        access_key: str | None,
        secret_key: str | None,
        session_token: str | None,
        profile: str | None,
    ) -> None:
        self._access_key = access_key
        self._secret_key = secret_key
        self._session_token = session_token
        self._profile = profile
        self._credentials: Any = None  # botocore Credentials (maybe refreshable)
        self._frozen: Any = None  # botocore ReadOnlyCredentials
        self._lock = asyncio.Lock()

    def _expiring(self) -> bool:
        refresh_needed = getattr(self._credentials, "refresh_needed", None)
        return bool(refresh_needed()) if refresh_needed is not None else False

    async def get(self) -> Any:
        """The current credentials; resolved, or refreshed when about to expire, off the loop."""
        frozen = self._frozen
        if frozen is not None and not self._expiring():
            return frozen
        async with self._lock:  # one resolution for any number of waiting requests
            if self._frozen is None or self._expiring():
                self._frozen = await asyncio.to_thread(self._resolve)
            return self._frozen

    def _resolve(self) -> Any:  # in a worker thread
        # botocore.auth is imported here, off the loop, for sign() later.
        needs = "BedrockClient needs botocore for AWS credentials"
        require("bedrock", needs, "botocore.auth", "botocore.session")
        import botocore.credentials
        import botocore.session
        if self._credentials is None:
            if self._access_key is not None and self._secret_key is not None:
                credentials = botocore.credentials.Credentials(
                    self._access_key, self._secret_key, self._session_token
                )
            else:
                try:
                    credentials = botocore.session.Session(profile=self._profile).get_credentials()
                except Exception as exc:  # botocore: profile not found, bad config ...
                    raise APIError(f"could not resolve AWS credentials: {exc}") from exc
            if credentials is None:
                raise APIError(
                    "no AWS credentials found: pass aws_access_key/aws_secret_key or aws_profile, "
                    "set AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY or AWS_PROFILE, or use api_key"
                )
            self._credentials = credentials
        try:
            return self._credentials.get_frozen_credentials()
        except Exception as exc:  # a refresh that failed (expired SSO session, STS error ...)
            raise APIError(f"could not refresh AWS credentials: {exc}") from exc


def _sign(
    credentials: Any,
    method: str,
    url: str,
    headers: Mapping[str, str],
    body: bytes,
    region: str,
    params: Mapping[str, str] | None = None,
) -> dict[str, str]:
    """The SigV4 headers (``x-amz-date``, ``authorization`` and the session token) for one
    attempt. ``url`` must be the path exactly as it goes on the wire; ``params`` (the query) are
    canonicalised by botocore from their values. botocore's signer computes each part; its
    ``add_auth`` is not used because it logs the canonical request (with the session token) at
    DEBUG level."""
    from botocore.auth import SigV4Auth
    from botocore.awsrequest import AWSRequest

    timestamp = _utcnow().strftime(_SIGV4_TIMESTAMP)
    added = {"x-amz-date": timestamp}
    if credentials.token:
        added["x-amz-security-token"] = credentials.token
    signed = {k: v for k, v in headers.items() if k not in _UNSIGNED_HEADERS}
    signed.update(added)
    request = AWSRequest(
        method=method, url=url, headers=signed, data=body, params=list(params.items()) if params else None
    )
    request.context["timestamp"] = timestamp
    signer = SigV4Auth(credentials, _SERVICE, region)
    canonical = signer.canonical_request(request)
    signature = signer.signature(signer.string_to_sign(request, canonical), request)
    names = signer.signed_headers(signer.headers_to_sign(request))
    added["authorization"] = (
        f"AWS4-HMAC-SHA256 Credential={signer.scope(request)}, SignedHeaders={names}, Signature={signature}"
    )
    return added


class BedrockClient(PlatformClient):
    """The Messages API on Amazon Bedrock, with the same resources, streams, retries and errors
    as ``aclaude.Client``.

    Region: ``aws_region``, else ``AWS_REGION`` / ``AWS_DEFAULT_REGION``, else the AWS config
    (profile ``aws_profile``). Credentials: ``aws_access_key`` + ``aws_secret_key`` (+
    ``aws_session_token``), or ``aws_profile``, else botocore's default chain (environment,
    config files, SSO, container and instance roles); or instead a Bedrock API key, ``api_key``
    / ``AWS_BEARER_TOKEN_BEDROCK``, sent as a bearer token. ``base_url`` defaults to
    ``ANTHROPIC_BEDROCK_BASE_URL``, else ``https://bedrock-runtime.{region}.amazonaws.com``.
    Model ids are Bedrock's (``anthropic.claude-...-v1:0``, an inference profile id or ARN).
    Other options are those of ``aclaude.Client``.
    """

    platform: ClassVar[str] = "Amazon Bedrock"
    _request_id_header: ClassVar[str | None] = "x-amzn-requestid"
    _decoder_factory: ClassVar[DecoderFactory] = AWSEventStreamDecoder

    def __init__(
        self,
        *,
        aws_region: str | None = None,
        aws_access_key: str | None = None,
        aws_secret_key: str | None = None,
        aws_session_token: str | None = None,
        aws_profile: str | None = None,
        api_key: str | None = None,
        base_url: str | None = None,
        **options: Unpack[ClientOptions],
    ) -> None:
        if api_key is None:
            api_key = os.environ.get("AWS_BEARER_TOKEN_BEDROCK") or None
        explicit_aws = (aws_access_key, aws_secret_key, aws_session_token, aws_profile)
        if api_key and any(v is not None for v in explicit_aws):
            raise ValueError("pass either api_key (a Bedrock API key) or AWS credentials, not both")
        if (aws_access_key is None) != (aws_secret_key is None):
            raise ValueError("aws_access_key and aws_secret_key go together")
        region = (
            aws_region
            or os.environ.get("AWS_REGION")
            or os.environ.get("AWS_DEFAULT_REGION")
            or _config_region(aws_profile)
        )
        if not region:
            raise ValueError(
                "no AWS region: pass aws_region=, set AWS_REGION, or configure a region for your AWS profile"
            )
        self.aws_region: str = region
        self._bearer: str | None = api_key or None
        self._credentials = (
            None
            if self._bearer
            else _AwsCredentials(aws_access_key, aws_secret_key, aws_session_token, aws_profile)
        )
        self._platform_options = {
            "aws_region": region,
            "aws_access_key": aws_access_key,
            "aws_secret_key": aws_secret_key,
            "aws_session_token": aws_session_token,
            "aws_profile": aws_profile,
            "api_key": self._bearer,
        }
        if base_url is None:
            base_url = (
                os.environ.get("ANTHROPIC_BEDROCK_BASE_URL")
                or f"https://bedrock-runtime.{region}.amazonaws.com"
            )
        super().__init__(base_url=base_url, **options)

    def _auth_kind(self) -> str:
        return "api_key" if self._bearer else "sigv4"

    def _describe_error(self, exc: APIStatusError) -> None:
        super()._describe_error(exc)
        # Every call is a stream (create() without stream=True is a drained one), so a policy
        # that grants only bedrock:InvokeModel refuses all of them: say which action is needed.
        if exc.status_code == 403 and exc.type == "AccessDeniedException" and "not authorized" in exc.message:
            exc.message += (
                f"; aclaude calls InvokeModelWithResponseStream for every request, create() without "
                f"stream=True included (it is a drained stream), so the policy must allow "
                f"{STREAM_PERMISSION} on this model, not only bedrock:InvokeModel"
            )
            exc.args = (exc.message,)

    def _share_state(self, source: Self) -> None:
        self._credentials = source._credentials

    def _build_headers(self) -> dict[str, str]:
        headers = super()._build_headers()
        headers.pop("anthropic-version", None)  # the body's anthropic_version is Bedrock's
        if self._bearer:
            headers["authorization"] = f"Bearer {self._bearer}"
        return headers

    async def _prepare_request(self, request: PreparedRequest) -> PreparedRequest:
        path = request.path
        if request.method.upper() != "POST" or path != "/v1/messages":
            raise self._unsupported(request.method, path)
        data = json_object(request.json, self.platform, path)
        model = data.pop("model", None)
        stream = data.pop("stream", False)
        if not isinstance(model, str) or not model or model in (".", ".."):
            raise ValueError(f"expected a Bedrock model id for `model`, got {model!r}")
        data.setdefault("anthropic_version", BEDROCK_API_VERSION)
        wire_headers = dict(request.headers)
        betas = wire_headers.pop("anthropic-beta", None)
        if betas:
            data.setdefault("anthropic_beta", [b.strip() for b in betas.split(",") if b.strip()])
        action = "invoke-with-response-stream" if stream else "invoke"
        # ":" is kept (model ids have one); "/" of an ARN is escaped to stay one path segment.
        # Normalised as aiohttp (yarl) will send it, since the signature covers the exact path.
        url = str(URL(f"{self.base_url}/model/{quote(model, safe=':')}/{action}"))
        payload = _encode(data)  # encoded here: the signature covers these exact bytes
        if self._credentials is not None:
            credentials = await self._credentials.get()
            wire_headers.update(
                _sign(credentials, "POST", url, wire_headers, payload, self.aws_region, request.params)
            )
        request.url, request.headers, request.json, request.content = url, wire_headers, None, payload
        return request
