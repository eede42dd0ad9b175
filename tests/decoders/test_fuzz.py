"""Fuzzing every decoder with random and mutated bytes: only aclaude's errors may come out.

The decoders are sans-IO, so hypothesis drives them directly: the SSE decoder, the JSON Lines
decoder with the batch-result line decoder behind it, the AWS event-stream decoder, and the
typed event decoding (``decode_event``) with the accumulator that builds a message from the
events. Inputs: arbitrary bytes split anywhere, real recorded streams with bytes flipped,
inserted or cut, JSON of arbitrary shape under every known event type, and nesting deeper than
msgspec's recursion limit.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from aclaude._decoders.aws_eventstream import AWSEventStreamDecoder, AWSEventStreamError
from aclaude._decoders.jsonl import JSONLDecoder
from aclaude._decoders.sse import SSEDecoder, SSEError
from aclaude._exceptions import APIResponseValidationError
from aclaude.streaming._accumulate import AccumulatorState, accumulate, materialize
from aclaude.testing._aws_frames import chunk_frame, encode_frame, exception_frame
from aclaude.types._batches import decode_result_line
from aclaude.types._events import decode_event

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
RECORDED = [path.read_bytes() for path in sorted(FIXTURES.glob("*.sse"))]
EVENT_TYPES = [
    "message_start",
    "content_block_start",
    "content_block_delta",
    "content_block_stop",
    "message_delta",
    "message_stop",
    "ping",
    "error",
    "not_a_type_yet",
]
BLOCK_TYPES = ["text", "thinking", "tool_use", "server_tool_use", "redacted_thinking", "image", "zz"]
DELTA_TYPES = ["text_delta", "input_json_delta", "thinking_delta", "signature_delta", "citations_delta", "zz"]

SETTINGS = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _splits(data: bytes, cuts: list[int]) -> list[bytes]:
    points = sorted({c % (len(data) + 1) for c in cuts})
    pieces, last = [], 0
    for point in points:
        pieces.append(data[last:point])
        last = point
    pieces.append(data[last:])
    return pieces


@st.composite
def mutated(draw: st.DrawFn, originals: list[bytes]) -> bytes:
    """A recorded input with a few bytes flipped, inserted, deleted or the tail cut."""
    data = bytearray(draw(st.sampled_from(originals)))
    for _ in range(draw(st.integers(0, 8))):
        if not data:
            break
        at = draw(st.integers(0, len(data) - 1))
        op = draw(st.sampled_from(["flip", "insert", "delete", "cut"]))
        if op == "flip":
            data[at] ^= 1 << draw(st.integers(0, 7))
        elif op == "insert":
            data[at:at] = draw(st.binary(min_size=1, max_size=8))
        elif op == "delete":
            del data[at]
        else:
            del data[at:]
    return bytes(data)


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=12,
)


@st.composite
def event_like(draw: st.DrawFn) -> bytes:
    """JSON shaped like an event (known and unknown types) with any value in any field."""
    fields = ["index", "message", "content_block", "delta", "usage", "error", "citations", "content"]
    obj: dict[str, Any] = {"type": draw(st.sampled_from(EVENT_TYPES))}
    for name in draw(st.lists(st.sampled_from(fields), max_size=4, unique=True)):
        obj[name] = draw(json_values)
    if draw(st.booleans()):
        inner = {"type": draw(st.sampled_from(BLOCK_TYPES + DELTA_TYPES))}
        names = st.sampled_from(["text", "citations", "input", "partial_json", "id"])
        for name in draw(st.lists(names, max_size=3)):
            inner[name] = draw(json_values)
        obj[draw(st.sampled_from(["content_block", "delta"]))] = inner
        obj.setdefault("index", draw(st.integers(-2, 3)))
    if draw(st.integers(0, 9)) == 0:
        return json.dumps(obj)[:-1].encode() + b',"deep":' + b"[" * 3000 + b"]" * 3000 + b"}"
    return json.dumps(obj).encode()


def _events_of(stream: bytes) -> list[bytes]:
    decoder = SSEDecoder()
    try:
        return [data for _name, data in decoder.feed(stream)]
    except SSEError:
        return []


RECORDED_EVENTS = [data for stream in RECORDED for data in _events_of(stream)]


def _decode_all(datas: list[bytes]) -> None:
    """Decode events and build a message from them, as the stream helpers do."""
    state = AccumulatorState()
    for data in datas:
        try:
            accumulate(state, decode_event(data))
        except APIResponseValidationError:
            continue
    try:
        materialize(state)
    except APIResponseValidationError:
        pass


@SETTINGS
@given(data=st.binary(max_size=2048) | mutated(RECORDED), cuts=st.lists(st.integers(0, 4096), max_size=6))
def test_sse_decoder_raises_only_sse_errors(data: bytes, cuts: list[int]) -> None:
    decoder = SSEDecoder(max_event_bytes=512)
    try:
        for piece in _splits(data, cuts):
            decoder.feed(piece)
        decoder.close()
    except SSEError:
        pass


@SETTINGS
@given(data=st.binary(max_size=2048) | mutated(RECORDED_EVENTS) | event_like())
def test_event_decoding_raises_only_validation_errors(data: bytes) -> None:
    try:
        decode_event(data)
    except APIResponseValidationError:
        pass


@SETTINGS
@given(
    datas=st.lists(
        st.sampled_from(RECORDED_EVENTS) | mutated(RECORDED_EVENTS) | event_like(), max_size=12
    )
)
def test_accumulating_any_events_raises_only_validation_errors(datas: list[bytes]) -> None:
    _decode_all(datas)


@st.composite
def result_lines(draw: st.DrawFn) -> bytes:
    line: dict[str, Any] = {"custom_id": draw(st.text(max_size=4) | st.integers())}
    line["result"] = draw(
        json_values
        | st.fixed_dictionaries(
            {"type": st.sampled_from(["succeeded", "errored", "canceled", "expired", "zz"])},
            optional={"message": json_values, "error": json_values},
        )
    )
    raw = json.dumps(line).encode()
    if draw(st.integers(0, 9)) == 0:
        raw = raw[:-1] + b',"deep":' + b"[" * 3000 + b"]" * 3000 + b"}"
    return raw


@SETTINGS
@given(
    lines=st.lists(st.binary(max_size=200) | result_lines(), max_size=6),
    noise=st.binary(max_size=64),
    cuts=st.lists(st.integers(0, 4096), max_size=6),
)
def test_jsonl_and_result_lines_raise_only_aclaude_errors(
    lines: list[bytes], noise: bytes, cuts: list[int]
) -> None:
    body = b"\n".join(lines) + noise
    decoder = JSONLDecoder(max_line_bytes=16 * 1024)
    try:
        for piece in _splits(body, cuts):
            for number, line in decoder.feed(piece):
                decode_result_line(line, number)
        last = decoder.close()
        if last is not None:
            decode_result_line(last[1], last[0])
    except APIResponseValidationError:  # JSONLDecodeError is one
        pass


AWS_FRAMES = [
    chunk_frame(data) for data in RECORDED_EVENTS[:20]
] + [
    exception_frame("throttlingException", "slow down"),
    exception_frame("modelStreamErrorException", "x", extra={"originalMessage": "[" * 3000}),
]


@SETTINGS
@given(
    data=st.binary(max_size=2048)
    | mutated([b"".join(AWS_FRAMES[i : i + 3]) for i in range(0, len(AWS_FRAMES), 3)]),
    cuts=st.lists(st.integers(0, 4096), max_size=6),
)
def test_aws_eventstream_decoder_raises_only_its_errors(data: bytes, cuts: list[int]) -> None:
    decoder = AWSEventStreamDecoder(max_event_bytes=4096)
    try:
        for piece in _splits(data, cuts):
            for _kind, payload in decoder.feed(piece):
                try:
                    decode_event(payload)
                except APIResponseValidationError:
                    pass
        decoder.close()
    except AWSEventStreamError:
        pass


def test_aws_payloads_nested_too_deep_are_typed_errors() -> None:
    deep = b"[" * 50_000 + b"]" * 50_000  # too deep on every supported Python (3.13 decodes 5,000)

    frames = [
        encode_frame({":message-type": "event", ":event-type": "chunk"}, b'{"x":' + deep + b',"bytes":""}'),
        encode_frame({":message-type": "exception", ":exception-type": "x"}, deep),
    ]
    errors = []
    for frame in frames:
        try:
            AWSEventStreamDecoder().feed(frame)
        except AWSEventStreamError as exc:
            errors.append(exc)
    assert len(errors) == 1  # the chunk; the exception frame's unparseable body becomes its message
