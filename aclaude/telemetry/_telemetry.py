"""``Telemetry``: OpenTelemetry spans and metrics for every streamed Messages call.

Pass it like a middleware: ``Client(middleware=[Telemetry()])`` (``with_options`` copies keep
it). It then makes the client build its streams as ``TracedEventStream``: one span per API call
(not per attempt), from the first attempt to the end of the stream, named ``chat {model}``, kind
CLIENT, with the OpenTelemetry GenAI semantic conventions:

* request: ``gen_ai.operation.name`` (``chat``), ``gen_ai.provider.name`` (``anthropic``),
  ``gen_ai.request.model`` / ``max_tokens`` / ``temperature`` / ``top_p`` / ``top_k`` /
  ``stop_sequences``, ``gen_ai.request.stream`` (true: every aclaude call streams on the wire),
  ``server.address`` / ``server.port``;
* response: ``gen_ai.response.id`` / ``model`` / ``finish_reasons``,
  ``gen_ai.usage.input_tokens`` / ``output_tokens`` / ``cache_read.input_tokens`` /
  ``cache_creation.input_tokens``, ``gen_ai.response.time_to_first_chunk`` (seconds from the
  call's start to its first content delta);
* how it went: an ``aclaude.retry`` event per retried attempt (with the attempt's
  ``error.type``), ``aclaude.ratelimit.wait`` (seconds waited for the client's rate limiter,
  all attempts together), ``http.response.status_code`` and ``aclaude.request_id``; on failure
  ``error.type`` (the aclaude exception class) and an ERROR status;
* content (``gen_ai.input.messages``, ``gen_ai.system_instructions``, ``gen_ai.output.messages``
  as JSON) only with ``capture_content=True``.

Metrics: ``gen_ai.client.operation.duration`` (s), ``gen_ai.client.token.usage`` (by
``gen_ai.token.type`` input / output), ``gen_ai.client.operation.time_to_first_chunk`` (s),
``aclaude.client.streams.active`` (streams in flight) and ``aclaude.ratelimit.wait`` (s, every
admission of the client's ``rate_limiter``).

Off costs nothing: a client without ``Telemetry`` builds plain ``EventStream``s. JSON calls
(``count_tokens``, models, batches, files) are not traced.
"""

from __future__ import annotations

import functools
import time
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, ClassVar
from urllib.parse import urlsplit

import msgspec
from opentelemetry import metrics, trace
from opentelemetry.trace import SpanKind, Status, StatusCode

from .._exceptions import APIError
from .._http.transport import Response
from .._middleware import APIRequest, CallNext, Middleware
from .._version import __version__
from ..streaming._event_stream import EventStream, Opener
from ..types._events import RawContentBlockDeltaEvent, RawMessageDeltaEvent, RawMessageStartEvent

if TYPE_CHECKING:
    from collections.abc import AsyncIterator

    from .._client import Client
    from ..types._events import RawMessageStreamEvent

__all__ = ["Telemetry", "TracedEventStream"]

_PROVIDER = "anthropic"
_OPERATION = "chat"
_encode = msgspec.json.Encoder().encode
# Bucket boundaries the GenAI conventions advise for durations (s) and token counts.
_DURATION_BUCKETS = [0.01, 0.02, 0.04, 0.08, 0.16, 0.32, 0.64, 1.28, 2.56, 5.12, 10.24, 20.48, 40.96, 81.92]
_TOKEN_BUCKETS = [1, 4, 16, 64, 256, 1024, 4096, 16384, 65536, 262144, 1048576, 4194304, 16777216]


def _histogram(
    meter: metrics.Meter,
    name: str,
    unit: str,
    description: str,
    buckets: Sequence[float] = _DURATION_BUCKETS,
) -> metrics.Histogram:
    return meter.create_histogram(
        name, unit=unit, description=description, explicit_bucket_boundaries_advisory=buckets
    )


