"""Sans-IO decoder for the ``text/event-stream`` format (WHATWG HTML, "Server-sent events").

Strategy
--------
The decoder is fed raw bytes as they come off the socket and hands back complete events as
``(event_type, data)`` pairs. It never touches a socket, a loop or a clock, so it can be tested
byte by byte and reused by any transport.

Speed comes from doing the per-byte work in C (``bytes.replace``, ``split``, ``find``) and the
per-line work in a tight Python loop:

* Line ends are normalised once per chunk: CRLF and bare CR become LF (only when the chunk holds
  a CR at all, which the Anthropic API never sends). A CR at the very end of a chunk is a line
  end already; if the next chunk starts with LF, that LF is the second half of a CRLF split
  across the boundary and is dropped.
* Only LF (after normalisation) ends a line. U+2028, U+2029 and U+0085 are ordinary characters
  inside JSON: we split bytes, never decoded text.
* ``data`` stays ``bytes``: it is handed to msgspec, which validates UTF-8 while decoding JSON,
  so the payload is decoded exactly once per event and never per chunk. A multi-byte character
  split across chunks is simply bytes waiting in the partial-line buffer.
* A partial line is kept as a list of pieces (joined when its LF arrives), so a long line
  trickling in small chunks costs linear, not quadratic, time. Its size is capped, as is the size
  of one event's data: a hostile or broken peer gets a clear ``SSEError``, not unbounded memory.

The usual chunk, a run of complete events of the API's shape (``event: NAME`` then one ``data:``
line, or the ``data:`` line alone), is cut by two C-level regex passes: ``fullmatch`` checks that
the run is nothing but such events and ``findall`` returns their (name, data) pairs, with no
Python bytecode per event beyond naming it. Anything else (comments, ``id``, multi-line data,
CRs) takes the general path below, block by block or line by line.

Field rules follow the spec: a line starting with ``:`` is a comment; ``field:value`` with one
optional space after the colon stripped; a line without a colon is a field with an empty value;
``data`` lines are joined with LF; ``id`` (without NUL) sets the last event id; ``retry`` with
ASCII digits only sets the reconnection time; unknown fields are ignored; a blank line dispatches
the event unless its data buffer is empty. A UTF-8 BOM at the start of the stream is skipped. At
end of input an unfinished event is discarded (spec) and reported through ``close()``.
"""

from __future__ import annotations

import re

__all__ = ["DEFAULT_MAX_EVENT_BYTES", "SSEDecoder", "SSEError"]

DEFAULT_MAX_EVENT_BYTES = 8 * 1024 * 1024
"""Default cap on one line and on one event's data (8 MiB): far above any real API event."""

_BOM = b"\xef\xbb\xbf"

# Event names the Anthropic API sends, pre-decoded so the hot path does a dict lookup.
_KNOWN_NAMES: dict[bytes, str] = {
    name.encode(): name
    for name in (
        "message_start",
        "content_block_start",
        "content_block_delta",
        "content_block_stop",
        "message_delta",
        "message_stop",
        "ping",
        "error",
        "completion",
        "message",
    )
}

# One event of the API's shape, and a run of nothing but such events (see the module docstring).
# ``[^\n]*`` cannot backtrack into the next line, so both scan in linear time.
_CANONICAL_EVENT = re.compile(rb"(?:event: ([^\n]*)\n)?data: ([^\n]*)\n\n")
_CANONICAL_RUN = re.compile(rb"(?:(?:event: [^\n]*\n)?data: [^\n]*\n\n)*")
# Below this many bytes (about eight API events) the regex passes save nothing.
_FAST_RUN_MIN = 1024


def _event_name(raw: bytes) -> str:
    # An absent or empty ``event:`` field means the spec's default type.
    return raw.decode("utf-8", "replace") if raw else "message"


class SSEError(ValueError):
    """The byte stream is not a usable event stream (a line or an event over the size cap)."""


