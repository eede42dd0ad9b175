"""The sans-IO event-stream decoder (aclaude._decoders.sse) against the WHATWG HTML spec, byte splits and
hostile input."""

from __future__ import annotations

import json
import random
from typing import Any

import pytest
from _helpers import bytewise, feed_chunks, split_at, sse, sse_of, text_stream
from hypothesis import given, settings
from hypothesis import strategies as st

from aclaude._decoders.sse import DEFAULT_MAX_EVENT_BYTES, SSEDecoder, SSEError


def decode(data: bytes) -> list[tuple[str, bytes]]:
    return feed_chunks([data])


# -- the spec's examples (HTML Living Standard, "Server-sent events", 9.2.5/9.2.6) ------------


def test_spec_example_stock_ticker() -> None:
    stream = b"data: YHOO\ndata: +2\ndata: 10\n\n"
    assert decode(stream) == [("message", b"YHOO\n+2\n10")]


def test_spec_example_first_second_third_event() -> None:
    # ": test stream" is a comment; "id" without a value resets the last event id to "";
    # only one leading space is stripped from a value.
    stream = b": test stream\n\ndata: first event\nid: 1\n\ndata:second event\nid\n\ndata:  third event\n\n"
    cut = stream.index(b"id: 1\n\n") + len(b"id: 1\n\n")  # after the "first event" block
    d = SSEDecoder()
    out = d.feed(stream[:cut])
    assert out == [("message", b"first event")]
    assert d.last_event_id == "1"
    out = d.feed(stream[cut:])
    assert out == [("message", b"second event"), ("message", b" third event")]
    assert d.last_event_id == ""
    assert d.events_dispatched == 3
    assert d.close() is False


def test_spec_example_data_without_colon() -> None:
    # "data" alone is a data field with an empty value. First block: one empty data line -> "".
    # Middle block: two empty data lines -> "\n". The last block has no blank line: discarded.
    stream = b"data\n\ndata\ndata\n\ndata:"
    d = SSEDecoder()
    assert d.feed(stream) == [("message", b""), ("message", b"\n")]
    assert d.close() is True


def test_spec_example_leading_space() -> None:
    stream = b"data:test\n\ndata: test\n\n"
    assert decode(stream) == [("message", b"test"), ("message", b"test")]


def test_spec_example_event_types() -> None:
    stream = b"event: add\ndata: 73857293\n\nevent: remove\ndata: 2153\n\nevent: add\ndata: 113411\n\n"
    assert decode(stream) == [("add", b"73857293"), ("remove", b"2153"), ("add", b"113411")]


def test_only_one_leading_space_is_stripped_from_any_field() -> None:
    d = SSEDecoder()
    assert d.feed(b"event:  two\ndata:   three\nid:  x\n\n") == [(" two", b"  three")]
    assert d.last_event_id == " x"


def test_colons_inside_values_are_kept() -> None:
    assert decode(b"data: a:b: c\n\ndata:: x\n\n") == [("message", b"a:b: c"), ("message", b": x")]


def test_comment_lines_are_ignored_even_inside_an_event() -> None:
    stream = b":ping\n: keep-alive\ndata: a\n:comment between data lines\ndata: b\n:\n\n"
    assert decode(stream) == [("message", b"a\nb")]


def test_comment_only_blocks_dispatch_nothing() -> None:
    d = SSEDecoder()
    assert d.feed(b": one\n\n: two\n\n:\n\n") == []
    assert d.events_dispatched == 0
    assert d.close() is False


def test_id_sets_last_event_id() -> None:
    d = SSEDecoder()
    assert d.last_event_id is None
    d.feed(b"id: 42\ndata: x\n\n")
    assert d.last_event_id == "42"
    d.feed(b"data: y\n\n")  # an event without id keeps the last one
    assert d.last_event_id == "42"
    d.feed(b"id: \xc3\xa9t\xc3\xa9\ndata: z\n\n")
    assert d.last_event_id == "\u00e9t\u00e9"


def test_id_containing_nul_is_ignored() -> None:
    d = SSEDecoder()
    out = d.feed(b"id: 7\ndata: a\n\nid: 8\x009\ndata: b\n\n")
    assert out == [("message", b"a"), ("message", b"b")]
    assert d.last_event_id == "7"


