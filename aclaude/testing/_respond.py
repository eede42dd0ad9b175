"""Turn a request (and a scripted Reply, if one is queued) into an aiohttp response.

Decisions are made here, bytes are written in ``_writer``: which body (scripted blocks,
literal events, literal bytes, generated lorem), streamed or JSON, and which stream options
apply. For every option the Reply's own value wins, then the request's ``x-fake-*`` header,
then the server default.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from aiohttp import web

from ._accumulate import message_from_events
from ._blocks import TextBlock
from ._control import Control
from ._extra_fields import with_extra_fields
from ._generated import ReplyShape, generated_events, generated_message
from ._headers import JSON_CONTENT_TYPE, SSE_CONTENT_TYPE, response_headers
from ._ids import new_id
from ._message import (
    DEFAULT_MODEL,
    MESSAGE_STOP,
    PING,
    error_body,
    error_event,
    estimate_input_tokens,
    last_user_text,
    message_delta_event,
    message_start_event,
    start_usage,
)
from ._pages import PageError, paginate
from ._replies import Chunking, Reply, StallWith
from ._sse_render import encode_json, render_event, render_events
from ._writer import Stall, StreamPlan, send_stream

__all__ = [
    "Context",
    "Defaults",
    "json_error",
    "json_response",
    "page_response",
    "respond_generated",
    "respond_scripted",
]

# Default messages for in-stream errors requested by type only (x-fake-error-type).
_ERROR_MESSAGES = {
    "overloaded_error": "Overloaded",
    "api_error": "Internal server error",
    "rate_limit_error": "Rate limited",
    "invalid_request_error": "Invalid request",
}

# What a stalled stream writes each interval (a delta of block 0: stall after its start).
_STALL_FILLERS: dict[StallWith, bytes | None] = {
    "nothing": None,
    "pings": render_event(PING),
    "deltas": render_event(
        {"type": "content_block_delta", "index": 0, "delta": {"type": "text_delta", "text": "."}}
    ),
}


@dataclass(frozen=True)
class Defaults:
    """Server-wide defaults, overridable per request by control headers."""

    deltas: int = 20
    delta_bytes: int = 12
    chunking: Chunking = "event"
    model: str = DEFAULT_MODEL
    first_token_delay: float = 0.0
    token_interval: float = 0.0


@dataclass(frozen=True)
class Context:
    """What the responders need to know about one request."""

    request: web.BaseRequest
    json: Any
    control: Control
    defaults: Defaults
    request_id: str

    @property
    def stream(self) -> bool:
        return isinstance(self.json, Mapping) and self.json.get("stream") is True

    @property
    def model(self) -> str:
        model = self.json.get("model") if isinstance(self.json, Mapping) else None
        return model if isinstance(model, str) else self.defaults.model


def json_error(
    ctx: Context, status: int, error_type: str, message: str, headers: Mapping[str, str] | None = None
) -> web.Response:
    """An HTTP error response with the API's error body."""
    return web.Response(
        status=status,
        body=encode_json(error_body(error_type, message, ctx.request_id)),
        headers=response_headers(ctx.request_id, content_type=JSON_CONTENT_TYPE, extra=headers),
    )


def json_response(
    ctx: Context, body: Any, status: int = 200, headers: Mapping[str, str] | None = None
) -> web.Response:
    return web.Response(
        status=status,
        body=encode_json(body),
        headers=response_headers(ctx.request_id, content_type=JSON_CONTENT_TYPE, extra=headers),
    )


def page_response(
    ctx: Context, items: Sequence[Mapping[str, Any]], *, page_tokens: bool = False
) -> web.Response:
    """One page of ``items`` (in list order, newest first) as the request's query asks for it
    (see ``_pages.paginate``), or the API's 400 for a bad pagination parameter."""
    try:
        page = paginate(items, ctx.request.query, page_tokens=page_tokens)
    except PageError as exc:
        return json_error(ctx, 400, "invalid_request_error", str(exc))
    return json_response(ctx, page)


