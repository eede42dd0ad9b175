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

from ..streaming._event_stream import EventStream
from ..streaming._message_stream import MessageStreamManager
from ..streaming._parse import ParsedMessage
from ..tools._runner import StreamingToolRunner, ToolParam, ToolRunner
from ..types._message import Message
from ..types._tokens import MessageTokensCount
from ._call_params import CallParams
from ._message_kwargs import BetaMessageCountTokensKwargs, BetaMessageCreateKwargs, BetaToolRunnerKwargs
from ._messages_extra import MessagesBase, MessagesStreamingTwin
from ._twins import RawCreateTwin, RawTwin, Resource, StreamingTwin, Twin, json_method, nested, raw_only
from .batches import Batches
from .files import FILES_BETA, Files
from .models import Models
from .skills import BetaSkills
from .threads import supports_message_threads, thread_tool_runner
from .threads import thread as _thread
from .user_profiles import USER_PROFILES_BETA, BetaUserProfiles

if TYPE_CHECKING:
    from typing_extensions import Unpack

    from ._base import APIClient

__all__ = [
    "TOKEN_COUNTING_BETA",
    "Beta",
    "BetaMessages",
    "BetaMessagesWithRawResponse",
    "BetaMessagesWithStreamingResponse",
    "BetaWithRawResponse",
    "BetaWithStreamingResponse",
]

#: The beta the official SDK always sends with ``beta.messages.count_tokens()``.
TOKEN_COUNTING_BETA = "token-counting-2024-11-01"

_T = TypeVar("_T")

_CREATE = CallParams("create", BetaMessageCreateKwargs)
_STREAM = CallParams("stream", BetaMessageCreateKwargs)
_PARSE = CallParams("parse", BetaMessageCreateKwargs)
_COUNT_TOKENS = CallParams("count_tokens", BetaMessageCountTokensKwargs, default_betas=(TOKEN_COUNTING_BETA,))
_TOOL_RUNNER = CallParams("tool_runner", BetaToolRunnerKwargs)


class BetaMessages(MessagesBase["BetaMessagesWithRawResponse", "BetaMessagesWithStreamingResponse"]):
    """``client.beta.messages``: the methods of ``client.messages``, each also taking
    ``betas=[...]`` (the ``anthropic-beta`` header) and the beta-only fields
    (``context_management``, ``mcp_servers``, ``compaction`` ...)."""

    #: ``thread(...)``: a conversation the server holds between turns (see ``threads``).
    thread = _thread

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
        return self._create(_CREATE, stream, params)

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
        **params: Unpack[BetaToolRunnerKwargs],
    ) -> ToolRunner: ...

    @overload
    def tool_runner(
        self, *, tools: Iterable[ToolParam], stream: Literal[True], **params: Unpack[BetaToolRunnerKwargs]
    ) -> StreamingToolRunner: ...

    @_TOOL_RUNNER.document
    def tool_runner(
        self, *, tools: Iterable[ToolParam], stream: bool = False, **params: Any
    ) -> ToolRunner | StreamingToolRunner:
        """``messages.tool_runner()`` with ``betas`` (sent as the ``anthropic-beta`` header of
        every request) and the beta fields. The turns run on a message thread (each request sends
        only the new messages, see ``threads``), as the official SDK's runner does, unless
        ``thread=False`` (or on a cloud platform, which has no threads)."""
        thread = params.get("thread")
        runner = self._tool_runner(_TOOL_RUNNER, tools, stream, params)
        if thread is False or not supports_message_threads(self._client):
            return runner
        return thread_tool_runner(runner, self)


class _BetaMessagesTwin(Twin):
    count_tokens = json_method(BetaMessages.count_tokens, MessageTokensCount)
    parse = raw_only(BetaMessages.parse)
    batches = nested(Batches)


class BetaMessagesWithRawResponse(_BetaMessagesTwin, RawCreateTwin, of=BetaMessages):
    """``client.beta.messages.with_raw_response``."""


class BetaMessagesWithStreamingResponse(_BetaMessagesTwin, MessagesStreamingTwin, of=BetaMessages):
    """``client.beta.messages.with_streaming_response``."""


class Beta(Resource["BetaWithRawResponse", "BetaWithStreamingResponse"]):
    """``client.beta``: ``messages`` (with ``batches``), ``models``, ``files``, ``skills`` and
    ``user_profiles``."""

    def __init__(self, client: APIClient) -> None:
        self.messages = BetaMessages(client)
        self.models = Models(client)
        self.files = Files(client, default_betas=(FILES_BETA,))
        self.skills = BetaSkills(client)
        self.user_profiles = BetaUserProfiles(client, default_betas=(USER_PROFILES_BETA,))


class _BetaTwin(Twin):
    messages = nested(BetaMessages)
    models = nested(Models)
    files = nested(Files)
    skills = nested(BetaSkills)
    user_profiles = nested(BetaUserProfiles)


class BetaWithRawResponse(_BetaTwin, RawTwin, of=Beta):
    """``client.beta.with_raw_response``: each beta resource's ``with_raw_response``."""


class BetaWithStreamingResponse(_BetaTwin, StreamingTwin, of=Beta):
    """``client.beta.with_streaming_response``: each beta resource's ``with_streaming_response``."""
