"""Replies made up from the request when no scripted reply is queued.

The benchmark streams hundreds of thousands of deltas through this path from another process,
so it avoids per-delta Python work: the delta events of a given size are rendered once into a
short cycle (cached per size) and a reply of N deltas is that cycle repeated by list
multiplication. Only the envelope (message_start with its fresh id, and the tail with the final
usage) is rendered per request.

The text is lorem-ipsum words cut into pieces of exactly ``delta_bytes`` ASCII bytes, so the
deltas' byte size is what the caller asked for and the stream is deterministic. Only the last
delta of a finished reply differs: it runs on to the end of its word and adds a full stop, so a
reply never looks cut mid-word (a reply cut by ``max_tokens`` is, like the real API's).
"""

from __future__ import annotations

import functools
import math
from typing import Any, NamedTuple

from ._message import MESSAGE_STOP, PING, message_delta_event, message_start_event, start_usage
from ._sse_render import render_event

__all__ = ["ReplyShape", "generated_events", "generated_message", "generated_text"]

# 240 characters (2^4 * 3 * 5), ending with a space: for most delta sizes the stream of pieces
# repeats after a short period (20 pieces of 12 bytes) that fits the cycle whole, so the text
# wraps around between words, never inside one.
_LOREM = (
    "lorem ipsum dolor sit amet adipiscing elit sed do eiusmod tempor incididunt ut "
    "labore et dolore magna aliqua ut enim ad minim veniam quis nostrud exercitation ullamco "
    "laboris nisi ut aliquip ex ea commodo consequat duis aute irure dolor in "
)

# A cycle holds at most this many text bytes, so a huge delta size cannot blow up the cache.
_MAX_CYCLE_BYTES = 256 * 1024
# ...and at most this many deltas: a whole period of 240 one-byte pieces, still instant to render.
_MAX_CYCLE_DELTAS = 256

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


def _finishing_text(delta_bytes: int, index: int) -> str:
    """Delta ``index`` of the cycle, run on to the end of its word, plus a full stop."""
    texts, _ = _cycle(delta_bytes)
    piece = texts[index]
    if piece.endswith(" "):
        return piece[:-1] + "."
    # Where this piece ends in the endless lorem stream (the cycle repeats it exactly).
    end = ((index + 1) * delta_bytes) % len(_LOREM)
    rest = (_LOREM + _LOREM)[end:]
    return piece + rest[: rest.index(" ")] + "."


def _finishing_event(delta_bytes: int, deltas: int) -> bytes:
    texts, _ = _cycle(delta_bytes)
    text = _finishing_text(delta_bytes, (deltas - 1) % len(texts))
    return render_event(
        {"type": "content_block_delta", "index": 0, "delta": {"type": "text_delta", "text": text}}
    )


def _wire_stop_reason(stop_reason: str) -> str:
    return "end_turn" if stop_reason == "exact" else stop_reason


def _repeat(cycle: tuple[Any, ...], n: int) -> list[Any]:
    q, r = divmod(n, len(cycle))
    return list(cycle) * q + list(cycle[:r])


def generated_text(deltas: int, delta_bytes: int, *, finished: bool = True) -> str:
    """The text a generated reply of this shape carries (``finished``: ends on a full stop)."""
    texts, _ = _cycle(delta_bytes)
    pieces = _repeat(texts, deltas)
    if finished and pieces:
        pieces[-1] = _finishing_text(delta_bytes, (deltas - 1) % len(texts))
    return "".join(pieces)


class ReplyShape(NamedTuple):
    """What a generated reply is made of: its id and model, the input tokens it reports, and
    ``deltas`` text deltas of ``delta_bytes`` bytes each.

    ``stop_reason="end_turn"`` ends the text on a full stop (the last delta runs on to the end
    of its word); ``"exact"`` keeps every delta at ``delta_bytes`` and sends ``end_turn``."""

    message_id: str
    model: str
    input_tokens: int
    deltas: int
    delta_bytes: int
    stop_reason: str = "end_turn"


def generated_events(shape: ReplyShape) -> list[bytes]:
    """The rendered SSE events of a generated text reply, one byte string per event."""
    message_id, model, input_tokens, deltas, delta_bytes, stop_reason = shape
    _, cycle = _cycle(delta_bytes)
    head = [
        render_event(message_start_event(message_id, model, start_usage(input_tokens))),
        _BLOCK_START_BYTES,
        _PING_BYTES,
    ]
    tail = [
        _BLOCK_STOP_BYTES,
        render_event(message_delta_event(_wire_stop_reason(stop_reason), None, deltas)),
        _MESSAGE_STOP_BYTES,
    ]
    body = _repeat(cycle, deltas)
    if body and stop_reason == "end_turn":
        body[-1] = _finishing_event(delta_bytes, deltas)
    return head + body + tail


def generated_message(shape: ReplyShape) -> dict[str, Any]:
    """The same reply as one Message, for non-streaming requests."""
    message_id, model, input_tokens, deltas, delta_bytes, stop_reason = shape
    usage = start_usage(input_tokens)
    usage["output_tokens"] = deltas
    return {
        "id": message_id,
        "type": "message",
        "role": "assistant",
        "model": model,
        "content": [
            {"type": "text", "text": generated_text(deltas, delta_bytes, finished=stop_reason == "end_turn")}
        ],
        "stop_reason": _wire_stop_reason(stop_reason),
        "stop_sequence": None,
        "usage": usage,
    }