class SSEDecoder:
    """Incremental event-stream decoder: ``feed(bytes) -> [(event_type, data_bytes), ...]``.

    ``event_type`` is the ``event:`` field or ``"message"`` when the event has none; ``data`` is
    the event's data lines joined by ``b"\\n"``. ``last_event_id`` and ``retry`` hold the latest
    ``id`` and ``retry`` fields seen, as the spec's decoder state.
    """

    #: The media type of the bodies this decoder reads (a stream checks its response's).
    CONTENT_TYPE = "text/event-stream"

    __slots__ = (
        "_data",
        "_data_size",
        "_event",
        "_line_parts",
        "_line_size",
        "_max_event_bytes",
        "_skip_lf",
        "_started",
        "events_dispatched",
        "last_event_id",
        "retry",
    )

    def __init__(self, *, max_event_bytes: int = DEFAULT_MAX_EVENT_BYTES) -> None:
        self._max_event_bytes = max_event_bytes
        self._started = False  # BOM check done
        self._skip_lf = False  # previous chunk ended in CR: a leading LF is its CRLF tail
        self._line_parts: list[bytes] = []  # unfinished line (no LF yet), in pieces
        self._line_size = 0
        self._event: bytes | None = None  # current event's `event:` field, raw
        self._data: list[bytes] = []  # current event's data lines
        self._data_size = 0  # their bytes, counting the LF that will join each
        self.events_dispatched = 0
        self.last_event_id: str | None = None
        self.retry: int | None = None

    def feed(self, chunk: bytes) -> list[tuple[str, bytes]]:
        """Consume ``chunk`` (any size, split anywhere) and return the events it completed."""
        if not self._started:
            chunk = self._strip_bom(chunk)
            if not self._started:
                return []
        if not chunk:  # an empty read changes nothing (and must not forget a pending CR)
            return []
        if self._skip_lf:
            self._skip_lf = False
            if chunk[:1] == b"\n":
                chunk = chunk[1:]
                if not chunk:
                    return []
        if b"\r" in chunk:
            self._skip_lf = chunk[-1:] == b"\r"
            chunk = chunk.replace(b"\r\n", b"\n").replace(b"\r", b"\n")

        last_lf = chunk.rfind(b"\n")
        if last_lf < 0:
            self._hold_partial(chunk)
            return []
        if self._line_parts:
            head = b"".join(self._line_parts)
            self._line_parts = []
            self._line_size = 0
            text = head + chunk[: last_lf + 1]
        elif last_lf + 1 == len(chunk):
            text = chunk  # the usual case: the chunk ends at a line end, no copy
        else:
            text = chunk[: last_lf + 1]
        if last_lf + 1 < len(chunk):
            self._hold_partial(chunk[last_lf + 1 :])
        if self._data or self._event is not None:
            # An event is still open from an earlier chunk (the read ended inside it): finish
            # it line by line; a long rest, many events, then goes by the fast path.
            if len(text) < _FAST_RUN_MIN:
                out = self._process_lines(text.split(b"\n")[:-1])
            else:
                if text[:1] == b"\n":
                    cut = 1
                else:
                    blank = text.find(b"\n\n")
                    cut = blank + 2 if blank >= 0 else len(text)
                out = self._process_lines(text[:cut].split(b"\n")[:-1])
                if cut < len(text):
                    out += self._process_blocks(text[cut:])
        else:
            out = self._process_blocks(text)
        self.events_dispatched += len(out)
        return out

    def close(self) -> bool:
        """Signal end of input. Returns True if an unfinished event or line was discarded.

        Per the spec, an event not terminated by a blank line is never dispatched.
        """
        had_partial = bool(self._line_parts) or bool(self._data) or self._event is not None
        self._line_parts = []
        self._line_size = 0
        self._data = []
        self._data_size = 0
        self._event = None
        return had_partial

    # -- internals ---------------------------------------------------------------------------

    def _strip_bom(self, chunk: bytes) -> bytes:
        # The BOM may itself be split across chunks: wait until 3 bytes (or a mismatch) decide.
        pending = b"".join(self._line_parts) + chunk if self._line_parts else chunk
        if len(pending) < 3 and _BOM.startswith(pending):
            self._line_parts = [pending] if pending else []
            self._line_size = len(pending)
            return b""
        self._line_parts = []
        self._line_size = 0
        self._started = True
        return pending[3:] if pending.startswith(_BOM) else pending

    def _hold_partial(self, piece: bytes) -> None:
        if not piece:
            return
        self._line_size += len(piece)
        if self._line_size > self._max_event_bytes:
            self._line_parts = []
            raise SSEError(
                f"event-stream line exceeds {self._max_event_bytes} bytes without a line end"
            )
        self._line_parts.append(piece)

    def _process_blocks(self, text: bytes) -> list[tuple[str, bytes]]:
        """Fast path for complete lines (``text`` ends with LF) with no event open.

        A run of 1 KiB or more of canonical events (``event: NAME`` + one ``data: ...`` line,
        all the API sends) is cut by the two regex passes. Otherwise events are cut at blank
        lines with one C-level split; a canonical one costs a few slices, any other goes
        through the line-by-line rules.
        """
        cap = self._max_event_bytes
        if len(text) >= _FAST_RUN_MIN:
            end = text.rfind(b"\n\n") + 2  # the complete events end here; one may stay open
            if _FAST_RUN_MIN <= end <= cap and _CANONICAL_RUN.fullmatch(text, 0, end):
                # All of them canonical (and, the run being within the cap, each within it).
                names = _KNOWN_NAMES
                out = [
                    (names.get(name) or _event_name(name), data)
                    for name, data in _CANONICAL_EVENT.findall(text, 0, end)
                ]
                if end < len(text):
                    self._process_lines(text[end:].split(b"\n")[:-1])  # cannot dispatch
                return out
        blocks = text.split(b"\n\n")
        tail = blocks.pop()  # lines after the last blank line: an event still open
        out = []
        names = _KNOWN_NAMES
        for block in blocks:
            if block[:7] == b"event: ":
                nl = block.find(b"\n")
                if block[nl + 1 : nl + 7] == b"data: " and block.find(b"\n", nl + 1) < 0 and nl > 7:
                    data = block[nl + 7 :]
                    if len(data) > cap:
                        raise SSEError(f"event data exceeds {cap} bytes")
                    raw_name = block[7:nl]
                    out.append((names.get(raw_name) or raw_name.decode("utf-8", "replace"), data))
                    continue
            elif block[:6] == b"data: " and b"\n" not in block:
                data = block[6:]
                if len(data) > cap:
                    raise SSEError(f"event data exceeds {cap} bytes")
                out.append(("message", data))
                continue
            lines = block.split(b"\n")
            lines.append(b"")  # the blank line that ended this block
            out.extend(self._process_lines(lines))
        if tail:
            self._process_lines(tail.split(b"\n")[:-1])  # cannot dispatch: no blank line
        return out

    def _process_lines(self, lines: list[bytes]) -> list[tuple[str, bytes]]:
        out: list[tuple[str, bytes]] = []
        data = self._data
        size = self._data_size
        cap = self._max_event_bytes
        event = self._event
        for line in lines:
            if not line:
                # Blank line: dispatch (an event with no data lines is dropped, per spec).
                if data:
                    payload = data[0] if len(data) == 1 else b"\n".join(data)
                    if not event:
                        name = "message"
                    else:
                        name = _KNOWN_NAMES.get(event) or event.decode("utf-8", "replace")
                    out.append((name, payload))
                    data = []
                    size = 0
                event = None
            elif line.startswith(b"data:"):
                value = line[6:] if line[5:6] == b" " else line[5:]
                # Count each line with its joining LF, so that even empty data lines are bounded.
                size += len(value) + 1
                if size > cap + 1:
                    raise SSEError(f"event data exceeds {cap} bytes")
                data.append(value)
            elif line.startswith(b"event:"):
                event = line[7:] if line[6:7] == b" " else line[6:]
            elif line[0] == 0x3A:  # ":" comment (keep-alive)
                continue
            elif line == b"data":  # a field name without a colon has an empty value
                size += 1
                if size > cap + 1:
                    raise SSEError(f"event data exceeds {cap} bytes")
                data.append(b"")
            elif line == b"event":
                event = b""
            else:
                self._other_field(line)
        self._data = data
        self._data_size = size
        self._event = event
        return out

    def _other_field(self, line: bytes) -> None:
        """``id``, ``retry`` and unknown fields (``data``/``event`` are handled inline)."""
        colon = line.find(b":")
        if colon < 0:
            name, value = line, b""
        else:
            name = line[:colon]
            value = line[colon + 2 :] if line[colon + 1 : colon + 2] == b" " else line[colon + 1 :]
        if name == b"id":
            if b"\x00" not in value:
                self.last_event_id = value.decode("utf-8", "replace")
        elif name == b"retry":
            if value and value.isdigit() and value.isascii():
                self.retry = int(value)
        # Any other field name is ignored, as the spec requires.