def test_id_without_value_resets_to_empty() -> None:
    d = SSEDecoder()
    d.feed(b"id: 1\ndata: a\n\nid\ndata: b\n\n")
    assert d.last_event_id == ""
    d.feed(b"id: 2\ndata: c\n\nid:\ndata: d\n\n")
    assert d.last_event_id == ""


def test_retry_with_ascii_digits_sets_reconnection_time() -> None:
    d = SSEDecoder()
    assert d.retry is None
    assert d.feed(b"retry: 1500\n\n") == []
    assert d.retry == 1500
    d.feed(b"retry:30\n")
    assert d.retry == 30


@pytest.mark.parametrize(
    "value",
    [b"10a", b"-1", b"1.5", b" 100", b"", b"1e3", "\u0661\u0662".encode(), b"\xef\xbc\x91"],
    ids=[
        "trailing-letter",
        "negative",
        "decimal",
        "extra-space",
        "empty",
        "exponent",
        "arabic-digits",
        "fullwidth-digit",
    ],
)
def test_retry_with_non_digits_is_ignored(value: bytes) -> None:
    d = SSEDecoder()
    d.feed(b"retry: 900\n")
    d.feed(b"retry: " + value + b"\n")
    assert d.retry == 900
    d.feed(b"retry\n")  # no colon: empty value, ignored too
    assert d.retry == 900


def test_unknown_fields_are_ignored() -> None:
    stream = b"foo: bar\ndata: x\nDATA: upper\ndataX: y\nEvent: nope\nfield\nbar:\n\n"
    d = SSEDecoder()
    assert d.feed(stream) == [("message", b"x")]
    assert d.last_event_id is None
    assert d.retry is None


def test_event_without_data_is_not_dispatched() -> None:
    d = SSEDecoder()
    assert d.feed(b"event: lonely\n\nid: 3\n\nretry: 5\n\n") == []
    assert d.events_dispatched == 0
    assert d.last_event_id == "3"


def test_event_type_resets_after_dispatch() -> None:
    stream = b"event: a\ndata: 1\n\ndata: 2\n\n"
    assert decode(stream) == [("a", b"1"), ("message", b"2")]


def test_event_type_resets_after_an_event_without_data() -> None:
    # The spec resets the event type buffer on every blank line, dispatched or not.
    assert decode(b"event: a\n\ndata: 2\n\n") == [("message", b"2")]


def test_missing_or_empty_event_field_gives_message() -> None:
    assert decode(b"data: 1\n\nevent:\ndata: 2\n\nevent\ndata: 3\n\n") == [
        ("message", b"1"),
        ("message", b"2"),
        ("message", b"3"),
    ]


def test_last_event_field_wins() -> None:
    assert decode(b"event: a\nevent: b\ndata: x\n\n") == [("b", b"x")]


def test_non_ascii_event_name() -> None:
    assert decode("event: \u00fcber_\u4e8b\u4ef6\ndata: x\n\n".encode()) == [("\u00fcber_\u4e8b\u4ef6", b"x")]


def test_events_dispatched_counts_every_event() -> None:
    d = SSEDecoder()
    d.feed(b"data: 1\n\ndata: 2\n\n")
    d.feed(b"event: x\ndata: 3\n\nevent: y\n\n")
    assert d.events_dispatched == 3


# -- line ends -------------------------------------------------------------------------------

EOLS = {"lf": b"\n", "crlf": b"\r\n", "cr": b"\r"}


@pytest.mark.parametrize("eol", EOLS.values(), ids=EOLS.keys())
def test_every_line_end(eol: bytes) -> None:
    stream = eol.join([b"event: a", b"data: 1", b"data: 2", b"", b": c", b"data: 3", b"", b""])
    assert decode(stream) == [("a", b"1\n2"), ("message", b"3")]
    assert feed_chunks(bytewise(stream)) == [("a", b"1\n2"), ("message", b"3")]


