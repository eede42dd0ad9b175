"""Spans and metrics (OpenTelemetry SDK, in-memory exporters) of streamed, retried and failed calls."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from typing import Any

import pytest
from conftest import API_KEY
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import InMemoryMetricReader
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind, StatusCode

import aclaude
from aclaude.ratelimit import Limits, LocalStore, RateLimiter
from aclaude.streaming import EventStream
from aclaude.telemetry import Telemetry
from aclaude.testing import FakeAnthropic, Reply

MODEL = "claude-sonnet-4-6"


def _params(**extra: Any) -> dict[str, Any]:
    return {
        "model": MODEL,
        "max_tokens": 100,
        "temperature": 0.5,
        "messages": [{"role": "user", "content": "Hello, Claude"}],
        **extra,
    }


class Otel:
    def __init__(self) -> None:
        self.spans = InMemorySpanExporter()
        self.tracer_provider = TracerProvider()
        self.tracer_provider.add_span_processor(SimpleSpanProcessor(self.spans))
        self.reader = InMemoryMetricReader()
        self.meter_provider = MeterProvider(metric_readers=[self.reader])

    def telemetry(self, **options: Any) -> Telemetry:
        return Telemetry(tracer_provider=self.tracer_provider, meter_provider=self.meter_provider, **options)

    def finished(self) -> list[ReadableSpan]:
        return list(self.spans.get_finished_spans())

    def points(self, name: str) -> list[Any]:
        data = self.reader.get_metrics_data()
        found = []
        for resource in data.resource_metrics if data else []:
            for scope in resource.scope_metrics:
                for metric in scope.metrics:
                    if metric.name == name:
                        found.extend(metric.data.data_points)
        return found


@pytest.fixture
def otel() -> Iterator[Otel]:
    otel = Otel()
    yield otel
    otel.tracer_provider.shutdown()
    otel.meter_provider.shutdown()


async def test_a_streamed_call_is_one_span_with_genai_attributes_and_metrics(
    otel: Otel, server: FakeAnthropic
) -> None:
    async with aclaude.Client(api_key=API_KEY, base_url=server.url, middleware=[otel.telemetry()]) as client:
        stream = await client.messages.create(**_params(), stream=True)
        async with asyncio.timeout(10):
            events = [event async for event in stream]
    (span,) = otel.finished()
    attributes = dict(span.attributes or {})
    message_start = events[0]
    assert span.name == f"chat {MODEL}" and span.kind is SpanKind.CLIENT
    assert attributes["gen_ai.operation.name"] == "chat"
    assert attributes["gen_ai.provider.name"] == "anthropic"
    assert attributes["gen_ai.request.model"] == MODEL
    assert attributes["gen_ai.request.max_tokens"] == 100
    assert attributes["gen_ai.request.temperature"] == 0.5
    assert attributes["gen_ai.response.id"] == message_start.message.id  # type: ignore[union-attr]
    assert attributes["gen_ai.response.model"] == message_start.message.model  # type: ignore[union-attr]
    assert attributes["gen_ai.response.finish_reasons"] == ("end_turn",)
    assert attributes["gen_ai.usage.input_tokens"] == message_start.message.usage.input_tokens  # type: ignore[union-attr]
    assert attributes["gen_ai.usage.output_tokens"] == 20
    assert attributes["gen_ai.response.time_to_first_chunk"] > 0
    assert attributes["server.address"] == "127.0.0.1" and attributes["server.port"] == server.port
    assert "gen_ai.input.messages" not in attributes and "gen_ai.output.messages" not in attributes
    assert span.status.status_code is StatusCode.UNSET
    (duration,) = otel.points("gen_ai.client.operation.duration")
    assert duration.count == 1 and "error.type" not in duration.attributes
    tokens = {p.attributes["gen_ai.token.type"]: p.sum for p in otel.points("gen_ai.client.token.usage")}
    assert tokens["output"] == 20 and tokens["input"] == attributes["gen_ai.usage.input_tokens"]
    (ttfc,) = otel.points("gen_ai.client.operation.time_to_first_chunk")
    assert ttfc.count == 1
    (active,) = otel.points("aclaude.client.streams.active")
    assert active.value == 0


async def test_a_retried_call_is_one_span_with_its_retry_recorded(otel: Otel, server: FakeAnthropic) -> None:
    server.enqueue(Reply.error(529, "overloaded_error", "Overloaded", headers={"retry-after-ms": "1"}))
    async with aclaude.Client(
        api_key=API_KEY, base_url=server.url, middleware=[otel.telemetry()], max_retries=2
    ) as client:
        message = await client.messages.create(**_params())
    (span,) = otel.finished()
    events = {event.name: dict(event.attributes or {}) for event in span.events}
    assert events["aclaude.attempt.failed"]["error.type"] == "OverloadedError"
    assert events["aclaude.attempt.failed"]["http.response.status_code"] == 529
    assert events["aclaude.retry"]["aclaude.retry_count"] == 1
    attributes = dict(span.attributes or {})
    assert attributes["aclaude.retries"] == 1 and attributes["http.response.status_code"] == 200
    assert attributes["gen_ai.response.id"] == message.id
    assert span.status.status_code is not StatusCode.ERROR
    (duration,) = otel.points("gen_ai.client.operation.duration")
    assert duration.count == 1


async def test_a_failed_call_has_error_type_and_error_status(otel: Otel, server: FakeAnthropic) -> None:
    server.enqueue(Reply.error(400, "invalid_request_error", "max_tokens: too large"))
    async with aclaude.Client(api_key=API_KEY, base_url=server.url, middleware=[otel.telemetry()]) as client:
        with pytest.raises(aclaude.BadRequestError):
            await client.messages.create(**_params())
    (span,) = otel.finished()
    assert span.status.status_code is StatusCode.ERROR
    assert dict(span.attributes or {})["error.type"] == "BadRequestError"
    assert [event.name for event in span.events] == ["aclaude.attempt.failed", "exception"]
    (duration,) = otel.points("gen_ai.client.operation.duration")
    assert duration.attributes["error.type"] == "BadRequestError"
    (active,) = otel.points("aclaude.client.streams.active")
    assert active.value == 0


async def test_a_stream_awaited_for_its_status_ends_its_span_on_failure(
    otel: Otel, server: FakeAnthropic
) -> None:
    server.enqueue(Reply.error(404, "not_found_error", "model: nope"))
    async with aclaude.Client(api_key=API_KEY, base_url=server.url, middleware=[otel.telemetry()]) as client:
        with pytest.raises(aclaude.NotFoundError):
            await client.messages.create(**_params(), stream=True)
    (span,) = otel.finished()
    assert dict(span.attributes or {})["error.type"] == "NotFoundError"


async def test_a_stream_failing_midway_and_one_closed_early(otel: Otel, server: FakeAnthropic) -> None:
    server.enqueue(Reply.text("Hello there, friend", chunk_chars=2).with_options(drop_after=5))
    async with aclaude.Client(api_key=API_KEY, base_url=server.url, middleware=[otel.telemetry()]) as client:
        with pytest.raises(aclaude.IncompleteStreamError):
            await client.messages.create(**_params())
        async with client.messages.stream(**_params()) as stream:
            async for _ in stream.text_stream:
                break
    failed, closed = otel.finished()
    assert dict(failed.attributes or {})["error.type"] == "IncompleteStreamError"
    assert closed.status.status_code is StatusCode.UNSET
    assert "gen_ai.response.time_to_first_chunk" in dict(closed.attributes or {})


async def test_content_only_when_asked(otel: Otel, server: FakeAnthropic) -> None:
    server.enqueue(Reply.text("Bonjour"))
    telemetry = otel.telemetry(capture_content=True)
    async with aclaude.Client(api_key=API_KEY, base_url=server.url, middleware=[telemetry]) as client:
        await client.messages.create(**_params(system="Be brief."))
    attributes = dict(otel.finished()[0].attributes or {})
    assert json.loads(attributes["gen_ai.input.messages"]) == _params()["messages"]  # type: ignore[arg-type]
    assert json.loads(attributes["gen_ai.system_instructions"]) == "Be brief."  # type: ignore[arg-type]
    output = json.loads(attributes["gen_ai.output.messages"])  # type: ignore[arg-type]
    assert output[0]["parts"][0]["content"] == "Bonjour"


async def test_rate_limit_wait_on_the_span_and_in_metrics(otel: Otel, server: FakeAnthropic) -> None:
    store = LocalStore()
    limiter = RateLimiter(Limits(requests_per_minute=600), store=store)
    store.adjust("sonnet", (-600.0, 0.0, 0.0), limiter.capacities("sonnet"))  # empty: 0.1 s a request
    async with aclaude.Client(
        api_key=API_KEY, base_url=server.url, middleware=[otel.telemetry()], rate_limiter=limiter
    ) as client:
        async with asyncio.timeout(10):
            await client.messages.create(**_params())
    attributes = dict(otel.finished()[0].attributes or {})
    assert attributes["aclaude.ratelimit.wait"] > 0.05
    (wait,) = otel.points("aclaude.ratelimit.wait")
    assert wait.count == 1 and wait.sum > 0.05 and wait.attributes["aclaude.ratelimit.budget"] == "sonnet"


async def test_off_costs_nothing_and_copies_keep_it(otel: Otel, server: FakeAnthropic) -> None:
    async with aclaude.Client(api_key=API_KEY, base_url=server.url) as plain:
        assert type(plain.messages.create(**_params(), stream=True)) is EventStream
        traced = plain.with_options(middleware=[otel.telemetry()])
        copy = traced.with_options(max_retries=0)
        assert type(copy.messages.create(**_params(), stream=True)) is not EventStream
    assert otel.finished() == []  # streams never sent make no span


async def test_metrics_have_the_conventions_units_and_bucket_boundaries(
    otel: Otel, server: FakeAnthropic
) -> None:
    async with aclaude.Client(api_key=API_KEY, base_url=server.url, middleware=[otel.telemetry()]) as client:
        stream = await client.messages.create(**_params(), stream=True)
        async with asyncio.timeout(10):
            [event async for event in stream]
    data = otel.reader.get_metrics_data()
    assert data is not None
    metrics = {m.name: m for r in data.resource_metrics for s in r.scope_metrics for m in s.metrics}
    units = {name: metric.unit for name, metric in metrics.items()}
    assert units["gen_ai.client.operation.duration"] == "s"
    assert units["gen_ai.client.token.usage"] == "{token}"
    assert units["gen_ai.client.operation.time_to_first_chunk"] == "s"
    duration = metrics["gen_ai.client.operation.duration"].data.data_points[0]
    tokens = metrics["gen_ai.client.token.usage"].data.data_points[0]
    assert tuple(duration.explicit_bounds)[:3] == (0.01, 0.02, 0.04)
    assert tuple(tokens.explicit_bounds)[:3] == (1, 4, 16)
