"""Message threads: the conversation the fake API holds between turns.

A ``POST /v1/messages`` with ``thread: {"type": "create"}`` stores the conversation (the request's
messages and the reply) under the reply's ``id``, with the thread's ``system`` and ``tools``. A
request with ``thread: {"type": "continue", "previous_message_id": id}`` sends only the new
messages: the server answers from the whole conversation it holds, and stores the longer one under
the new reply's ``id``. Each stored reply can be continued once, as the API's rules say.

So that a test can see the context the server answered from, a generated reply says how many
messages it held, ``"held 3 messages; last: <the last user text>"``, and its
``usage.input_tokens`` is estimated from the whole conversation. Scripted content for a thread's
turns: ``server.resources.threads.enqueue(Reply.message([...]))`` (its blocks and stop reason;
the thread state is still kept) or ``Reply.error(...)``.

Rejections (the API's, with ``error.details.error_code``): an unknown ``previous_message_id`` is
a 404 ``thread_not_found``; a reply continued before, ``thread_already_continued``; a reply whose
continuation is still being answered, ``thread_continue_in_flight``; a ``system`` or ``tools``
that differ from the thread's, ``thread_fingerprint_mismatch``; and ``context_management`` or
``fallbacks`` with a thread, ``thread_unsupported_request`` (``details.unsupported`` names them).
"""

from __future__ import annotations

import collections
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import msgspec
from aiohttp import web

from ._blocks import TextBlock
from ._headers import JSON_CONTENT_TYPE, response_headers
from ._ids import new_id
from ._message import (
    MESSAGE_STOP,
    estimate_input_tokens,
    last_user_text,
    message_delta_event,
    message_start_event,
    start_usage,
)
from ._replies import Reply
from ._respond import Context, respond_scripted
from ._sse_render import encode_json

__all__ = ["MESSAGE_THREADS_BETA", "HeldThread", "ThreadStore"]

#: The beta that turns message threads on (the official SDK's name for it).
MESSAGE_THREADS_BETA = "message-threads-2026-08-12"

#: Request fields the fake API, like the API, cannot thread (a subset of the API's list).
UNSUPPORTED_WITH_THREADS = ("context_management", "fallbacks")


@dataclass
class HeldThread:
    """The conversation held under one reply ``id``: every message up to and including that
    reply, and the fields fixed when the thread was created."""

    messages: list[Any]
    system: Any = None
    tools: Any = None
    continued: bool = False
    in_flight: bool = False


@dataclass
class ThreadStore:
    """The threads the fake API holds, by reply ``id`` (public for tests: ``held``, ``forget``)."""

    threads: dict[str, HeldThread] = field(default_factory=dict)
    _scripted: collections.deque[Reply] = field(default_factory=collections.deque)

    def held(self, message_id: str) -> list[Any] | None:
        """The messages the server holds under ``message_id`` (None: no such thread)."""
        thread = self.threads.get(message_id)
        return None if thread is None else list(thread.messages)

    def forget(self, message_id: str) -> None:
        """Drop a thread, as the API may (expiry): continuing it is then ``thread_not_found``."""
        self.threads.pop(message_id, None)

    def enqueue(self, *replies: Reply) -> None:
        """Script the next thread turns: a ``Reply.message`` / ``Reply.text`` / ``Reply.tool_use``
        gives the reply's blocks and stop reason, a ``Reply.error`` the error to answer with."""
        self._scripted.extend(replies)

    async def respond(self, ctx: Context, thread: Mapping[str, Any]) -> web.StreamResponse:
        """Answer a ``POST /v1/messages`` whose body has a ``thread`` object."""
        body: Mapping[str, Any] = ctx.json
        unsupported = [name for name in UNSUPPORTED_WITH_THREADS if body.get(name) is not None]
        if unsupported:
            return thread_error(
                ctx,
                400,
                "invalid_request_error",
                "thread_unsupported_request",
                f"Message threads do not support {', '.join(unsupported)}",
                unsupported=unsupported,
            )
        kind = thread.get("type")
        if kind == "create":
            previous: HeldThread | None = None
            held = HeldThread([], body.get("system"), body.get("tools"))
        elif kind == "continue":
            previous_id = thread.get("previous_message_id")
            previous = self.threads.get(previous_id) if isinstance(previous_id, str) else None
            refusal = _continue_problem(ctx, previous, body)
            if refusal is not None:
                return refusal
            assert previous is not None
            held = HeldThread(list(previous.messages), previous.system, previous.tools)
        else:
            return thread_error(
                ctx, 400, "invalid_request_error", None, "thread.type: Input should be 'create' or 'continue'"
            )
        new_messages = body.get("messages")
        held.messages.extend(new_messages if isinstance(new_messages, list) else ())
        scripted = self._scripted.popleft() if self._scripted else None
        if scripted is not None and scripted.kind == "error":
            return await respond_scripted(scripted, ctx)
        message_id = new_id("msg")
        events = _reply_events(ctx, message_id, held, scripted)
        held.messages.append({"role": "assistant", "content": _held_content(events)})
        if previous is not None:
            previous.in_flight = True
        try:
            response = await respond_scripted(Reply.events(events), ctx)
        finally:
            if previous is not None:
                previous.in_flight = False
        # The reply reached its end: the server holds the turn, and the thread moves on.
        if previous is not None:
            previous.continued = True
        self.threads[message_id] = held
        return response


