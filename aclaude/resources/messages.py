"""``client.messages``: create (streaming or drained) and the ``stream()`` helper.

There is one code path: every call asks the API for a stream. ``create()`` without
``stream=True`` drains that stream through the accumulator and returns the final ``Message``,
so there is no separate non-streaming path, no 10-minute non-streaming guard, and the same
failure semantics everywhere (an incomplete stream raises, it is never returned as a message).

Keywords are typed once per method family (``_message_kwargs``) and checked by name when called
(``_call_params``): a typo is a ``TypeError`` before anything is sent.
"""

from __future__ import annotations

from collections.abc import Coroutine, Iterable, Mapping
from typing import TYPE_CHECKING, Any, Literal, TypeVar, overload

from ..streaming._event_stream import EventStream
from ..streaming._message_stream import MessageStreamManager
from ..streaming._parse import ParsedMessage
from ..tools._runner import StreamingToolRunner, ToolParam, ToolRunner
from ..types._message import Message
from ..types._tokens import MessageTokensCount
from ._call_params import CallParams
from ._message_kwargs import MessageCountTokensKwargs, MessageCreateKwargs, ToolRunnerKwargs
from ._messages_extra import MessagesBase, MessagesStreamingTwin
from ._twins import RawCreateTwin, Twin, json_method, nested, raw_only
from .batches import Batches

if TYPE_CHECKING:
    from typing_extensions import Unpack

__all__ = ["Messages", "MessagesWithRawResponse", "MessagesWithStreamingResponse"]

_T = TypeVar("_T")

_CREATE = CallParams("create", MessageCreateKwargs)
_STREAM = CallParams("stream", MessageCreateKwargs)
_PARSE = CallParams("parse", MessageCreateKwargs)
_COUNT_TOKENS = CallParams("count_tokens", MessageCountTokensKwargs)
_TOOL_RUNNER = CallParams("tool_runner", ToolRunnerKwargs)


class Messages(MessagesBase["MessagesWithRawResponse", "MessagesWithStreamingResponse"]):
    """The Messages API. Parameters are the API's JSON fields as keyword arguments (``model``,
    ``max_tokens``, ``messages``, ``system``, ``tools``, ``temperature`` ...), as plain
    dicts/lists (typed by ``aclaude.types.params``) or msgspec Structs; ``workspace_id`` and
    ``user_profile_id`` are sent as headers. Per call: ``RequestOptions`` (``extra_headers``,
    ``extra_query``, ``extra_body``, ``timeout``, ``max_retries``); a field newer than aclaude
    goes in ``extra_body``.
    """

    @overload
    def create(self, *, stream: Literal[True], **params: Unpack[MessageCreateKwargs]) -> EventStream: ...

    @overload
    async def create(
        self, *, stream: Literal[False] = ..., **params: Unpack[MessageCreateKwargs]
    ) -> Message: ...

    @overload
    def create(
        self, *, stream: bool, **params: Unpack[MessageCreateKwargs]
    ) -> EventStream | Coroutine[Any, Any, Message]: ...

    @_CREATE.document
    def create(self, *, stream: bool = False, **params: Any) -> Any:
        """Create a message.

        With ``stream=True``: an ``EventStream``, an async iterator of typed events (the
        request is sent on first iteration, or when awaited). Without: a coroutine that returns
        the complete ``Message`` (internally a drained stream).
        """
        return self._create(_CREATE, stream, params)

    @_STREAM.document
    def stream(
        self, *, output_format: Any = None, **params: Unpack[MessageCreateKwargs]
    ) -> MessageStreamManager:
        """``async with client.messages.stream(...) as stream:`` a ``MessageStream`` with
        callbacks (``stream.on("text", ...)``), ``text_stream`` and ``get_final_message()``.
        With ``output_format`` (as in ``parse()``) the final message is a ``ParsedMessage``."""
        return self._stream(_STREAM, output_format, dict(params))

    @overload
    async def parse(
        self, *, output_format: type[_T], **params: Unpack[MessageCreateKwargs]
    ) -> ParsedMessage[_T]: ...

    @overload
    async def parse(
        self, *, output_format: Mapping[str, Any] | None = ..., **params: Unpack[MessageCreateKwargs]
    ) -> ParsedMessage[Any]: ...

    @_PARSE.document
    async def parse(self, *, output_format: Any = None, **params: Any) -> ParsedMessage[Any]:
        """Create a message whose reply follows ``output_format`` and decode it.

        ``output_format``: a type msgspec decodes (a ``msgspec.Struct`` ...) or a JSON schema
        dict (or give the schema as ``output_config={"format": {"type": "json_schema", ...}}``).
        Returns a ``ParsedMessage``: the message, with ``parsed_output`` decoded and validated
        by msgspec. Raises ``StructuredOutputError`` if the reply does not match.
        """
        return await self._parse(_PARSE, output_format, params)

    @_COUNT_TOKENS.document
    async def count_tokens(
        self, *, output_format: Any = None, **params: Unpack[MessageCountTokensKwargs]
    ) -> MessageTokensCount:
        """Count the input tokens of a request (``model``, ``messages``, ``system``, ``tools``
        ...) without creating a message. ``output_format`` as in ``parse()``."""
        return await self._count_tokens(_COUNT_TOKENS, output_format, dict(params))

    @overload
    def tool_runner(
        self, *, tools: Iterable[ToolParam], stream: Literal[False] = ..., **params: Unpack[ToolRunnerKwargs]
    ) -> ToolRunner: ...

    @overload
    def tool_runner(
        self, *, tools: Iterable[ToolParam], stream: Literal[True], **params: Unpack[ToolRunnerKwargs]
    ) -> StreamingToolRunner: ...

    @_TOOL_RUNNER.document
    def tool_runner(
        self, *, tools: Iterable[ToolParam], stream: bool = False, **params: Any
    ) -> ToolRunner | StreamingToolRunner:
        """Call the model, run the tools it asks for (a turn's calls concurrently), send the
        results back, until it stops: an async iterator of each assistant ``Message`` (with
        ``stream=True``: of each turn's ``MessageStream``); ``await runner.until_done()`` gives the
        last one. ``tools``: ``aclaude.tool`` objects (run here) and plain definition dicts (sent
        as given). ``tool_timeout``: seconds per call for tools without their own ``timeout``.
        ``run_tools_eagerly`` (with ``stream=True``): start each tool as soon as its call is
        complete, before the reply ends; never sent. Other parameters are those of
        ``create()``, sent with every request."""
        return self._tool_runner(_TOOL_RUNNER, tools, stream, params)


class _MessagesTwin(Twin):
    count_tokens = json_method(Messages.count_tokens, MessageTokensCount)
    parse = raw_only(Messages.parse)
    batches = nested(Batches)


class MessagesWithRawResponse(_MessagesTwin, RawCreateTwin, of=Messages):
    """``client.messages.with_raw_response``: ``create()``, ``count_tokens()``, ``parse()`` and
    ``batches`` returning a ``RawResponse`` (status, headers, request id and rate limits, with
    ``parse()`` giving the result)."""


class MessagesWithStreamingResponse(_MessagesTwin, MessagesStreamingTwin, of=Messages):
    """``client.messages.with_streaming_response``: ``create`` (the raw SSE body; ``parse()``
    gives the ``Message``, or with ``stream=True`` the ``EventStream``), ``count_tokens`` and
    ``batches``."""