def test_mixed_line_ends() -> None:
    stream = b"event: a\r\ndata: 1\rdata: 2\n\r\ndata: 3\r\r\ndata: 4\n\n"
    expected = [("a", b"1\n2"), ("message", b"3"), ("message", b"4")]
    assert decode(stream) == expected
    assert feed_chunks(bytewise(stream)) == expected


def test_lf_cr_is_two_line_ends() -> None:
    # "\n\r" is LF then CR: two line ends, so a blank line that dispatches.
    assert decode(b"data: 1\n\rdata: 2\n\n") == [("message", b"1"), ("message", b"2")]


def test_crlf_split_across_chunks_is_one_line_end() -> None:
    # Chunk ends with CR, next begins with LF: the LF is the CRLF's tail, not a blank line.
    d = SSEDecoder()
    assert d.feed(b"data: 1\r") == []
    assert d.feed(b"\ndata: 2\r") == []
    assert d.feed(b"\n\r") == [("message", b"1\n2")]
    assert d.feed(b"\ndata: 3\r\n\r\n") == [("message", b"3")]


def test_cr_cr_split_across_chunks_is_a_blank_line() -> None:
    d = SSEDecoder()
    assert d.feed(b"data: 1\r") == []
    assert d.feed(b"\rdata: 2\r\r") == [("message", b"1"), ("message", b"2")]


def test_cr_at_the_very_end_then_eof() -> None:
    # A final CR is a line end at once; nothing waits for a possible LF.
    d = SSEDecoder()
    assert d.feed(b"data: x\r\r") == [("message", b"x")]
    assert d.close() is False
    d = SSEDecoder()
    assert d.feed(b"data: x\r") == []
    assert d.close() is True  # a data line without its blank line


def test_close_after_crlf_split_at_the_very_end() -> None:
    d = SSEDecoder()
    assert feed_chunks([b"data: x\r\n\r", b"\n"], d) == [("message", b"x")]
    assert d.close() is False


def test_empty_chunks_are_no_ops() -> None:
    # An empty read between the CR and the LF of a CRLF must not forget the pending CR.
    stream = b"data: a\r\ndata: b\r\n\r\n"
    whole = decode(stream)
    assert whole == [("message", b"a\nb")]
    assert feed_chunks([b"data: a\r", b"", b"\ndata: b\r\n\r\n"]) == whole
    assert feed_chunks([b"", b"data: a\r", b"", b"", b"\n", b"", b"data: b\r\n\r", b"", b"\n"]) == whole


@pytest.mark.parametrize(
    "chunks",
    [[b"data: x\n\n", b""], [b"\xef\xbb\xbf"], [b"\xef", b"\xbb\xbf"]],
    ids=["empty-chunk-at-end", "bom-only", "split-bom-only"],
)
def test_close_after_an_empty_chunk_at_the_end(chunks: list[bytes]) -> None:
    # A BOM-only body leaves an empty chunk after the BOM is stripped: the same bug.
    d = SSEDecoder()
    feed_chunks(chunks, d)
    assert d.close() is False


# -- BOM and unicode -------------------------------------------------------------------------

BOM = b"\xef\xbb\xbf"


def test_bom_at_start_is_stripped() -> None:
    assert decode(BOM + b"data: x\n\n") == [("message", b"x")]


@pytest.mark.parametrize(
    "chunks",
    [
        [b"\xef", b"\xbb\xbfdata: x\n\n"],
        [b"\xef\xbb", b"\xbfdata: x\n\n"],
        [b"\xef\xbb\xbf", b"data: x\n\n"],
        [b"\xef", b"\xbb", b"\xbf", b"d", b"ata: x\n\n"],
        bytewise(BOM + b"data: x\n\n"),
    ],
    ids=["1+rest", "2+rest", "bom+rest", "each-byte-then-rest", "bytewise"],
)
def test_bom_split_across_chunks_is_stripped(chunks: list[bytes]) -> None:
    d = SSEDecoder()
    assert feed_chunks(chunks, d) == [("message", b"x")]
    assert d.close() is False


def test_bom_prefix_that_is_not_a_bom_is_kept() -> None:
    # b"\xef" then a byte that does not continue a BOM: the bytes are data, not dropped.
    d = SSEDecoder()
    assert feed_chunks([b"data: \xef", b"\xbc\x81\n\n"], d) == [("message", "\uff01".encode())]
    d = SSEDecoder()
    assert feed_chunks([b"\xef", b"\xbcdata: x\n\n"], d) == []  # a field named "\xef\xbcdata"


