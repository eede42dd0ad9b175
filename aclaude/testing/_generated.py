"""Replies made up from the request when no scripted reply is queued.

The benchmark streams hundreds of thousands of deltas through this path from another process,
so it avoids per-delta Python work: the delta events of a given size are rendered once into a
short cycle (cached per size) and a reply of N deltas is that cycle repeated by list
multiplication. Only the envelope (message_start with its fresh id, and the tail with the final
usage) is rendered per request.

The text is lorem-ipsum words cut into pieces of exactly ``delta_bytes`` ASCII bytes, so the
deltas' byte size is what the caller asked for and the stream is deterministic.
"""

from __future__ import annotations

import functools
import math
from typing import Any

from ._message import MESSAGE_STOP, PING, message_delta_event, message_start_event, start_usage
from ._sse_render import render_event

__all__ = ["generated_events", "generated_message", "generated_text"]

_LOREM = (
    "lorem ipsum dolor sit amet consectetur adipiscing elit sed do eiusmod tempor incididunt ut "
    "labore et dolore magna aliqua ut enim ad minim veniam quis nostrud exercitation ullamco "
    "laboris nisi ut aliquip ex ea commodo consequat duis aute irure dolor in reprehenderit "
)

# A cycle holds at most this many text bytes, so a huge delta size cannot blow up the cache.
_MAX_CYCLE_BYTES = 256 * 1024
# ...and at most this many deltas: enough to look like prose, few enough to render instantly.
_MAX_CYCLE_DELTAS = 64

_BLOCK_START: dict[str, Any] = {
    "type": "content_block_start",
    "index": 0,
    "content_block": {"type": "text", "text": ""},
}
_BLOCK_START_BYTES = render_event(_BLOCK_START)
_PING_BYTES = render_event(PING)
_BLOCK_STOP_BYTES = render_event({"type": "content_block_stop", "index": 0})
_MESSAGE_STOP_BYTES = render_event(MESSAGE_STOP)


@functools.lru_cache(maxsize=32)
def _cycle(delta_bytes: int) -> tuple[tuple[str, ...], tuple[bytes, ...]]:
    """The repeating delta texts of this size and their rendered ``content_block_delta`` events."""
    # Consecutive pieces of the endless lorem stream repeat after lcm(len, size) characters;
    # keep the whole period when it is short so the text reads continuously.
    period = len(_LOREM) // math.gcd(len(_LOREM), delta_bytes)
    count = max(1, min(period, _MAX_CYCLE_DELTAS, _MAX_CYCLE_BYTES // delta_bytes))
    reps = (count * delta_bytes) // len(_LOREM) + 1
    stream = _LOREM * reps
    texts = tuple(stream[i * delta_bytes : (i + 1) * delta_bytes] for i in range(count))
    events = tuple(
        render_event({"type": "content_block_delta", "index": 0, "delta": {"type": "text_delta", "text": t}})
        for t in texts
    )
    return texts, events


def _repeat(cycle: tuple[Any, ...], n: int) -> list[Any]:
    q, r = divmod(n, len(cycle))
    return list(cycle) * q + list(cycle[:r])


def generated_text(deltas: int, delta_bytes: int) -> str:
    """The text a generated reply of this shape carries."""
    texts, _ = _cycle(delta_bytes)
    return "".join(_repeat(texts, deltas))


def generated_events(
    message_id: str, model: str, input_tokens: int, deltas: int, delta_bytes: int
) -> list[bytes]:
    """The rendered SSE events of a generated text reply, one byte string per event."""
    _, cycle = _cycle(delta_bytes)
    head = [
        render_event(message_start_event(message_id, model, start_usage(input_tokens))),
        _BLOCK_START_BYTES,
        _PING_BYTES,
    ]
    tail = [
        _BLOCK_STOP_BYTES,
        render_event(message_delta_event("end_turn", None, deltas)),
        _MESSAGE_STOP_BYTES,
    ]
    return head + _repeat(cycle, deltas) + tail


def generated_message(
    message_id: str, model: str, input_tokens: int, deltas: int, delta_bytes: int
) -> dict[str, Any]:
    """The same reply as one Message, for non-streaming requests."""
    usage = start_usage(input_tokens)
    usage["output_tokens"] = deltas
    return {
        "id": message_id,
        "type": "message",
        "role": "assistant",
        "model": model,
        "content": [{"type": "text", "text": generated_text(deltas, delta_bytes)}],
        "stop_reason": "end_turn",
        "stop_sequence": None,
        "usage": usage,
    }
