"""``retry-after`` is read one way: ``RateLimits.retry_after``, ``APIStatusError.retry_after``
and the retry policy give the same number for every form the header takes."""

from __future__ import annotations

import email.utils
import time

import pytest
from multidict import CIMultiDict

import aclaude
from aclaude._exceptions import error_for_status
from aclaude._http.retry import retry_delay
from aclaude._retry_after import parse_retry_after
from aclaude.types import RateLimits

# HTTP-dates are written when each test runs (not at collection, which may be long before).
_FUTURE = "<now + 30 s as an HTTP-date>"
_PAST = "<now - 30 s as an HTTP-date>"


def _on_the_wire(headers: dict[str, str]) -> CIMultiDict[str]:
    """``headers`` as aiohttp hands them over, with the HTTP-date placeholders filled in."""
    dates = {_FUTURE: time.time() + 30, _PAST: time.time() - 30}
    return CIMultiDict(
        {k: email.utils.formatdate(dates[v], usegmt=True) if v in dates else v for k, v in headers.items()}
    )

# (headers, the seconds every reader must give; None: "not said").
FORMS: list[tuple[dict[str, str], float | None]] = [
    ({"retry-after-ms": "500"}, 0.5),
    ({"retry-after-ms": "1500.5"}, 1.5005),
    ({"retry-after": "7"}, 7.0),
    ({"retry-after": "2.5"}, 2.5),
    ({"retry-after-ms": "250", "retry-after": "9"}, 0.25),  # the millisecond header wins
    ({"retry-after-ms": "soon", "retry-after": "3"}, 3.0),  # a bad ms header falls back
    ({"retry-after": _FUTURE}, 30.0),
    ({"retry-after": _PAST}, -30.0),
    ({"retry-after": "tomorrow-ish"}, None),
    ({"retry-after": "nan"}, None),
    ({"retry-after-ms": "inf"}, None),
    ({}, None),
]
IDS = [repr(headers) for headers, _ in FORMS]


def _close(value: float | None, expected: float | None) -> bool:
    if expected is None or value is None:
        return value is expected
    # HTTP-dates have one-second resolution and the clock moves while the test runs.
    return value == pytest.approx(expected, abs=2.0)


@pytest.mark.parametrize(("headers", "expected"), FORMS, ids=IDS)
def test_rate_limits_and_status_error_agree(headers: dict[str, str], expected: float | None) -> None:
    wire = _on_the_wire(headers)
    from_limits = RateLimits.from_headers(wire).retry_after
    from_error = error_for_status(429, None, headers=wire).retry_after
    from_parser = parse_retry_after(wire)
    assert _close(from_limits, expected)
    assert _close(from_error, expected)
    assert _close(from_parser, expected)
    if expected is not None and from_limits is not None and from_error is not None:
        assert abs(from_limits - from_error) < 1.0


@pytest.mark.parametrize(("headers", "expected"), FORMS, ids=IDS)
def test_retry_policy_waits_what_the_header_says(headers: dict[str, str], expected: float | None) -> None:
    error = error_for_status(503, None, headers=_on_the_wire(headers))
    delay = retry_delay(error, 0)
    if expected is not None and expected > 0:
        assert _close(delay, expected)
    else:  # not said, or a date in the past: exponential backoff (0.5 s minus jitter)
        assert 0.375 <= delay <= 0.5


def test_http_date_is_measured_from_now() -> None:
    headers = {"retry-after": "Wed, 21 Oct 2015 07:28:00 GMT"}
    when = email.utils.parsedate_to_datetime(headers["retry-after"]).timestamp()
    assert parse_retry_after(headers, now=when - 12) == 12.0


def test_the_retry_module_re_exports_the_one_parser() -> None:
    from aclaude._http import retry

    assert retry.parse_retry_after is parse_retry_after
    assert aclaude.RateLimitError is not None