def _continue_problem(
    ctx: Context, previous: HeldThread | None, body: Mapping[str, Any]
) -> web.StreamResponse | None:
    if previous is None:
        return thread_error(
            ctx,
            404,
            "not_found_error",
            "thread_not_found",
            "No thread state was found for previous_message_id",
        )
    if previous.in_flight:
        return thread_error(
            ctx,
            400,
            "invalid_request_error",
            "thread_continue_in_flight",
            "Another request is still continuing from previous_message_id",
        )
    if previous.continued:
        return thread_error(
            ctx,
            400,
            "invalid_request_error",
            "thread_already_continued",
            "The response previous_message_id names has already been continued",
        )
    changed = [
        name
        for name, stored in (("system", previous.system), ("tools", previous.tools))
        if name in body and body[name] != stored
    ]
    if changed:
        return thread_error(
            ctx,
            400,
            "invalid_request_error",
            "thread_fingerprint_mismatch",
            f"{' and '.join(changed)} differ from the values stored with the thread",
        )
    return None


def _reply_events(
    ctx: Context, message_id: str, held: HeldThread, scripted: Reply | None
) -> list[dict[str, Any]]:
    """The events of a thread's reply: the scripted blocks, or a text saying what was held."""
    conversation = {"system": held.system, "messages": held.messages}
    if scripted is not None and scripted.kind == "message":
        blocks = list(scripted.blocks)
        stop_reason = scripted.stop_reason
    else:
        text = f"held {len(held.messages)} messages; last: {last_user_text(conversation)}"
        blocks = [TextBlock(text)]
        stop_reason = "end_turn"
    events: list[dict[str, Any]] = [
        message_start_event(message_id, ctx.model, start_usage(estimate_input_tokens(conversation)))
    ]
    for index, block in enumerate(blocks):
        events.extend(block.events(index))
    events.append(message_delta_event(stop_reason, None, max(1, len(events) - 1)))
    events.append(dict(MESSAGE_STOP))
    return events


def _held_content(events: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The reply's content as the server holds it: each block's start with its text and its
    tool input (whose JSON arrives in pieces) filled in."""
    blocks: list[dict[str, Any]] = []
    inputs: dict[int, str] = {}
    for event in events:
        if event["type"] == "content_block_start":
            blocks.append(dict(event["content_block"]))
        elif event["type"] == "content_block_delta":
            delta, index = event["delta"], event["index"]
            if delta.get("type") == "text_delta":
                blocks[index]["text"] = blocks[index].get("text", "") + delta["text"]
            elif delta.get("type") == "input_json_delta":
                inputs[index] = inputs.get(index, "") + delta["partial_json"]
    for index, text in inputs.items():
        blocks[index]["input"] = msgspec.json.decode(text) if text else {}
    return blocks


def thread_error(
    ctx: Context, status: int, error_type: str, error_code: str | None, message: str, **details: Any
) -> web.Response:
    """The API's error body, with ``error.details`` naming the thread rule that was broken."""
    error: dict[str, Any] = {"type": error_type, "message": message}
    if error_code is not None:
        error["details"] = {"error_code": error_code, **details}
    body = {"type": "error", "error": error, "request_id": ctx.request_id}
    return web.Response(
        status=status,
        body=encode_json(body),
        headers=response_headers(ctx.request_id, content_type=JSON_CONTENT_TYPE),
    )
