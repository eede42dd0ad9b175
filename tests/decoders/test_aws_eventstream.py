"""The sans-IO AWS event-stream decoder (``aclaude._decoders.aws_eventstream``): Bedrock's stream framing.

Frames come from the testing package's encoder, itself checked against botocore's own parser;
the decoder must give the same events however the bytes are split (hypothesis), check both
CRCs, bound what it buffers, and turn exception frames into API error bodies whose typed error
matches the plain API's.
"""

from __future__ import annotations

import base64
import struct
import zlib
from typing import Any

import msgspec
import pytest
from _helpers import MESSAGE_STOP, split_at, text_stream, wire
from hypothesis import given, settings
from hypothesis import strategies as st

import aclaude
from aclaude._decoders.aws_eventstream import (
    AWSEventStreamDecoder,
    AWSEventStreamError,
    error_type_for_exception,
)
from aclaude._decoders.sse import SSEError
from aclaude._exceptions import error_for_stream_event
from aclaude.testing._aws_frames import (
    HeaderValue,
    chunk_frame,
    encode_frame,
    error_frame,
    exception_frame,
)
from aclaude.types._events import ErrorEvent, decode_event

EVENTS = text_stream(["Hello", " wörld", " ✓", "!"])
INNER = [wire(e) for e in EVENTS]
FRAMES = [chunk_frame(data, padding="p" * (i % 7)) for i, data in enumerate(INNER)]
STREAM = b"".join(FRAMES)


def decode_all(chunks: list[bytes], decoder: AWSEventStreamDecoder | None = None) -> list[tuple[str, bytes]]:
    decoder = decoder or AWSEventStreamDecoder()
    out: list[tuple[str, bytes]] = []
    for chunk in chunks:
        out.extend(decoder.feed(chunk))
    assert decoder.close() is False
    return out


def error_of(data: bytes) -> aclaude.APIStatusError:
    """The typed error the stream raises for an ``("error", data)`` pair."""
    event = decode_event(data)
    assert isinstance(event, ErrorEvent)
    return error_for_stream_event(msgspec.to_builtins(event))


# -- the encoder is the real format --------------------------------------------------------------


def test_encoder_matches_botocore_parser() -> None:
    eventstream = pytest.importorskip("botocore.eventstream")
    buffer = eventstream.EventStreamBuffer()
    buffer.add_data(STREAM + exception_frame("throttlingException", "Too many requests"))
    messages = list(buffer)
    assert len(messages) == len(FRAMES) + 1
    for message, inner in zip(messages, INNER, strict=False):
        assert message.headers[":message-type"] == "event"
        assert message.headers[":event-type"] == "chunk"
        assert base64.b64decode(msgspec.json.decode(message.payload)["bytes"]) == inner
    assert messages[-1].headers[":exception-type"] == "throttlingException"


# -- decoding ------------------------------------------------------------------------------------


def test_whole_stream_in_one_chunk() -> None:
    assert decode_all([STREAM]) == [("chunk", data) for data in INNER]


def test_byte_at_a_time() -> None:
    assert decode_all([STREAM[i : i + 1] for i in range(len(STREAM))]) == [("chunk", d) for d in INNER]


def test_each_frame_alone_and_empty_feeds() -> None:
    decoder = AWSEventStreamDecoder()
    assert decoder.feed(b"") == []
    for frame, data in zip(FRAMES, INNER, strict=True):
        assert decoder.feed(frame) == [("chunk", data)]
        assert decoder.feed(b"") == []
    assert decoder.frames_decoded == len(FRAMES)
    assert decoder.close() is False


@settings(max_examples=300, deadline=None)
@given(st.lists(st.integers(min_value=0, max_value=len(STREAM)), max_size=40))
def test_split_invariance(points: list[int]) -> None:
    """Any split of the bytes gives the same events (the pieces may be empty)."""
    assert decode_all(split_at(STREAM, points)) == [("chunk", data) for data in INNER]


@settings(max_examples=100, deadline=None)
@given(st.binary(max_size=300), st.integers(min_value=0, max_value=40), st.data())
def test_arbitrary_payloads_round_trip(inner: bytes, padding: int, data: st.DataObject) -> None:
    frames = chunk_frame(inner, padding="x" * padding) * 3
    points = data.draw(st.lists(st.integers(min_value=0, max_value=len(frames)), max_size=10))
    assert decode_all(split_at(frames, points)) == [("chunk", inner)] * 3


def test_unknown_event_types_are_skipped_and_every_header_type_is_parsed() -> None:
    headers: dict[str, Any] = {
        ":message-type": "event",
        ":event-type": "metrics",  # not a chunk: skipped, for forward compatibility
        "true": True,
        "false": False,
        "byte": HeaderValue(2, b"\x01"),
        "short": HeaderValue(3, b"\x00\x02"),
        "int": 7,
        "long": HeaderValue(5, b"\x00" * 8),
        "bytes": b"\x00\xff",
        "timestamp": HeaderValue(8, b"\x00" * 8),
        "uuid": HeaderValue(9, b"u" * 16),
    }
    stream = encode_frame(headers, b"{}") + FRAMES[0]
    assert decode_all([stream]) == [("chunk", INNER[0])]
    # The same headers, typed, on a chunk frame: the strings are what count.
    chunk = encode_frame({**headers, ":event-type": "chunk"}, msgspec.json.encode({"bytes": "e30="}))
    assert decode_all([chunk]) == [("chunk", b"{}")]