class Telemetry(Middleware):
    """Spans and metrics for a client (see the module docstring). ``tracer_provider`` /
    ``meter_provider`` default to the global ones; ``capture_content`` records prompts and
    replies on the span (off by default: they may hold personal data)."""

    def __init__(
        self,
        *,
        tracer_provider: trace.TracerProvider | None = None,
        meter_provider: metrics.MeterProvider | None = None,
        capture_content: bool = False,
    ) -> None:
        self.tracer = (tracer_provider or trace.get_tracer_provider()).get_tracer("aclaude", __version__)
        meter = (meter_provider or metrics.get_meter_provider()).get_meter("aclaude", __version__)
        self.capture_content = capture_content
        # The GenAI semantic conventions' metrics (their names, units and bucket advice), and ours.
        histogram = functools.partial(_histogram, meter)
        self.duration = histogram("gen_ai.client.operation.duration", "s", "GenAI operation duration")
        self.token_usage = histogram(
            "gen_ai.client.token.usage", "{token}", "Number of input and output tokens used", _TOKEN_BUCKETS
        )
        self.time_to_first_chunk = histogram(
            "gen_ai.client.operation.time_to_first_chunk",
            "s",
            "Time from the start of the call to its first content chunk",
        )
        self.active_streams = meter.create_up_down_counter(
            "aclaude.client.streams.active", unit="{stream}", description="Streamed calls in flight"
        )
        self.limiter_wait = histogram(
            "aclaude.ratelimit.wait", "s", "Time a request waited for the client's rate limiter"
        )
        self._limiters: set[int] = set()

    def attach(self, client: Client) -> None:
        """Called by the client this telemetry is given to: trace its streams (and time its
        rate limiter's admissions)."""
        url = urlsplit(client.base_url)
        server: dict[str, Any] = {"server.address": url.hostname or ""}
        port = url.port or (443 if url.scheme == "https" else 80)
        server["server.port"] = port
        traced: type[TracedEventStream] = type("TracedEventStream", (TracedEventStream,), {"__slots__": ()})
        traced.telemetry = self
        traced.server = server
        client._event_stream_class = traced
        limiter = client.rate_limiter
        listeners = getattr(limiter, "wait_listeners", None)  # a RateLimiter's
        if listeners is not None and id(limiter) not in self._limiters:
            self._limiters.add(id(limiter))
            listeners.append(self._record_wait)

    def _record_wait(self, budget: str, seconds: float) -> None:
        self.limiter_wait.record(seconds, {"aclaude.ratelimit.budget": budget})

    async def handle_async(self, request: APIRequest, call_next: CallNext) -> Response:
        """Attempts pass through (the traced stream records them)."""
        return await call_next(request)


def _request_attributes(body: Any, server: Mapping[str, Any], capture: bool) -> dict[str, Any]:
    attributes: dict[str, Any] = {
        "gen_ai.operation.name": _OPERATION,
        "gen_ai.provider.name": _PROVIDER,
        "gen_ai.request.stream": True,
        **server,
    }
    if not isinstance(body, Mapping):
        body = msgspec.to_builtins(body) if body is not None else {}
    for field, name in (
        ("model", "gen_ai.request.model"),
        ("max_tokens", "gen_ai.request.max_tokens"),
        ("temperature", "gen_ai.request.temperature"),
        ("top_p", "gen_ai.request.top_p"),
        ("top_k", "gen_ai.request.top_k"),
    ):
        value = body.get(field)
        if isinstance(value, (str, int, float)):
            attributes[name] = value
    stops = body.get("stop_sequences")
    if isinstance(stops, list):
        attributes["gen_ai.request.stop_sequences"] = [str(s) for s in stops]
    if capture:
        attributes["gen_ai.input.messages"] = _encode(body.get("messages", [])).decode()
        if body.get("system") is not None:
            attributes["gen_ai.system_instructions"] = _encode(body["system"]).decode()
    return attributes


