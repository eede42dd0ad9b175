"""``aclaude.VertexClient`` against ``FakeVertex`` over loopback HTTP.

Credentials are fake google-auth ``Credentials`` objects (no network, no ADC lookup): tests
check that tokens are fetched and refreshed in a worker thread, once for any number of
concurrent requests, while the event loop keeps running.
"""

from __future__ import annotations

import asyncio
import datetime
import threading
import time
from collections.abc import AsyncIterator, Iterable
from typing import Any

import pytest
from _platform_support import (
    VERTEX_MODEL,
    VERTEX_PROJECT,
    VERTEX_REGION,
    hermetic_google,
    params,
    vertex_client,
)

import aclaude
import aclaude._http.retry
from aclaude.testing import VERTEX_TOKEN, FakeVertex, Reply

google_auth = pytest.importorskip("google.auth")
from google.auth import _helpers as google_helpers  # noqa: E402
from google.auth import credentials as google_credentials  # noqa: E402
from google.auth import exceptions as google_exceptions  # noqa: E402

P = params(VERTEX_MODEL)


@pytest.fixture(autouse=True)
def _hermetic(monkeypatch: pytest.MonkeyPatch) -> None:
    hermetic_google(monkeypatch)
    monkeypatch.setattr(aclaude._http.retry, "INITIAL_RETRY_DELAY", 0.001)

    def no_adc(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("a test must not look up Application Default Credentials")

    monkeypatch.setattr(google_auth, "default", no_adc)


@pytest.fixture
async def fake() -> AsyncIterator[FakeVertex]:
    async with FakeVertex(project=VERTEX_PROJECT, region=VERTEX_REGION) as server:
        yield server


@pytest.fixture
async def client(fake: FakeVertex) -> AsyncIterator[aclaude.VertexClient]:
    async with vertex_client(fake.url) as c:
        yield c


class FakeCredentials(google_credentials.Credentials):  # type: ignore[misc]
    """google-auth credentials whose refresh hands out the given tokens (and can be slow)."""

    def __init__(
        self,
        tokens: Iterable[str] = (VERTEX_TOKEN,),
        *,
        lifetime: datetime.timedelta = datetime.timedelta(hours=1),
        delay: float = 0.0,
        errors: Iterable[Exception] = (),
        project_id: str | None = None,
    ) -> None:
        super().__init__()
        self._tokens = iter(tokens)
        self._errors = list(errors)
        self.lifetime = lifetime
        self.delay = delay
        self.project_id = project_id
        #: For each refresh: whether it ran on the main (event loop) thread.
        self.refreshes_on_main_thread: list[bool] = []

    def refresh(self, request: Any) -> None:
        self.refreshes_on_main_thread.append(threading.current_thread() is threading.main_thread())
        if self.delay:
            time.sleep(self.delay)  # a slow token endpoint: blocking, as google-auth is
        if self._errors:
            raise self._errors.pop(0)
        self.token = next(self._tokens)
        self.expiry = google_helpers.utcnow() + self.lifetime


# -- URL building ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("region", "base_url"),
    [
        ("global", "https://aiplatform.googleapis.com/v1"),
        ("us", "https://aiplatform.us.rep.googleapis.com/v1"),
        ("eu", "https://aiplatform.eu.rep.googleapis.com/v1"),
        ("us-east5", "https://us-east5-aiplatform.googleapis.com/v1"),
        ("europe-west1", "https://europe-west1-aiplatform.googleapis.com/v1"),
    ],
)
def test_base_url_per_region(region: str, base_url: str) -> None:
    client = aclaude.VertexClient(region=region, project_id="p", access_token="t")
    assert client.base_url == base_url
    assert client.region == region


def test_region_and_project_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CLOUD_ML_REGION", "global")
    monkeypatch.setenv("ANTHROPIC_VERTEX_PROJECT_ID", "env-project")
    client = aclaude.VertexClient(access_token="t")
    assert (client.region, client.project_id) == ("global", "env-project")
    assert client.base_url == "https://aiplatform.googleapis.com/v1"


