"""A ``multipart/form-data`` request body that is streamed, never held whole: file uploads.

The transport sends any async iterable of bytes as the request body; this module only decides
which bytes, so it stays free of aiohttp. A file can be a path, bytes, a binary file object, an
async iterator of bytes, or any of those wrapped by ``to_file(content, filename, content_type)``
(the official SDK's tuples ``(filename, content[, content_type])`` are accepted too).

Why it is built this way:

* Memory: a path or a file object is read in ``CHUNK_SIZE`` pieces while the socket drains,
  in a worker thread (file reads block; the event loop must not). Bytes are sent as slices of
  one memoryview. A 10 GB file costs a few hundred KiB.
* Errors before the request: ``prepare()`` checks the source (a missing path raises
  ``FileNotFoundError`` naming it, a text-mode file a ``TypeError``) before anything is sent.
* ``Content-Length`` is computed when every size is known (paths, bytes, seekable files) so
  the upload is not chunked; an async iterator is sent with chunked encoding.
* Retries: a body can be sent again only if its source can be read again (a path, bytes, a
  seekable file: it seeks back). An async iterator is consumed by the first attempt, so
  ``replayable`` is False and the caller must not retry it.
* A source that does not deliver the size it announced (a file truncated or grown during the
  upload) raises instead of sending a body whose framing lies.
"""

from __future__ import annotations

import asyncio
import io
import mimetypes
import os
import secrets
import stat
from collections.abc import AsyncIterable, AsyncIterator, Mapping, Sequence
from pathlib import Path
from typing import IO, Any, TypeAlias

__all__ = ["CHUNK_SIZE", "FileInput", "MultipartBody", "UploadFile", "prepare", "to_file"]

#: Bytes read from a file per thread hop (and sent per write).
CHUNK_SIZE = 256 * 1024
_DEFAULT_FILENAME = "upload"
_DEFAULT_CONTENT_TYPE = "application/octet-stream"

#: File content ``upload(file=...)`` can read: bytes, a path, a binary file, an async iterator.
FileContent: TypeAlias = (
    "bytes | bytearray | memoryview | os.PathLike[str] | IO[bytes] | AsyncIterable[bytes]"
)