def _chunk_size(reply: Reply | None, ctx: Context, *, default: Chunking) -> int | None:
    for choice in (reply.chunking if reply else None, ctx.control.chunking, default):
        if choice is not None:
            return None if choice == "event" else int(choice)
    return None


def _seconds(own: float | None, header: float | None, default: float = 0.0) -> float:
    return own if own is not None else header if header is not None else default


def _plan(pieces: list[bytes], reply: Reply | None, ctx: Context) -> StreamPlan:
    """Apply the stream options (faults, chunking, pacing) to rendered events."""
    control = ctx.control
    ending: Literal["eof", "abort"] = "eof"
    stall: Stall | None = None
    # The "after N events" faults exclude each other; a Reply setting one overrides all the
    # headers, so a scripted fault is never mixed with a header fault. Stalls are Reply-only.
    if reply is not None and reply.stall_after is not None:
        pieces = pieces[: reply.stall_after]
        ending = "abort"  # if the stall runs its course: the client sees a dropped stream
        stall = Stall(_STALL_FILLERS[reply.stall_with], reply.stall_interval, reply.stall_for)
        error_after = truncate_after = drop_after = None
        error_type, error_message = reply.error_type, reply.error_message
    elif reply is not None and any(
        n is not None for n in (reply.error_event_after, reply.truncate_after, reply.drop_after)
    ):
        error_after, truncate_after, drop_after = (
            reply.error_event_after,
            reply.truncate_after,
            reply.drop_after,
        )
        error_type, error_message = reply.error_type, reply.error_message
    else:
        error_after, truncate_after, drop_after = (
            control.error_after,
            control.truncate_after,
            control.drop_after,
        )
        error_type = control.error_type or "overloaded_error"
        error_message = _ERROR_MESSAGES.get(error_type, error_type)
    if error_after is not None:
        pieces = [*pieces[:error_after], render_event(error_event(error_type, error_message))]
    elif truncate_after is not None:
        pieces = pieces[:truncate_after]
    elif drop_after is not None:
        pieces = pieces[:drop_after]
        ending = "abort"

    return StreamPlan(
        pieces=pieces,
        ending=ending,
        chunk_size=_chunk_size(reply, ctx, default=ctx.defaults.chunking),
        delay_between=_seconds(
            reply.delay_between if reply else None, control.delay, ctx.defaults.token_interval
        ),
        hold_after_first=_seconds(
            reply.hold_after_start if reply else None, control.hold, ctx.defaults.first_token_delay
        ),
        stall=stall,
        pacing=control.pacing,
    )


def _message_events(reply: Reply, ctx: Context) -> list[dict[str, Any]]:
    """The full event sequence of a block-based reply."""
    usage = start_usage(estimate_input_tokens(ctx.json), reply.usage)
    events: list[dict[str, Any]] = [message_start_event(new_id("msg"), reply.model or ctx.model, usage)]
    deltas = 0
    for index, block in enumerate(reply.blocks):
        block_events = block.events(index)
        deltas += len(block_events) - 2
        events.extend(block_events)
        if index == 0 and reply.ping:
            # The API sends its first ping right after the first block starts.
            events.insert(2, dict(PING))
    if not reply.blocks and reply.ping:
        events.append(dict(PING))
    output_tokens = (reply.usage or {}).get("output_tokens", max(1, deltas))
    events.append(message_delta_event(reply.stop_reason, reply.stop_sequence, output_tokens))
    events.append(dict(MESSAGE_STOP))
    return events


async def _send_events(events: list[dict[str, Any]], reply: Reply, ctx: Context) -> web.StreamResponse:
    if reply.extra_fields:
        events = [with_extra_fields(e, reply.extra_fields) for e in events]
    if not ctx.stream:
        return json_response(ctx, message_from_events(events), headers=reply.headers)
    headers = response_headers(
        ctx.request_id, content_type=SSE_CONTENT_TYPE, extra=_sse_headers(reply.headers)
    )
    return await send_stream(ctx.request, 200, headers, _plan(render_events(events), reply, ctx))


