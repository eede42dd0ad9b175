"""``client.beta.messages.thread(...)``: a conversation the API holds between turns (message
threads beta), so each request sends only the new messages.

The helper keeps the whole history locally and knows which part the server holds. The first
turn sends everything with ``thread={"type": "create"}``; each later turn sends only the messages
added since, with ``thread={"type": "continue", "previous_message_id": <last reply id>}``, and
without ``system`` and ``tools`` (the server keeps the ones the thread was created with). The
``anthropic-beta`` header gets ``message-threads-2026-08-12``. This is the wire format of the
official SDK's ``BetaAsyncMessageThread`` (anthropic 2.17), and the same public methods:
``send``, ``parse``, ``stream``, ``append``, ``update``, ``fork``, ``messages``, ``params`` and
``previous_message_id``.

Recovery, as the SDK does it: when the server no longer holds the thread (``thread_not_found``),
or the reply was continued already (``thread_already_continued``, e.g. after a stream that broke
off once the server had stored it) or is being continued (``thread_continue_in_flight``), the
turn is sent again with the whole history under a new thread. A request the API cannot thread
(``thread_unsupported_request``) raises, unless ``unsupported_request_behavior=
"continue_unthreaded"``: then it and every later turn go with the whole history and no thread. A
refused turn (``stop_reason: "refusal"``) is not kept, and the next turn starts a new thread, as
is one after a reply a fallback model wrote. Each turn is sent at most three times.

A turn that fails (an error, a stream that ends early or is left before its end) leaves the
history as it was: the messages given to that ``send()`` / ``stream()`` are dropped (send them
again to retry), those staged before with ``append()`` stay. Requests go through
``client.beta.messages.create()``, so retries, typed errors and strict stream ends are the
client's own.
"""

from __future__ import annotations

import copy
import logging
from collections.abc import Iterable, Mapping, Sequence
from types import TracebackType
from typing import TYPE_CHECKING, Any, Generic, Protocol, TypeVar, overload

import msgspec

from .._exceptions import AnthropicError, APIStatusError
from ..streaming._message_stream import Listener, MessageStream, MessageStreamManager
from ..streaming._parse import (
    OutputFormat,
    ParsedMessage,
    ParsedMessageStreamManager,
    apply_output_format,
    parse_message,
)
from ..tools._runner import StreamingToolRunner, ToolRunner
from ..tools._tool import Tool
from ..types._message import Message
from ..types._threads import MESSAGE_THREADS_BETA, BetaMessageThreadParam, UnsupportedRequestBehavior
from ..types.params import (
    BetaParams,
    MessageParam,
    OutputConfigParam,
)
from ..types.params._messages import MessageSettingsParams
from ._message_kwargs import BetaHeaderParams
from ._options import RequestOptions

if TYPE_CHECKING:
    from collections.abc import Callable

    from typing_extensions import Unpack

__all__ = [
    "BetaAsyncMessageThread",
    "BetaMessagesAPI",
    "MessageThread",
    "ThreadCreateKwargs",
    "ThreadSendKwargs",
    "ThreadStreamManager",
    "ThreadedMessages",
    "supports_message_threads",
    "thread",
    "thread_tool_runner",
]

_T = TypeVar("_T")
_RunnerT = TypeVar("_RunnerT", bound="ToolRunner | StreamingToolRunner")

#: Fields the server takes from the thread on a ``continue`` (and refuses to see changed).
CREATE_ONLY_FIELDS = ("system", "tools")
#: Rejections a full replay under a new thread recovers from.
REPLAY_CODES = frozenset({"thread_not_found", "thread_already_continued", "thread_continue_in_flight"})
#: A turn is sent at most this many times (a replay, then going unthreaded, at most).
MAX_ATTEMPTS = 3
# Keys under which request blocks nest other blocks; cache_control is taken out only along them,
# so a tool's free-form ``input`` stays as it is.
_KEYS_THAT_HOLD_BLOCKS = frozenset({"content", "source", "tool", "definition", "tool_references"})


class ThreadCreateKwargs(MessageSettingsParams, BetaParams, BetaHeaderParams, RequestOptions, total=False):
    """The optional keywords of ``client.beta.messages.thread(...)`` (the SDK's
    ``ThreadCreateParams`` plus the request options)."""

    output_config: OutputConfigParam


