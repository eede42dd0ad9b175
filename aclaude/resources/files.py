"""``client.beta.files`` (and ``client.files``): upload, list, metadata, download, delete.

Uploads are streamed (``_multipart``): a path, bytes, a binary file object or an async
iterator of bytes is sent as it is read, never held whole, and a source that cannot be read
(a path that does not exist) fails before any request is sent. Downloads are streamed too
(``BinaryResponse``: to a path, or chunk by chunk).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

import msgspec

from .._http.download import BinaryResponse
from .._http.multipart import FileInput, MultipartBody, prepare
from .._http.pagination import AsyncPaginator
from ..types._files import DeletedFile, FileMetadata
from ._base import BetaAwareResource, IdPageParams, ResourceOptions, path_id, with_query
from ._twins import RawTwin, StreamingTwin, Twin, binary_method, json_method, page_method
from ._upload import post_streamed

if TYPE_CHECKING:
    from typing_extensions import Unpack

__all__ = ["FILES_BETA", "Files", "FilesWithRawResponse", "FilesWithStreamingResponse"]

#: The beta the Files API was released under; ``client.beta.files`` sends it by default.
FILES_BETA = "files-api-2025-04-14"
_PATH = "/v1/files"


class FileListParams(IdPageParams, total=False):
    """``files.list()`` pages by ids or by a ``page`` token."""

    page: str | None


def _file_path(file_id: str) -> str:
    return f"{_PATH}/{path_id('file_id', file_id)}"


class Files(BetaAwareResource["FilesWithRawResponse", "FilesWithStreamingResponse"]):
    """The Files API: ``upload``, ``list``, ``retrieve_metadata``, ``download``, ``delete``.

    ``client.beta.files`` sends ``anthropic-beta: files-api-2025-04-14`` (plus any ``betas``);
    ``client.files`` sends only the ``betas`` given.
    """

    async def upload(
        self, *, file: FileInput, expires_in_seconds: int | None = None, **options: Unpack[ResourceOptions]
    ) -> FileMetadata:
        """Upload a file, streamed from a path (``pathlib.Path``), bytes, a binary file object,
        an async iterator of bytes, or ``aclaude.to_file(content, filename, content_type)``.

        Raises ``FileNotFoundError`` before sending anything if the path does not exist. Only
        a source that can be read again (not an async iterator) is retried.
        """
        call_options = self._options(options)
        upload = prepare(file)
        await upload.check()  # a missing file fails here, before any request
        fields: list[tuple[str, str]] = []
        if expires_in_seconds is not None:
            fields.append(("expires_in_seconds", str(int(expires_in_seconds))))
        for key, value in (options.get("extra_body") or {}).items():
            text = value if isinstance(value, str) else msgspec.json.encode(value).decode()
            fields.append((key, text))
        body = MultipartBody("file", upload, fields)
        return await post_streamed(self._client, _PATH, body, FileMetadata, call_options)

    def list(
        self,
        *,
        ids: Iterable[str] | None = None,
        scope_id: str | None = None,
        **params: Unpack[FileListParams],
    ) -> AsyncPaginator[FileMetadata]:
        """Files, most recent first: ``await`` for the first page, ``async for`` for all.

        Pages are followed by the ``next_page`` token (``page``) or, where the API gives ids
        only, by ``after_id`` / ``before_id``. ``ids`` restricts the list to those files.
        """
        path = with_query(_PATH, {"ids": list(ids) if ids is not None else None, "scope_id": scope_id})
        return self._list(path, FileMetadata, params)

    async def retrieve_metadata(self, file_id: str, **options: Unpack[ResourceOptions]) -> FileMetadata:
        """A file's metadata (``NotFoundError`` for an unknown id)."""
        return await self._call("GET", _file_path(file_id), FileMetadata, options)

    async def download(self, file_id: str, **options: Unpack[ResourceOptions]) -> BinaryResponse:
        """A file's content, not yet read: ``await (await files.download(id)).write_to_file(path)``
        or ``async for chunk in (await files.download(id)).iter_bytes()``.

        Only files a tool created are downloadable (``BadRequestError`` otherwise).
        """
        return await self._download(f"{_file_path(file_id)}/content", options)

    async def delete(self, file_id: str, **options: Unpack[ResourceOptions]) -> DeletedFile:
        """Delete a file."""
        return await self._call("DELETE", _file_path(file_id), DeletedFile, options)


class _FilesTwin(Twin):
    upload = json_method(Files.upload, FileMetadata)
    list = page_method(Files.list, FileMetadata)
    retrieve_metadata = json_method(Files.retrieve_metadata, FileMetadata)
    download = binary_method(Files.download)
    delete = json_method(Files.delete, DeletedFile)


class FilesWithRawResponse(_FilesTwin, RawTwin, of=Files):
    """``client.files.with_raw_response``."""


class FilesWithStreamingResponse(_FilesTwin, StreamingTwin, of=Files):
    """``client.files.with_streaming_response``."""
