"""The Files API: ``/v1/files`` upload (multipart), list, metadata, download, delete.

Uploads are parsed as they arrive (aiohttp's streaming multipart reader, chunk by chunk): the
server never buffers a whole request body, and a file over ``max_bytes`` is refused with the
API's 413 as soon as it crosses the limit. Files live in memory (``keep_content=False`` keeps
only size and SHA-256, for uploads larger than memory should hold).

As in the real API, files you upload are not downloadable (``downloadable: false``; a download
is a 400 ``file_not_downloadable``): only files a tool created are. Tests seed those with
``add()``, with literal bytes or a generated content of any size (streamed on download).
"""

from __future__ import annotations

import datetime
import hashlib
import mimetypes
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from aiohttp import BodyPartReader, web

from ._headers import response_headers
from ._ids import new_id
from ._pages import rfc3339
from ._respond import Context, json_error, json_response, page_response
from ._sse_render import encode_json

__all__ = ["FileStore", "StoredFile"]

_READ_CHUNK = 256 * 1024
_DEFAULT_MAX_BYTES = 500 * 1024 * 1024  # the API's per-file limit
_MIN_EXPIRY, _MAX_EXPIRY = 3600, 7_776_000
_PATTERN = bytes(range(256)) * 1024  # 256 KiB of generated content, repeated


@dataclass
class StoredFile:
    """One file: its metadata (the API's JSON), and its bytes or generated size."""

    metadata: dict[str, Any]
    sha256: str
    content: bytes | None = None
    generated_size: int | None = None

    def chunks(self) -> Iterator[bytes]:
        if self.content is not None:
            view = memoryview(self.content)
            for i in range(0, len(view), _READ_CHUNK):
                yield bytes(view[i : i + _READ_CHUNK])
            return
        remaining = self.generated_size or 0
        while remaining > 0:
            piece = _PATTERN[: min(remaining, len(_PATTERN))]
            remaining -= len(piece)
            yield piece


def generated_content(size: int) -> Iterator[bytes]:
    """The bytes of a generated file of ``size`` bytes (what ``add(size, ...)`` serves)."""
    return StoredFile(metadata={}, sha256="", generated_size=size).chunks()