def test_bom_later_in_stream_is_not_stripped() -> None:
    # Only the stream's first BOM is skipped: a second one makes the line an unknown field.
    assert decode(BOM + BOM + b"data: x\n\n") == []
    assert decode(b"data: a\n\n" + BOM + b"data: b\n\n") == [("message", b"a")]
    assert decode(b"data: " + BOM + b"x\n\n") == [("message", BOM + b"x")]


def test_unicode_line_separators_are_not_line_breaks() -> None:
    text = "a\u2028b\u2029c\u0085d\u000be\u000cf"
    payload = json.dumps({"type": "text_delta", "text": text}, ensure_ascii=False).encode()
    assert "\u2028".encode() in payload and "\u0085".encode() in payload  # raw, not escaped
    stream = b"event: content_block_delta\ndata: " + payload + b"\n\n"
    for out in (decode(stream), feed_chunks(bytewise(stream))):
        assert out == [("content_block_delta", payload)]
        assert json.loads(out[0][1])["text"] == text


@pytest.mark.parametrize("size", [1, 2, 3, 5], ids=lambda n: f"chunk={n}")
def test_multibyte_utf8_split_across_chunks(size: int) -> None:
    text = "\U0001f600 \u00e9\u4e2d\U0001f9d1\u200d\U0001f4bb \u0645\u0631\u062d\u0628\u0627"
    stream = ("event: \u00e9v\u00e9nement\ndata: " + text + "\n\n").encode()
    chunks = [stream[i : i + size] for i in range(0, len(stream), size)]
    out = feed_chunks(chunks)
    assert out == [("\u00e9v\u00e9nement", text.encode())]
    assert out[0][1].decode("utf-8") == text


# -- split invariance ------------------------------------------------------------------------

_line_text = st.text(
    alphabet=st.characters(blacklist_characters="\r\n", blacklist_categories=["Cs"]), max_size=12
)
_event = st.fixed_dictionaries(
    {
        "name": st.none() | st.text(alphabet="abcdefghij_\u00e9\u4e8b", min_size=1, max_size=10),
        "data": st.lists(_line_text, max_size=4),
        "comment": st.none() | _line_text,
        "id": st.none()
        | st.text(
            alphabet=st.characters(blacklist_characters="\r\n\x00", blacklist_categories=["Cs"]), max_size=6
        ),
    }
)


# Runs long enough for the decoder's regex fast path (1 KiB and more of complete events): mostly
# the API's shape (``event: NAME`` + one ``data:`` line, or the data line alone), with now and
# then an event the fast path must leave to the general rules.
_canonical_event = st.fixed_dictionaries(
    {
        "name": st.none() | st.text(alphabet="abcdefghij_ \u00e9\u4e8b", max_size=20),
        "data": st.lists(_line_text | st.just('{"type":"ping"}'), min_size=1, max_size=1),
        "comment": st.none(),
        "id": st.none(),
    }
)


@st.composite
def _long_run_events(draw: st.DrawFn) -> list[dict[str, Any]]:
    events = draw(st.lists(_canonical_event, min_size=40, max_size=120))
    for _ in range(draw(st.integers(0, 2))):  # a third of the time none: all canonical
        events.insert(draw(st.integers(0, len(events))), draw(_event))
    return events


_short_run_events = st.lists(_event, max_size=6)


