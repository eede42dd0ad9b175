"""Sans-IO decoder for the AWS event-stream binary framing (``application/vnd.amazon.eventstream``).

Amazon Bedrock's ``invoke-with-response-stream`` answers in this format instead of SSE. Each
frame ("message" in AWS terms) is, with big-endian integers::

    total_length u32 | headers_length u32 | prelude_crc u32 | headers | payload | message_crc u32

``prelude_crc`` is the CRC-32 of the first 8 bytes, ``message_crc`` the CRC-32 of everything
before it. A header is ``name_length u8 | name | value_type u8 | value`` (type 7 is a string with
a u16 length). Bedrock sends three kinds of frames, told apart by the ``:message-type`` header:

* ``event`` with ``:event-type: chunk``: the payload is ``{"bytes": "<base64>"}`` (plus padding
  fields) and the base64 holds one Messages API stream event as JSON;
* ``exception`` with ``:exception-type`` (``throttlingException`` ...): ``{"message": "..."}``;
* ``error`` with ``:error-code`` and ``:error-message`` headers.

Strategy
--------
Like ``_sse.SSEDecoder`` (same interface: ``feed(bytes) -> [(event_type, data)]``, ``close() ->
bool``), the decoder is fed raw bytes split anywhere and returns what they complete. Bytes wait
in one ``bytearray``; a frame is parsed only once all of it arrived, so a frame trickling in
tiny pieces costs linear time. Its length is known from the 12-byte prelude, which is checked
(CRC, sane lengths, the size cap) as soon as it arrives: a corrupted length never makes the
decoder wait for, or buffer, gigabytes. Both CRCs are always checked (``zlib.crc32``, in C).

A chunk frame yields ``("chunk", inner_json)``: the inner JSON is exactly what the plain API
puts in an SSE ``data:`` field, so it goes through the same typed-event decoding and
``MessageStream`` path. Exception and error frames yield ``("error", body)`` where ``body`` is an
API error body (``{"type": "error", "error": {"type": "rate_limit_error", ...}}``), so the
stream raises the same typed error (``RateLimitError`` ...) and gets the same retry rules as an
``event: error`` from the API. Framing errors raise ``AWSEventStreamError`` (an ``SSEError``:
the stream reports it as ``APIResponseValidationError``).
"""

from __future__ import annotations

import struct
import zlib
from typing import Any

import msgspec

from .sse import DEFAULT_MAX_EVENT_BYTES, SSEError

__all__ = ["AWSEventStreamDecoder", "AWSEventStreamError", "error_type_for_exception"]

_PRELUDE = struct.Struct(">III")
_PRELUDE_BYTES = 12
_CRC_BYTES = 4
_MIN_FRAME = _PRELUDE_BYTES + _CRC_BYTES
#: AWS's own limit on the headers of one frame.
_MAX_HEADERS_BYTES = 128 * 1024

# Sizes of the fixed-width header value types (0/1: booleans with no value bytes; 2 byte,
# 3 short, 4 int, 5 long, 8 timestamp, 9 uuid). 6 (bytes) and 7 (string) have a u16 length.
_FIXED_VALUE_SIZES = {0: 0, 1: 0, 2: 1, 3: 2, 4: 4, 5: 8, 8: 8, 9: 16}

# Bedrock exception types (frames say ``throttlingException``, HTTP errors
# ``ThrottlingException``; compared lower-cased) -> the API error type with the same meaning,
# so that the class of the raised error and the retry decision match the plain API's.
_EXCEPTION_ERROR_TYPES = {
    "throttlingexception": "rate_limit_error",
    "servicequotaexceededexception": "rate_limit_error",
    "serviceunavailableexception": "overloaded_error",
    "modelnotreadyexception": "overloaded_error",
    "modeltimeoutexception": "timeout_error",
    "internalserverexception": "api_error",
    "modelstreamerrorexception": "api_error",
    "modelerrorexception": "api_error",
    "validationexception": "invalid_request_error",
    "accessdeniedexception": "permission_error",
    "resourcenotfoundexception": "not_found_error",
}
# An upstream HTTP status quoted by a modelStreamErrorException (``originalStatusCode``).
_STATUS_ERROR_TYPES = {
    400: "invalid_request_error",
    401: "authentication_error",
    403: "permission_error",
    404: "not_found_error",
    413: "request_too_large",
    429: "rate_limit_error",
    500: "api_error",
    503: "overloaded_error",
    504: "timeout_error",
    529: "overloaded_error",
}


class AWSEventStreamError(SSEError):
    """The bytes are not a valid AWS event stream (CRC mismatch, bad lengths, oversized frame,
    malformed headers or chunk payload)."""