def test_base_url_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ANTHROPIC_VERTEX_BASE_URL", "https://vertex-proxy.example.com/v1/")
    client = aclaude.VertexClient(region="us-east5", project_id="p", access_token="t")
    assert client.base_url == "https://vertex-proxy.example.com/v1"


def test_project_from_the_credentials() -> None:
    client = aclaude.VertexClient(region="us-east5", credentials=FakeCredentials(project_id="cred-project"))
    assert client.project_id == "cred-project"


def test_missing_region_or_project_are_clear_errors() -> None:
    with pytest.raises(ValueError, match="no Vertex AI region"):
        aclaude.VertexClient(project_id="p", access_token="t")
    with pytest.raises(ValueError, match="no Vertex AI project"):
        aclaude.VertexClient(region="us-east5", access_token="t")


async def test_stream_url_body_and_token(fake: FakeVertex, client: aclaude.VertexClient) -> None:
    fake.enqueue(Reply.text("Hello from Vertex", chunk_chars=5))
    message = await client.messages.create(**P)
    assert message.content[0].text == "Hello from Vertex"  # type: ignore[union-attr]
    request = fake.requests[0]
    assert request.path == (
        f"/v1/projects/{VERTEX_PROJECT}/locations/{VERTEX_REGION}/publishers/anthropic/models/"
        f"{VERTEX_MODEL}:streamRawPredict"
    )
    assert request.headers["authorization"] == f"Bearer {VERTEX_TOKEN}"
    assert request.json["anthropic_version"] == "vertex-2023-10-16"
    assert "model" not in request.json and request.json["stream"] is True
    assert "anthropic-version" not in request.headers and "x-api-key" not in request.headers
    assert fake.upstream.requests[0].json == {**P, "stream": True}


async def test_stream_events_and_callbacks(fake: FakeVertex, client: aclaude.VertexClient) -> None:
    fake.enqueue(Reply.tool_use("get_weather", {"city": "Paris"}, text_before="Let me check."))
    deltas: list[str] = []
    async with client.messages.stream(**P) as stream:
        stream.on("text", lambda delta, snapshot: deltas.append(delta))
        message = await stream.get_final_message()
    assert "".join(deltas) == "Let me check."
    assert message.content[1].input == {"city": "Paris"}  # type: ignore[union-attr]
    assert message.stop_reason == "tool_use"


async def test_raw_predict_without_stream(fake: FakeVertex, client: aclaude.VertexClient) -> None:
    fake.enqueue(Reply.text("plain"))
    body = await client.post("/v1/messages", body=P)
    assert body["content"][0]["text"] == "plain"
    assert fake.requests[0].path.endswith(f"/models/{VERTEX_MODEL}:rawPredict")


async def test_count_tokens_endpoint(fake: FakeVertex, client: aclaude.VertexClient) -> None:
    count = await client.messages.count_tokens(model=P["model"], messages=P["messages"])
    assert count.input_tokens > 0
    request = fake.requests[0]
    assert request.path == (
        f"/v1/projects/{VERTEX_PROJECT}/locations/{VERTEX_REGION}/publishers/anthropic/models/"
        "count-tokens:rawPredict"
    )
    assert request.json["model"] == VERTEX_MODEL
    assert request.json["anthropic_version"] == "vertex-2023-10-16"


async def test_betas_stay_a_header(fake: FakeVertex, client: aclaude.VertexClient) -> None:
    fake.enqueue(Reply.text("ok"))
    await client.beta.messages.create(betas=["context-1m-2025-08-07"], **P)
    assert fake.requests[0].headers["anthropic-beta"] == "context-1m-2025-08-07"