class ThreadSendKwargs(MessageSettingsParams, BetaParams, BetaHeaderParams, RequestOptions, total=False):
    """What ``send()`` / ``parse()`` / ``stream()`` take for one turn and ``update()`` for every
    later one (the SDK's ``ThreadSendParams`` plus the request options): the thread's fields,
    ``max_tokens`` and ``model`` included, except ``output_config``."""

    max_tokens: int
    model: str


_SEND_NAMES = frozenset(ThreadSendKwargs.__annotations__)
_CREATE_NAMES = frozenset(ThreadCreateKwargs.__annotations__)


def _check_names(method: str, keywords: Mapping[str, Any], allowed: frozenset[str]) -> None:
    unknown = sorted(set(keywords) - allowed)
    if unknown:
        raise TypeError(f"{method}() got an unexpected keyword argument {unknown[0]!r}")


class BetaMessagesAPI(Protocol):
    """What a thread needs of ``client.beta.messages`` (named here, not imported: ``beta``
    imports this module)."""

    @property
    def _client(self) -> object: ...

    @property
    def logger(self) -> logging.Logger: ...

    # Typed loosely, as the tool runner's ``MessagesAPI``: ``create`` is overloaded on ``stream``.
    @property
    def create(self) -> Callable[..., Any]: ...


