"""Sans-IO decoder for JSON Lines (one JSON document per line), as batch results are served.

Strategy (the same as ``_sse``): the decoder is fed raw bytes as they arrive and hands back
complete lines with their line numbers; it never touches a socket, so it is tested byte by byte
and memory stays bounded by the longest line, whatever the size of the file.

* Only LF ends a line; a CR before it is dropped (CRLF files). A CR alone is an ordinary byte:
  JSON never contains a raw CR or LF outside whitespace, so nothing else can end a record.
* Lines are returned as ``bytes``: msgspec validates UTF-8 while decoding the JSON, so each line
  is decoded exactly once (a multi-byte character split across chunks simply waits in the
  partial-line buffer).
* A partial line is kept as a list of pieces and joined when its LF arrives (linear, not
  quadratic, for a long line trickling in small chunks), and its size is capped: a broken or
  hostile peer gets a clear ``JSONLDecodeError`` naming the line, never unbounded memory.
* Blank lines (whitespace only) are skipped but counted, so line numbers in errors match what
  ``sed -n Np`` shows in the file. A last line without a final LF is returned by ``close()``.
"""

from __future__ import annotations

from .._exceptions import JSONLDecodeError

__all__ = ["DEFAULT_MAX_LINE_BYTES", "JSONLDecodeError", "JSONLDecoder"]

#: One batch result holds one Message: far below this even at the largest output sizes.
DEFAULT_MAX_LINE_BYTES = 64 * 1024 * 1024

_WHITESPACE = b" \t\r\n"

#: Blank lines in a row, in bytes, that end the file with an error: a results file has none, and
#: a body of endless blank lines would otherwise keep a CPU busy without a result.
MAX_BLANK_BYTES = 1024 * 1024


class JSONLDecoder:
    """``feed(bytes) -> [(line_number, line)]``; ``close() -> (line_number, line) | None``."""

    __slots__ = ("_blank", "_line_number", "_max_line_bytes", "_pending", "_pending_size")

    def __init__(self, *, max_line_bytes: int = DEFAULT_MAX_LINE_BYTES) -> None:
        if max_line_bytes < 1:
            raise ValueError("max_line_bytes must be >= 1")
        self._max_line_bytes = max_line_bytes
        self._pending: list[bytes] = []
        self._pending_size = 0
        self._line_number = 0  # lines completed so far
        self._blank = 0  # bytes of the blank lines since the last line with a document

    @property
    def line_number(self) -> int:
        """How many lines (blank ones included) have been completed."""
        return self._line_number

    def feed(self, chunk: bytes) -> list[tuple[int, bytes]]:
        """Complete, non-blank lines in ``chunk`` (with what was pending), numbered from 1."""
        if not chunk:
            return []
        pieces = chunk.split(b"\n")
        out: list[tuple[int, bytes]] = []
        tail = pieces.pop()  # after the last LF: the start of a line not yet complete
        if pieces:
            if self._pending:
                self._check_size(self._pending_size + len(pieces[0]))
                self._pending.append(pieces[0])
                pieces[0] = b"".join(self._pending)
                self._pending = []
                self._pending_size = 0
            limit = self._max_line_bytes
            number = self._line_number
            for line in pieces:
                number += 1
                if len(line) > limit:
                    self._line_number = number - 1
                    self._check_size(len(line))
                if line.endswith(b"\r"):
                    line = line[:-1]
                if line and not line.isspace():
                    out.append((number, line))
                    self._blank = 0
                else:
                    self._blank += len(line) + 1
            self._line_number = number
            if self._blank > MAX_BLANK_BYTES and not out:  # (else: raised by the next feed)
                raise JSONLDecodeError(
                    f"more than {MAX_BLANK_BYTES} bytes of blank lines before line {number}",
                    line_number=number,
                )
        if tail:
            self._check_size(self._pending_size + len(tail))
            self._pending.append(tail)
            self._pending_size += len(tail)
        return out

    def close(self) -> tuple[int, bytes] | None:
        """The last line if the input did not end with LF (None otherwise). Resets the decoder."""
        pending, self._pending = self._pending, []
        self._pending_size = 0
        if not pending:
            return None
        line = b"".join(pending).strip(_WHITESPACE)
        self._line_number += 1
        return (self._line_number, line) if line else None

    def _check_size(self, size: int) -> None:
        if size > self._max_line_bytes:
            number = self._line_number + 1
            self._pending = []
            self._pending_size = 0
            raise JSONLDecodeError(
                f"line {number} is longer than the limit of {self._max_line_bytes} bytes",
                line_number=number,
            )
