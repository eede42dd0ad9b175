"""Every error aclaude raises. Foreign errors (aiohttp, msgspec, OS) are mapped to these at one
boundary each (``_http/transport.py`` for I/O, ``types/_events.py`` for decoding) with ``raise ...
from exc``, so ``except aclaude.APIError`` catches everything a call can fail with, and
``except aclaude.AnthropicError`` also every misuse of the library::

    AnthropicError                            root of every aclaude error
    ├── APIError                              a call failed: ``request_id``, ``request`` ...
    │   ├── APIStatusError                    the API said no: HTTP status >= 400, or ``event: error``
    │   │   ├── BadRequestError               400  invalid_request_error
    │   │   │   └── Thread*Error              the message-thread rules, by ``error.details.error_code``
    │   │   ├── AuthenticationError           401  authentication_error
    │   │   ├── PaymentRequiredError          402  billing_error
    │   │   ├── PermissionDeniedError         403  permission_error
    │   │   ├── NotFoundError                 404  not_found_error
    │   │   │   └── ThreadNotFoundError       no thread for ``previous_message_id``
    │   │   ├── RequestTimeoutError           408
    │   │   ├── ConflictError                 409
    │   │   ├── PreconditionFailedError       412
    │   │   ├── RequestTooLargeError          413  request_too_large (alias ``ContentTooLargeError``)
    │   │   ├── UnprocessableEntityError      422
    │   │   ├── RateLimitError                429  rate_limit_error
    │   │   ├── RequestHeaderFieldsTooLargeError 431
    │   │   ├── ClientClosedRequestError      499
    │   │   └── InternalServerError           >= 500  api_error (and any other 5xx)
    │   │       ├── HTTPNotImplementedError   501
    │   │       ├── ServiceUnavailableError   503
    │   │       ├── GatewayTimeoutError       504  timeout_error
    │   │       └── OverloadedError           529  overloaded_error
    │   ├── APIConnectionError                no usable answer: refused, reset, dropped, TLS ...
    │   │   ├── APITimeoutError               connect / idle / overall deadline exceeded
    │   │   └── IncompleteStreamError         the stream ended (clean EOF or dropped) before message_stop
    │   ├── APIUserAbortError                 not a failure: the caller stopped a stream before its end
    │   ├── APIResponseValidationError        the bytes are not what the API sends (bad JSON, invalid UTF-8,
    │   │   │                                 an oversized event, events out of order)
    │   │   ├── JSONLDecodeError              a bad line in a JSON Lines body (batch results): ``line_number``
    │   │   └── StructuredOutputError         a reply that does not fit the requested ``output_format``
    │   └── RateLimitWaitError                the client's own rate-limit budget would make the call wait
    │                                         longer than its ``max_wait``: nothing was sent
    │   misuse: the program asked for something that cannot be done (nothing was sent). Each is
    │   also the builtin it replaces, so ``except RuntimeError`` / ``except NotImplementedError``
    │   keep working:
    ├── ClientClosedError                     (RuntimeError) a request on a closed client
    ├── StreamAlreadyConsumedError            (RuntimeError) a stream or body read twice, or closed unopened
    ├── NoNextPageError                       (RuntimeError) ``get_next_page()`` on the last page
    └── UnsupportedOnPlatformError            (NotImplementedError) an endpoint the platform lacks

An error raised in the middle of a stream carries what arrived before it: ``events_received``
and, where a message was being accumulated (``messages.stream()``, non-streaming ``create()``),
``partial_message``, the snapshot so far. aclaude never returns a partial message as complete.

No exception's ``str`` or ``repr`` contains the API key: messages are built from status codes,
error bodies and our own text, never from request headers. ``error.request`` (method, URL,
headers) and ``error.response`` (status, headers, body) are views made for errors, with every
secret header masked: the same classes and status mapping as the official SDK, without handing
out the HTTP library's objects.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from ._retry_after import parse_retry_after

__all__ = [
    "APIConnectionError",
    "APIError",
    "APIResponseValidationError",
    "APIStatusError",
    "APITimeoutError",
    "APIUserAbortError",
    "AnthropicError",
    "AuthenticationError",
    "BadRequestError",
    "ClientClosedError",
    "ClientClosedRequestError",
    "ConflictError",
    "ContentTooLargeError",
    "ErrorRequest",
    "ErrorResponse",
    "GatewayTimeoutError",
    "HTTPNotImplementedError",
    "IncompleteStreamError",
    "InternalServerError",
    "JSONLDecodeError",
    "NoNextPageError",
    "NotFoundError",
    "OverloadedError",
    "PaymentRequiredError",
    "PermissionDeniedError",
    "PreconditionFailedError",
    "RateLimitError",
    "RateLimitWaitError",
    "RequestHeaderFieldsTooLargeError",
    "RequestTimeoutError",
    "RequestTooLargeError",
    "ServiceUnavailableError",
    "StreamAlreadyConsumedError",
    "StructuredOutputError",
    "ThreadAlreadyContinuedError",
    "ThreadContinueInFlightError",
    "ThreadFingerprintMismatchError",
    "ThreadNotFoundError",
    "ThreadUnsupportedRequestError",
    "UnprocessableEntityError",
    "UnsupportedOnPlatformError",
    "error_for_status",
    "error_for_stream_event",
]


class ErrorRequest:
    """The request an error belongs to, as ``error.request``: ``method``, ``url`` (any password
    masked) and ``headers`` (credentials masked: built from ``redact_headers``)."""

    __slots__ = ("headers", "method", "url")

    def __init__(self, method: str, url: str, headers: Mapping[str, str]) -> None:
        self.method = method
        self.url = url
        self.headers: Mapping[str, str] = headers

    def __repr__(self) -> str:
        return f"<ErrorRequest {self.method} {self.url}>"


class ErrorResponse:
    """The HTTP error response, as ``error.response``: ``status_code``, ``headers``, the body
    as ``content`` (bytes, at most 1 MiB), ``text``, ``json()``, and the ``request``."""

    __slots__ = ("content", "headers", "request", "status_code")

    def __init__(
        self,
        status_code: int,
        headers: Mapping[str, str],
        content: bytes = b"",
        request: ErrorRequest | None = None,
    ) -> None:
        self.status_code = status_code
        self.headers = headers
        self.content = content
        self.request = request

    @property
    def text(self) -> str:
        return self.content.decode("utf-8", "replace")

    def json(self) -> Any:
        """The body decoded as JSON (raises ``ValueError`` if it is not JSON)."""
        return json.loads(self.content)

    def __repr__(self) -> str:
        return f"<ErrorResponse [{self.status_code}]>"


class AnthropicError(Exception):
    """The root of every error aclaude raises (the official SDK's name): failed calls
    (``APIError``) and misuse of the library (``ClientClosedError`` ...)."""


class APIError(AnthropicError):
    """Base class of every error a call to the API can fail with."""

    message: str
    request_id: str | None
    #: The request that failed (None when the error did not come from one request, e.g. a
    #: bad line in a results file read later).
    request: ErrorRequest | None = None
    #: The accumulated message up to the failure, when one was being built (else None).
    partial_message: Any
    #: How many stream events had arrived when the failure happened (0 before the stream).
    events_received: int
    #: Seconds this attempt waited for the client's rate limiter (``rate_limiter=``) before it
    #: was sent (0.0 without a limiter).
    rate_limit_wait: float = 0.0
    #: The failed stream's ``StreamTimings`` (when a stream raised it; None otherwise).
    timings: Any = None

    def __init__(
        self,
        message: str,
        *,
        request_id: str | None = None,
        partial_message: Any = None,
        events_received: int = 0,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.request_id = request_id
        self.partial_message = partial_message
        self.events_received = events_received

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.message!r})"


class APIStatusError(APIError):
    """The API answered with an error: an HTTP status >= 400 or an ``event: error`` in a stream.

    ``body`` is the decoded JSON error body (``{"type": "error", "error": {...}}``) when there was
    one, else the raw text; ``type`` is the error type (``"overloaded_error"`` ...); ``response``
    the HTTP response (None for an ``event: error`` inside a 200 stream).
    """

    status_code: int
    body: Any
    type: str | None
    headers: Mapping[str, str]
    response: ErrorResponse | None = None

    def __init__(
        self,
        message: str,
        *,
        status_code: int,
        body: Any = None,
        error_type: str | None = None,
        headers: Mapping[str, str] | None = None,
        request_id: str | None = None,
        partial_message: Any = None,
        events_received: int = 0,
    ) -> None:
        super().__init__(
            message,
            request_id=request_id,
            partial_message=partial_message,
            events_received=events_received,
        )
        self.status_code = status_code
        self.body = body
        self.type = error_type
        self.headers = headers if headers is not None else {}

    @property
    def error_code(self) -> str | None:
        """``error.details.error_code`` of the body: the precise cause, when the API names one
        (``"thread_not_found"`` ...); branch on it rather than on the message."""
        return _error_code(self.body)

    @property
    def details(self) -> dict[str, Any]:
        """``error.details`` of the body (empty when it has none)."""
        return _error_details(self.body)

    @property
    def retry_after(self) -> float | None:
        """Seconds the server asked to wait before retrying (``retry-after-ms`` /
        ``retry-after``), or None. Set when aclaude gave up because the wait was too long."""
        return parse_retry_after(self.headers)


class BadRequestError(APIStatusError):
    """400: the request was malformed or invalid."""


class AuthenticationError(APIStatusError):
    """401: missing or invalid API key."""


class PermissionDeniedError(APIStatusError):
    """403: the key may not use this resource."""


class PaymentRequiredError(APIStatusError):
    """402: a billing problem (``billing_error``)."""


class NotFoundError(APIStatusError):
    """404: no such resource (or model)."""


class RequestTimeoutError(APIStatusError):
    """408: the server timed out waiting for the request (retried)."""


class PreconditionFailedError(APIStatusError):
    """412."""


class ConflictError(APIStatusError):
    """409: the request conflicts with the resource's state."""


class RequestTooLargeError(APIStatusError):
    """413: the request body exceeds the API's size limit."""


#: The official SDK's newer name for 413.
ContentTooLargeError = RequestTooLargeError


class UnprocessableEntityError(APIStatusError):
    """422: well-formed but semantically invalid."""


class RateLimitError(APIStatusError):
    """429: rate limited; the response headers say when to come back."""


class RequestHeaderFieldsTooLargeError(APIStatusError):
    """431: the request's headers are too large."""


class ClientClosedRequestError(APIStatusError):
    """499: the request was closed before the server answered."""


class InternalServerError(APIStatusError):
    """>= 500: the API failed."""


class HTTPNotImplementedError(InternalServerError):
    """501."""


class ServiceUnavailableError(InternalServerError):
    """503."""


class GatewayTimeoutError(InternalServerError):
    """504 or an in-stream ``timeout_error``."""


class OverloadedError(InternalServerError):
    """529 or an in-stream ``overloaded_error``: the API is temporarily overloaded."""


class APIConnectionError(APIError):
    """No usable answer: the connection failed, was reset or dropped."""


class APITimeoutError(APIConnectionError):
    """A connect, idle or overall deadline passed."""


class IncompleteStreamError(APIConnectionError):
    """The stream ended before ``message_stop``: by a clean end of the body (``clean_eof``) or a
    dropped connection. Carries ``events_received`` and, where one was being built, the
    ``partial_message`` snapshot: it is never handed out as a complete message."""

    clean_eof: bool

    def __init__(self, message: str, *, clean_eof: bool, **context: Any) -> None:
        # context: APIError's request_id, partial_message and events_received.
        super().__init__(message, **context)
        self.clean_eof = clean_eof


class APIUserAbortError(APIError):
    """The caller stopped the stream before its end (``close()``, ``abort()``, leaving the
    ``async with`` early, or cancelling the task): not a failure of the API or the network, so
    never retried. ``partial_message`` is what had arrived; ``events_received`` the events the
    stream had handed out. The name is the one the official TypeScript SDK uses."""


class APIResponseValidationError(APIError):
    """The response is not what the API sends: malformed JSON, invalid UTF-8, an event over the
    size cap, or events in an impossible order."""


class RateLimitWaitError(APIError):
    """The client's rate limiter (``rate_limiter=``) would have made this call wait longer than
    its ``max_wait``. Raised before anything was sent, so it is never retried.

    ``waited``: seconds the call already spent in the queue; ``needed``: the limiter's estimate
    of the further wait (``None`` when unknown, e.g. the budget is paused by a 429 with no
    end); ``state``: the budget's state when it gave up (a dict: levels, limits, paused_until).
    """

    waited: float
    needed: float | None
    state: Mapping[str, Any]

    def __init__(
        self,
        message: str,
        *,
        waited: float,
        needed: float | None,
        state: Mapping[str, Any] | None = None,
    ) -> None:
        super().__init__(message)
        self.waited = waited
        self.needed = needed
        self.state = state or {}


class JSONLDecodeError(APIResponseValidationError):
    """A line of a JSON Lines body is malformed or too long; ``line_number`` is 1-based.

    Everything before that line has already been handed out."""

    line_number: int

    def __init__(self, message: str, *, line_number: int, request_id: str | None = None) -> None:
        super().__init__(message, request_id=request_id)
        self.line_number = line_number


class StructuredOutputError(APIResponseValidationError):
    """The reply is not a valid instance of the requested ``output_format``.

    ``response_message`` is the complete message, ``text`` the text that failed to parse.
    """

    response_message: Any
    text: str

    def __init__(self, message: str, *, response_message: Any, text: str) -> None:
        super().__init__(message, request_id=getattr(response_message, "request_id", None))
        self.response_message = response_message
        self.text = text


# -- message threads (beta): told apart by ``error.details.error_code``, the official SDK's
# classes and codes. Each is also the class of its HTTP status, so ``except NotFoundError`` /
# ``except BadRequestError`` keep working.


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
        names = self.details.get("unsupported")
        return [str(name) for name in names] if isinstance(names, list) else []


class ClientClosedError(AnthropicError, RuntimeError):
    """A request on a client that was closed (``close()`` or the end of ``async with``)."""


class StreamAlreadyConsumedError(AnthropicError, RuntimeError):
    """A stream or response body that can be read once was read again (or asked for its raw
    events after iteration began), or was closed before it was opened."""


class NoNextPageError(AnthropicError, RuntimeError):
    """``get_next_page()`` on the last page: check ``has_next_page()`` first."""


class UnsupportedOnPlatformError(AnthropicError, NotImplementedError):
    """An endpoint the cloud platform does not offer (Message Batches on Bedrock ...); the
    request was not sent. ``platform`` names the platform, ``feature`` what was asked for."""

    platform: str
    feature: str

    def __init__(self, feature: str, platform: str) -> None:
        super().__init__(f"{feature} is not supported on {platform}")
        self.feature = feature
        self.platform = platform


_STATUS_CLASSES: dict[int, type[APIStatusError]] = {
    400: BadRequestError,
    401: AuthenticationError,
    402: PaymentRequiredError,
    403: PermissionDeniedError,
    404: NotFoundError,
    408: RequestTimeoutError,
    409: ConflictError,
    412: PreconditionFailedError,
    413: RequestTooLargeError,
    422: UnprocessableEntityError,
    429: RateLimitError,
    431: RequestHeaderFieldsTooLargeError,
    499: ClientClosedRequestError,
    501: HTTPNotImplementedError,
    503: ServiceUnavailableError,
    504: GatewayTimeoutError,
    529: OverloadedError,
}

# Error types the API puts in error bodies and `event: error`, with the HTTP status they mean.
_ERROR_TYPE_STATUS: dict[str, int] = {
    "invalid_request_error": 400,
    "authentication_error": 401,
    "billing_error": 402,
    "permission_error": 403,
    "not_found_error": 404,
    "request_too_large": 413,
    "rate_limit_error": 429,
    "api_error": 500,
    "timeout_error": 504,
    "overloaded_error": 529,
}


#: The classes of error bodies that name their cause (``error.details.error_code``), by (HTTP
#: status, code): the message-thread rules. Read only when an error body carries a code.
_ERROR_CODE_CLASSES: dict[tuple[int, str], type[APIStatusError]] = {
    (404, "thread_not_found"): ThreadNotFoundError,
    (400, "thread_already_continued"): ThreadAlreadyContinuedError,
    (400, "thread_continue_in_flight"): ThreadContinueInFlightError,
    (400, "thread_fingerprint_mismatch"): ThreadFingerprintMismatchError,
    (400, "thread_unsupported_request"): ThreadUnsupportedRequestError,
}


def _error_details(body: Any) -> dict[str, Any]:
    """``error.details`` of an API error body (empty when it has none)."""
    error = body.get("error") if isinstance(body, dict) else None
    details = error.get("details") if isinstance(error, dict) else None
    return details if isinstance(details, dict) else {}


def _error_code(body: Any) -> str | None:
    """``error.details.error_code`` of an API error body, if it is a string."""
    code = _error_details(body).get("error_code")
    return code if isinstance(code, str) else None


def _class_for_status(status: int) -> type[APIStatusError]:
    cls = _STATUS_CLASSES.get(status)
    if cls is not None:
        return cls
    return InternalServerError if status >= 500 else APIStatusError


def _describe(body: Any) -> tuple[str | None, str | None]:
    """(error type, error message) from an API error body, tolerating any shape."""
    if isinstance(body, dict):
        err = body.get("error")
        if isinstance(err, dict):
            etype, emsg = err.get("type"), err.get("message")
            return (
                etype if isinstance(etype, str) else None,
                emsg if isinstance(emsg, str) else None,
            )
    return None, None


def _typed(status: int, message: str, body: Any, etype: str | None, **context: Any) -> APIStatusError:
    """The ``APIStatusError`` subclass of ``status``; ``message`` gets the request id appended."""
    request_id = context.get("request_id")
    if request_id:
        message += f" (request_id: {request_id})"
    cls = _class_for_status(status)
    code = _error_code(body)
    if code is not None:
        cls = _ERROR_CODE_CLASSES.get((status, code), cls)
    return cls(message, status_code=status, body=body, error_type=etype, **context)


def error_for_status(
    status: int,
    body: Any,
    *,
    headers: Mapping[str, str] | None = None,
    request_id: str | None = None,
    response: ErrorResponse | None = None,
) -> APIStatusError:
    """The typed error for an HTTP error response (``response``: its view, for ``error.response``
    and ``error.request``)."""
    etype, emsg = _describe(body)
    if emsg is None:
        emsg = body if isinstance(body, str) and body else "(no error message)"
    message = f"Error code: {status} - {etype or 'error'}: {emsg}"
    error = _typed(status, message, body, etype, headers=headers, request_id=request_id)
    if response is not None:
        error.response = response
        error.request = response.request
    return error


def error_for_stream_event(
    body: Any,
    *,
    request_id: str | None = None,
    partial_message: Any = None,
    events_received: int = 0,
) -> APIStatusError:
    """The typed error for an ``event: error`` received inside a 200 stream: the class and
    ``status_code`` are those of the HTTP status its error type stands for."""
    etype, emsg = _describe(body)
    status = _ERROR_TYPE_STATUS.get(etype or "", 500)
    message = f"Stream error: {etype or 'error'}: {emsg or '(no error message)'}"
    return _typed(
        status,
        message,
        body,
        etype,
        request_id=request_id,
        partial_message=partial_message,
        events_received=events_received,
    )