class _Call:
    """One traced call: its span, timings and what the stream told about the response."""

    __slots__ = (
        "active_attributes",
        "attributes",
        "ended",
        "first_chunk",
        "input_tokens",
        "output_tokens",
        "response_model",
        "span",
        "started",
        "telemetry",
        "texts",
        "wait",
    )

    def __init__(self, telemetry: Telemetry, attributes: dict[str, Any]) -> None:
        self.telemetry = telemetry
        self.attributes = attributes
        self.span: trace.Span | None = None
        self.active_attributes: dict[str, Any] = {}
        self.started = 0.0
        self.first_chunk: float | None = None
        self.input_tokens: int | None = None
        self.output_tokens: int | None = None
        self.response_model: str | None = None
        self.wait = 0.0
        self.ended = False
        self.texts: list[str] | None = [] if telemetry.capture_content else None

    def start(self) -> trace.Span:
        span = self.span
        if span is None:
            model = self.attributes.get("gen_ai.request.model", "")
            span = self.span = self.telemetry.tracer.start_span(
                f"{_OPERATION} {model}".strip(), kind=SpanKind.CLIENT, attributes=self.attributes
            )
            self.started = time.monotonic()
            # The same attributes for the +1 and the -1, so that the counter returns to 0.
            self.active_attributes = self._metric_attributes()
            self.telemetry.active_streams.add(1, self.active_attributes)
        return span

    def _metric_attributes(self, error: str | None = None) -> dict[str, Any]:
        attributes = {
            "gen_ai.operation.name": _OPERATION,
            "gen_ai.provider.name": _PROVIDER,
            "server.address": self.attributes.get("server.address", ""),
        }
        model = self.attributes.get("gen_ai.request.model")
        if model is not None:
            attributes["gen_ai.request.model"] = model
        if self.response_model is not None:
            attributes["gen_ai.response.model"] = self.response_model
        if error is not None:
            attributes["error.type"] = error
        return attributes

    def observe(self, event: RawMessageStreamEvent) -> None:
        kind = type(event)
        if kind is RawContentBlockDeltaEvent:
            if self.first_chunk is None:
                self.first_chunk = time.monotonic() - self.started
            if self.texts is not None:
                text = getattr(event.delta, "text", None)  # type: ignore[union-attr]
                if isinstance(text, str):
                    self.texts.append(text)
        elif kind is RawMessageStartEvent:
            message = event.message  # type: ignore[union-attr]
            span = self.start()
            span.set_attribute("gen_ai.response.id", message.id)
            span.set_attribute("gen_ai.response.model", message.model)
            self.response_model = message.model
            usage = message.usage
            if usage is not None:
                self.input_tokens = usage.input_tokens
                if usage.cache_read_input_tokens is not None:
                    span.set_attribute("gen_ai.usage.cache_read.input_tokens", usage.cache_read_input_tokens)
                if usage.cache_creation_input_tokens is not None:
                    span.set_attribute(
                        "gen_ai.usage.cache_creation.input_tokens", usage.cache_creation_input_tokens
                    )
        elif kind is RawMessageDeltaEvent:
            delta_event: RawMessageDeltaEvent = event  # type: ignore[assignment]
            stop = delta_event.delta.stop_reason
            if stop is not None:
                self.start().set_attribute("gen_ai.response.finish_reasons", [stop])
            self.output_tokens = delta_event.usage.output_tokens
            if delta_event.usage.input_tokens is not None:
                self.input_tokens = delta_event.usage.input_tokens

    def attempt_failed(self, exc: BaseException, retry_count: int) -> None:
        span = self.start()
        self.wait += getattr(exc, "rate_limit_wait", 0.0)
        attributes: dict[str, Any] = {"error.type": type(exc).__name__, "aclaude.retry_count": retry_count}
        status = getattr(exc, "status_code", None)
        if isinstance(status, int):
            attributes["http.response.status_code"] = status
        span.add_event("aclaude.attempt.failed", attributes)

    def attempt_answered(self, response: Response, retry_count: int) -> None:
        span = self.start()
        self.wait += getattr(response, "rate_limit_wait", 0.0)
        span.set_attribute("http.response.status_code", response.status)
        if response.request_id is not None:
            span.set_attribute("aclaude.request_id", response.request_id)
        if retry_count:
            span.set_attribute("aclaude.retries", retry_count)

    def end(self, exc: BaseException | None = None) -> None:
        if self.ended:
            return
        self.ended = True
        span = self.start()
        telemetry = self.telemetry
        error = None
        if exc is not None:
            error = type(exc).__name__
            span.set_attribute("error.type", error)
            span.set_status(Status(StatusCode.ERROR, str(exc) if isinstance(exc, APIError) else error))
            span.record_exception(exc)
        if self.wait:
            span.set_attribute("aclaude.ratelimit.wait", self.wait)
        if self.first_chunk is not None:
            span.set_attribute("gen_ai.response.time_to_first_chunk", self.first_chunk)
        metric_attributes = self._metric_attributes(error)
        if self.input_tokens is not None:
            span.set_attribute("gen_ai.usage.input_tokens", self.input_tokens)
            telemetry.token_usage.record(
                self.input_tokens, {**metric_attributes, "gen_ai.token.type": "input"}
            )
        if self.output_tokens is not None:
            span.set_attribute("gen_ai.usage.output_tokens", self.output_tokens)
            telemetry.token_usage.record(
                self.output_tokens, {**metric_attributes, "gen_ai.token.type": "output"}
            )
        if self.texts is not None:
            output = [{"role": "assistant", "parts": [{"type": "text", "content": "".join(self.texts)}]}]
            span.set_attribute("gen_ai.output.messages", _encode(output).decode())
        if self.first_chunk is not None:
            telemetry.time_to_first_chunk.record(self.first_chunk, metric_attributes)
        telemetry.duration.record(time.monotonic() - self.started, metric_attributes)
        telemetry.active_streams.add(-1, self.active_attributes)
        span.end()