class _Chunk(msgspec.Struct):
    # msgspec decodes a base64 string into ``bytes`` itself (in C); other fields are ignored.
    data: bytes = msgspec.field(name="bytes")


# Every decode below also catches RecursionError: msgspec's answer to JSON nested deeper than
# about 1,000 levels, which a few KB from a hostile peer can be.
_decode_chunk = msgspec.json.Decoder(_Chunk).decode
_decode_any = msgspec.json.Decoder().decode
_encode = msgspec.json.Encoder().encode


def error_type_for_exception(exception_type: str) -> str:
    """The API error type (``rate_limit_error`` ...) a Bedrock exception type stands for."""
    return _EXCEPTION_ERROR_TYPES.get(exception_type.lower(), "api_error")


def _error_body(exception_type: str, payload: Any) -> bytes:
    """An API error body for an exception frame: the type mapped, the AWS name in the message."""
    message = ""
    error_type = error_type_for_exception(exception_type)
    if isinstance(payload, dict):
        text = payload.get("message", payload.get("Message"))
        if isinstance(text, str):
            message = text
        # modelStreamErrorException quotes what the model endpoint said; its type is the best
        # guide to what happened (an overloaded model is retryable, a bad request is not).
        original = payload.get("originalMessage")
        quoted: Any = None
        if isinstance(original, str):
            try:
                quoted = _decode_any(original)
            except (msgspec.DecodeError, UnicodeDecodeError, RecursionError):
                quoted = None
        inner = quoted.get("error") if isinstance(quoted, dict) else None
        if isinstance(inner, dict) and isinstance(inner.get("type"), str):
            error_type = inner["type"]
        elif isinstance(payload.get("originalStatusCode"), int):
            error_type = _STATUS_ERROR_TYPES.get(payload["originalStatusCode"], error_type)
    text = f"{exception_type}: {message}" if message else exception_type
    return _encode({"type": "error", "error": {"type": error_type, "message": text}})