@st.composite
def _streams(
    draw: st.DrawFn, events_strategy: st.SearchStrategy[list[dict[str, Any]]] = _short_run_events
) -> tuple[bytes, list[tuple[str, bytes]], str | None]:
    """A random event stream, the events it must decode to and its final last event id."""
    events = draw(events_strategy)
    mode = draw(st.sampled_from(["lf", "crlf", "cr", "mixed"]))
    lines: list[str] = []
    expected: list[tuple[str, bytes]] = []
    last_id: str | None = None
    for e in events:
        if e["comment"] is not None:
            lines.append(":" + e["comment"])
        if e["name"] is not None:
            lines.append("event: " + e["name"] if e["name"] or draw(st.booleans()) else "event:")
        if e["id"] is not None:
            lines.append("id: " + e["id"])
            last_id = e["id"]
        lines.extend("data: " + d for d in e["data"])
        lines.append("")
        if e["data"]:
            expected.append((e["name"] or "message", "\n".join(e["data"]).encode()))  # "" too
    out = bytearray(BOM if draw(st.booleans()) else b"")
    prev = b""
    for line in lines:
        eol = EOLS[mode] if mode != "mixed" else draw(st.sampled_from(list(EOLS.values())))
        if prev == b"\r" and not line and eol == b"\n":
            eol = b"\r"  # CR + (empty line + LF) would read as one CRLF: not what we mean
        out += line.encode() + eol
        prev = eol
    return bytes(out), expected, last_id


@settings(max_examples=300, deadline=None)
@given(case=_streams() | _streams(_long_run_events()), data=st.data())
def test_split_invariance(
    case: tuple[bytes, list[tuple[str, bytes]], str | None], data: st.DataObject
) -> None:
    # Short streams of any shape, and long runs that reach the decoder's regex fast path (all
    # canonical, or with other events mixed in): whole, split anywhere, split at line ends and
    # byte by byte, the events are the same.
    stream, expected, last_id = case
    whole = SSEDecoder()
    assert whole.feed(stream) == expected
    assert whole.last_event_id == last_id
    assert whole.close() is False

    # Split points may repeat or fall at either end: empty chunks are part of the property.
    points = data.draw(st.lists(st.integers(0, len(stream)), max_size=12), label="split")
    chunks = split_at(stream, points)
    if data.draw(st.booleans(), label="empty reads between chunks"):
        chunks = [c for chunk in chunks for c in (chunk, b"")]
    split = SSEDecoder()
    assert feed_chunks(chunks, split) == expected
    assert split.last_event_id == last_id
    assert split.events_dispatched == len(expected)
    assert split.close() is False

    # Reads that end at a line end inside an event (after its ``event:`` line, say).
    line_ends = [i + 1 for i, byte in enumerate(stream) if byte in b"\r\n"]
    if line_ends:
        points = data.draw(st.lists(st.sampled_from(line_ends), max_size=6), label="split at line ends")
        assert feed_chunks(split_at(stream, points)) == expected

    one_by_one = SSEDecoder()
    assert feed_chunks(bytewise(stream), one_by_one) == expected
    assert one_by_one.last_event_id == last_id


def test_a_long_run_with_one_event_over_the_cap_fails() -> None:
    cap = 4096
    small = b"event: content_block_delta\ndata: " + b"x" * 100 + b"\n\n"
    stream = small * 20 + b"event: big\ndata: " + b"y" * (cap + 1) + b"\n\n" + small * 20
    with pytest.raises(SSEError, match="event data exceeds"):
        SSEDecoder(max_event_bytes=cap).feed(stream)
    with pytest.raises(SSEError, match="exceeds"):
        feed_chunks(split_at(stream, range(1500, len(stream), 1500)), SSEDecoder(max_event_bytes=cap))
    at_cap = small * 20 + b"event: big\ndata: " + b"y" * cap + b"\n\n" + small * 20
    out = SSEDecoder(max_event_bytes=cap).feed(at_cap)
    assert [len(data) for _name, data in out] == [100] * 20 + [cap] + [100] * 20


@pytest.mark.parametrize("seed", range(6), ids=lambda s: f"seed={s}")
@pytest.mark.parametrize("eol", EOLS.values(), ids=EOLS.keys())
def test_random_splits_of_a_realistic_stream(seed: int, eol: bytes) -> None:
    events = text_stream(["Hello", ", w\u00f6rld", " \U0001f30d", "\u2028!"])
    stream = sse_of(events, eol)
    expected = decode(stream)
    assert len(expected) == len(events)
    rng = random.Random(seed)
    points = rng.sample(range(1, len(stream)), k=rng.randint(1, 40))
    assert feed_chunks(split_at(stream, points)) == expected


# -- size caps -------------------------------------------------------------------------------

