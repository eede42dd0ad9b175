"""``aclaude.BedrockClient`` against ``FakeBedrock`` over loopback HTTP.

The fake recomputes every SigV4 signature with botocore from what it received, with fixed
credentials and a frozen clock (the client's signing clock is frozen at the same instant), and
streams real AWS event-stream frames, split at arbitrary offsets or with a spoiled CRC on
request. A known-answer test checks the client's signature against an independent SigV4
implementation (hashlib/hmac only), so the two botocore uses cannot agree on a mistake.
"""

from __future__ import annotations

import asyncio
import datetime
import hashlib
import hmac
import logging
import threading
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

import msgspec
import pytest
from _platform_support import BEDROCK_MODEL, FROZEN, REGION, bedrock_client, hermetic_aws, params

import aclaude
import aclaude._http.retry
import aclaude.platforms._bedrock
from aclaude.testing import BEDROCK_ACCESS_KEY, BEDROCK_SECRET_KEY, FakeBedrock, Reply

botocore = pytest.importorskip("botocore")


@pytest.fixture(autouse=True)
def _hermetic(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    hermetic_aws(monkeypatch, tmp_path)
    monkeypatch.setattr(aclaude._http.retry, "INITIAL_RETRY_DELAY", 0.001)


@pytest.fixture
async def fake() -> AsyncIterator[FakeBedrock]:
    async with FakeBedrock(region=REGION, now=FROZEN) as server:
        yield server


@pytest.fixture
async def client(fake: FakeBedrock) -> AsyncIterator[aclaude.BedrockClient]:
    async with bedrock_client(fake.url) as c:
        yield c


P = params(BEDROCK_MODEL)


# -- streaming and non-streaming through the same API --------------------------------------------


async def test_create_drains_the_event_stream(fake: FakeBedrock, client: aclaude.BedrockClient) -> None:
    fake.enqueue(Reply.text("Hello from Bedrock", chunk_chars=4))
    message = await client.messages.create(**P)
    assert [b.text for b in message.content if isinstance(b, aclaude.TextBlock)] == ["Hello from Bedrock"]
    assert message.stop_reason == "end_turn"
    assert fake.signatures_verified == 1
    request = fake.requests[0]
    assert request.path == f"/model/{BEDROCK_MODEL}/invoke-with-response-stream"
    assert request.headers["content-type"] == "application/json"
    assert request.json["anthropic_version"] == "bedrock-2023-05-31"
    assert "model" not in request.json and "stream" not in request.json
    assert "anthropic-version" not in request.headers and "x-api-key" not in request.headers
    # What the model endpoint behind Bedrock got: the plain API request.
    assert fake.upstream.requests[0].json == {**P, "stream": True}


async def test_request_id_comes_from_the_amazon_header(
    fake: FakeBedrock, client: aclaude.BedrockClient
) -> None:
    fake.enqueue(Reply.text("Hi"))
    message = await client.messages.create(**P)
    assert message.request_id is not None and message.request_id.startswith("req_")


async def test_stream_with_callbacks(fake: FakeBedrock, client: aclaude.BedrockClient) -> None:
    fake.enqueue(Reply.text("one two three", chunk_chars=3))
    seen: list[str] = []
    async with client.messages.stream(**P) as stream:
        stream.on("text", lambda delta, snapshot: seen.append(delta))
        text = [t async for t in stream.text_stream]
        message = await stream.get_final_message()
    assert "".join(text) == "".join(seen) == "one two three"
    assert message.content[0].text == "one two three"  # type: ignore[union-attr]


async def test_create_stream_true_gives_typed_events(
    fake: FakeBedrock, client: aclaude.BedrockClient
) -> None:
    fake.enqueue(Reply.text("abc", chunk_chars=1))
    events = [e async for e in client.messages.create(stream=True, **P)]
    assert [e.type for e in events] == [
        "message_start",
        "content_block_start",
        "ping",
        *["content_block_delta"] * 3,
        "content_block_stop",
        "message_delta",
        "message_stop",
    ]


async def test_raw_events_give_the_inner_json(fake: FakeBedrock, client: aclaude.BedrockClient) -> None:
    fake.enqueue(Reply.text("abc"))
    stream = client.messages.create(stream=True, **P)
    async with stream:
        pairs = [(e, data) async for e, data in stream.raw_events()]
    for event, data in pairs:
        assert msgspec.json.decode(data)["type"] == event.type
    # Bedrock's own addition to the last event passes through the raw bytes.
    assert b"amazon-bedrock-invocationMetrics" in pairs[-1][1]


async def test_plain_json_invoke(fake: FakeBedrock, client: aclaude.BedrockClient) -> None:
    """A request without ``stream`` goes to ``/invoke`` and gets the message as JSON."""
    fake.enqueue(Reply.text("Plain JSON"))
    body = await client.post("/v1/messages", body=P)
    assert body["content"][0]["text"] == "Plain JSON"
    assert fake.requests[0].path.endswith("/invoke")
    assert fake.upstream.requests[0].json["stream"] is False


async def test_betas_move_into_the_body(fake: FakeBedrock, client: aclaude.BedrockClient) -> None:
    fake.enqueue(Reply.text("beta"))
    await client.beta.messages.create(betas=["context-1m-2025-08-07", "interleaved-thinking-2025-05-14"], **P)
    request = fake.requests[0]
    assert "anthropic-beta" not in request.headers
    assert request.json["anthropic_beta"] == ["context-1m-2025-08-07", "interleaved-thinking-2025-05-14"]
    assert fake.upstream.requests[0].headers["anthropic-beta"] == (
        "context-1m-2025-08-07,interleaved-thinking-2025-05-14"
    )


async def test_the_callers_body_is_not_changed_between_attempts(
    fake: FakeBedrock, client: aclaude.BedrockClient
) -> None:
    fake.enqueue(Reply.error(529, "overloaded_error", "Overloaded", headers={"retry-after-ms": "1"}))
    fake.enqueue(Reply.text("second time"))
    extra = {"metadata": {"user_id": "u1"}}
    message = await client.messages.create(max_retries=1, extra_body=extra, **P)
    assert message.content[0].text == "second time"  # type: ignore[union-attr]
    first, second = fake.requests
    assert first.json == second.json
    assert first.json["metadata"] == {"user_id": "u1"} and "model" not in second.json


# -- URL and region building -------------------------------------------------------------------------


def test_base_url_from_the_region() -> None:
    client = aclaude.BedrockClient(aws_region="eu-west-3", api_key="k")
    assert client.base_url == "https://bedrock-runtime.eu-west-3.amazonaws.com"
    assert client.aws_region == "eu-west-3"


@pytest.mark.parametrize("variable", ["AWS_REGION", "AWS_DEFAULT_REGION"])
def test_region_from_the_environment(monkeypatch: pytest.MonkeyPatch, variable: str) -> None:
    monkeypatch.setenv(variable, "ap-northeast-1")
    client = aclaude.BedrockClient(api_key="k")
    assert client.base_url == "https://bedrock-runtime.ap-northeast-1.amazonaws.com"


def test_aws_region_wins_over_aws_default_region(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_REGION", "us-west-2")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "eu-central-1")
    assert aclaude.BedrockClient(api_key="k").aws_region == "us-west-2"


def test_region_from_the_aws_config(tmp_path: Path) -> None:
    (tmp_path / "aws-config").write_text(
        "[default]\nregion = ap-southeast-2\n\n[profile work]\nregion = ca-central-1\n"
    )
    assert aclaude.BedrockClient(api_key="k").aws_region == "ap-southeast-2"
    assert aclaude.BedrockClient(aws_profile="work").aws_region == "ca-central-1"


def test_no_region_is_a_clear_error() -> None:
    with pytest.raises(ValueError, match="no AWS region"):
        aclaude.BedrockClient(api_key="k")


def test_base_url_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ANTHROPIC_BEDROCK_BASE_URL", "https://vpce-1.bedrock-runtime.example.com/")
    client = aclaude.BedrockClient(aws_region="us-east-1", api_key="k")
    assert client.base_url == "https://vpce-1.bedrock-runtime.example.com"


@pytest.mark.parametrize(
    ("model", "path_segment"),
    [
        ("anthropic.claude-3-5-haiku-20241022-v1:0", "anthropic.claude-3-5-haiku-20241022-v1:0"),
        ("us.anthropic.claude-sonnet-4-5-20250929-v1:0", "us.anthropic.claude-sonnet-4-5-20250929-v1:0"),
        (
            "arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/abc123",
            "arn:aws:bedrock:us-east-1:123456789012:application-inference-profile%2Fabc123",
        ),
        ("my model~1", "my%20model~1"),
    ],
)
async def test_model_ids_in_the_url(
    fake: FakeBedrock, client: aclaude.BedrockClient, model: str, path_segment: str
) -> None:
    fake.enqueue(Reply.text("ok"))
    await client.messages.create(**{**P, "model": model})
    assert fake.requests[0].path == f"/model/{path_segment}/invoke-with-response-stream"
    assert fake.upstream.requests[0].json["model"] == model  # one segment, decoded back whole
    assert fake.signatures_verified == 1


@pytest.mark.parametrize("model", ["", ".", "..", None])
async def test_bad_model_ids_are_refused_before_sending(
    fake: FakeBedrock, client: aclaude.BedrockClient, model: Any
) -> None:
    with pytest.raises(ValueError, match="Bedrock model id"):
        await client.messages.create(**{**P, "model": model})
    assert fake.requests == []


async def test_query_parameters_are_signed(fake: FakeBedrock) -> None:
    fake.enqueue(Reply.text("ok"))
    async with bedrock_client(fake.url, default_query={"trace": "a b/c"}) as client:
        await client.messages.create(**P, extra_query={"x": "1"})
    assert fake.signatures_verified == 1
    assert fake.requests[0].query == {"trace": "a b/c", "x": "1"}


# -- signing ------------------------------------------------------------------------------------------


def _reference_sigv4(
    method: str, url: str, headers: dict[str, str], body: bytes, secret: str, region: str, amz_date: str
) -> str:
    """AWS Signature V4 from its specification, with the standard library only."""
    parts = urlsplit(url)
    canonical_uri = quote(parts.path, safe="/~")
    canonical_headers = "".join(f"{k}:{' '.join(v.split())}\n" for k, v in sorted(headers.items()))
    signed = ";".join(sorted(headers))
    canonical = "\n".join(
        [method, canonical_uri, parts.query, canonical_headers, signed, hashlib.sha256(body).hexdigest()]
    )
    scope = f"{amz_date[:8]}/{region}/bedrock/aws4_request"
    to_sign = "\n".join(["AWS4-HMAC-SHA256", amz_date, scope, hashlib.sha256(canonical.encode()).hexdigest()])

    def mac(key: bytes, msg: str) -> bytes:
        return hmac.new(key, msg.encode(), hashlib.sha256).digest()

    key = mac(mac(mac(mac(f"AWS4{secret}".encode(), amz_date[:8]), region), "bedrock"), "aws4_request")
    return hmac.new(key, to_sign.encode(), hashlib.sha256).hexdigest()


def test_signature_matches_an_independent_implementation() -> None:
    credentials = botocore.credentials.ReadOnlyCredentials(BEDROCK_ACCESS_KEY, BEDROCK_SECRET_KEY, None)
    url = "https://bedrock-runtime.us-east-1.amazonaws.com/model/anthropic.claude-v2:1/invoke"
    headers = {"content-type": "application/json", "accept": "application/json", "user-agent": "aclaude/0"}
    body = b'{"anthropic_version":"bedrock-2023-05-31","max_tokens":1}'
    added = aclaude.platforms._bedrock._sign(credentials, "POST", url, headers, body, "us-east-1")
    assert added["x-amz-date"] == "20250314T150926Z"
    signed_headers = {
        "accept": "application/json",
        "content-type": "application/json",
        "host": "bedrock-runtime.us-east-1.amazonaws.com",
        "x-amz-date": "20250314T150926Z",
    }
    expected = _reference_sigv4(
        "POST", url, signed_headers, body, BEDROCK_SECRET_KEY, "us-east-1", "20250314T150926Z"
    )
    assert added["authorization"] == (
        f"AWS4-HMAC-SHA256 Credential={BEDROCK_ACCESS_KEY}/20250314/us-east-1/bedrock/aws4_request, "
        f"SignedHeaders=accept;content-type;host;x-amz-date, Signature={expected}"
    )


async def test_every_attempt_is_signed_afresh(monkeypatch: pytest.MonkeyPatch, fake: FakeBedrock) -> None:
    ticks = iter(range(100))
    monkeypatch.setattr(
        aclaude.platforms._bedrock, "_utcnow", lambda: FROZEN + datetime.timedelta(seconds=next(ticks))
    )
    fake.enqueue(Reply.error(529, "overloaded_error", "Overloaded", headers={"retry-after-ms": "1"}))
    fake.enqueue(Reply.error(429, "rate_limit_error", "Slow down", headers={"retry-after-ms": "1"}))
    fake.enqueue(Reply.text("third time lucky"))
    async with bedrock_client(fake.url, max_retries=2) as client:
        message = await client.messages.create(**P)
    assert message.content[0].text == "third time lucky"  # type: ignore[union-attr]
    assert fake.signatures_verified == 3
    dates = [r.headers["x-amz-date"] for r in fake.requests]
    assert dates == ["20250314T150926Z", "20250314T150927Z", "20250314T150928Z"]
    assert [r.headers.get("x-stainless-retry-count") for r in fake.requests] == ["0", "1", "2"]
    assert len({r.headers["authorization"] for r in fake.requests}) == 3
    # The retry count header differs per attempt, and is covered by each attempt's signature.
    assert all("x-stainless-retry-count" in r.headers["authorization"] for r in fake.requests[1:])


async def test_connection_reset_is_retried_with_a_new_signature(fake: FakeBedrock) -> None:
    fake.enqueue(Reply.disconnect(), Reply.text("after the reset"))
    async with bedrock_client(fake.url, max_retries=1) as client:
        message = await client.messages.create(**P)
    assert message.content[0].text == "after the reset"  # type: ignore[union-attr]
    assert fake.signatures_verified == 2
    assert fake.requests[0].headers["authorization"] != fake.requests[1].headers["authorization"]


async def test_session_token_is_sent_and_signed(fake: FakeBedrock) -> None:
    fake.session_token = "FwoGZXIvYXdzEXAMPLETOKEN"
    fake.enqueue(Reply.text("ok"))
    async with bedrock_client(fake.url, aws_session_token="FwoGZXIvYXdzEXAMPLETOKEN") as client:
        await client.messages.create(**P)
    assert fake.requests[0].headers["x-amz-security-token"] == "FwoGZXIvYXdzEXAMPLETOKEN"
    assert "x-amz-security-token" in fake.requests[0].headers["authorization"]
    assert fake.signatures_verified == 1


async def test_credentials_from_the_environment_resolved_once_in_a_thread(
    monkeypatch: pytest.MonkeyPatch, fake: FakeBedrock
) -> None:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", BEDROCK_ACCESS_KEY)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", BEDROCK_SECRET_KEY)
    calls: list[bool] = []
    original = aclaude.platforms._bedrock._AwsCredentials._resolve

    def resolve(self: Any) -> Any:
        calls.append(threading.current_thread() is threading.main_thread())
        return original(self)

    monkeypatch.setattr(aclaude.platforms._bedrock._AwsCredentials, "_resolve", resolve)
    for _ in range(8):
        fake.enqueue(Reply.text("ok"))
    async with aclaude.BedrockClient(aws_region=REGION, base_url=fake.url, max_retries=0) as client:
        await asyncio.gather(*(client.messages.create(**P) for _ in range(8)))
    assert calls == [False]  # once, and never on the event loop's thread
    assert fake.signatures_verified == 8


async def test_expiring_credentials_are_refreshed_off_the_loop(
    monkeypatch: pytest.MonkeyPatch, fake: FakeBedrock
) -> None:
    from botocore.credentials import RefreshableCredentials

    fake.credentials = {"ASIANEWKEY": "new-secret"}
    refreshed_on_loop_thread: list[bool] = []
    now = datetime.datetime.now(datetime.timezone.utc)

    def refresh() -> dict[str, str]:
        refreshed_on_loop_thread.append(threading.current_thread() is threading.main_thread())
        return {
            "access_key": "ASIANEWKEY",
            "secret_key": "new-secret",
            "token": "new-token",
            "expiry_time": (now + datetime.timedelta(hours=1)).isoformat(),
        }

    expiring = RefreshableCredentials.create_from_metadata(
        metadata={
            "access_key": "ASIAOLDKEY",
            "secret_key": "old-secret",
            "token": "old-token",
            "expiry_time": (now + datetime.timedelta(minutes=2)).isoformat(),  # within refresh margin
        },
        refresh_using=refresh,
        method="test",
    )
    monkeypatch.setattr(botocore.session.Session, "get_credentials", lambda self: expiring)
    for _ in range(3):
        fake.enqueue(Reply.text("ok"))
    async with aclaude.BedrockClient(aws_region=REGION, base_url=fake.url, max_retries=0) as client:
        await client.messages.create(**P)
        await client.messages.create(**P)
        assert refreshed_on_loop_thread == [False]  # the first request refreshed; the second did not
        expiring._expiry_time = now + datetime.timedelta(minutes=1)  # about to expire again
        await client.messages.create(**P)
    assert refreshed_on_loop_thread == [False, False]
    assert fake.signatures_verified == 3
    assert {r.headers["x-amz-security-token"] for r in fake.requests} == {"new-token"}


async def test_no_credentials_is_a_clear_error(fake: FakeBedrock) -> None:
    async with aclaude.BedrockClient(aws_region=REGION, base_url=fake.url) as client:
        with pytest.raises(aclaude.APIError, match="no AWS credentials found"):
            await client.messages.create(**P)
    assert fake.requests == []


async def test_secrets_never_reach_the_logs(fake: FakeBedrock, caplog: pytest.LogCaptureFixture) -> None:
    fake.session_token = "SESSION-TOKEN-SECRET"
    fake.enqueue(Reply.text("ok"))
    fake.enqueue(Reply.error(403, "permission_error", "nope"))
    with caplog.at_level(logging.DEBUG):
        async with bedrock_client(fake.url, aws_session_token="SESSION-TOKEN-SECRET") as client:
            await client.messages.create(**P)
            with pytest.raises(aclaude.PermissionDeniedError) as info:
                await client.messages.create(**P)
            text = caplog.text + str(info.value) + repr(info.value) + repr(client)
    assert any("request POST /v1/messages" in r.getMessage() for r in caplog.records)
    assert BEDROCK_SECRET_KEY not in text and "SESSION-TOKEN-SECRET" not in text
    assert fake.requests[0].headers["authorization"].split("Signature=")[1] not in text


# -- authentication failures ----------------------------------------------------------------------


async def test_wrong_secret_is_a_403_and_not_retried(fake: FakeBedrock) -> None:
    async with bedrock_client(fake.url, aws_secret_key="not-the-secret", max_retries=2) as client:
        with pytest.raises(aclaude.PermissionDeniedError) as info:
            await client.messages.create(**P)
    error = info.value
    assert error.status_code == 403
    assert error.type == "InvalidSignatureException"
    assert "The request signature we calculated does not match" in str(error)
    assert "Amazon Bedrock" in str(error) and error.request_id is not None
    assert error.body["message"].startswith("The request signature we calculated does not match")
    assert len(fake.requests) == 1 and fake.upstream.requests == []


async def test_unknown_access_key(fake: FakeBedrock) -> None:
    async with bedrock_client(fake.url, aws_access_key="AKIAUNKNOWN") as client:
        with pytest.raises(aclaude.PermissionDeniedError) as info:
            await client.messages.create(**P)
    assert info.value.type == "UnrecognizedClientException"
    assert "security token included in the request is invalid" in str(info.value)


async def test_signature_for_another_region(fake: FakeBedrock) -> None:
    async with bedrock_client(fake.url, aws_region="us-west-2") as client:
        with pytest.raises(aclaude.PermissionDeniedError, match="scoped to a valid region"):
            await client.messages.create(**P)


async def test_signature_from_a_skewed_clock(monkeypatch: pytest.MonkeyPatch, fake: FakeBedrock) -> None:
    monkeypatch.setattr(aclaude.platforms._bedrock, "_utcnow", lambda: FROZEN - datetime.timedelta(hours=1))
    async with bedrock_client(fake.url) as client:
        with pytest.raises(aclaude.PermissionDeniedError, match="Signature expired"):
            await client.messages.create(**P)


async def test_missing_session_token(fake: FakeBedrock) -> None:
    fake.session_token = "required-token"
    async with bedrock_client(fake.url) as client:
        with pytest.raises(aclaude.PermissionDeniedError) as info:
            await client.messages.create(**P)
    assert info.value.type == "UnrecognizedClientException"


# -- Bedrock API keys (bearer) ----------------------------------------------------------------------


async def test_api_key_is_sent_as_a_bearer_token(fake: FakeBedrock) -> None:
    fake.api_key = "bedrock-api-key-123"
    fake.enqueue(Reply.text("ok"))
    async with aclaude.BedrockClient(
        aws_region=REGION, api_key="bedrock-api-key-123", base_url=fake.url
    ) as client:
        await client.messages.create(**P)
        assert "auth=api_key" in repr(client) and "bedrock-api-key-123" not in repr(client)
    request = fake.requests[0]
    assert request.headers["authorization"] == "Bearer bedrock-api-key-123"
    assert "x-amz-date" not in request.headers
    assert fake.signatures_verified == 0


async def test_api_key_from_the_environment(monkeypatch: pytest.MonkeyPatch, fake: FakeBedrock) -> None:
    monkeypatch.setenv("AWS_BEARER_TOKEN_BEDROCK", "env-bedrock-key")
    fake.api_key = "env-bedrock-key"
    fake.enqueue(Reply.text("ok"))
    async with aclaude.BedrockClient(aws_region=REGION, base_url=fake.url) as client:
        await client.messages.create(**P)
    assert fake.requests[0].headers["authorization"] == "Bearer env-bedrock-key"


async def test_wrong_api_key_is_a_403(fake: FakeBedrock) -> None:
    fake.api_key = "the-right-key"
    async with aclaude.BedrockClient(aws_region=REGION, api_key="a-wrong-key", base_url=fake.url) as client:
        with pytest.raises(aclaude.PermissionDeniedError, match="AccessDeniedException"):
            await client.messages.create(**P)


async def test_anthropic_api_key_is_never_sent(monkeypatch: pytest.MonkeyPatch, fake: FakeBedrock) -> None:
    monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-ant-must-not-leak")
    monkeypatch.setenv("ANTHROPIC_AUTH_TOKEN", "must-not-leak-either")
    fake.enqueue(Reply.text("ok"))
    async with bedrock_client(fake.url) as client:
        await client.messages.create(**P)
    assert "x-api-key" not in fake.requests[0].headers
    assert "must-not-leak" not in str(dict(fake.requests[0].headers))


def test_api_key_and_aws_credentials_exclude_each_other() -> None:
    with pytest.raises(ValueError, match="not both"):
        aclaude.BedrockClient(aws_region=REGION, api_key="k", aws_profile="p")
    with pytest.raises(ValueError, match="go together"):
        aclaude.BedrockClient(aws_region=REGION, aws_access_key="AKID")


# -- the event-stream framing over HTTP -----------------------------------------------------------


@pytest.mark.parametrize("split", [1, 3, 7, 64, 1000])
async def test_frames_split_at_arbitrary_offsets(
    fake: FakeBedrock, client: aclaude.BedrockClient, split: int
) -> None:
    reply = Reply.text("Splitting frames anywhere: ünïcödé ✓ and more text", chunk_chars=5)
    fake.enqueue(reply)
    reference = await client.messages.create(**P)
    fake.split = split
    fake.enqueue(reply)
    message = await client.messages.create(**P)
    as_json = msgspec.to_builtins(message)
    expected = msgspec.to_builtins(reference)
    as_json.pop("id"), expected.pop("id")
    assert as_json == expected


@pytest.mark.parametrize("kind", ["prelude", "message"])
async def test_corrupted_crc_mid_stream(fake: FakeBedrock, client: aclaude.BedrockClient, kind: Any) -> None:
    fake.corrupt = (kind, 4)  # frames: message_start, block start, ping, delta, [delta] ...
    fake.split = 5
    fake.enqueue(Reply.text("abcdef", chunk_chars=1))
    events: list[Any] = []
    with pytest.raises(aclaude.APIResponseValidationError, match=f"{kind} CRC mismatch") as info:
        async for event in client.messages.create(stream=True, **P):
            events.append(event)
    assert [e.type for e in events] == ["message_start", "content_block_start", "ping", "content_block_delta"]
    assert info.value.events_received == 4
    assert info.value.request_id is not None


@pytest.mark.parametrize("kind", ["prelude", "message"])
async def test_corrupted_crc_before_content_is_not_retried(fake: FakeBedrock, kind: Any) -> None:
    fake.corrupt = (kind, 0)
    fake.enqueue(Reply.text("x"), Reply.text("x"))
    async with bedrock_client(fake.url, max_retries=1) as client:
        with pytest.raises(aclaude.APIResponseValidationError, match="CRC mismatch in frame 0"):
            await client.messages.create(**P)
    assert len(fake.requests) == 1  # corrupted bytes are not a transient failure


async def test_exception_frame_before_content_is_retried(fake: FakeBedrock) -> None:
    fake.enqueue(Reply.text("x", error_event_after=1, error_type="overloaded_error", error_message="busy"))
    fake.enqueue(Reply.text("after the retry"))
    async with bedrock_client(fake.url, max_retries=1) as client:
        message = await client.messages.create(**P)
    assert message.content[0].text == "after the retry"  # type: ignore[union-attr]
    assert fake.signatures_verified == 2


async def test_exception_frame_after_content_keeps_the_partial_message(
    fake: FakeBedrock, client: aclaude.BedrockClient
) -> None:
    fake.enqueue(
        Reply.text(
            "abcdef", chunk_chars=1, error_event_after=5, error_type="rate_limit_error", error_message="slow"
        )
    )
    with pytest.raises(aclaude.RateLimitError) as info:
        await client.messages.create(**P)
    assert "throttlingException: slow" in str(info.value)
    assert info.value.partial_message.content[0].text == "ab"
    assert info.value.events_received == 6


async def test_http_errors_have_bedrock_types(fake: FakeBedrock, client: aclaude.BedrockClient) -> None:
    fake.enqueue(Reply.error(400, "invalid_request_error", "max_tokens: must be positive"))
    with pytest.raises(aclaude.BadRequestError) as info:
        await client.messages.create(**P)
    assert info.value.type == "ValidationException"
    assert "max_tokens: must be positive" in str(info.value)


async def test_truncated_and_dropped_streams(fake: FakeBedrock, client: aclaude.BedrockClient) -> None:
    fake.enqueue(Reply.text("abcdef", chunk_chars=1, truncate_after=5))
    with pytest.raises(aclaude.IncompleteStreamError) as info:
        await client.messages.create(**P)
    assert info.value.clean_eof is True and info.value.events_received == 5
    fake.enqueue(Reply.text("abcdef", chunk_chars=1, drop_after=5))
    with pytest.raises(aclaude.IncompleteStreamError) as info:
        await client.messages.create(**P)
    assert info.value.clean_eof is False


# -- what Bedrock does not offer -------------------------------------------------------------------


async def test_unsupported_endpoints_raise_before_sending(
    fake: FakeBedrock, client: aclaude.BedrockClient
) -> None:
    calls = {
        "Message Batches": lambda: client.messages.batches.create(requests=[]),
        "Message Batches ": lambda: client.beta.messages.batches.retrieve("msgbatch_1"),
        "Token counting": lambda: client.messages.count_tokens(model=P["model"], messages=P["messages"]),
        "Models": lambda: client.models.retrieve("claude"),
        "Files": lambda: client.files.retrieve_metadata("file_1"),
        "Text Completions": lambda: client.completions.create(
            model="claude-2", prompt="\n\nHuman: hi\n\nAssistant:", max_tokens_to_sample=5
        ),
    }
    for name, call in calls.items():
        with pytest.raises(NotImplementedError, match=f"{name.strip()}.* not supported on Amazon Bedrock"):
            await call()
    with pytest.raises(NotImplementedError):
        [m async for m in client.models.list()]
    assert fake.requests == []


# -- client plumbing -------------------------------------------------------------------------------


async def test_with_options_keeps_the_platform(fake: FakeBedrock, client: aclaude.BedrockClient) -> None:
    copy = client.with_options(timeout=30, max_retries=1)
    assert type(copy) is aclaude.BedrockClient
    assert copy.aws_region == client.aws_region and copy.base_url == client.base_url
    assert copy._credentials is client._credentials  # the credential cache is shared
    fake.enqueue(Reply.text("copy"))
    assert (await copy.messages.create(**P)).content[0].text == "copy"  # type: ignore[union-attr]
    with pytest.raises(TypeError, match="cannot change credentials"):
        client.with_options(api_key="x")


def test_repr_names_the_auth_not_the_secret() -> None:
    client = bedrock_client("https://example.invalid", aws_session_token="tok")
    text = repr(client)
    assert text.startswith("<aclaude.BedrockClient") and "auth=sigv4" in text
    assert BEDROCK_SECRET_KEY not in text and "tok'" not in text