class MessageThread(Generic[_T]):
    """A conversation the server holds between turns, so each request sends only the new
    messages. Made by ``client.beta.messages.thread(...)`` (which sends nothing); one turn runs
    at a time. ``_T`` is the type of ``parse()``'s ``parsed_output`` (``output_format``)."""

    def __init__(
        self,
        messages_api: BetaMessagesAPI,
        *,
        max_tokens: int,
        model: str,
        messages: Iterable[MessageParam] = (),
        tools: Iterable[Tool[..., Any] | Mapping[str, Any]] | None = None,
        output_format: type[_T] | Mapping[str, Any] | None = None,
        unsupported_request_behavior: UnsupportedRequestBehavior = "error",
        **params: Unpack[ThreadCreateKwargs],
    ) -> None:
        _check_names("thread", params, _CREATE_NAMES)
        if not supports_message_threads(messages_api._client):
            raise AnthropicError(
                "message threads are not available on this client; use client.beta.messages.create() "
                "with the full messages instead"
            )
        if unsupported_request_behavior not in ("error", "continue_unthreaded"):
            raise ValueError("unsupported_request_behavior must be 'error' or 'continue_unthreaded'")
        self._api = messages_api
        fields: dict[str, Any] = {"max_tokens": max_tokens, "model": model, **params}
        if tools is not None:
            fields["tools"] = [_tool_definition(tool) for tool in tools]
        self._output_format = output_format
        fields, self._format = apply_output_format(fields, output_format)
        self._fields = fields
        self._unsupported_request_behavior: UnsupportedRequestBehavior = unsupported_request_behavior
        self._stored: list[Any] = []  # the history the server holds (as sent, replies included)
        self._staged: list[Any] = list(messages)  # added since: what the next turn sends
        self._deferred: list[Any] = []  # appended while a turn was in flight
        self._last_reply: Message | None = None
        self._previous_message_id: str | None = None
        self._created_with: dict[str, Any] = {}
        self._threading = True
        self._in_turn = False

    # -- state --------------------------------------------------------------------------------

    @property
    def messages(self) -> Sequence[Any]:
        """The whole conversation: what the server holds plus what the next turn sends."""
        return (*self._stored, *self._staged, *self._deferred)

    @property
    def previous_message_id(self) -> str | None:
        """The reply ``id`` the next turn continues from (None: the next turn creates a thread,
        or the thread went unthreaded)."""
        return self._previous_message_id

    @property
    def threading(self) -> bool:
        """Whether turns carry a ``thread`` field (False after ``continue_unthreaded`` chose to
        send the whole history)."""
        return self._threading

    @property
    def params(self) -> dict[str, Any]:
        """The thread as the keywords of one ``thread()`` call for the whole conversation (a
        new dict): its fields, the whole history, ``output_format`` and
        ``unsupported_request_behavior``."""
        params = dict(self._fields)
        if self._output_format is not None:
            params["output_format"] = self._output_format
            params["output_config"] = {
                k: v for k, v in params.get("output_config", {}).items() if k != "format"
            }
            if not params["output_config"]:
                del params["output_config"]
        params["messages"] = list(self.messages)
        params["unsupported_request_behavior"] = self._unsupported_request_behavior
        return params

    def append(self, *messages: MessageParam | Message) -> None:
        """Stage messages for the next turn without sending anything. The reply just received,
        appended back (as a ``Message`` or its dict), is already held and is skipped."""
        if self._in_turn:
            self._deferred.extend(messages)
            return
        for message in messages:
            if not self._repeats_last_reply(message):
                self._staged.append(_as_param(message))

    def update(self, **params: Unpack[ThreadSendKwargs]) -> None:
        """Change the request fields and options of every later turn; sends nothing. ``system``
        and ``tools`` cannot change once a turn created the thread (the next turn raises)."""
        _check_names("update", params, _SEND_NAMES)
        self._fields.update(params)

    def fork(self) -> MessageThread[_T]:
        """A new, independent thread with a copy of this one's history, fields and options, that
        continues from no reply (its first turn creates a thread). Sends nothing."""
        fork = copy.copy(self)
        fork._fields = dict(self._fields)
        fork._stored = []
        fork._staged = [*self._stored, *self._staged, *self._deferred]
        fork._deferred = []
        fork._previous_message_id = None
        fork._created_with = {}
        fork._in_turn = False
        return fork

    def _repeats_last_reply(self, message: Any) -> bool:
        """Whether ``message`` is the reply last received (as returned), or its dict appended
        right after it: the server holds it already."""
        last = self._last_reply
        if last is None:
            return False
        if isinstance(message, Message):
            return message.id == last.id
        if self._staged or not self._stored:
            return False
        return bool(_as_sent(message) == _as_sent(self._stored[-1]))

    # -- turns --------------------------------------------------------------------------------

    async def send(self, *messages: MessageParam | Message, **overrides: Unpack[ThreadSendKwargs]) -> Message:
        """Send the staged messages and ``messages`` as one turn and return the reply. Keyword
        arguments apply to this turn only. Raises ``AnthropicError`` while another turn of this
        thread is in flight."""
        _check_names("send", overrides, _SEND_NAMES)
        started = self._start_turn(messages)
        try:
            for attempt in range(MAX_ATTEMPTS):
                try:
                    message: Message = await self._api.create(**self._create_arguments(overrides))
                except APIStatusError as exc:
                    if attempt + 1 < MAX_ATTEMPTS and self._recovers_from(exc):
                        continue
                    raise
                self._record_reply(message)
                return message
            raise AssertionError("unreachable")  # pragma: no cover - the loop returns or raises
        finally:
            self._end_turn(started)

    async def parse(
        self, *messages: MessageParam | Message, **overrides: Unpack[ThreadSendKwargs]
    ) -> ParsedMessage[_T]:
        """``send()``, and the reply parsed against the thread's ``output_format`` into
        ``parsed_output`` (raises ``StructuredOutputError`` if it does not match)."""
        message = await self.send(*messages, **overrides)
        return parse_message(message, self._format)

    def stream(
        self, *messages: MessageParam | Message, **overrides: Unpack[ThreadSendKwargs]
    ) -> ThreadStreamManager:
        """``async with thread.stream(...) as stream:`` a ``MessageStream`` of this turn's reply
        (a ``ParsedMessageStream`` with ``output_format``). The turn is in flight until the
        ``async with`` ends; the reply joins the thread once the stream reached its end."""
        _check_names("stream", overrides, _SEND_NAMES)
        return ThreadStreamManager(self, messages, overrides)

    # -- the turn's life (shared by send and stream) ------------------------------------------

    def _start_turn(self, messages: Iterable[MessageParam | Message]) -> int:
        """Stage ``messages`` and mark the turn in flight; returns where its messages start."""
        if self._in_turn:
            raise AnthropicError("another send(), parse() or stream() is in flight on this thread")
        started = len(self._staged)
        self.append(*messages)
        self._in_turn = True
        return started

    def _end_turn(self, started: int) -> None:
        """Free the thread. A turn that got no reply drops the messages it was given."""
        self._in_turn = False
        del self._staged[started:]
        deferred, self._deferred = self._deferred, []
        self.append(*deferred)

    def _create_arguments(self, overrides: Mapping[str, Any]) -> dict[str, Any]:
        """This turn's ``create()`` keywords: fields, the delta (or whole) history, ``thread``,
        the threads beta."""
        arguments = {**self._fields, **overrides}
        continuing = self._previous_message_id is not None
        history = (
            [] if continuing else _without_answered_cache_control(self._stored, self._last_reply_index())
        )
        arguments["messages"] = [*history, *self._staged]
        if not self._threading:
            return arguments
        thread: BetaMessageThreadParam
        if continuing:
            assert self._previous_message_id is not None
            self._check_create_only_fields(arguments)
            thread = {"type": "continue", "previous_message_id": self._previous_message_id}
            for name in CREATE_ONLY_FIELDS:
                arguments.pop(name, None)
        else:
            thread = {"type": "create"}
            self._created_with = {
                name: _as_sent(arguments[name]) for name in CREATE_ONLY_FIELDS if name in arguments
            }
        arguments["thread"] = thread
        betas = list(arguments.get("betas") or ())
        if MESSAGE_THREADS_BETA not in betas:
            arguments["betas"] = [*betas, MESSAGE_THREADS_BETA]
        extra_headers = arguments.get("extra_headers")
        if extra_headers:
            arguments["extra_headers"] = _with_threads_beta(extra_headers)
        return arguments

    def _check_create_only_fields(self, arguments: Mapping[str, Any]) -> None:
        changed = [
            f"`{name}`"
            for name in CREATE_ONLY_FIELDS
            if _as_sent(arguments.get(name)) != self._created_with.get(name)
        ]
        if changed:
            raise AnthropicError(
                f"cannot change {' and '.join(changed)} on a thread: the server keeps the ones it was "
                "created with; start a new thread from `thread.params` to change them"
            )

    def _last_reply_index(self) -> int:
        """How many stored messages there are up to and including the last reply."""
        for index in range(len(self._stored) - 1, -1, -1):
            if self._stored[index].get("role") == "assistant":
                return index + 1
        return 0

    def _recovers_from(self, error: APIStatusError) -> bool:
        """Whether the turn should go again, the state adjusted: a replay under a new thread,
        or (``continue_unthreaded``) the whole history without a thread."""
        code = error.error_code
        if code in REPLAY_CODES and self._previous_message_id is not None:
            self._start_new_thread()
            return True
        if (
            code == "thread_unsupported_request"
            and self._threading
            and self._unsupported_request_behavior == "continue_unthreaded"
        ):
            self._threading = False
            self._start_new_thread()
            return True
        return False

    def _start_new_thread(self) -> None:
        """The next request sends the whole history (under a new thread, if threading)."""
        self._previous_message_id = None

    def _record_reply(self, message: Message) -> None:
        """The turn got its reply: what was staged and the reply are now held by the server. A
        refusal is not kept, and the next turn starts a new thread."""
        if message.stop_reason == "refusal":
            self._start_new_thread()
            return
        self._stored.extend(self._staged)
        self._staged.clear()
        self._stored.append({"role": "assistant", "content": message.content})
        self._last_reply = message
        if self._threading:
            self._previous_message_id = message.id
            if _written_by_fallback(message):
                # The server stores no turn a fallback model wrote.
                self._start_new_thread()
        if message.container is not None and self._fields.get("container") is None:
            # Container-bound server tools refuse a follow-up that omits the container.
            self._fields["container"] = message.container.id


