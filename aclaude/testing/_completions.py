"""The legacy Text Completions API: ``POST /v1/complete``, JSON or a stream of ``completion`` events.

The legacy stream has no ``message_stop``: it is a ``ping``, then ``completion`` events each
carrying a piece of text, the last one with ``stop_reason`` (and ``stop``, the stop sequence
that matched). The prompt format is enforced as the API did (``\\n\\nHuman:`` ...
``\\n\\nAssistant:``). The ``x-fake-*`` headers shape the reply as for messages (deltas, delta
bytes, echo) and inject the same faults (truncate, drop or an error event after N events).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal

from aiohttp import web

from ._generated import generated_text
from ._headers import SSE_CONTENT_TYPE, response_headers
from ._ids import new_id
from ._message import PING, error_event
from ._respond import Context, json_error, json_response
from ._sse_render import render_event
from ._writer import StreamPlan, send_stream

__all__ = ["complete"]

_HUMAN = "\n\nHuman:"
_ASSISTANT = "\n\nAssistant:"
_STOP = "\n\nHuman:"


def _problem(body: Any) -> str | None:
    if not isinstance(body, Mapping):
        return "request body must be a JSON object"
    for field, kind in (("model", str), ("prompt", str), ("max_tokens_to_sample", int)):
        if not isinstance(body.get(field), kind):
            return f"{field}: Field required"
    prompt = body["prompt"]
    if _HUMAN not in prompt:
        return 'prompt must start with "\\n\\nHuman:" turn after an optional system prompt'
    if not prompt.rstrip(" ").endswith(_ASSISTANT):
        return 'prompt must end with "\\n\\nAssistant:" turn'
    return None


def _reply_pieces(ctx: Context, body: Mapping[str, Any]) -> list[str]:
    control = ctx.control
    size = control.delta_bytes or ctx.defaults.delta_bytes
    if control.echo:
        prompt: str = body["prompt"]
        text = prompt.rsplit(_HUMAN, 1)[-1].rsplit(_ASSISTANT, 1)[0]
        return [text[i : i + size] for i in range(0, len(text), size)] or [""]
    deltas = control.deltas if control.deltas is not None else ctx.defaults.deltas
    text = " " + generated_text(deltas, size)
    return [text[i : i + size] for i in range(0, len(text), size)]


async def complete(ctx: Context, params: Mapping[str, str]) -> web.StreamResponse:
    body = ctx.json
    problem = _problem(body)
    if problem is not None:
        return json_error(ctx, 400, "invalid_request_error", problem)
    assert isinstance(body, Mapping)
    completion_id = new_id("compl")
    model = body["model"]
    pieces = _reply_pieces(ctx, body)
    if not ctx.stream:
        return json_response(
            ctx,
            {
                "type": "completion",
                "id": completion_id,
                "completion": "".join(pieces),
                "stop_reason": "stop_sequence",
                "model": model,
                "stop": _STOP,
            },
        )
    events: list[dict[str, Any]] = [dict(PING)]
    events += [_event(completion_id, model, piece, None) for piece in pieces]
    events.append(_event(completion_id, model, "", "stop_sequence"))
    rendered = [render_event(e) for e in events]
    control = ctx.control
    ending: Literal["eof", "abort"] = "eof"
    if control.error_after is not None:
        error = error_event(control.error_type or "overloaded_error", "Overloaded")
        rendered = [*rendered[: control.error_after], render_event(error)]
    elif control.truncate_after is not None:
        rendered = rendered[: control.truncate_after]
    elif control.drop_after is not None:
        rendered = rendered[: control.drop_after]
        ending = "abort"
    headers = response_headers(
        ctx.request_id, content_type=SSE_CONTENT_TYPE, extra={"cache-control": "no-cache"}
    )
    plan = StreamPlan(pieces=rendered, ending=ending, delay_between=control.delay or 0.0)
    return await send_stream(ctx.request, 200, headers, plan)


def _event(completion_id: str, model: str, text: str, stop_reason: str | None) -> dict[str, Any]:
    return {
        "type": "completion",
        "id": completion_id,
        "completion": text,
        "stop_reason": stop_reason,
        "model": model,
        "stop": _STOP if stop_reason == "stop_sequence" else None,
    }