class FileStore:
    """The fake's files (newest last internally; listed newest first)."""

    def __init__(self, *, max_bytes: int = _DEFAULT_MAX_BYTES, keep_content: bool = True) -> None:
        self.max_bytes = max_bytes
        self.keep_content = keep_content
        self._files: dict[str, StoredFile] = {}

    def __len__(self) -> int:
        return len(self._files)

    def __getitem__(self, file_id: str) -> StoredFile:
        return self._files[file_id]

    def __contains__(self, file_id: object) -> bool:
        return file_id in self._files

    def add(
        self,
        content: bytes | int,
        filename: str = "output.bin",
        *,
        mime_type: str | None = None,
        downloadable: bool = True,
    ) -> dict[str, Any]:
        """Store a file as if a tool had created it (downloadable by default) and return its
        metadata. ``content``: the bytes, or a size for generated content (``generated_content``)."""
        if isinstance(content, int):
            sha = hashlib.sha256()
            for chunk in generated_content(content):
                sha.update(chunk)
            stored = self._store(filename, mime_type, content, sha.hexdigest(), None, downloadable, None)
            stored.generated_size = content
        else:
            digest = hashlib.sha256(content).hexdigest()
            stored = self._store(
                filename, mime_type, len(content), digest, bytes(content), downloadable, None
            )
        return stored.metadata

    def _store(
        self,
        filename: str,
        mime_type: str | None,
        size: int,
        sha256: str,
        content: bytes | None,
        downloadable: bool,
        expires_in: int | None,
    ) -> StoredFile:
        now = datetime.datetime.now(datetime.timezone.utc)
        metadata: dict[str, Any] = {
            "type": "file",
            "id": new_id("file"),
            "filename": filename,
            "mime_type": mime_type or mimetypes.guess_type(filename)[0] or "application/octet-stream",
            "size_bytes": size,
            "created_at": rfc3339(now),
            "downloadable": downloadable,
            "expires_at": rfc3339(now + datetime.timedelta(seconds=expires_in)) if expires_in else None,
        }
        stored = StoredFile(metadata=metadata, sha256=sha256, content=content)
        self._files[metadata["id"]] = stored
        return stored

    # -- handlers --------------------------------------------------------------------------------

    async def upload(self, ctx: Context, params: Mapping[str, str]) -> web.StreamResponse:
        request = ctx.request
        if not request.content_type.startswith("multipart/form-data"):
            return json_error(ctx, 400, "invalid_request_error", "Content-Type must be multipart/form-data")
        try:
            reader = await request.multipart()
            filename: str | None = None
            mime_type: str | None = None
            buffer = bytearray()
            sha = hashlib.sha256()
            size = 0
            fields: dict[str, str] = {}
            while (part := await reader.next()) is not None:
                if not isinstance(part, BodyPartReader):
                    continue  # a nested multipart: ignored
                if part.name == "file" and part.filename is not None:
                    filename = part.filename.rsplit("/", 1)[-1].rsplit("\\", 1)[-1]
                    mime_type = part.headers.get("Content-Type")
                    while chunk := await part.read_chunk(_READ_CHUNK):
                        size += len(chunk)
                        if size > self.max_bytes:
                            return json_error(
                                ctx,
                                413,
                                "request_too_large",
                                f"File exceeds the maximum size of {self.max_bytes} bytes.",
                            )
                        sha.update(chunk)
                        if self.keep_content:
                            buffer += chunk
                elif part.name:
                    fields[part.name] = await part.text()
        except (ValueError, AssertionError) as exc:
            return json_error(ctx, 400, "invalid_request_error", f"malformed multipart body: {exc}")
        except ConnectionError:
            return web.Response(status=400)  # the client went away mid-upload: nobody to answer
        if filename is None:
            return json_error(ctx, 400, "invalid_request_error", "file: Field required")
        expires_in: int | None = None
        if "expires_in_seconds" in fields:
            try:
                expires_in = int(fields["expires_in_seconds"])
            except ValueError:
                expires_in = -1
            if not _MIN_EXPIRY <= expires_in <= _MAX_EXPIRY:
                return json_error(
                    ctx,
                    400,
                    "invalid_request_error",
                    f"expires_in_seconds: must be between {_MIN_EXPIRY} and {_MAX_EXPIRY}",
                )
        stored = self._store(
            filename or "unnamed",
            mime_type,
            size,
            sha.hexdigest(),
            bytes(buffer) if self.keep_content else None,
            False,
            expires_in,
        )
        return json_response(ctx, stored.metadata)

    async def list(self, ctx: Context, params: Mapping[str, str]) -> web.StreamResponse:
        query = ctx.request.query
        ids = set(query.getall("ids[]", []) or query.getall("ids", []))
        items = [f.metadata for f in reversed(self._files.values()) if not ids or f.metadata["id"] in ids]
        return page_response(ctx, items, page_tokens=True)

    async def retrieve(self, ctx: Context, params: Mapping[str, str]) -> web.StreamResponse:
        stored = self._files.get(params["file_id"])
        if stored is None:
            return _not_found(ctx, params["file_id"])
        return json_response(ctx, stored.metadata)

    async def delete(self, ctx: Context, params: Mapping[str, str]) -> web.StreamResponse:
        if self._files.pop(params["file_id"], None) is None:
            return _not_found(ctx, params["file_id"])
        return json_response(ctx, {"id": params["file_id"], "type": "file_deleted"})

    async def download(self, ctx: Context, params: Mapping[str, str]) -> web.StreamResponse:
        stored = self._files.get(params["file_id"])
        if stored is None:
            return _not_found(ctx, params["file_id"])
        if not stored.metadata["downloadable"]:
            body = {
                "type": "error",
                "error": {
                    "type": "invalid_request_error",
                    "message": f"File {params['file_id']} is not downloadable: only files created "
                    "by a tool (such as code execution) can be downloaded.",
                    "details": {"error_code": "file_not_downloadable"},
                },
                "request_id": ctx.request_id,
            }
            return web.Response(
                status=400,
                body=encode_json(body),
                headers=response_headers(ctx.request_id, content_type="application/json"),
            )
        headers = response_headers(ctx.request_id, content_type=stored.metadata["mime_type"])
        headers["content-length"] = str(stored.metadata["size_bytes"])
        resp = web.StreamResponse(status=200, headers=headers)
        try:
            await resp.prepare(ctx.request)
            for chunk in stored.chunks():
                await resp.write(chunk)
            await resp.write_eof()
        except ConnectionError:
            pass  # the client stopped reading: routine
        return resp


def _not_found(ctx: Context, file_id: str) -> web.StreamResponse:
    return json_error(ctx, 404, "not_found_error", f"File not found: {file_id}")