class AWSEventStreamDecoder:
    """Incremental AWS event-stream decoder: ``feed(bytes) -> [(event_type, data), ...]``.

    ``event_type`` is ``"chunk"`` (``data``: the inner Messages API event JSON) or ``"error"``
    (``data``: an API error body made from an exception or error frame). Frames of other event
    types are skipped. ``max_event_bytes`` caps one inner event; ``max_frame_bytes`` one frame
    (by default what such an event needs once base64-encoded, plus the headers).
    """

    #: The media type of the bodies this decoder reads (a stream checks its response's).
    CONTENT_TYPE = "application/vnd.amazon.eventstream"

    __slots__ = (
        "_buffer",
        "_error",
        "_last_headers",
        "_last_raw_headers",
        "_max_event_bytes",
        "_max_frame_bytes",
        "frames_decoded",
    )

    def __init__(
        self, *, max_event_bytes: int = DEFAULT_MAX_EVENT_BYTES, max_frame_bytes: int | None = None
    ) -> None:
        self._max_event_bytes = max_event_bytes
        if max_frame_bytes is None:
            max_frame_bytes = (max_event_bytes + 2) // 3 * 4 + _MAX_HEADERS_BYTES + 1024
        self._max_frame_bytes = max_frame_bytes
        self._buffer = bytearray()
        # Every chunk frame carries the same headers: parse them once, compare bytes after.
        self._last_raw_headers = b""
        self._last_headers: dict[str, str] = {}
        # A framing error found after good frames of the same chunk: those are returned first,
        # the error is raised by the next call, so every frame before a bad one is delivered.
        self._error: AWSEventStreamError | None = None
        self.frames_decoded = 0

    def feed(self, chunk: bytes) -> list[tuple[str, bytes]]:
        """Consume ``chunk`` (any size, split anywhere) and return the events it completed."""
        if self._error is not None:
            raise self._error
        buffer = self._buffer
        buffer += chunk
        out: list[tuple[str, bytes]] = []
        size = len(buffer)
        pos = 0
        try:
            while size - pos >= _PRELUDE_BYTES:
                total, headers_length = self._check_prelude(buffer, pos)
                end = pos + total
                if end > size:
                    break  # the rest of this frame has not arrived yet
                expected = int.from_bytes(buffer[end - _CRC_BYTES : end], "big")
                with memoryview(buffer) as view:
                    actual = zlib.crc32(view[pos : end - _CRC_BYTES])
                if actual != expected:
                    raise AWSEventStreamError(
                        f"AWS event stream: message CRC mismatch in frame {self.frames_decoded} "
                        f"(expected {expected:#010x}, computed {actual:#010x}): the stream is corrupted"
                    )
                start = pos + _PRELUDE_BYTES
                raw_headers = bytes(buffer[start : start + headers_length])
                payload = bytes(buffer[start + headers_length : end - _CRC_BYTES])
                pos = end
                self.frames_decoded += 1
                event = self._event(self._headers(raw_headers), payload)
                if event is not None:
                    out.append(event)
        except AWSEventStreamError as exc:
            if not out:
                raise
            self._error = exc
            self._buffer = bytearray()
            return out
        finally:
            if pos:
                del buffer[:pos]
        return out

    def close(self) -> bool:
        """Signal end of input. Returns True if an unfinished frame was discarded."""
        if self._error is not None:
            raise self._error
        had_partial = bool(self._buffer)
        self._buffer = bytearray()
        return had_partial

    # -- internals ---------------------------------------------------------------------------

    def _check_prelude(self, buffer: bytearray, pos: int) -> tuple[int, int]:
        total, headers_length, crc = _PRELUDE.unpack_from(buffer, pos)
        actual = zlib.crc32(buffer[pos : pos + 8])
        if actual != crc:
            raise AWSEventStreamError(
                f"AWS event stream: prelude CRC mismatch in frame {self.frames_decoded} "
                f"(expected {crc:#010x}, computed {actual:#010x}): the stream is corrupted"
            )
        if total < _MIN_FRAME or headers_length > total - _MIN_FRAME:
            raise AWSEventStreamError(
                f"AWS event stream: invalid frame lengths (total {total}, headers {headers_length})"
            )
        if total > self._max_frame_bytes or headers_length > _MAX_HEADERS_BYTES:
            raise AWSEventStreamError(
                f"AWS event stream: frame of {total} bytes exceeds the limit of {self._max_frame_bytes} bytes"
            )
        return total, headers_length

    def _headers(self, raw: bytes) -> dict[str, str]:
        if raw == self._last_raw_headers:
            return self._last_headers
        headers = _parse_headers(raw)
        self._last_raw_headers = raw
        self._last_headers = headers
        return headers

    def _event(self, headers: dict[str, str], payload: bytes) -> tuple[str, bytes] | None:
        message_type = headers.get(":message-type")
        if message_type == "event":
            event_type = headers.get(":event-type", "")
            if event_type != "chunk":
                return None  # an event type this client does not know: skipped
            try:
                data = _decode_chunk(payload).data
            except (msgspec.DecodeError, UnicodeDecodeError, RecursionError) as exc:
                raise AWSEventStreamError(
                    f"AWS event stream: chunk payload is not JSON with a base64 'bytes' field: {exc}"
                ) from exc
            if len(data) > self._max_event_bytes:
                raise AWSEventStreamError(f"event data exceeds {self._max_event_bytes} bytes")
            return "chunk", data
        if message_type == "exception":
            try:
                body: Any = _decode_any(payload) if payload else None
            except (msgspec.DecodeError, UnicodeDecodeError, RecursionError):
                body = {"message": payload[:1024].decode("utf-8", "replace")}
            return "error", _error_body(headers.get(":exception-type", "UnknownException"), body)
        if message_type == "error":
            code = headers.get(":error-code", "UnknownError")
            return "error", _error_body(code, {"message": headers.get(":error-message", "")})
        raise AWSEventStreamError(f"AWS event stream: unknown :message-type {message_type!r}")


def _parse_headers(raw: bytes) -> dict[str, str]:
    """The string-valued headers of one frame (values of other types are checked and skipped)."""
    headers: dict[str, str] = {}
    pos = 0
    end = len(raw)
    try:
        while pos < end:
            name_length = raw[pos]
            name = raw[pos + 1 : pos + 1 + name_length].decode("utf-8")
            pos += 1 + name_length
            value_type = raw[pos]
            pos += 1
            if value_type == 7 or value_type == 6:
                value_length = int.from_bytes(raw[pos : pos + 2], "big")
                pos += 2
                if pos + value_length > end:
                    break
                if value_type == 7:
                    headers[name] = raw[pos : pos + value_length].decode("utf-8")
                pos += value_length
            else:
                fixed = _FIXED_VALUE_SIZES.get(value_type)
                if fixed is None:
                    raise AWSEventStreamError(f"AWS event stream: unknown header value type {value_type}")
                pos += fixed
    except IndexError:
        pos = end + 1  # ran off the end: reported below
    except UnicodeDecodeError as exc:
        raise AWSEventStreamError(f"AWS event stream: header is not valid UTF-8: {exc}") from exc
    if pos != end:
        raise AWSEventStreamError("AWS event stream: malformed frame headers")
    return headers