CAP = 1 << 20
CHUNK = 64 * 1024


def test_default_cap() -> None:
    assert DEFAULT_MAX_EVENT_BYTES == 8 * 1024 * 1024


def test_endless_line_is_bounded() -> None:
    d = SSEDecoder(max_event_bytes=CAP)
    total = 10 * 1024 * 1024
    fed = 0
    with pytest.raises(SSEError, match="exceeds"):
        d.feed(b"data: ")
        fed = 6
        while fed < total:
            d.feed(b"x" * CHUNK)
            fed += CHUNK
    # raised as soon as the held line passed the cap, long before the 10 MiB were fed
    assert CAP - CHUNK < fed <= CAP + CHUNK


def test_endless_line_of_one_chunk_is_bounded() -> None:
    d = SSEDecoder(max_event_bytes=CAP)
    with pytest.raises(SSEError):
        d.feed(b"data: " + b"x" * (10 * 1024 * 1024))


def test_partial_line_at_the_cap_is_accepted_and_one_more_byte_is_not() -> None:
    d = SSEDecoder(max_event_bytes=CAP)
    d.feed(b"x" * (CAP - 1))
    d.feed(b"x")  # exactly CAP bytes held: fine
    with pytest.raises(SSEError):
        d.feed(b"x")


def test_line_just_under_the_cap_works() -> None:
    payload = b"y" * (CAP - len(b"data: ") - 1)
    stream = b"event: big\ndata: " + payload + b"\n\n"
    d = SSEDecoder(max_event_bytes=CAP)
    out = feed_chunks([stream[i : i + CHUNK] for i in range(0, len(stream), CHUNK)], d)
    assert out == [("big", payload)]
    assert SSEDecoder(max_event_bytes=CAP).feed(stream) == [("big", payload)]


@pytest.mark.parametrize("head", [b"event: big\n", b""], ids=["named", "unnamed"])
def test_event_data_cap_in_one_chunk(head: bytes) -> None:
    # A whole event in one read (the decoder's block fast path): exactly the cap is fine.
    at_cap = head + b"data: " + b"d" * CAP + b"\n\n"
    out = SSEDecoder(max_event_bytes=CAP).feed(at_cap)
    assert [(name, len(data)) for name, data in out] == [("big" if head else "message", CAP)]
    with pytest.raises(SSEError, match="event data exceeds"):
        SSEDecoder(max_event_bytes=CAP).feed(head + b"data: " + b"d" * (CAP + 1) + b"\n\n")
    # the same event after a canonical one in the same chunk
    with pytest.raises(SSEError, match="event data exceeds"):
        SSEDecoder(max_event_bytes=CAP).feed(b"data: x\n\n" + head + b"data: " + b"d" * (CAP + 1) + b"\n\n")


def test_many_data_lines_over_the_cap_raise() -> None:
    line = b"data: " + b"z" * 1000 + b"\n"
    n = CAP // 1000 + 50  # ~1.05 MiB of data in one event
    # all at once, with the blank line: the check at dispatch
    with pytest.raises(SSEError, match="event data exceeds"):
        SSEDecoder(max_event_bytes=CAP).feed(line * n + b"\n")
    # in many chunks, never finished: the check on the open event stops it before the end
    d = SSEDecoder(max_event_bytes=CAP)
    fed = 0
    with pytest.raises(SSEError, match="event data exceeds"):
        for _ in range(n * 4):
            d.feed(line * 16)
            fed += 16
    assert CAP // 1000 - 16 <= fed <= CAP // 1000 + 16


def test_endless_event_of_empty_data_lines_is_bounded() -> None:
    cap = 64 * 1024
    d = SSEDecoder(max_event_bytes=cap)
    chunk = b"data:\n" * 4096
    fed = 0
    with pytest.raises(SSEError, match="event data exceeds"):
        while fed < 64 * cap:
            d.feed(chunk)
            fed += len(chunk)
    # its data ("\n" per line) passes the cap after ~cap lines, i.e. ~6 * cap bytes of input
    assert fed <= 6 * cap + len(chunk)