def test_close_reports_an_unfinished_frame() -> None:
    decoder = AWSEventStreamDecoder()
    assert decoder.feed(STREAM[:-3]) == [("chunk", d) for d in INNER[:-1]]
    assert decoder.close() is True
    decoder = AWSEventStreamDecoder()
    decoder.feed(FRAMES[0][:5])  # not even a whole prelude
    assert decoder.close() is True


# -- corruption ----------------------------------------------------------------------------------


def test_prelude_crc_is_checked_as_soon_as_the_prelude_arrives() -> None:
    bad = chunk_frame(INNER[0], corrupt="prelude")
    decoder = AWSEventStreamDecoder()
    assert decoder.feed(bad[:11]) == []
    with pytest.raises(AWSEventStreamError, match="prelude CRC mismatch in frame 0"):
        decoder.feed(bad[11:12])  # the 12th byte completes the prelude: no waiting for the rest


def test_message_crc_is_checked() -> None:
    bad = chunk_frame(INNER[0], corrupt="message")
    with pytest.raises(AWSEventStreamError, match="message CRC mismatch in frame 0"):
        AWSEventStreamDecoder().feed(bad)


def test_a_flipped_payload_byte_fails_the_message_crc() -> None:
    frame = bytearray(FRAMES[1])
    frame[len(frame) // 2] ^= 0x20
    with pytest.raises(AWSEventStreamError, match="message CRC"):
        decode_all([bytes(frame)])


@pytest.mark.parametrize("kind", ["prelude", "message"])
@pytest.mark.parametrize("split", [None, 1, 5])
def test_frames_before_a_corrupt_one_are_delivered_first(kind: str, split: int | None) -> None:
    frames = [*FRAMES[:3], chunk_frame(INNER[3], corrupt=kind), *FRAMES[4:]]  # type: ignore[arg-type]
    body = b"".join(frames)
    chunks = [body] if split is None else [body[i : i + split] for i in range(0, len(body), split)]
    decoder = AWSEventStreamDecoder()
    out: list[tuple[str, bytes]] = []
    with pytest.raises(AWSEventStreamError, match=f"{kind} CRC mismatch in frame 3"):
        for chunk in chunks:
            out.extend(decoder.feed(chunk))
        decoder.close()
    assert out == [("chunk", d) for d in INNER[:3]]


def test_errors_are_sse_errors() -> None:
    """The stream maps SSEError to APIResponseValidationError: so does it for these."""
    assert issubclass(AWSEventStreamError, SSEError)


def _prelude(total: int, headers_length: int) -> bytes:
    head = struct.pack(">II", total, headers_length)
    return head + struct.pack(">I", zlib.crc32(head))


def test_oversized_frame_is_refused_from_its_prelude() -> None:
    decoder = AWSEventStreamDecoder(max_event_bytes=1024)
    with pytest.raises(AWSEventStreamError, match="exceeds the limit"):
        decoder.feed(_prelude(1 << 30, 0))  # 1 GiB announced: refused before any of it is held


def test_frame_over_the_cap_with_all_its_bytes() -> None:
    big = chunk_frame(b'"' + b"x" * 5000 + b'"')
    with pytest.raises(AWSEventStreamError, match="exceeds the limit"):
        AWSEventStreamDecoder(max_frame_bytes=4096).feed(big)


def test_inner_event_over_max_event_bytes() -> None:
    inner = b'"' + b"x" * 3000 + b'"'
    decoder = AWSEventStreamDecoder(max_event_bytes=2048, max_frame_bytes=1 << 20)
    with pytest.raises(AWSEventStreamError, match="event data exceeds 2048 bytes"):
        decoder.feed(chunk_frame(inner))


def test_default_frame_cap_admits_a_max_size_event() -> None:
    inner = b'"' + b"y" * (64 * 1024 - 2) + b'"'
    decoder = AWSEventStreamDecoder(max_event_bytes=64 * 1024)
    assert decoder.feed(chunk_frame(inner)) == [("chunk", inner)]


@pytest.mark.parametrize(("total", "headers_length"), [(15, 0), (0, 0), (20, 5)])
def test_impossible_lengths(total: int, headers_length: int) -> None:
    with pytest.raises(AWSEventStreamError, match="invalid frame lengths"):
        AWSEventStreamDecoder().feed(_prelude(total, headers_length) + b"\x00" * 16)


def test_buffer_stays_bounded_while_a_frame_trickles_in() -> None:
    decoder = AWSEventStreamDecoder(max_event_bytes=1024)
    frame = chunk_frame(b'"' + b"z" * 900 + b'"')
    for i in range(len(frame) - 1):
        assert decoder.feed(frame[i : i + 1]) == []
    assert decoder.feed(frame[-1:]) == [("chunk", b'"' + b"z" * 900 + b'"')]


@pytest.mark.parametrize(
    "payload",
    [b"not json", b'{"bytes": "!!not base64!!"}', b'{"bytes": 12}', b'{"other": "e30="}', b"[]"],
    ids=["not-json", "bad-base64", "not-a-string", "no-bytes-field", "not-an-object"],
)
def test_malformed_chunk_payload(payload: bytes) -> None:
    frame = encode_frame({":message-type": "event", ":event-type": "chunk"}, payload)
    with pytest.raises(AWSEventStreamError, match="chunk payload"):
        AWSEventStreamDecoder().feed(frame)


@pytest.mark.parametrize(
    "raw_headers",
    [
        b"\x05:mess",  # the name runs off the end
        b"\x01a\x07\x00\x10abc",  # the string value runs off the end
        b"\x01a\x0e",  # unknown value type 14
        b"\x01a\x07\x00\x02\xff\xfe",  # not UTF-8
    ],
    ids=["name-overrun", "value-overrun", "unknown-type", "bad-utf8"],
)
def test_malformed_headers(raw_headers: bytes) -> None:
    total = 12 + len(raw_headers) + 4
    head = struct.pack(">II", total, len(raw_headers))
    body = head + struct.pack(">I", zlib.crc32(head)) + raw_headers
    frame = body + struct.pack(">I", zlib.crc32(body))
    with pytest.raises(AWSEventStreamError, match="header"):
        AWSEventStreamDecoder().feed(frame)


def test_missing_or_unknown_message_type() -> None:
    with pytest.raises(AWSEventStreamError, match="unknown :message-type None"):
        AWSEventStreamDecoder().feed(encode_frame({":event-type": "chunk"}, b"{}"))
    with pytest.raises(AWSEventStreamError, match="'weird'"):
        AWSEventStreamDecoder().feed(encode_frame({":message-type": "weird"}, b"{}"))


# -- exception and error frames -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("exception", "error_type", "cls", "status"),
    [
        ("throttlingException", "rate_limit_error", aclaude.RateLimitError, 429),
        ("serviceUnavailableException", "overloaded_error", aclaude.OverloadedError, 529),
        ("modelTimeoutException", "timeout_error", aclaude.GatewayTimeoutError, 504),
        ("internalServerException", "api_error", aclaude.InternalServerError, 500),
        ("modelStreamErrorException", "api_error", aclaude.InternalServerError, 500),
        ("validationException", "invalid_request_error", aclaude.BadRequestError, 400),
        ("accessDeniedException", "permission_error", aclaude.PermissionDeniedError, 403),
        ("somethingNewException", "api_error", aclaude.InternalServerError, 500),
    ],
)
def test_exception_frames_become_typed_errors(
    exception: str, error_type: str, cls: type[aclaude.APIStatusError], status: int
) -> None:
    frames = FRAMES[0] + exception_frame(exception, "it went wrong")
    events = decode_all([frames])
    assert events[0] == ("chunk", INNER[0])
    name, data = events[1]
    assert name == "error"
    error = error_of(data)
    assert type(error) is cls
    assert (error.status_code, error.type) == (status, error_type)
    assert f"{exception}: it went wrong" in str(error)
    assert error_type_for_exception(exception[0].upper() + exception[1:]) == error_type


