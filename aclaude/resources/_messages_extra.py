"""What ``client.messages`` and ``client.beta.messages`` share: one implementation of each
method, taking the ``CallParams`` that checks and splits its keywords, and their twins' ``create``.

The public classes (``Messages`` in ``messages.py``, ``BetaMessages`` in ``beta.py``) are typed
facades: each method states its keywords (a TypedDict) and calls the implementation here, so
there is one code path for the stable and the beta API.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from .._exceptions import APIError, IncompleteStreamError
from ..streaming._accumulate import AccumulatorState, accumulate, materialize
from ..streaming._event_stream import EventStream
from ..streaming._message_stream import MessageStreamManager
from ..streaming._parse import ParsedMessage, ParsedMessageStreamManager, apply_output_format, parse_message
from ..tools._runner import StreamingToolRunner, ToolParam, ToolRunner
from ..types._message import Message
from ..types._tokens import MessageTokensCount
from ._call_params import CallParams
from ._options import RequestOptions
from ._streaming_response import StreamedResponse, StreamedResponseManager
from ._twins import RawTwinT, Resource, StreamingTwin, StreamingTwinT
from .batches import Batches

if TYPE_CHECKING:
    from collections.abc import Iterable

    from ._base import APIClient

__all__ = ["MessagesBase", "MessagesStreamingTwin"]

_PATH = "/v1/messages"


class MessagesBase(Resource[RawTwinT, StreamingTwinT]):
    """The implementations behind ``client.messages`` and ``client.beta.messages``."""

    def __init__(self, client: APIClient) -> None:
        self._client = client
        self.batches = Batches(client)

    @property
    def logger(self) -> logging.Logger:
        """The client's logger (tool runners log each tool call there)."""
        return self._client.logger

    def _events(self, spec: CallParams, params: dict[str, Any]) -> EventStream:
        """The (not yet sent) stream of a Messages request."""
        body, options = spec.split(params)
        return self._send(body, options)

    def _send(self, body: dict[str, Any], options: RequestOptions) -> EventStream:
        """The one place a Messages body becomes a (not yet sent) stream."""
        body["stream"] = True
        return self._client.event_stream(_PATH, body, **options)

    def _create(self, spec: CallParams, stream: bool, params: dict[str, Any]) -> Any:
        events = self._events(spec, params)
        return events if stream else _drain(events)

    def _stream(self, spec: CallParams, output_format: Any, params: dict[str, Any]) -> MessageStreamManager:
        if output_format is None:
            return MessageStreamManager(self._events(spec, params))
        body, options = spec.split(params)
        body, fmt = apply_output_format(body, output_format)
        assert fmt is not None
        return ParsedMessageStreamManager(self._send(body, options), fmt)

    async def _parse(
        self, spec: CallParams, output_format: Any, params: dict[str, Any]
    ) -> ParsedMessage[Any]:
        body, options = spec.split(params)
        body, fmt = apply_output_format(body, output_format)
        return parse_message(await _drain(self._send(body, options)), fmt)

    async def _count_tokens(
        self, spec: CallParams, output_format: Any, params: dict[str, Any]
    ) -> MessageTokensCount:
        body, options = spec.split(params)
        body, _ = apply_output_format(body, output_format)
        return await self._client.request(
            "POST", f"{_PATH}/count_tokens", cast_to=MessageTokensCount, body=body, **options
        )

    def _tool_runner(
        self, spec: CallParams, tools: Iterable[ToolParam], stream: bool, params: dict[str, Any]
    ) -> ToolRunner | StreamingToolRunner:
        """``params``: the runner's own options (``ToolRunnerOptions``, taken out here) and the
        keywords every turn's ``create()`` sends."""
        spec.split(dict(params))  # the names checked now; each turn's create() sends them
        if params.pop("thread", None):
            raise ValueError("tool_runner(thread=...) takes only False or None")
        max_iterations = params.pop("max_iterations", None)
        tool_timeout = params.pop("tool_timeout", None)
        run_tools_eagerly = params.pop("run_tools_eagerly", False)
        output_format = params.pop("output_format", None)
        if run_tools_eagerly and not stream:
            raise ValueError("`run_tools_eagerly=True` and `stream=False` are mutually exclusive")
        if output_format is not None:
            params, _ = apply_output_format(params, output_format)
        runner_cls = StreamingToolRunner if stream else ToolRunner
        return runner_cls(
            self,  # type: ignore[arg-type]
            tools=tools,
            max_iterations=max_iterations,
            tool_timeout=tool_timeout,
            run_tools_eagerly=run_tools_eagerly,
            params=params,
        )


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


class MessagesStreamingTwin(StreamingTwin):
    """The streaming twin's ``create``: the body is the event stream as the API sends it."""

    __slots__ = ()

    def create(self, *, stream: bool = False, **params: Any) -> StreamedResponseManager[Any]:
        """As ``create()``; ``parse()`` gives the ``Message`` (or, with ``stream=True``, the
        ``EventStream``)."""
        messages: Any = self._resource
        return StreamedResponseManager(
            lambda: messages.create(stream=True, **params), _stream_parser if stream else _message_parser
        )


async def _stream_parser(response: StreamedResponse[Any], events: EventStream) -> EventStream:
    # The stream the method built, opened on the response it was stopped at.
    captured = response.http_response

    async def opener(retry_count: int = 0) -> Any:
        return captured

    events._opener = opener
    events._max_retries = 0  # the response is there: nothing to retry
    return await events


async def _message_parser(response: StreamedResponse[Any], events: EventStream) -> Message:
    return await _drain(await _stream_parser(response, events))
