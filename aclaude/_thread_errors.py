"""The typed errors of message threads, told apart by ``error.details.error_code`` in the API's
error body (the official SDK's classes and codes). Each is also the class of its HTTP status, so
``except NotFoundError`` / ``except BadRequestError`` keep working::

    ThreadNotFoundError              404  thread_not_found: no thread for previous_message_id
    ThreadAlreadyContinuedError      400  thread_already_continued: each reply is continued once
    ThreadContinueInFlightError      400  thread_continue_in_flight: another continue is running
    ThreadFingerprintMismatchError   400  thread_fingerprint_mismatch: system/tools differ
    ThreadUnsupportedRequestError    400  thread_unsupported_request: ``unsupported`` names why

``error.error_code`` and ``error.details`` (on every ``APIStatusError``) read the body.
The classes register in ``_exceptions.ERROR_CODE_CLASSES``, which is read only when an error
body carries a code, so they cost nothing on any other path.
"""

from __future__ import annotations

from typing import Any

from ._exceptions import ERROR_CODE_CLASSES, APIStatusError, BadRequestError, NotFoundError

__all__ = [
    "ThreadAlreadyContinuedError",
    "ThreadContinueInFlightError",
    "ThreadFingerprintMismatchError",
    "ThreadNotFoundError",
    "ThreadUnsupportedRequestError",
    "error_code_of",
    "error_details_of",
]


def error_details_of(body: Any) -> dict[str, Any]:
    """``error.details`` of an API error body (empty when it has none)."""
    error = body.get("error") if isinstance(body, dict) else None
    details = error.get("details") if isinstance(error, dict) else None
    return details if isinstance(details, dict) else {}


def error_code_of(body: Any) -> str | None:
    """``error.details.error_code`` of an API error body, if it is a string."""
    code = error_details_of(body).get("error_code")
    return code if isinstance(code, str) else None


class ThreadNotFoundError(NotFoundError):
    """404 ``thread_not_found``: no thread is held for ``previous_message_id`` (never made, or
    expired). Send the whole conversation again with ``thread={"type": "create"}``."""


class ThreadAlreadyContinuedError(BadRequestError):
    """400 ``thread_already_continued``: that reply was continued before; continue from the
    thread's latest reply ``id``."""


class ThreadContinueInFlightError(BadRequestError):
    """400 ``thread_continue_in_flight``: another request is still continuing from the same
    reply."""


class ThreadFingerprintMismatchError(BadRequestError):
    """400 ``thread_fingerprint_mismatch``: a field that stays fixed for a thread (``system``,
    ``tools``) differs from the one the thread was created with."""


class ThreadUnsupportedRequestError(BadRequestError):
    """400 ``thread_unsupported_request``: the request combines ``thread`` with something threads
    do not support; ``unsupported`` names it."""

    @property
    def unsupported(self) -> list[str]:
        """The request fields or settings the API named (may be empty)."""
        names = error_details_of(self.body).get("unsupported")
        return [str(name) for name in names] if isinstance(names, list) else []


_BY_CODE: dict[tuple[int, str], type[APIStatusError]] = {
    (404, "thread_not_found"): ThreadNotFoundError,
    (400, "thread_already_continued"): ThreadAlreadyContinuedError,
    (400, "thread_continue_in_flight"): ThreadContinueInFlightError,
    (400, "thread_fingerprint_mismatch"): ThreadFingerprintMismatchError,
    (400, "thread_unsupported_request"): ThreadUnsupportedRequestError,
}
# Registered on import; ``aclaude/__init__`` imports this module, so every error is typed.
ERROR_CODE_CLASSES.update(_BY_CODE)