def test_model_stream_error_uses_the_quoted_api_error() -> None:
    quoted = '{"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}'
    frame = exception_frame(
        "modelStreamErrorException",
        "Model stream error",
        extra={"originalStatusCode": 529, "originalMessage": quoted},
    )
    [(name, data)] = decode_all([frame])
    assert name == "error"
    assert type(error_of(data)) is aclaude.OverloadedError


def test_model_stream_error_uses_the_quoted_status() -> None:
    frame = exception_frame("modelStreamErrorException", "x", extra={"originalStatusCode": 429})
    [(_, data)] = decode_all([frame])
    assert type(error_of(data)) is aclaude.RateLimitError


def test_exception_frame_with_non_json_payload() -> None:
    frame = encode_frame(
        {":message-type": "exception", ":exception-type": "internalServerException"}, b"oops"
    )
    [(name, data)] = decode_all([frame])
    assert name == "error" and "internalServerException: oops" in str(error_of(data))


def test_error_frames() -> None:
    [(name, data)] = decode_all([error_frame("InternalFailure", "Something broke")])
    assert name == "error"
    error = error_of(data)
    assert type(error) is aclaude.InternalServerError
    assert "InternalFailure: Something broke" in str(error)


def test_exception_then_more_frames_keeps_decoding() -> None:
    """The decoder reports; the stream decides to stop (it raises on the error event)."""
    stream = exception_frame("throttlingException", "slow") + FRAMES[0] + chunk_frame(wire(MESSAGE_STOP))
    assert [name for name, _ in decode_all([stream])] == ["error", "chunk", "chunk"]
