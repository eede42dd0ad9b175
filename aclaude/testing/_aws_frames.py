"""Encode AWS event-stream frames, as Amazon Bedrock's ``invoke-with-response-stream`` sends them.

The byte layout is the one ``aclaude._decoders.aws_eventstream`` documents (and botocore's
``EventStreamBuffer`` parses): prelude (two lengths and their CRC-32), headers, payload, CRC-32
of the whole frame. ``corrupt=`` flips one bit of either CRC, for tests of the decoder's checks.
"""

from __future__ import annotations

import base64
import struct
import zlib
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

from ._sse_render import encode_json

__all__ = ["Corrupt", "HeaderValue", "chunk_frame", "encode_frame", "error_frame", "exception_frame"]

Corrupt = Literal["prelude", "message"]

_CHUNK_HEADERS = {":event-type": "chunk", ":content-type": "application/json", ":message-type": "event"}


@dataclass(frozen=True)
class HeaderValue:
    """A header value of any wire type: ``type`` (0-9) and its raw value bytes (without the u16
    length that types 6 and 7 carry; it is added)."""

    type: int
    raw: bytes = b""


def _header(name: str, value: str | bytes | bool | int | HeaderValue) -> bytes:
    encoded = name.encode()
    out = bytes([len(encoded)]) + encoded
    if isinstance(value, HeaderValue):
        if value.type in (6, 7):
            return out + bytes([value.type]) + struct.pack(">H", len(value.raw)) + value.raw
        return out + bytes([value.type]) + value.raw
    if isinstance(value, bool):
        return out + bytes([0 if value else 1])
    if isinstance(value, int):
        return out + bytes([4]) + struct.pack(">i", value)
    if isinstance(value, bytes):
        return out + bytes([6]) + struct.pack(">H", len(value)) + value
    raw = value.encode()
    return out + bytes([7]) + struct.pack(">H", len(raw)) + raw


def encode_frame(
    headers: Mapping[str, str | bytes | bool | int | HeaderValue],
    payload: bytes,
    *,
    corrupt: Corrupt | None = None,
) -> bytes:
    """One frame; ``corrupt`` spoils the prelude CRC or the message CRC."""
    raw_headers = b"".join(_header(name, value) for name, value in headers.items())
    total = 12 + len(raw_headers) + len(payload) + 4
    prelude = struct.pack(">II", total, len(raw_headers))
    prelude_crc = zlib.crc32(prelude) ^ (1 if corrupt == "prelude" else 0)
    body = prelude + struct.pack(">I", prelude_crc) + raw_headers + payload
    message_crc = zlib.crc32(body) ^ (1 if corrupt == "message" else 0)
    return body + struct.pack(">I", message_crc)


def chunk_frame(inner: bytes, *, padding: str = "", corrupt: Corrupt | None = None) -> bytes:
    """A ``chunk`` event carrying one Messages API event (its JSON, base64-encoded in ``bytes``);
    Bedrock adds a padding field ``p`` of varying length to every chunk."""
    payload = encode_json({"bytes": base64.b64encode(inner).decode("ascii"), "p": padding})
    return encode_frame(_CHUNK_HEADERS, payload, corrupt=corrupt)


def exception_frame(exception_type: str, message: str, *, extra: Mapping[str, object] | None = None) -> bytes:
    """An ``exception`` frame (``throttlingException``, ``modelStreamErrorException`` ...)."""
    body = {"message": message, **(extra or {})}
    headers = {
        ":exception-type": exception_type,
        ":content-type": "application/json",
        ":message-type": "exception",
    }
    return encode_frame(headers, encode_json(body))


def error_frame(code: str, message: str) -> bytes:
    """An ``error`` frame: the code and message are headers, the payload is empty."""
    headers = {":error-code": code, ":error-message": message, ":message-type": "error"}
    return encode_frame(headers, b"")