#: The official SDK's name for the async thread.
BetaAsyncMessageThread = MessageThread


@overload
def thread(
    self: BetaMessagesAPI,
    *,
    max_tokens: int,
    model: str,
    messages: Iterable[MessageParam] = ...,
    tools: Iterable[Tool[..., Any] | Mapping[str, Any]] | None = ...,
    output_format: type[_T],
    unsupported_request_behavior: UnsupportedRequestBehavior = ...,
    **params: Unpack[ThreadCreateKwargs],
) -> MessageThread[_T]: ...


@overload
def thread(
    self: BetaMessagesAPI,
    *,
    max_tokens: int,
    model: str,
    messages: Iterable[MessageParam] = ...,
    tools: Iterable[Tool[..., Any] | Mapping[str, Any]] | None = ...,
    output_format: Mapping[str, Any] | None = ...,
    unsupported_request_behavior: UnsupportedRequestBehavior = ...,
    **params: Unpack[ThreadCreateKwargs],
) -> MessageThread[Any]: ...


def thread(
    self: BetaMessagesAPI,
    *,
    max_tokens: int,
    model: str,
    messages: Iterable[MessageParam] = (),
    tools: Iterable[Tool[..., Any] | Mapping[str, Any]] | None = None,
    output_format: Any = None,
    unsupported_request_behavior: UnsupportedRequestBehavior = "error",
    **params: Unpack[ThreadCreateKwargs],
) -> MessageThread[Any]:
    """Start a message thread: a conversation the server holds between turns, so each request
    sends only the new messages (``client.beta.messages.thread(...)``; the SDK's name).

    Takes the keywords of ``create()`` except ``thread`` and ``stream``, with ``messages``
    optional, plus ``output_format`` (for ``parse()``) and ``unsupported_request_behavior``
    (``"error"`` or ``"continue_unthreaded"``). Sends nothing: ``await thread.send(...)``,
    ``thread.parse(...)`` or ``async with thread.stream(...)`` run the turns."""
    return MessageThread(
        self,
        max_tokens=max_tokens,
        model=model,
        messages=messages,
        tools=tools,
        output_format=output_format,
        unsupported_request_behavior=unsupported_request_behavior,
        **params,
    )


