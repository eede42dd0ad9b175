"""The stream rules (``aclaude.streaming._rules``) on their own: sans-IO, no server."""

from __future__ import annotations

import pytest

import aclaude
from aclaude._decoders.sse import SSEError
from aclaude.streaming._rules import (
    CONTENT,
    ERROR,
    HELD,
    MAX_HELD_EVENTS,
    ReadAhead,
    Reading,
    check_content_type,
    held_bytes_limit,
)


def window(**kw: object) -> ReadAhead:
    options: dict[str, object] = {"started": 0.0, "idle": 1.0, "max_bytes": 10_000}
    options.update(kw)
    return ReadAhead(**options)  # type: ignore[arg-type]


def test_message_start_and_pings_are_held_and_content_ends_the_window() -> None:
    w = window()
    assert w.hold("message_start", 100) == HELD
    assert w.hold("ping", 10) == HELD
    assert w.hold("content_block_start", 50) == CONTENT
    assert (w.count, w.size) == (3, 160)


def test_an_error_event_is_reported_not_held() -> None:
    assert window().hold("error", 10) == ERROR


def test_an_unknown_event_type_counts_as_content() -> None:
    w = window()
    w.hold("message_start", 1)
    assert w.hold("added_later", 1) == CONTENT


def test_second_message_start_is_an_impossible_order() -> None:
    w = window()
    w.hold("message_start", 1)
    with pytest.raises(aclaude.APIResponseValidationError, match="second message_start"):
        w.hold("message_start", 1)


@pytest.mark.parametrize(
    "kind", ["content_block_start", "content_block_delta", "message_delta", "message_stop"]
)
def test_content_before_message_start_is_an_impossible_order(kind: str) -> None:
    with pytest.raises(aclaude.APIResponseValidationError, match="before message_start"):
        window().hold(kind, 1)


def test_held_events_are_bounded_in_count() -> None:
    w = window(max_bytes=10**9)
    w.hold("message_start", 1)
    with pytest.raises(aclaude.APIResponseValidationError, match="before any content"):
        for _ in range(MAX_HELD_EVENTS + 1):
            w.hold("ping", 1)
    assert w.count == MAX_HELD_EVENTS + 1


def test_held_events_are_bounded_in_bytes() -> None:
    w = window(max_bytes=1000)
    w.hold("message_start", 600)
    with pytest.raises(aclaude.APIResponseValidationError, match="1000 bytes"):
        w.hold("ping", 500)


def test_the_byte_bound_leaves_room_for_one_full_event() -> None:
    assert held_bytes_limit(8 << 20) > 8 << 20


def test_pings_and_message_start_are_not_progress() -> None:
    w = window(started=10.0, idle=1.0)
    w.hold("message_start", 1)
    w.check_idle(10.9)
    with pytest.raises(aclaude.APITimeoutError, match="pings"):
        w.check_idle(11.1)


def test_no_idle_limit_never_times_out() -> None:
    window(idle=None).check_idle(1e9)


def test_reading_maps_a_framing_error() -> None:
    with pytest.raises(aclaude.APIResponseValidationError) as info, Reading("req_1") as reading:
        reading.count = 4
        raise SSEError("bad")
    assert (info.value.request_id, info.value.events_received) == ("req_1", 4)


def test_reading_maps_a_drop_to_incomplete_and_ignores_it_once_done() -> None:
    with (
        pytest.raises(aclaude.IncompleteStreamError, match="before message_stop") as info,
        Reading("r") as r,
    ):
        r.count = 2
        raise aclaude.APIConnectionError("reset")
    assert info.value.clean_eof is False and info.value.events_received == 2
    with Reading("r") as r:
        r.count, r.done = 2, True
        raise aclaude.APIConnectionError("reset")  # swallowed: the result is whole


def test_reading_fills_in_request_id_and_count() -> None:
    with pytest.raises(aclaude.APITimeoutError) as info, Reading("req_9") as r:
        r.count = 7
        raise aclaude.APITimeoutError("slow")
    assert (info.value.request_id, info.value.events_received) == ("req_9", 7)


def test_finish_says_what_was_missing() -> None:
    reading = Reading("r", what="completion events", end="a stop_reason")
    reading.count = 3
    with pytest.raises(aclaude.IncompleteStreamError, match="3 completion events without a stop_reason"):
        reading.finish()
    reading.done = True
    reading.finish()


class _Headers:
    def __init__(self, content_type: str) -> None:
        self.headers = {"content-type": content_type}
        self.request_id = "req_ct"


class _SSE:
    CONTENT_TYPE = "text/event-stream"


@pytest.mark.parametrize(
    "given", ["text/event-stream", "text/event-stream; charset=utf-8", "Text/Event-Stream"]
)
def test_the_decoders_content_type_is_accepted(given: str) -> None:
    check_content_type(_Headers(given), _SSE())


@pytest.mark.parametrize("given", ["text/html; charset=utf-8", "application/json", ""])
def test_another_content_type_is_a_validation_error_naming_it(given: str) -> None:
    with pytest.raises(aclaude.APIResponseValidationError, match="content-type") as info:
        check_content_type(_Headers(given), _SSE())
    assert repr(given[:100]) in str(info.value)


def test_a_decoder_without_a_content_type_accepts_any() -> None:
    check_content_type(_Headers("application/x-anything"), object())