async def test_model_id_is_one_path_segment(fake: FakeVertex, client: aclaude.VertexClient) -> None:
    fake.enqueue(Reply.text("ok"))
    await client.messages.create(**{**P, "model": "claude/evil@2025"})
    assert fake.requests[0].path.endswith("/models/claude%2Fevil@2025:streamRawPredict")
    assert fake.upstream.requests[0].json["model"] == "claude/evil@2025"


# -- authentication failures ----------------------------------------------------------------------


async def test_bad_token_is_a_401_not_retried(fake: FakeVertex) -> None:
    async with vertex_client(fake.url, access_token="ya29.revoked", max_retries=2) as client:
        with pytest.raises(aclaude.AuthenticationError) as info:
            await client.messages.create(**P)
    assert info.value.status_code == 401 and info.value.type == "UNAUTHENTICATED"
    assert "invalid authentication credentials" in str(info.value) and "Google Vertex AI" in str(info.value)
    assert len(fake.requests) == 1


async def test_project_without_permission_is_a_403(fake: FakeVertex) -> None:
    async with vertex_client(fake.url, project_id="someone-elses-project", max_retries=2) as client:
        with pytest.raises(aclaude.PermissionDeniedError) as info:
            await client.messages.create(**P)
    assert info.value.status_code == 403 and info.value.type == "PERMISSION_DENIED"
    assert "aiplatform.endpoints.predict" in str(info.value)
    assert info.value.body["error"]["status"] == "PERMISSION_DENIED"
    assert len(fake.requests) == 1


async def test_wrong_region_is_a_404(fake: FakeVertex) -> None:
    async with vertex_client(fake.url, region="europe-west4") as client:
        with pytest.raises(aclaude.NotFoundError, match="NOT_FOUND"):
            await client.messages.create(**P)
    assert "/locations/europe-west4/" in fake.requests[0].path


async def test_model_errors_keep_the_api_error_type(fake: FakeVertex, client: aclaude.VertexClient) -> None:
    fake.enqueue(Reply.error(529, "overloaded_error", "Overloaded"))
    with pytest.raises(aclaude.OverloadedError) as info:
        await client.messages.create(**P)
    assert info.value.type == "overloaded_error"


async def test_in_stream_error_before_content_is_retried(fake: FakeVertex) -> None:
    fake.enqueue(Reply.text("x", error_event_after=1, error_type="overloaded_error"))
    fake.enqueue(Reply.text("retried"))
    async with vertex_client(fake.url, max_retries=1) as client:
        message = await client.messages.create(**P)
    assert message.content[0].text == "retried"  # type: ignore[union-attr]
    assert [r.headers["authorization"] for r in fake.requests] == [f"Bearer {VERTEX_TOKEN}"] * 2


# -- credentials ----------------------------------------------------------------------------------


async def test_token_is_fetched_once_in_a_thread_for_concurrent_requests(fake: FakeVertex) -> None:
    credentials = FakeCredentials(delay=0.2)
    for _ in range(10):
        fake.enqueue(Reply.text("ok"))
    ticks = 0

    async def ticker() -> None:
        nonlocal ticks
        while True:
            await asyncio.sleep(0.01)
            ticks += 1

    ticking = asyncio.create_task(ticker())
    try:
        async with vertex_client(fake.url, access_token=None, credentials=credentials) as client:
            await asyncio.gather(*(client.messages.create(**P) for _ in range(10)))
    finally:
        ticking.cancel()
    assert credentials.refreshes_on_main_thread == [False]
    assert ticks >= 5, "the event loop was blocked while the token was refreshed"
    assert {r.headers["authorization"] for r in fake.requests} == {f"Bearer {VERTEX_TOKEN}"}


