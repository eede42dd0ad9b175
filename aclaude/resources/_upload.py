"""Sending a streamed multipart body (file uploads, skill uploads) with the client's retries.

A source that can be read again (a path, bytes, a seekable file) is retried like any request;
an async iterator is sent once. A failure of the source itself (unreadable, changed size) is
raised as that error, not as a lost connection, and never retried.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import TYPE_CHECKING, Protocol, TypeVar

from .._exceptions import APIConnectionError
from .._http.retry import with_retries
from .._http.transport import Response
from ._base import decode_json, open_attempt, retries_for
from ._options import RequestOptions

if TYPE_CHECKING:
    from ._base import APIClient

__all__ = ["StreamedBody", "post_streamed"]

_T = TypeVar("_T")


class StreamedBody(Protocol):
    """A body sent as it is read (``MultipartBody``, ``SkillFilesBody``)."""

    @property
    def replayable(self) -> bool:
        """Whether ``stream()`` can be called again, for a retry."""
        ...

    def headers(self) -> dict[str, str]:
        """Its content type (and length, when known)."""
        ...

    def stream(self) -> AsyncIterator[bytes]:
        """The whole body, read as it is sent."""
        ...


async def post_streamed(
    client: APIClient, path: str, body: StreamedBody, cast_to: type[_T], options: RequestOptions
) -> _T:
    """``POST path`` with the bytes of ``body.stream()`` (called once per attempt), decoded as
    JSON; the body's headers go on top of ``options["extra_headers"]``."""
    headers = {**(options.get("extra_headers") or {}), **body.headers()}
    options = {**options, "extra_headers": headers}
    source_errors: list[BaseException] = []

    async def attempt(retry_count: int) -> Response:
        source_errors.clear()
        try:
            return await open_attempt(
                client, "POST", path, options, retry_count, _watched(body.stream(), source_errors)
            )
        except APIConnectionError as exc:
            # The transport reports a failing body as a lost connection; the real cause
            # is the source (unreadable, changed size): raise that, and do not retry.
            if source_errors:
                raise source_errors[0] from exc
            raise

    response = await with_retries(attempt, retries_for(client, options) if body.replayable else 0)
    try:
        raw = await response.read()
    finally:
        response.release()
    return decode_json(raw, cast_to, response.request_id)


async def _watched(chunks: AsyncIterator[bytes], errors: list[BaseException]) -> AsyncIterator[bytes]:
    """``chunks``, noting in ``errors`` an exception of the source itself (not of the socket)."""
    try:
        async for chunk in chunks:
            yield chunk
    except Exception as exc:
        errors.append(exc)
        raise