class UploadFile:
    """A file to upload: its content source, filename and content type (see ``to_file``).

    Nothing is read until the upload sends it; ``prepare()`` checks that the source exists.
    """

    __slots__ = ("_checked", "_start", "content", "content_type", "filename", "headers", "size")

    def __init__(
        self,
        content: FileContent,
        filename: str | None = None,
        content_type: str | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        if isinstance(content, str):
            raise TypeError(
                "file content must be bytes, a path (pathlib.Path), a binary file object or an async "
                f"iterator of bytes, not str; for a path write to_file(Path({content!r}))"
            )
        if isinstance(content, io.TextIOBase):
            raise TypeError("the file object is in text mode; open it with 'rb'")
        if not isinstance(content, (bytes, bytearray, memoryview, os.PathLike, AsyncIterable)) and not (
            hasattr(content, "read")
        ):
            raise TypeError(
                "file content must be bytes, a path (os.PathLike), a binary file object or an async "
                f"iterator of bytes, got {type(content).__name__}"
            )
        self.content = content
        self.filename = filename if filename else _name_of(content) or _DEFAULT_FILENAME
        self.content_type = content_type or mimetypes.guess_type(self.filename)[0] or _DEFAULT_CONTENT_TYPE
        self.headers = dict(headers) if headers else {}
        #: Bytes the content will deliver, when known (after ``prepare()``).
        self.size: int | None = None
        self._start = 0
        self._checked = False

    def __repr__(self) -> str:
        return f"<UploadFile filename={self.filename!r} content_type={self.content_type!r} size={self.size}>"

    @property
    def replayable(self) -> bool:
        """Whether the content can be read again (for a retry)."""
        content = self.content
        if isinstance(content, (bytes, bytearray, memoryview, os.PathLike)):
            return True
        if isinstance(content, AsyncIterable):
            return False
        return _seekable(content)

    async def check(self) -> None:
        """Raise now (before any request) if the content cannot be read; learn its size."""
        content = self.content
        if isinstance(content, (bytes, bytearray, memoryview)):
            self.size = memoryview(content).nbytes
        elif isinstance(content, os.PathLike):
            path = Path(content)
            try:
                info = await asyncio.to_thread(os.stat, path)
            except FileNotFoundError:
                raise FileNotFoundError(
                    2, f"file to upload does not exist: {os.fspath(path)!r}", os.fspath(path)
                ) from None
            if not stat.S_ISREG(info.st_mode):
                raise IsADirectoryError(
                    21, f"file to upload is not a regular file: {os.fspath(path)!r}", os.fspath(path)
                )
            self.size = info.st_size
        elif isinstance(content, AsyncIterable):
            self.size = None
        else:
            if getattr(content, "closed", False):
                raise ValueError("the file object to upload is closed")
            if _seekable(content):
                self._start = content.tell()
                end = content.seek(0, io.SEEK_END)
                content.seek(self._start)
                self.size = end - self._start
        self._checked = True

    async def chunks(self) -> AsyncIterator[bytes]:
        """The content, piece by piece (from the start again for a replayable source)."""
        if not self._checked:
            await self.check()
        content = self.content
        sent = 0
        if isinstance(content, (bytes, bytearray, memoryview)):
            view = memoryview(content).cast("B")
            for i in range(0, len(view), CHUNK_SIZE):
                yield bytes(view[i : i + CHUNK_SIZE])
            return
        if isinstance(content, os.PathLike):
            handle = await asyncio.to_thread(open, content, "rb")
            try:
                while chunk := await asyncio.to_thread(handle.read, CHUNK_SIZE):
                    sent += len(chunk)
                    yield chunk
            finally:
                await asyncio.to_thread(handle.close)
        elif isinstance(content, AsyncIterable):
            async for chunk in content:
                if not isinstance(chunk, (bytes, bytearray, memoryview)):
                    raise TypeError(f"the async iterator yielded {type(chunk).__name__}, expected bytes")
                if chunk:
                    sent += len(chunk)
                    yield bytes(chunk)
        else:
            if _seekable(content):
                await asyncio.to_thread(content.seek, self._start)
            while chunk := await asyncio.to_thread(content.read, CHUNK_SIZE):
                if not isinstance(chunk, bytes):
                    raise TypeError("the file object returned str; open it in binary mode ('rb')")
                sent += len(chunk)
                yield chunk
        if self.size is not None and sent != self.size:
            raise OSError(
                f"{self.filename!r} delivered {sent} bytes but had {self.size} when the upload "
                "started (was it modified during the upload?)"
            )


#: What ``upload(file=...)`` accepts: content, ``to_file(...)``, or the SDK's tuples
#: ``(filename, content[, content_type[, headers]])``.
FileInput: TypeAlias = (
    "UploadFile | FileContent | tuple[str | None, FileContent] "
    "| tuple[str | None, FileContent, str | None] "
    "| tuple[str | None, FileContent, str | None, Mapping[str, str]]"
)


def to_file(content: FileContent, filename: str | None = None, content_type: str | None = None) -> UploadFile:
    """Wrap file content for ``files.upload(file=...)`` with an explicit filename and type.

    ``content``: a path (``pathlib.Path``), bytes, a binary file object, or an async iterator of
    bytes. ``filename`` defaults to the path's or file object's name, ``content_type`` to a
    guess from the filename (``application/octet-stream`` when unknown).
    """
    return UploadFile(content, filename, content_type)


def prepare(file: FileInput) -> UploadFile:
    """``UploadFile`` for anything ``upload(file=...)`` accepts (the SDK's tuples included)."""
    if isinstance(file, UploadFile):
        return file
    if isinstance(file, tuple):
        if not 2 <= len(file) <= 4:
            raise TypeError("a file tuple is (filename, content[, content_type[, headers]])")
        filename, content = file[0], file[1]
        content_type = file[2] if len(file) > 2 else None
        headers = file[3] if len(file) > 3 else None
        return UploadFile(content, filename, content_type, headers)
    return UploadFile(file)


def _name_of(content: Any) -> str | None:
    name = os.fspath(content) if isinstance(content, os.PathLike) else getattr(content, "name", None)
    if isinstance(name, (str, bytes)):
        return Path(os.fsdecode(name)).name or None
    return None


def _seekable(content: Any) -> bool:
    try:
        return bool(content.seekable())
    except (AttributeError, ValueError, OSError):
        return False


def _quote(value: str) -> str:
    # WHATWG multipart/form-data: escape only '"', CR and LF; everything else (UTF-8 included)
    # goes as is, which is what browsers, httpx and servers agree on.
    return value.replace('"', "%22").replace("\r", "%0D").replace("\n", "%0A")


class MultipartBody:
    """A ``multipart/form-data`` body of text fields and one file, streamed by ``stream()``."""

    __slots__ = ("_head", "_tail", "boundary", "file")

    def __init__(self, file_field: str, file: UploadFile, fields: Sequence[tuple[str, str]] = ()) -> None:
        self.boundary = secrets.token_hex(16)
        self.file = file
        dash = b"--" + self.boundary.encode("ascii")
        head = bytearray()
        for name, value in fields:
            head += dash + b"\r\n"
            head += f'Content-Disposition: form-data; name="{_quote(name)}"\r\n\r\n'.encode()
            head += value.encode("utf-8") + b"\r\n"
        head += dash + b"\r\n"
        head += (
            f'Content-Disposition: form-data; name="{_quote(file_field)}"; '
            f'filename="{_quote(file.filename)}"\r\n'
        ).encode()
        head += f"Content-Type: {file.content_type}\r\n".encode()
        for key, val in file.headers.items():
            if key.lower() not in ("content-disposition", "content-type"):
                head += f"{key}: {val}\r\n".encode()
        head += b"\r\n"
        self._head = bytes(head)
        self._tail = b"\r\n" + dash + b"--\r\n"

    @property
    def content_type(self) -> str:
        return f"multipart/form-data; boundary={self.boundary}"

    @property
    def content_length(self) -> int | None:
        """Total size in bytes when the file's size is known (after ``file.check()``)."""
        size = self.file.size
        return None if size is None else len(self._head) + size + len(self._tail)

    @property
    def replayable(self) -> bool:
        return self.file.replayable

    def headers(self) -> dict[str, str]:
        headers = {"content-type": self.content_type}
        length = self.content_length
        if length is not None:
            headers["content-length"] = str(length)
        return headers

    async def stream(self) -> AsyncIterator[bytes]:
        """The whole body; call again for a retry (only if ``replayable``)."""
        yield self._head
        async for chunk in self.file.chunks():
            yield chunk
        yield self._tail