async def test_expired_token_is_refreshed(fake: FakeVertex) -> None:
    fake.tokens = {"token-1", "token-2"}
    credentials = FakeCredentials(["token-1", "token-2"])
    fake.enqueue(Reply.text("a"), Reply.text("b"), Reply.text("c"))
    async with vertex_client(fake.url, access_token=None, credentials=credentials) as client:
        await client.messages.create(**P)
        await client.messages.create(**P)  # still valid: no refresh
        credentials.expiry = google_helpers.utcnow() - datetime.timedelta(seconds=1)
        await client.messages.create(**P)
    assert credentials.refreshes_on_main_thread == [False, False]
    assert [r.headers["authorization"] for r in fake.requests] == [
        "Bearer token-1",
        "Bearer token-1",
        "Bearer token-2",
    ]


async def test_application_default_credentials_in_a_thread(
    monkeypatch: pytest.MonkeyPatch, fake: FakeVertex
) -> None:
    credentials = FakeCredentials()
    on_main_thread: list[bool] = []

    def default(scopes: list[str] | None = None, **kwargs: Any) -> tuple[Any, str]:
        on_main_thread.append(threading.current_thread() is threading.main_thread())
        assert scopes == ["https://www.googleapis.com/auth/cloud-platform"]
        return credentials, VERTEX_PROJECT

    monkeypatch.setattr(google_auth, "default", default)
    fake.enqueue(Reply.text("adc"))
    async with aclaude.VertexClient(region=VERTEX_REGION, base_url=fake.url + "/v1", max_retries=0) as client:
        assert client.project_id is None  # known only once the credentials are loaded
        message = await client.messages.create(**P)
    assert message.content[0].text == "adc"  # type: ignore[union-attr]
    assert on_main_thread == [False] and credentials.refreshes_on_main_thread == [False]
    assert f"/projects/{VERTEX_PROJECT}/" in fake.requests[0].path


async def test_refresh_failure_is_a_clear_error(fake: FakeVertex) -> None:
    credentials = FakeCredentials(
        errors=[google_exceptions.RefreshError("invalid_grant: Token has been revoked")]
    )
    async with vertex_client(fake.url, access_token=None, credentials=credentials, max_retries=2) as client:
        with pytest.raises(aclaude.APIError, match="Token has been revoked") as info:
            await client.messages.create(**P)
    assert not isinstance(info.value, aclaude.APIConnectionError)
    assert len(credentials.refreshes_on_main_thread) == 1  # not retried
    assert fake.requests == []


async def test_refresh_transport_error_is_retried(fake: FakeVertex) -> None:
    credentials = FakeCredentials(errors=[google_exceptions.TransportError("connection reset")])
    fake.enqueue(Reply.text("ok"))
    async with vertex_client(fake.url, access_token=None, credentials=credentials, max_retries=1) as client:
        message = await client.messages.create(**P)
    assert message.content[0].text == "ok"  # type: ignore[union-attr]
    assert len(credentials.refreshes_on_main_thread) == 2


# -- what Vertex AI does not offer ----------------------------------------------------------------


async def test_unsupported_endpoints_raise_before_sending(
    fake: FakeVertex, client: aclaude.VertexClient
) -> None:
    with pytest.raises(NotImplementedError, match="Message Batches API is not supported on Google Vertex AI"):
        await client.messages.batches.create(requests=[])
    with pytest.raises(NotImplementedError, match="Models API"):
        await client.models.retrieve("claude")
    with pytest.raises(NotImplementedError, match="Files API"):
        await client.files.delete("file_1")
    assert fake.requests == []


async def test_with_options_keeps_the_platform(fake: FakeVertex, client: aclaude.VertexClient) -> None:
    copy = client.with_options(max_retries=3)
    assert type(copy) is aclaude.VertexClient and copy._google is client._google
    assert (copy.region, copy.project_id, copy.max_retries) == (client.region, client.project_id, 3)
    fake.enqueue(Reply.text("copy"))
    assert (await copy.messages.create(**P)).content[0].text == "copy"  # type: ignore[union-attr]
    assert "access_token" in repr(client) and VERTEX_TOKEN not in repr(client)
