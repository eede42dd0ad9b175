"""``client.beta``: the same resources, with ``betas=[...]`` sent as the ``anthropic-beta`` header.

Beta endpoints are the regular ones (same paths, same wire format) plus the header, so every
method here is the regular method with the header merged in: one code path, and everything the
stable API guarantees (strict stream ends, typed errors, retries) holds for betas too. Content
blocks, deltas and events that only betas send pass through as typed ``Unknown*`` structs with
every field kept (see ``_events``), and typed where the stable API already knows them.
"""

from __future__ import annotations

from collections.abc import Coroutine, Iterable, Mapping
from typing import TYPE_CHECKING, Any, Literal, TypeVar, overload

from .._http.raw_response import RawResponse, raw_create, to_raw_response
from ..streaming._event_stream import EventStream
from ..streaming._message_stream import MessageStreamManager
from ..streaming._parse import ParsedMessage
from ..tools._runner import StreamingToolRunner, ToolParam, ToolRunner
from ..types._message import Message
from ..types._tokens import MessageTokensCount
from ._call_params import CallParams
from ._message_kwargs import BetaMessageCountTokensKwargs, BetaMessageCreateKwargs, BetaToolRunnerKwargs
from ._messages_extra import MessagesBase, _drain
from .batches import Batches, BatchesWithRawResponse
from .files import FILES_BETA, Files
from .models import Models
from .skills import Skills
from .threads import supports_message_threads, thread_tool_runner
from .threads import thread as _thread
from .user_profiles import USER_PROFILES_BETA, UserProfiles

if TYPE_CHECKING:
    from typing_extensions import Unpack

    from ._base import APIClient
    from ._streaming_twins import BetaWithStreamingResponse, MessagesWithStreamingResponse

__all__ = ["TOKEN_COUNTING_BETA", "Beta", "BetaMessages", "BetaMessagesWithRawResponse"]

#: The beta the official SDK always sends with ``beta.messages.count_tokens()``.
TOKEN_COUNTING_BETA = "token-counting-2024-11-01"

_T = TypeVar("_T")

_CREATE = CallParams("create", BetaMessageCreateKwargs)
_STREAM = CallParams("stream", BetaMessageCreateKwargs)
_PARSE = CallParams("parse", BetaMessageCreateKwargs)
_COUNT_TOKENS = CallParams("count_tokens", BetaMessageCountTokensKwargs, default_betas=(TOKEN_COUNTING_BETA,))
_TOOL_RUNNER = CallParams("tool_runner", BetaToolRunnerKwargs)


