"""Shared helpers for the decoder, event and accumulator tests (plain functions, no fixtures)."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from typing import Any

import msgspec

from aclaude._decoders.sse import SSEDecoder
from aclaude.types._events import RawMessageStreamEvent, decode_event


def drop_nulls(obj: Any) -> Any:
    """``obj`` with every null-valued key removed from every object, at any depth.

    ``msgspec.to_builtins`` of our structs omits fields that are ``None`` (``omit_defaults``),
    so this is what a decoded event must encode back to.
    """
    if isinstance(obj, dict):
        return {k: drop_nulls(v) for k, v in obj.items() if v is not None}
    if isinstance(obj, list):
        return [drop_nulls(v) for v in obj]
    return obj


def wire(obj: Any) -> bytes:
    """The JSON bytes the API would send for ``obj`` (compact, UTF-8, non-ASCII kept raw)."""
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def ev(obj: dict[str, Any]) -> RawMessageStreamEvent:
    """Decode a wire dict through the real decoder, as the stream does."""
    return decode_event(wire(obj))


def roundtrip(obj: dict[str, Any]) -> Any:
    return msgspec.to_builtins(ev(obj))


def sse(events: Iterable[tuple[str | None, bytes]], eol: bytes = b"\n") -> bytes:
    """Encode ``(event name or None, data)`` pairs as an event stream with one line ending."""
    out = bytearray()
    for name, data in events:
        if name is not None:
            out += b"event: " + name.encode() + eol
        for line in data.split(b"\n"):
            out += b"data: " + line + eol
        out += eol
    return bytes(out)


def feed_chunks(chunks: Iterable[bytes], decoder: SSEDecoder | None = None) -> list[tuple[str, bytes]]:
    decoder = decoder if decoder is not None else SSEDecoder()
    out: list[tuple[str, bytes]] = []
    for chunk in chunks:
        out.extend(decoder.feed(chunk))
    return out


def split_at(data: bytes, points: Iterable[int]) -> list[bytes]:
    """``data`` cut at the given offsets (sorted, duplicates give empty chunks)."""
    chunks: list[bytes] = []
    prev = 0
    for p in sorted(points):
        chunks.append(data[prev:p])
        prev = p
    chunks.append(data[prev:])
    return chunks


def bytewise(data: bytes) -> list[bytes]:
    return [data[i : i + 1] for i in range(len(data))]


# -- a realistic Messages API stream ---------------------------------------------------------

MESSAGE_ID = "msg_01XFDUDYJgAACzvnptvVoYEL"
MODEL = "claude-sonnet-4-5-20250929"


def message_start(
    content: Sequence[dict[str, Any]] = (), usage: dict[str, Any] | None = None
) -> dict[str, Any]:
    return {
        "type": "message_start",
        "message": {
            "id": MESSAGE_ID,
            "type": "message",
            "role": "assistant",
            "model": MODEL,
            "content": list(content),
            "stop_reason": None,
            "stop_sequence": None,
            "usage": usage
            if usage is not None
            else {
                "input_tokens": 25,
                "cache_creation_input_tokens": 0,
                "cache_read_input_tokens": 0,
                "output_tokens": 1,
                "service_tier": "standard",
            },
        },
    }


def block_start(index: int, block: dict[str, Any]) -> dict[str, Any]:
    return {"type": "content_block_start", "index": index, "content_block": block}


def delta(index: int, d: dict[str, Any]) -> dict[str, Any]:
    return {"type": "content_block_delta", "index": index, "delta": d}


def text_delta(index: int, text: str) -> dict[str, Any]:
    return delta(index, {"type": "text_delta", "text": text})


def json_delta(index: int, partial: str) -> dict[str, Any]:
    return delta(index, {"type": "input_json_delta", "partial_json": partial})


def block_stop(index: int) -> dict[str, Any]:
    return {"type": "content_block_stop", "index": index}


def message_delta(
    stop_reason: str | None = "end_turn", usage: dict[str, Any] | None = None, **extra: Any
) -> dict[str, Any]:
    return {
        "type": "message_delta",
        "delta": {"stop_reason": stop_reason, "stop_sequence": None, **extra},
        "usage": usage if usage is not None else {"output_tokens": 15},
    }


MESSAGE_STOP: dict[str, Any] = {"type": "message_stop"}
PING: dict[str, Any] = {"type": "ping"}


def text_stream(pieces: Sequence[str]) -> list[dict[str, Any]]:
    """The events of a one-text-block answer, as the API sends them (with a ping)."""
    return [
        message_start(),
        block_start(0, {"type": "text", "text": ""}),
        PING,
        *(text_delta(0, p) for p in pieces),
        block_stop(0),
        message_delta(),
        MESSAGE_STOP,
    ]


def sse_of(events: Iterable[dict[str, Any]], eol: bytes = b"\n") -> bytes:
    """The event-stream bytes of wire dicts, named by their type as the API does."""
    return sse(((e["type"], wire(e)) for e in events), eol)
