"""The tool runner: call the model, run the tools it asks for, send the results back, repeat.

``client.messages.tool_runner(...)`` makes one. Where it differs from the official SDK's async
runner, and why:

* A turn's tool calls run concurrently (one task each, ``asyncio.gather``): three tools that
  each wait 1 s on I/O take 1 s, not 3. Results go back in the order the model asked for them,
  whatever order they finish in: the request is then the same from run to run (and the same
  as the official SDKs send), which keeps prompt caching and recorded tests stable.
* Sync tools run in worker threads, so they never block the event loop.
* A tool's failure is the model's business, not an exception for the caller: a tool that
  raises, input that fails msgspec validation, a tool name nobody registered and a per-tool
  timeout each become a ``tool_result`` with ``is_error: true`` and the error text, and the run
  goes on (the model reads it and retries or explains). API errors do propagate.
* Cancelling the task that drives the runner cancels the running tools and waits for them
  (threads of sync tools cannot be interrupted: they finish on their own, their result dropped).
* ``max_iterations`` bounds the number of requests. Reaching it while the model still asks for
  tools ends the run without running them, with ``end_reason == "max_iterations"`` (a typed
  flag, not an exception: every message was already delivered, and the errors aclaude raises
  are ``APIError`` subclasses). ``until_done()`` then returns that last, unanswered
  ``tool_use`` message.

``runner.messages`` is the conversation: the ``messages`` passed in, then each assistant message
as it completes and each user turn of tool results once the tools have run.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncGenerator, AsyncIterator, Callable, Iterable, Mapping
from contextlib import aclosing
from typing import TYPE_CHECKING, Any, Generic, Literal, TypeVar

import msgspec

from .._closing import AsyncClosing
from ..streaming._message_stream import MessageStream
from ..types._message import Message, ToolUseBlock
from ._tool import Tool, ToolResult, tool_result_content

if TYPE_CHECKING:
    from ._messages_api import MessagesAPI

__all__ = ["EndReason", "StreamingToolRunner", "ToolParam", "ToolRunner"]

#: Why a run ended: ``"done"``, the model stopped asking for tools (see the last message's
#: ``stop_reason``); ``"max_iterations"``, the limit was reached while it still asked for tools.
EndReason = Literal["done", "max_iterations"]

#: An entry of ``tools=``: a ``Tool`` (run here) or a plain definition dict, sent as given and not
#: run here (server tools such as web search, or client tools handled elsewhere).
ToolParam = Tool[..., Any] | Mapping[str, Any]

_ItemT = TypeVar("_ItemT")
#: Parameters that ``set_messages_params`` keeps when the new ones leave them out (as the SDK).
_KEPT_PARAMS = frozenset({"betas", "workspace_id", "user_profile_id"})
_Step = Literal["tools", "resume", "stop"]


class _BaseToolRunner(AsyncClosing, Generic[_ItemT]):
    """The loop shared by both runners; a subclass says how one turn is requested and yielded."""

    def __init__(
        self,
        api: MessagesAPI,
        *,
        tools: Iterable[ToolParam],
        max_iterations: int | None,
        tool_timeout: float | None,
        params: dict[str, Any],
        run_tools_eagerly: bool = False,
    ) -> None:
        if max_iterations is not None and max_iterations < 1:
            raise ValueError(f"max_iterations must be >= 1 or None, got {max_iterations}")
        if tool_timeout is not None and not tool_timeout > 0:
            raise ValueError(f"tool_timeout must be > 0 seconds or None, got {tool_timeout}")
        params = dict(params)
        params.pop("stream", None)
        if "messages" not in params:
            raise TypeError("tool_runner() needs messages=[...]")
        self._api = api
        self._tools: dict[str, Tool[..., Any]] = {}
        self._definitions: list[Any] = []
        tools = list(tools)
        seen: set[str] = set()
        for entry in tools:
            name = entry.name if isinstance(entry, Tool) else None
            if isinstance(entry, Mapping):
                name = entry.get("name")
            if isinstance(name, str):
                if name in seen:
                    raise ValueError(f"two tools are named {name!r}")
                seen.add(name)
        self.add_tools(*tools)
        #: The conversation so far (a list of message params); see the module docstring.
        self.messages: list[Any] = list(params.pop("messages"))
        self._params = params
        self._messages_modified = False
        self._cached_tool_call_response: dict[str, Any] | None = None
        self.max_iterations = max_iterations
        self.tool_timeout = tool_timeout
        #: With ``stream=True``: each tool call starts as soon as its block is complete, while
        #: the reply still streams (never sent to the API).
        self.run_tools_eagerly = run_tools_eagerly
        self._early: dict[str, asyncio.Future[dict[str, Any]]] = {}  # tool_use id -> its run
        #: Requests made so far.
        self.iterations = 0
        #: ``None`` while running; then ``"done"`` or ``"max_iterations"``.
        self.end_reason: EndReason | None = None
        #: The latest complete assistant message.
        self.last_message: Message | None = None
        self._log: logging.Logger = api.logger
        self._gen: AsyncGenerator[_ItemT, None] = self._run()

    # -- consumption -------------------------------------------------------------------------

    def __aiter__(self) -> AsyncIterator[_ItemT]:
        return self

    async def __anext__(self) -> _ItemT:
        return await self._gen.__anext__()

    async def close(self) -> None:
        """Stop the run: closes an open stream; no further request is made. Idempotent."""
        await self._gen.aclose()

    async def until_done(self) -> Message:
        """Run to the end and return the last assistant message: the model's final answer, or,
        when ``end_reason == "max_iterations"``, its last (unanswered) tool request."""
        async for _ in self:
            pass
        if self.last_message is None:
            raise RuntimeError("the tool runner was closed before any message arrived")
        return self.last_message

    # -- changing the run (the official SDK's methods) ------------------------------------------

    def add_tools(self, *tools: ToolParam) -> None:
        """Give the model more tools from the next request on (``aclaude.tool`` objects, run
        here, or definition dicts, sent as given). A tool named like one already there
        replaces it. Unlike the SDK (which announces them in ``tool_addition`` blocks of a
        beta), this changes ``tools``, so the next request misses the prompt cache."""
        for entry in tools:
            if isinstance(entry, Tool):
                definition: Mapping[str, Any] = entry.to_param()
            elif isinstance(entry, Mapping):
                definition = entry
            else:
                raise TypeError(f"tools must be aclaude.Tool objects or definition dicts, got {entry!r}")
            name = definition.get("name")
            if isinstance(name, str):
                self.remove_tools(name)
                if isinstance(entry, Tool):
                    self._tools[name] = entry
            self._definitions.append(definition)

    def remove_tools(self, *tools: Tool[..., Any] | str) -> None:
        """Take tools (or tool names) away from the next request on; they are no longer run."""
        names = {t.name if isinstance(t, Tool) else t for t in tools}
        self._definitions = [d for d in self._definitions if d.get("name") not in names]
        for name in names:
            self._tools.pop(name, None)
        self._cached_tool_call_response = None

    def append_messages(self, *messages: Any) -> None:
        """Add messages (params or ``Message`` objects) to the conversation. The tool results
        of the last reply are then not sent for it (the conversation is yours to continue)."""
        for message in messages:
            self.messages.append(message.to_param() if isinstance(message, Message) else message)
        self._messages_modified = True
        self._cached_tool_call_response = None

    def set_messages_params(
        self, params: Mapping[str, Any] | Callable[[dict[str, Any]], Mapping[str, Any]]
    ) -> None:
        """Replace the parameters of the next requests (a dict, or a function of the current
        ones). A field left out is no longer sent, except ``betas``, ``workspace_id`` and
        ``user_profile_id``, which stay; ``messages`` replaces the conversation; ``tools``
        replaces the tools (else they stay)."""
        current = {**self._params, "messages": list(self.messages), "tools": list(self._definitions)}
        new = dict(params(current) if callable(params) else params)
        kept = {k: v for k, v in self._params.items() if k in _KEPT_PARAMS and k not in new}
        if "messages" in new:
            messages = list(new.pop("messages"))
            if messages != self.messages:  # a conversation rewritten: the caller continues it
                self.messages = messages
                self._messages_modified = True
        if "tools" in new:
            self._tools.clear()
            self._definitions = []
            self.add_tools(*new.pop("tools"))
        self._params = {**kept, **new}
        self._cached_tool_call_response = None

    async def generate_tool_call_response(self) -> dict[str, Any] | None:
        """The user turn of ``tool_result`` blocks for the last reply's tool calls (running
        them, a turn's calls concurrently), or None when it asked for none. Cached: calling it
        again for the same reply runs nothing again, and the loop sends this same turn."""
        if self._cached_tool_call_response is not None:
            return self._cached_tool_call_response
        message = self.last_message
        if message is None or message.stop_reason != "tool_use":
            return None
        calls = [b for b in message.content if type(b) is ToolUseBlock]
        if not calls:
            return None
        response = {"role": "user", "content": await self._run_tools(calls)}
        self._cached_tool_call_response = response
        return response

    # -- the loop ----------------------------------------------------------------------------

    def _turn(self, params: dict[str, Any]) -> AsyncGenerator[_ItemT, None]:
        """Request one assistant message, yield it (or its stream), set ``last_message``."""
        raise NotImplementedError

    def _completed(self, message: Message) -> None:
        self.last_message = message
        self.messages.append(message.to_param())

    async def _run(self) -> AsyncGenerator[_ItemT, None]:
        try:
            async with aclosing(self._loop()) as loop:
                async for item in loop:
                    yield item
        finally:
            await self._cancel_early()  # started early, never needed (closed, or not sent)

    async def _loop(self) -> AsyncGenerator[_ItemT, None]:
        while True:
            self.iterations += 1
            params = {**self._params, "messages": list(self.messages), "tools": list(self._definitions)}
            # aclosing: when the consumer stops early, the turn's stream is closed at once, not
            # whenever the garbage collector gets to the inner generator.
            async with aclosing(self._turn(params)) as turn:
                async for item in turn:
                    yield item
            message = self.last_message
            assert message is not None
            calls = [b for b in message.content if isinstance(b, ToolUseBlock)]
            step = _next_step(message, calls)
            if step == "stop":
                self.end_reason = "done"
                return
            if self.max_iterations is not None and self.iterations >= self.max_iterations:
                self.end_reason = "max_iterations"
                self._log.info(
                    "tool runner: max_iterations=%d reached; the model still asked for %s",
                    self.max_iterations,
                    ", ".join(c.name for c in calls) or "more (pause_turn)",
                )
                return
            if step == "tools" and not self._messages_modified:
                # (A conversation the caller changed meanwhile is theirs to continue: its tools
                # are not run, where the SDK runs them and drops the results.)
                response = await self.generate_tool_call_response()
                if response is not None:
                    self.messages.append(response)
            # "resume" (pause_turn): send the conversation back as it is; the API continues it.
            self._messages_modified = False
            self._cached_tool_call_response = None
            await self._cancel_early()

    def _start_early(self, block: Any) -> None:
        """``run_tools_eagerly``: a tool call whose block just completed starts now."""
        if type(block) is ToolUseBlock and block.id not in self._early:
            self._early[block.id] = asyncio.ensure_future(self._run_tool(block))

    async def _cancel_early(self) -> None:
        early, self._early = list(self._early.values()), {}
        for task in early:
            task.cancel()
        if early:
            await asyncio.wait(early)

    async def _run_tools(self, calls: list[ToolUseBlock]) -> list[dict[str, Any]]:
        early = self._early  # run_tools_eagerly: the calls already started keep their run
        tasks = [
            early.pop(call.id) if call.id in early else asyncio.ensure_future(self._run_tool(call))
            for call in calls
        ]
        try:
            # gather keeps the order of the calls, whatever order they finish in.
            return list(await asyncio.gather(*tasks))
        except BaseException:
            # Cancelled (gather has cancelled the tools and waited for them) or a tool raised a
            # BaseException (the others are still running: stop them before leaving).
            for task in tasks:
                task.cancel()
            await asyncio.wait(tasks)
            raise

    async def _run_tool(self, call: ToolUseBlock) -> dict[str, Any]:
        """One ``tool_result`` block; every failure of the tool becomes an error result."""
        tool = self._tools.get(call.name)
        if tool is None:
            known = ", ".join(sorted(self._tools)) or "none"
            return _error(call.id, f"Unknown tool {call.name!r}. Tools available: {known}.")
        try:
            args, kwargs = tool.parse_input(call.input)
        except msgspec.ValidationError as exc:
            return _error(call.id, f"Invalid input for tool {call.name!r}: {exc}")
        timeout = tool.timeout if tool.timeout is not None else self.tool_timeout
        try:
            if timeout is None:
                value = await tool._invoke(args, kwargs)
            else:
                value = await asyncio.wait_for(_own_timeouts_apart(tool, args, kwargs), timeout)
        except _ToolRaisedTimeout as wrapped:
            return self._failed(call, wrapped.error)
        except (asyncio.TimeoutError, TimeoutError):  # only wait_for's, see _own_timeouts_apart
            self._log.info("tool %s (%s) timed out after %g s", call.name, call.id, timeout)
            return _error(call.id, f"Tool {call.name!r} timed out after {timeout:g} s.")
        except Exception as exc:
            return self._failed(call, exc)
        try:
            if isinstance(value, ToolResult):
                return _result(call.id, tool_result_content(value.content), value.is_error)
            return _result(call.id, tool_result_content(value), False)
        except TypeError as exc:  # a value msgspec cannot encode
            return self._failed(call, exc)

    def _failed(self, call: ToolUseBlock, exc: BaseException) -> dict[str, Any]:
        self._log.info("tool %s (%s) failed: %s", call.name, call.id, type(exc).__name__)
        text = str(exc)
        return _error(call.id, f"{type(exc).__name__}: {text}" if text else type(exc).__name__)


class ToolRunner(_BaseToolRunner[Message]):
    """``client.messages.tool_runner(...)``: an async iterator of each assistant ``Message``.

    ``async for message in runner`` sees every turn; ``await runner.until_done()`` runs to the
    end and returns the last one. Use ``async with`` (or ``close()``) when you may stop early.
    Attributes: ``messages`` (the conversation), ``iterations``, ``end_reason``,
    ``last_message``.
    """

    async def __aenter__(self) -> ToolRunner:
        return self

    async def _turn(self, params: dict[str, Any]) -> AsyncGenerator[Message, None]:
        message = await self._api.create(stream=False, **params)
        self._completed(message)
        yield message


class StreamingToolRunner(_BaseToolRunner[MessageStream]):
    """``client.messages.tool_runner(..., stream=True)``: an async iterator of one open
    ``MessageStream`` per turn, so text reaches the caller as it is generated.

    Read each stream as much as you like (``text_stream``, events, callbacks); when you ask for
    the next one the runner finishes the current stream, runs its tools and sends the results.
    """

    async def __aenter__(self) -> StreamingToolRunner:
        return self

    async def _turn(self, params: dict[str, Any]) -> AsyncGenerator[MessageStream, None]:
        async with self._api.stream(**params) as stream:
            if self.run_tools_eagerly:
                stream.on("content_block", self._start_early)
            yield stream
            message = await stream.get_final_message()
        self._completed(message)


def _next_step(message: Message, calls: list[ToolUseBlock]) -> _Step:
    if message.stop_reason == "tool_use":
        return "tools" if calls else "stop"
    if message.stop_reason == "pause_turn":  # a long server-tool turn: send it back to continue
        return "resume"
    # end_turn, max_tokens (a cut-off tool call is not run), refusal, unknown reasons ...
    return "stop"


class _ToolRaisedTimeout(Exception):
    """A ``TimeoutError`` raised by the tool itself, kept apart from the runner's own timeout."""

    def __init__(self, error: BaseException) -> None:
        super().__init__(str(error))
        self.error = error


async def _own_timeouts_apart(tool: Tool[..., Any], args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
    try:
        return await tool._invoke(args, kwargs)
    except (asyncio.TimeoutError, TimeoutError) as exc:
        raise _ToolRaisedTimeout(exc) from exc


def _result(tool_use_id: str, content: Any, is_error: bool) -> dict[str, Any]:
    block: dict[str, Any] = {"type": "tool_result", "tool_use_id": tool_use_id}
    if content is not None:
        block["content"] = content
    if is_error:
        block["is_error"] = True
    return block


def _error(tool_use_id: str, text: str) -> dict[str, Any]:
    return _result(tool_use_id, text, True)