class ThreadStreamManager:
    """``async with thread.stream(...) as stream``: opens the turn's stream on enter (replaying
    under a new thread if the server asks for it), records the reply when the stream reaches its
    end, and frees the thread on exit."""

    def __init__(
        self,
        thread: MessageThread[Any],
        messages: Iterable[MessageParam | Message],
        overrides: Mapping[str, Any],
    ) -> None:
        self._thread = thread
        self._messages = tuple(messages)
        self._overrides = dict(overrides)
        self._listeners: list[tuple[str, Listener]] = []
        self._stream: MessageStream | None = None
        self._started: int | None = None

    def on(self, event: str, listener: Listener) -> ThreadStreamManager:
        """Register a listener before the request is sent; see ``MessageStream.on``."""
        self._listeners.append((event, listener))
        return self

    async def __aenter__(self) -> MessageStream:
        thread = self._thread
        self._started = thread._start_turn(self._messages)
        try:
            for attempt in range(MAX_ATTEMPTS):
                manager = self._open(thread._create_arguments(self._overrides))
                for event, listener in self._listeners:
                    manager.on(event, listener)
                try:
                    stream = await manager.__aenter__()
                except APIStatusError as exc:
                    await manager.__aexit__(None, None, None)
                    if attempt + 1 < MAX_ATTEMPTS and thread._recovers_from(exc):
                        continue
                    raise
                # Recorded as the stream ends successfully (the reply is complete only then).
                stream.on("final_message", thread._record_reply)
                self._stream = stream
                return stream
            raise AssertionError("unreachable")  # pragma: no cover - the loop returns or raises
        except BaseException:
            self._end()
            raise

    def _open(self, arguments: dict[str, Any]) -> MessageStreamManager:
        events = self._thread._api.create(stream=True, **arguments)
        fmt: OutputFormat[Any] | None = self._thread._format
        return MessageStreamManager(events) if fmt is None else ParsedMessageStreamManager(events, fmt)

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        try:
            if self._stream is not None:
                await self._stream.close()
        finally:
            self._end()

    def _end(self) -> None:
        if self._started is not None:
            started, self._started = self._started, None
            self._thread._end_turn(started)


def _tool_definition(tool: Tool[..., Any] | Mapping[str, Any]) -> Any:
    return tool.to_param() if isinstance(tool, Tool) else tool


def _as_param(message: MessageParam | Message) -> Any:
    if isinstance(message, Message):
        return {"role": message.role, "content": message.content}
    return message


def _as_sent(value: Any) -> Any:
    """``value`` as its JSON would decode (Structs and tuples made plain), for comparisons."""
    return msgspec.to_builtins(value)