def test_many_data_lines_under_the_cap_work() -> None:
    line = b"data: " + b"z" * 1000 + b"\n"
    n = CAP // 1001  # joined with LFs: just under the cap
    out = SSEDecoder(max_event_bytes=CAP).feed(line * n + b"\n")
    assert len(out) == 1
    assert len(out[0][1]) == n * 1001 - 1 <= CAP


# -- close() ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "stream",
    [b"data: x\n", b"data: x", b"event: x\n", b"dat", b"data: a\n\ndata: b\n", b"\xef\xbb"],
    ids=["data-line", "partial-line", "event-line", "partial-field", "second-event", "bom-prefix"],
)
def test_close_reports_unfinished_event(stream: bytes) -> None:
    d = SSEDecoder()
    d.feed(stream)
    assert d.close() is True
    assert d.close() is False  # state was cleared


@pytest.mark.parametrize(
    "stream",
    [b"", b"data: x\n\n", b": ping\n", b"data: x\r\n\r\n", b"event: x\n\n", b"id: 1\n"],
    ids=["nothing", "clean", "comment", "crlf", "event-without-data", "id-line"],
)
def test_close_after_clean_end(stream: bytes) -> None:
    d = SSEDecoder()
    d.feed(stream)
    assert d.close() is False


def test_close_discards_pending_event() -> None:
    d = SSEDecoder()
    assert d.feed(b"event: a\ndata: 1\n") == []
    assert d.close() is True
    # after close, a fresh event starts from scratch (no leftover name or data)
    assert d.feed(b"data: 2\n\n") == [("message", b"2")]


# -- a realistic Anthropic stream ------------------------------------------------------------

ANTHROPIC_STREAM = (
    b"event: message_start\n"
    b'data: {"type":"message_start","message":{"id":"msg_1nZdL29xx5MUA1yADyHTEsnR8uuvGzszyY",'
    b'"type":"message","role":"assistant","content":[],"model":"claude-sonnet-4-5-20250929",'
    b'"stop_reason":null,"stop_sequence":null,"usage":{"input_tokens":25,"output_tokens":1}}}\n'
    b"\n"
    b"event: content_block_start\n"
    b'data: {"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}\n'
    b"\n"
    b"event: ping\n"
    b'data: {"type": "ping"}\n'
    b"\n"
    b"event: content_block_delta\n"
    b'data: {"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"Hello"}}\n'
    b"\n"
    b"event: content_block_delta\n"
    b'data: {"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"!"}}\n'
    b"\n"
    b"event: content_block_stop\n"
    b'data: {"type":"content_block_stop","index":0}\n'
    b"\n"
    b"event: message_delta\n"
    b'data: {"type":"message_delta","delta":{"stop_reason":"end_turn","stop_sequence":null},'
    b'"usage":{"output_tokens":15}}\n'
    b"\n"
    b"event: message_stop\n"
    b'data: {"type":"message_stop"}\n'
    b"\n"
)


def test_realistic_anthropic_stream() -> None:
    d = SSEDecoder()
    out = d.feed(ANTHROPIC_STREAM)
    assert [name for name, _ in out] == [
        "message_start",
        "content_block_start",
        "ping",
        "content_block_delta",
        "content_block_delta",
        "content_block_stop",
        "message_delta",
        "message_stop",
    ]
    payloads = [json.loads(data) for _, data in out]
    assert [p["type"] for p in payloads] == [name for name, _ in out]
    assert payloads[0]["message"]["usage"] == {"input_tokens": 25, "output_tokens": 1}
    assert "".join(p["delta"]["text"] for p in payloads if p["type"] == "content_block_delta") == "Hello!"
    assert payloads[6]["delta"]["stop_reason"] == "end_turn"
    assert d.events_dispatched == 8
    assert d.close() is False
    assert feed_chunks(bytewise(ANTHROPIC_STREAM)) == out
    crlf = ANTHROPIC_STREAM.replace(b"\n", b"\r\n")
    assert feed_chunks(bytewise(crlf)) == out


def test_stream_built_by_helpers_round_trips() -> None:
    events = text_stream(["a", "b"])
    out = decode(sse_of(events))
    assert [json.loads(data) for _, data in out] == events
    assert decode(sse([(None, b"x\ny")])) == [("message", b"x\ny")]