async def _traced_open(opener: Opener, call: _Call, *, retry_count: int) -> Response:
    call.start()
    if retry_count:
        call.span.add_event("aclaude.retry", {"aclaude.retry_count": retry_count})  # type: ignore[union-attr]
    try:
        response = await opener(retry_count=retry_count)
    except BaseException as exc:
        call.attempt_failed(exc, retry_count)
        raise
    call.attempt_answered(response, retry_count)
    return response


class TracedEventStream(EventStream):
    """An ``EventStream`` that reports its call as a span and metrics (see ``Telemetry``)."""

    __slots__ = ("_call",)
    telemetry: ClassVar[Telemetry]
    server: ClassVar[dict[str, Any]]

    def __init__(self, opener: Opener, **options: Any) -> None:
        keywords = getattr(opener, "keywords", None) or {}
        telemetry = self.telemetry
        self._call = _Call(
            telemetry, _request_attributes(keywords.get("body"), self.server, telemetry.capture_content)
        )
        super().__init__(functools.partial(_traced_open, opener, self._call), **options)

    async def _attempt(self, opener: Opener, retry_count: int) -> EventStream:
        if retry_count:
            return await super()._attempt(opener, retry_count)
        try:
            # Attempt 0's frame runs every retry too: what escapes it ends the call.
            return await super()._attempt(opener, 0)
        except BaseException as exc:
            self._call.end(exc)
            raise

    async def _iterate(self) -> AsyncIterator[RawMessageStreamEvent]:
        call = self._call
        observe = call.observe
        try:
            async for event in super()._iterate():
                observe(event)
                yield event
        except GeneratorExit:
            call.end()
            raise
        except BaseException as exc:
            call.end(exc)
            raise
        call.end()

    async def close(self) -> None:
        await super().close()
        if self._call.span is not None:
            self._call.end()