def _without_answered_cache_control(stored: list[Any], answered: int) -> list[Any]:
    """The stored history as a whole-history turn sends it (the SDK's rule): the messages up to
    the last reply lose the ``cache_control`` of their blocks, each set for the turn that first
    sent it (a request takes only a few breakpoints)."""
    if not answered:
        return list(stored)
    return [*(_strip_cache_control(_as_sent(m)) for m in stored[:answered]), *stored[answered:]]


def _strip_cache_control(value: Any) -> Any:
    if isinstance(value, dict):
        return {
            key: _strip_cache_control(item) if key in _KEYS_THAT_HOLD_BLOCKS else item
            for key, item in value.items()
            if key != "cache_control"
        }
    if isinstance(value, list):
        return [_strip_cache_control(item) for item in value]
    return value


def _with_threads_beta(headers: Mapping[str, Any]) -> dict[str, Any]:
    """``extra_headers`` with the threads beta added to a caller-set ``anthropic-beta`` (which
    would otherwise replace the header built from ``betas``)."""
    out = dict(headers)
    for name, value in headers.items():
        if name.lower() == "anthropic-beta" and isinstance(value, str):
            names = [part.strip() for part in value.split(",") if part.strip()]
            if MESSAGE_THREADS_BETA not in names:
                out[name] = ", ".join([*names, MESSAGE_THREADS_BETA])
    return out


def _written_by_fallback(message: Message) -> bool:
    iterations = message.usage.iterations or ()
    return any(
        (item.get("type") if isinstance(item, Mapping) else getattr(item, "type", None)) == "fallback_message"
        for item in iterations
    )


class ThreadedMessages:
    """What a tool runner needs of ``client.beta.messages`` (its ``MessagesAPI``), with every
    turn sent on a message thread: the runner hands over the whole conversation each turn, and
    only what the thread does not hold yet goes on the wire, as the official SDK's beta runner
    does unless ``thread=False``.

    A conversation that is not the held one plus new messages (``set_messages_params`` rewrote
    it), or a changed ``system`` / ``tools`` (``add_tools`` ...), starts a new thread with the
    whole history; a request the API cannot thread goes unthreaded from then on (the SDK's
    ``"continue_unthreaded"`` for runners)."""

    def __init__(self, api: BetaMessagesAPI) -> None:
        self._api = api
        self._thread: MessageThread[Any] | None = None

    @property
    def logger(self) -> logging.Logger:
        return self._api.logger

    async def create(self, *, stream: bool = False, **params: Any) -> Message:
        """One drained turn (the runner never asks for ``stream=True`` here)."""
        thread, new = self._turn(params)
        return await thread.send(*new)

    def stream(self, **params: Any) -> ThreadStreamManager:
        """One streamed turn."""
        thread, new = self._turn(params)
        return thread.stream(*new)

    def _turn(self, params: dict[str, Any]) -> tuple[MessageThread[Any], list[Any]]:
        params = dict(params)
        messages = list(params.pop("messages"))
        if not params.get("tools"):
            params.pop("tools", None)
        thread = self._thread
        if thread is not None:
            held = list(thread.messages)
            same_fields = all(
                _as_sent(params.get(f)) == _as_sent(thread._fields.get(f)) for f in CREATE_ONLY_FIELDS
            )
            if same_fields and _as_sent(messages[: len(held)]) == _as_sent(held):
                thread._fields = params
                return thread, messages[len(held) :]
        fields = {k: v for k, v in params.items() if k not in ("max_tokens", "model")}
        thread = MessageThread(
            self._api,
            max_tokens=params["max_tokens"],
            model=params["model"],
            unsupported_request_behavior="continue_unthreaded",
            **fields,
        )
        if self._thread is not None and not self._thread.threading:
            thread._threading = False  # the API could not thread this run: it stays unthreaded
        self._thread = thread
        return thread, messages


def supports_message_threads(client: object) -> bool:
    """Whether ``client`` talks to an API with message threads (the cloud platforms' clients say
    ``_supports_message_threads = False``, as the SDK's do)."""
    return bool(getattr(client, "_supports_message_threads", True))


def thread_tool_runner(runner: _RunnerT, api: BetaMessagesAPI) -> _RunnerT:
    """``runner`` with its turns sent on a message thread (``ThreadedMessages``). The runner
    calls its messages API through ``_api`` only; swapping it keeps the loop untouched."""
    runner._api = ThreadedMessages(api)
    return runner
