"""When and how long to retry, as a tenacity policy.

Rules (the official SDK's, made stricter where it is silent):

* Retry connection errors and timeouts (before anything was shown to the caller), and the
  statuses 408, 409, 429 and >= 500 (529 included). Never 400, 401, 403, 404, 413, 422.
* An ``x-should-retry: true|false`` response header overrides the status rule.
* Wait what the server asks, ``retry-after-ms`` else ``retry-after`` (seconds or an HTTP-date),
  when 0 < wait <= 60 s. A longer wait is not slept through silently: the typed error is
  raised at once, its ``retry_after`` saying how long the server asked for.
* Otherwise exponential backoff, min(0.5 * 2**n, 8) seconds, minus up to 25 % jitter so that
  many clients that failed together do not come back together.
* ``max_retries`` retries after the first attempt (default 2).
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import Awaitable, Callable
from typing import TypeVar

import tenacity

from .._exceptions import APIConnectionError, APIStatusError, IncompleteStreamError
from .._retry_after import parse_retry_after  # re-exported: the one parser lives in a leaf module

__all__ = [
    "INITIAL_RETRY_DELAY",
    "MAX_RETRY_AFTER",
    "MAX_RETRY_DELAY",
    "backoff_delay",
    "is_retryable",
    "parse_retry_after",
    "retry_after_failure",
    "retry_delay",
    "with_retries",
]

INITIAL_RETRY_DELAY = 0.5
MAX_RETRY_DELAY = 8.0
#: The longest server-requested wait that is honoured by sleeping; beyond it the error is raised.
MAX_RETRY_AFTER = 60.0

_RETRYABLE_STATUSES = frozenset({408, 409, 429})
_T = TypeVar("_T")


def _should_retry_header(exc: APIStatusError) -> bool | None:
    value = exc.headers.get("x-should-retry") if exc.headers else None
    if value == "true":
        return True
    if value == "false":
        return False
    return None


def is_retryable(exc: BaseException) -> bool:
    """Whether ``exc`` may be retried (attempts left and what was shown are checked elsewhere)."""
    if isinstance(exc, APIStatusError):
        if exc.retry_after is not None and exc.retry_after > MAX_RETRY_AFTER:
            return False  # the caller should hear about a long wait, not sit in it
        override = _should_retry_header(exc)
        if override is not None:
            return override
        return exc.status_code in _RETRYABLE_STATUSES or exc.status_code >= 500
    if isinstance(exc, IncompleteStreamError):
        return True  # only consulted while nothing has been shown to the caller
    return isinstance(exc, APIConnectionError)


def backoff_delay(retries_done: int) -> float:
    """Exponential backoff for retry number ``retries_done + 1``, with up to 25 % jitter."""
    delay = min(INITIAL_RETRY_DELAY * 2.0**retries_done, MAX_RETRY_DELAY)
    return delay * (1.0 - 0.25 * random.random())


def retry_delay(exc: BaseException | None, retries_done: int) -> float:
    """How long to wait before retry number ``retries_done + 1`` after ``exc``."""
    if isinstance(exc, APIStatusError):
        after = exc.retry_after
        if after is not None and 0 < after <= MAX_RETRY_AFTER:
            return after
    return backoff_delay(retries_done)


def _controller(attempts: int, retries_before: int) -> tenacity.AsyncRetrying:
    """The policy as a tenacity controller for ``attempts`` attempts, of which the first comes
    after ``retries_before`` retries already made (its waits count from there)."""

    def wait(state: tenacity.RetryCallState) -> float:
        exc = state.outcome.exception() if state.outcome is not None else None
        return retry_delay(exc, state.attempt_number - 1 + retries_before)

    return tenacity.AsyncRetrying(
        stop=tenacity.stop_after_attempt(attempts),
        wait=wait,
        retry=tenacity.retry_if_exception(is_retryable),
        reraise=True,
    )


async def with_retries(attempt: Callable[[int], Awaitable[_T]], max_retries: int) -> _T:
    """``await attempt(retry_count)``, retried by the policy above.

    The first attempt runs bare: building tenacity's controller costs tens of microseconds,
    which every successful request would pay. Only after a retryable failure does tenacity
    drive the remaining attempts (the stop, wait and retry rules of ``_controller``).
    """
    try:
        return await attempt(0)
    except BaseException as exc:
        if max_retries <= 0 or not is_retryable(exc):
            raise
        failure = exc
    return await retry_after_failure(attempt, failure, max_retries)


async def retry_after_failure(
    attempt: Callable[[int], Awaitable[_T]], failure: BaseException, max_retries: int
) -> _T:
    """The retries of ``with_retries`` once the first attempt failed with the retryable
    ``failure`` (callers that make the first attempt themselves, to keep it cheap, use this)."""
    await asyncio.sleep(retry_delay(failure, 0))
    async for retry in _controller(max_retries, 1):
        with retry:
            return await attempt(retry.retry_state.attempt_number)
    raise AssertionError("unreachable: tenacity either returned or raised")  # pragma: no cover