class BetaMessages(MessagesBase):
    """``client.beta.messages``: the methods of ``client.messages``, each also taking
    ``betas=[...]`` (the ``anthropic-beta`` header) and the beta-only fields
    (``context_management``, ``mcp_servers``, ``compaction`` ...)."""

    def __init__(self, client: APIClient) -> None:
        super().__init__(client)
        self.batches = Batches(client)

    @property
    def with_streaming_response(self) -> MessagesWithStreamingResponse:
        """The same methods, each an ``async with`` giving the response as soon as its headers
        arrive, then its body as it arrives (``iter_bytes()`` ...) or ``parse()``."""
        from ._streaming_twins import MessagesWithStreamingResponse

        return MessagesWithStreamingResponse(self)

    #: ``thread(...)``: a conversation the server holds between turns (see ``threads``).
    thread = _thread

    @property
    def with_raw_response(self) -> BetaMessagesWithRawResponse:
        """The same methods returning a ``RawResponse`` (status, headers, request id)."""
        return BetaMessagesWithRawResponse(self)

    @overload
    def create(self, *, stream: Literal[True], **params: Unpack[BetaMessageCreateKwargs]) -> EventStream: ...

    @overload
    async def create(
        self, *, stream: Literal[False] = ..., **params: Unpack[BetaMessageCreateKwargs]
    ) -> Message: ...

    @overload
    def create(
        self, *, stream: bool, **params: Unpack[BetaMessageCreateKwargs]
    ) -> EventStream | Coroutine[Any, Any, Message]: ...

    @_CREATE.document
    def create(self, *, stream: bool = False, **params: Any) -> Any:
        """``messages.create()`` with ``betas`` and the beta fields."""
        events = self._events(_CREATE, params)
        return events if stream else _drain(events)

    @_STREAM.document
    def stream(
        self, *, output_format: Any = None, **params: Unpack[BetaMessageCreateKwargs]
    ) -> MessageStreamManager:
        """``messages.stream()`` with ``betas`` and the beta fields (``output_format`` supported)."""
        return self._stream(_STREAM, output_format, dict(params))

    @_COUNT_TOKENS.document
    async def count_tokens(
        self, *, output_format: Any = None, **params: Unpack[BetaMessageCountTokensKwargs]
    ) -> MessageTokensCount:
        """``messages.count_tokens()`` with ``betas`` (plus the token-counting beta, as the
        official SDK sends)."""
        return await self._count_tokens(_COUNT_TOKENS, output_format, dict(params))

    @overload
    async def parse(
        self, *, output_format: type[_T], **params: Unpack[BetaMessageCreateKwargs]
    ) -> ParsedMessage[_T]: ...

    @overload
    async def parse(
        self, *, output_format: Mapping[str, Any] | None = ..., **params: Unpack[BetaMessageCreateKwargs]
    ) -> ParsedMessage[Any]: ...

    @_PARSE.document
    async def parse(self, *, output_format: Any = None, **params: Any) -> ParsedMessage[Any]:
        """``messages.parse()`` with ``betas`` and the beta fields."""
        return await self._parse(_PARSE, output_format, params)

    @overload
    def tool_runner(
        self,
        *,
        tools: Iterable[ToolParam],
        stream: Literal[False] = ...,
        max_iterations: int | None = ...,
        tool_timeout: float | None = ...,
        run_tools_eagerly: bool = ...,
        output_format: Any = ...,
        thread: Literal[False] | None = ...,
        **params: Unpack[BetaToolRunnerKwargs],
    ) -> ToolRunner: ...

    @overload
    def tool_runner(
        self,
        *,
        tools: Iterable[ToolParam],
        stream: Literal[True],
        max_iterations: int | None = ...,
        tool_timeout: float | None = ...,
        run_tools_eagerly: bool = ...,
        output_format: Any = ...,
        thread: Literal[False] | None = ...,
        **params: Unpack[BetaToolRunnerKwargs],
    ) -> StreamingToolRunner: ...

    @_TOOL_RUNNER.document
    def tool_runner(
        self,
        *,
        tools: Iterable[ToolParam],
        stream: bool = False,
        max_iterations: int | None = None,
        tool_timeout: float | None = None,
        run_tools_eagerly: bool = False,
        output_format: Any = None,
        thread: Literal[False] | None = None,
        **params: Any,
    ) -> ToolRunner | StreamingToolRunner:
        """``messages.tool_runner()`` with ``betas`` (sent as the ``anthropic-beta`` header of
        every request) and the beta fields. The turns run on a message thread (each request sends
        only the new messages, see ``threads``), as the official SDK's runner does, unless
        ``thread=False`` (or on a cloud platform, which has no threads)."""
        if thread:
            raise ValueError("tool_runner(thread=...) takes only False (None: on a message thread)")
        runner = self._tool_runner(
            _TOOL_RUNNER,
            tools=tools,
            stream=stream,
            max_iterations=max_iterations,
            tool_timeout=tool_timeout,
            run_tools_eagerly=run_tools_eagerly,
            output_format=output_format,
            params=params,
        )
        if thread is False or not supports_message_threads(self._client):
            return runner
        return thread_tool_runner(runner, self)


class BetaMessagesWithRawResponse:
    """``client.beta.messages.with_raw_response``."""

    def __init__(self, messages: BetaMessages) -> None:
        self._messages = messages
        self.count_tokens = to_raw_response(messages.count_tokens)
        self.parse = to_raw_response(messages.parse)
        self.batches = BatchesWithRawResponse(messages.batches)

    async def create(self, *, stream: bool = False, **kwargs: Any) -> RawResponse[Any]:
        """As ``BetaMessages.create``; ``parse()`` gives the ``Message`` (or, with
        ``stream=True``, the opened ``EventStream``)."""
        return await raw_create(self._messages.create, stream=stream, **kwargs)


class Beta:
    """``client.beta``: ``messages`` (with ``batches``), ``models``, ``files``, ``skills`` and
    ``user_profiles``."""

    def __init__(self, client: APIClient) -> None:
        self.messages = BetaMessages(client)
        self.models = Models(client)
        self.files = Files(client, default_betas=(FILES_BETA,))
        self.skills = Skills(client)
        self.user_profiles = UserProfiles(client, default_betas=(USER_PROFILES_BETA,))

    @property
    def with_streaming_response(self) -> BetaWithStreamingResponse:
        """``client.beta.with_streaming_response.messages.create(...)`` and so on."""
        from ._streaming_twins import BetaWithStreamingResponse

        return BetaWithStreamingResponse(self)

    @property
    def with_raw_response(self) -> BetaWithRawResponse:
        """``client.beta.with_raw_response.messages.create(...)`` and so on."""
        return BetaWithRawResponse(self)


class BetaWithRawResponse:
    """``client.beta.with_raw_response``: each beta resource's ``with_raw_response``."""

    def __init__(self, beta: Beta) -> None:
        self.messages = beta.messages.with_raw_response
        self.models = beta.models.with_raw_response
        self.files = beta.files.with_raw_response
        self.skills = beta.skills.with_raw_response
        self.user_profiles = beta.user_profiles.with_raw_response
