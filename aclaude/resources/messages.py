"""``client.messages``: create (streaming or drained) and the ``stream()`` helper.

There is one code path: every call asks the API for a stream. ``create()`` without
``stream=True`` drains that stream through the accumulator and returns the final ``Message``,
so there is no separate non-streaming path, no 10-minute non-streaming guard, and the same
failure semantics everywhere (an incomplete stream raises, it is never returned as a message).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any, Literal, overload

from .._exceptions import APIError, IncompleteStreamError
from .._http.raw_response import RawResponse, raw_create, to_raw_response
from .._http.transport import Timeout
from ..streaming._accumulate import AccumulatorState, accumulate, materialize
from ..streaming._event_stream import EventStream
from ..streaming._message_stream import MessageStreamManager
from ..streaming._parse import ParsedMessageStreamManager, apply_output_format
from ..tools._runner import StreamingToolRunner, ToolParam, ToolRunner
from ..types._message import Message
from ._messages_extra import MessagesExtras
from .batches import Batches, BatchesWithRawResponse

if TYPE_CHECKING:
    from .._client import Client

__all__ = ["Messages"]


class Messages(MessagesExtras):
    """The Messages API. Parameters are the API's JSON fields as keyword arguments (``model``,
    ``max_tokens``, ``messages``, ``system``, ``tools``, ``temperature`` ...), as plain
    dicts/lists or msgspec Structs. Per call: ``extra_headers``, ``extra_query``,
    ``extra_body`` (merged into the JSON body), ``timeout`` and ``max_retries``.
    """

    def __init__(self, client: Client) -> None:
        self._client = client
        self.batches = Batches(client)

    @property
    def with_raw_response(self) -> MessagesWithRawResponse:
        """The same methods returning a ``RawResponse``: status, headers, request id, rate limits."""
        return MessagesWithRawResponse(self)

    @overload
    def create(
        self,
        *,
        stream: Literal[True],
        extra_headers: Mapping[str, str] | None = ...,
        extra_query: Mapping[str, str] | None = ...,
        extra_body: Mapping[str, Any] | None = ...,
        timeout: Timeout | float | None = ...,
        max_retries: int | None = ...,
        **params: Any,
    ) -> EventStream: ...

    @overload
    async def create(
        self,
        *,
        stream: Literal[False] = ...,
        extra_headers: Mapping[str, str] | None = ...,
        extra_query: Mapping[str, str] | None = ...,
        extra_body: Mapping[str, Any] | None = ...,
        timeout: Timeout | float | None = ...,
        max_retries: int | None = ...,
        **params: Any,
    ) -> Message: ...

    def create(
        self,
        *,
        stream: bool = False,
        extra_headers: Mapping[str, str] | None = None,
        extra_query: Mapping[str, str] | None = None,
        extra_body: Mapping[str, Any] | None = None,
        timeout: Timeout | float | None = None,
        max_retries: int | None = None,
        **params: Any,
    ) -> Any:
        """Create a message.

        With ``stream=True``: an ``EventStream``, an async iterator of typed events (the
        request is sent on first iteration, or when awaited). Without: a coroutine that returns
        the complete ``Message`` (internally a drained stream).
        """
        events = self._event_stream(
            params, extra_headers, extra_query, extra_body, timeout, max_retries
        )
        if stream:
            return events
        return _drain(events)

    def stream(
        self,
        *,
        extra_headers: Mapping[str, str] | None = None,
        extra_query: Mapping[str, str] | None = None,
        extra_body: Mapping[str, Any] | None = None,
        timeout: Timeout | float | None = None,
        max_retries: int | None = None,
        **params: Any,
    ) -> MessageStreamManager:
        """``async with client.messages.stream(...) as stream:`` a ``MessageStream`` with
        callbacks (``stream.on("text", ...)``), ``text_stream`` and ``get_final_message()``.
        With ``output_format`` (as in ``parse()``) the final message is a ``ParsedMessage``."""
        params.pop("stream", None)
        output_format = params.pop("output_format", None)
        fmt = None
        if output_format is not None:
            params, fmt = apply_output_format(params, output_format)
        events = self._event_stream(
            params, extra_headers, extra_query, extra_body, timeout, max_retries
        )
        if fmt is not None:
            return ParsedMessageStreamManager(events, fmt)
        return MessageStreamManager(events)

    @overload
    def tool_runner(
        self,
        *,
        tools: Iterable[ToolParam],
        stream: Literal[False] = ...,
        max_iterations: int | None = ...,
        tool_timeout: float | None = ...,
        **params: Any,
    ) -> ToolRunner: ...

    @overload
    def tool_runner(
        self,
        *,
        tools: Iterable[ToolParam],
        stream: Literal[True],
        max_iterations: int | None = ...,
        tool_timeout: float | None = ...,
        **params: Any,
    ) -> StreamingToolRunner: ...

    def tool_runner(
        self,
        *,
        tools: Iterable[ToolParam],
        stream: bool = False,
        max_iterations: int | None = None,
        tool_timeout: float | None = None,
        **params: Any,
    ) -> ToolRunner | StreamingToolRunner:
        """Call the model, run the tools it asks for (a turn's calls concurrently), send the
        results back, until it stops: an async iterator of each assistant ``Message`` (with
        ``stream=True``: of each turn's ``MessageStream``); ``await runner.until_done()`` gives the
        last one. ``tools``: ``aclaude.tool`` objects (run here) and plain definition dicts (sent
        as given). ``tool_timeout``: seconds per call for tools without their own ``timeout``.
        Other parameters are those of ``create()``, sent with every request."""
        runner_cls = StreamingToolRunner if stream else ToolRunner
        return runner_cls(
            self, tools=tools, max_iterations=max_iterations, tool_timeout=tool_timeout, params=params
        )

    def _event_stream(
        self,
        params: dict[str, Any],
        extra_headers: Mapping[str, str] | None,
        extra_query: Mapping[str, str] | None,
        extra_body: Mapping[str, Any] | None,
        timeout: Timeout | float | None,
        max_retries: int | None,
    ) -> EventStream:
        body = {**params, "stream": True}
        if extra_body:
            body.update(extra_body)
        return self._client._event_stream(
            "/v1/messages",
            body,
            extra_headers=extra_headers,
            extra_query=extra_query,
            timeout=timeout,
            max_retries=max_retries,
        )


class MessagesWithRawResponse:
    """``client.messages.with_raw_response``: ``create()``, ``count_tokens()``, ``parse()`` and
    ``batches`` returning a ``RawResponse`` (status, headers, request id and rate limits, with
    ``parse()`` giving the result)."""

    def __init__(self, messages: Messages) -> None:
        self._messages = messages
        self.count_tokens = to_raw_response(messages.count_tokens)
        self.parse = to_raw_response(messages.parse)
        self.batches = BatchesWithRawResponse(messages.batches)

    async def create(self, *, stream: bool = False, **kwargs: Any) -> RawResponse[Any]:
        """As ``Messages.create``; ``parse()`` gives the ``Message`` (or, with ``stream=True``,
        the opened ``EventStream``)."""
        return await raw_create(self._messages.create, stream=stream, **kwargs)


async def _drain(events: EventStream) -> Message:
    """Consume a stream into its final message (what non-streaming ``create()`` returns)."""
    state = AccumulatorState()
    try:
        async for event in events:
            accumulate(state, event)
    except APIError as exc:
        if exc.partial_message is None:
            exc.partial_message = materialize(state)
        raise
    finally:
        await events.close()
    message = materialize(state)
    if message is None or not state.done:  # pragma: no cover - EventStream raises first
        raise IncompleteStreamError("stream ended without a message", clean_eof=True)
    message._request_id = events.request_id
    return message