def _sse_headers(extra: Mapping[str, str] | None) -> dict[str, str]:
    headers = {"cache-control": "no-cache"}
    if extra:
        headers.update(extra)
    return headers


def _disconnect(request: web.BaseRequest) -> web.StreamResponse:
    if request.transport is not None:
        request.transport.abort()
    # aiohttp's attempt to send this fails on the closed transport and is ignored as a
    # premature client disconnection: nothing reaches the client.
    return web.Response(status=500)


async def respond_scripted(reply: Reply, ctx: Context) -> web.StreamResponse:
    """Answer with a scripted reply."""
    if reply.delay_headers > 0:
        await asyncio.sleep(reply.delay_headers)
    kind = reply.kind
    if kind == "message":
        return await _send_events(_message_events(reply, ctx), reply, ctx)
    if kind == "events":
        return await _send_events([dict(e) for e in reply.event_list], reply, ctx)
    if kind == "raw":
        headers = response_headers(
            ctx.request_id, content_type=reply.content_type, extra=_sse_headers(reply.headers)
        )
        plan = StreamPlan(
            pieces=list(reply.raw_pieces) or [reply.body],
            ending="abort" if reply.abort else "eof",
            chunk_size=_chunk_size(reply, ctx, default="event"),
            delay_between=_seconds(reply.delay_between, ctx.control.delay),
        )
        return await send_stream(ctx.request, reply.status, headers, plan)
    if kind == "error":
        return json_error(ctx, reply.status, reply.error_type, reply.error_message, reply.headers)
    if kind == "json":
        body = reply.json_body
        if reply.extra_fields:
            body = with_extra_fields(body, reply.extra_fields)
        return json_response(ctx, body, reply.status, reply.headers)
    return _disconnect(ctx.request)


def _honour_max_tokens(deltas: int, max_tokens: Any) -> tuple[int, str]:
    """A generated delta is one output token: a reply longer than ``max_tokens`` is cut there
    and ends with ``stop_reason: "max_tokens"``, as the API's does."""
    if isinstance(max_tokens, int) and not isinstance(max_tokens, bool) and 0 < max_tokens < deltas:
        return max_tokens, "max_tokens"
    return deltas, "end_turn"


async def respond_generated(ctx: Context) -> web.StreamResponse:
    """Answer ``POST /v1/messages`` when nothing is queued: lorem text (or an echo).

    By default the reply reads like prose: the server's ``deltas`` deltas, cut at the request's
    ``max_tokens`` (one delta is one token; ``stop_reason: "max_tokens"``) or else ending on a
    full stop. ``x-fake-deltas`` / ``x-fake-delta-bytes`` ask for an exact shape instead."""
    if not isinstance(ctx.json, Mapping):
        return json_error(ctx, 400, "invalid_request_error", "request body must be a JSON object")
    control = ctx.control
    if control.echo:
        size = control.delta_bytes or ctx.defaults.delta_bytes
        return await respond_scripted(Reply.message([TextBlock(last_user_text(ctx.json), size)]), ctx)
    deltas = control.deltas if control.deltas is not None else ctx.defaults.deltas
    delta_bytes = control.delta_bytes or ctx.defaults.delta_bytes
    if control.deltas is None and control.delta_bytes is None:
        deltas, stop_reason = _honour_max_tokens(deltas, ctx.json.get("max_tokens"))
    else:
        # An exact shape asked for by header (benchmarks count deltas and bytes): N deltas of
        # B bytes each, whatever max_tokens says, and no full stop stretching the last one.
        stop_reason = "exact"
    message_id = new_id("msg")
    input_tokens = estimate_input_tokens(ctx.json)
    shape = ReplyShape(message_id, ctx.model, input_tokens, deltas, delta_bytes, stop_reason)
    if not ctx.stream:
        return json_response(ctx, generated_message(shape))
    events = generated_events(shape)
    headers = response_headers(ctx.request_id, content_type=SSE_CONTENT_TYPE, extra=_sse_headers(None))
    return await send_stream(ctx.request, 200, headers, _plan(events, None, ctx))
