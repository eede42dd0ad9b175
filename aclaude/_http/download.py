"""``BinaryResponse``: a response body that is a file (``files.download()``), streamed.

The body is read chunk by chunk as the caller consumes it: ``iter_bytes()`` hands the chunks
out, ``write_to_file(path)`` writes them to disk in a worker thread (file writes block; the
event loop must not), so a download of any size costs one chunk of memory. The file is written
under a temporary name next to the target and renamed at the end: an interrupted download never
leaves a truncated file at ``path``.
"""

from __future__ import annotations

import asyncio
import os
import secrets
from collections.abc import AsyncIterator, Mapping
from pathlib import Path

from .._closing import AsyncClosing
from .._exceptions import StreamAlreadyConsumedError
from .transport import Response

__all__ = ["BinaryResponse"]

# Chunks are gathered up to this size before one write to disk (one thread hop per write).
_WRITE_BATCH = 1024 * 1024


class BinaryResponse(AsyncClosing):
    """A downloaded file, not yet read. Read it once: ``iter_bytes()``, ``read()``,
    ``write_to_file(path)`` (or ``async for chunk in response``). Use ``async with`` or
    ``close()`` if you do not read it to the end."""

    __slots__ = ("_consumed", "_response")

    def __init__(self, response: Response) -> None:
        self._response = response
        self._consumed = False

    def __repr__(self) -> str:
        return f"<BinaryResponse status={self.status} content_type={self.content_type!r}>"

    @property
    def status(self) -> int:
        return self._response.status

    @property
    def headers(self) -> Mapping[str, str]:
        return self._response.headers

    @property
    def request_id(self) -> str | None:
        return self._response.request_id

    @property
    def content_type(self) -> str | None:
        return self._response.headers.get("content-type")

    @property
    def content_length(self) -> int | None:
        """The size announced by the server, if it did."""
        value = self._response.headers.get("content-length")
        return int(value) if value is not None and value.isdigit() else None

    async def iter_bytes(self, chunk_size: int | None = None) -> AsyncIterator[bytes]:
        """The body as it arrives (re-cut into ``chunk_size`` pieces if given)."""
        if self._consumed:
            raise StreamAlreadyConsumedError("the body of this download has already been read")
        self._consumed = True
        response = self._response
        chunks = response.iter_bytes()
        done = False
        try:
            if chunk_size is None:
                async for chunk in chunks:
                    yield chunk
            else:
                if chunk_size < 1:
                    raise ValueError("chunk_size must be >= 1")
                buffer = bytearray()
                async for chunk in chunks:
                    buffer += chunk
                    while len(buffer) >= chunk_size:
                        yield bytes(buffer[:chunk_size])
                        del buffer[:chunk_size]
                if buffer:
                    yield bytes(buffer)
            done = True
        finally:
            await chunks.aclose()  # type: ignore[attr-defined]
            if done:
                response.release()
            else:
                response.close()

    def __aiter__(self) -> AsyncIterator[bytes]:
        return self.iter_bytes()

    async def read(self) -> bytes:
        """The whole body in memory (for small files; prefer ``write_to_file`` for large ones)."""
        return b"".join([chunk async for chunk in self.iter_bytes()])

    async def write_to_file(self, file: str | os.PathLike[str]) -> int:
        """Stream the body to ``file`` (replaced only once complete); returns the bytes written."""
        target = Path(file)
        temp = target.with_name(f".{target.name}.{secrets.token_hex(4)}.part")
        handle = await asyncio.to_thread(open, temp, "wb")
        written = 0
        ok = False
        try:
            pending: list[bytes] = []
            size = 0
            async for chunk in self.iter_bytes():
                pending.append(chunk)
                size += len(chunk)
                if size >= _WRITE_BATCH:
                    await asyncio.to_thread(handle.writelines, pending)
                    written += size
                    pending, size = [], 0
            if pending:
                await asyncio.to_thread(handle.writelines, pending)
                written += size
            await asyncio.to_thread(handle.close)
            await asyncio.to_thread(os.replace, temp, target)
            ok = True
        finally:
            if not ok:
                await asyncio.to_thread(_discard, handle, temp)
        return written

    stream_to_file = write_to_file

    def close(self) -> None:
        """Drop the connection if the body was not read to the end (harmless after a full read)."""
        self._consumed = True
        self._response.close()


def _discard(handle: object, temp: Path) -> None:
    try:
        handle.close()  # type: ignore[attr-defined]
    finally:
        temp.unlink(missing_ok=True)
