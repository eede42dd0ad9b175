"""One line in words for a failure, and the exit status; the details for ``--verbose``.

The library's errors say precisely what failed, in its terms (``connection lost while reading
the response: ClientPayloadError: Response payload is not completed: <TransferEncodingError:
400 ...>``), which is right in a log and wrong on a terminal: the ``400`` there is aiohttp's
internal parser code, not an HTTP status. The one line says what happened in words; the
library's message and the chain of causes are the ``--verbose`` details.

aiohttp is not imported here (the transport is the only module that touches it): causes are
recognised by class name along their MRO.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from .._exceptions import (
    APIConnectionError,
    APIError,
    APIStatusError,
    APITimeoutError,
    AuthenticationError,
    IncompleteStreamError,
    NotFoundError,
    PermissionDeniedError,
)
from .._logging import redact_url

__all__ = [
    "EXIT_API",
    "EXIT_AUTH",
    "EXIT_CONNECTION",
    "EXIT_INTERRUPTED",
    "EXIT_TERMINATED",
    "EXIT_USAGE",
    "describe_error",
    "details",
    "doubled_v1",
]

# Exit statuses: 0 ok, 1 API error, 2 usage, 3 authentication, 4 connection, 130 interrupted
# (Ctrl-C), 143 terminated (SIGTERM): 128 + the signal's number, as a shell reports it.
EXIT_API, EXIT_USAGE, EXIT_AUTH, EXIT_CONNECTION = 1, 2, 3, 4
EXIT_INTERRUPTED, EXIT_TERMINATED = 130, 143

# Cause class names (most specific first) and what they mean to a person.
_CAUSES: tuple[tuple[str, str], ...] = (
    ("ClientConnectorDNSError", "the host name could not be resolved"),
    ("ClientConnectorCertificateError", "the server's TLS certificate was not accepted"),
    ("ClientConnectorSSLError", "the TLS handshake failed"),
    ("ConnectionRefusedError", "the connection was refused (is anything listening there?)"),
    ("ClientConnectorError", "could not connect"),
    ("ClientProxyConnectionError", "could not connect through the proxy"),
    ("ServerDisconnectedError", "the server closed the connection before answering"),
    ("TransferEncodingError", "the connection broke in the middle of the reply"),
    ("ClientPayloadError", "the connection broke in the middle of the reply"),
    ("ConnectionResetError", "the connection was reset"),
    ("InvalidURL", "the URL is not valid"),
    ("ClientOSError", "a network error"),
    ("OSError", "a network error"),
)


def _cause_words(exc: BaseException) -> str | None:
    seen: set[int] = set()
    current: BaseException | None = exc.__cause__ or exc.__context__
    while current is not None and id(current) not in seen and len(seen) < 8:
        seen.add(id(current))
        names = {klass.__name__ for klass in type(current).__mro__}
        # aiohttp's connector errors keep the OS error as an attribute, not as a cause.
        os_error = getattr(current, "os_error", None)
        if isinstance(os_error, BaseException):
            names.update(klass.__name__ for klass in type(os_error).__mro__)
        for name, words in _CAUSES:
            if name in names:
                return words
        current = current.__cause__ or current.__context__
    return None


def doubled_v1(base_url: str) -> bool:
    """Whether ``base_url`` already ends in ``/v1``, which the client adds itself."""
    path = urlsplit(base_url).path.rstrip("/")
    return path.endswith("/v1")


def describe_error(exc: APIError, base_url: str, sent_key: bool) -> tuple[str, int]:
    """One line for a failure (without the ``aclaude: `` prefix), and the exit status."""
    where = redact_url(base_url)
    if isinstance(exc, AuthenticationError):
        if not sent_key:
            return "no API key: set ANTHROPIC_API_KEY (the API answered 401)", EXIT_AUTH
        return f"the API key was rejected ({_status_detail(exc)})", EXIT_AUTH
    if isinstance(exc, NotFoundError):
        if doubled_v1(base_url):
            return (
                f"not found: the base URL {where} already ends in /v1 and aclaude adds "
                f"/v1/messages itself (so it asked for /v1/v1/messages): drop the /v1 "
                f"({_status_detail(exc)})",
                EXIT_API,
            )
        return f"not found, check --model ({_status_detail(exc)})", EXIT_API
    if isinstance(exc, PermissionDeniedError):
        return f"permission denied ({_status_detail(exc)})", EXIT_API
    if isinstance(exc, APIStatusError):
        return f"the API answered with an error ({_status_detail(exc)})", EXIT_API
    if isinstance(exc, IncompleteStreamError):
        if exc.clean_eof:
            return "the reply was cut off: the server ended it before its last event", EXIT_CONNECTION
        words = _cause_words(exc) or "the connection broke in the middle of the reply"
        return f"the reply was cut off: {words}", EXIT_CONNECTION
    if isinstance(exc, APITimeoutError):
        return f"timed out waiting for {where}", EXIT_CONNECTION
    if isinstance(exc, APIConnectionError):
        words = _cause_words(exc) or "the connection failed"
        return f"cannot reach {where}: {words}", EXIT_CONNECTION
    return exc.message, EXIT_API


def details(exc: BaseException) -> list[str]:
    """The library's message and each cause's class and text: the ``--verbose`` lines."""
    lines = [f"{type(exc).__name__}: {exc}"]
    seen = {id(exc)}
    current = exc.__cause__ or exc.__context__
    while current is not None and id(current) not in seen and len(seen) < 8:
        seen.add(id(current))
        lines.append(f"caused by {type(current).__name__}: {current}")
        current = current.__cause__ or current.__context__
    return lines


def _status_detail(exc: APIStatusError) -> str:
    """``401 authentication_error: invalid x-api-key`` from the error body, tolerating any shape."""
    error = exc.body.get("error") if isinstance(exc.body, dict) else None
    text = error.get("message") if isinstance(error, dict) else None
    detail = f"{exc.status_code} {exc.type or 'error'}"
    if isinstance(text, str) and text:
        detail += f": {text}"
    if exc.request_id:
        detail += f", request_id {exc.request_id}"
    return detail
