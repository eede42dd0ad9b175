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
from .._http.raw_response import to_raw_response
from ..types._files import DeletedFile, FileMetadata
from ._base import (
    BetaAwareResource,
    cursor_params,
    list_endpoint,
    open_with_retries,
    path_id,
    with_query,
)
from ._options import RequestOptions, check_options
from ._upload import post_streamed

if TYPE_CHECKING:
    from typing_extensions import Unpack

    from ._streaming_twins import FilesWithStreamingResponse

__all__ = ["FILES_BETA", "Files", "FilesWithRawResponse"]

#: The beta the Files API was released under; ``client.beta.files`` sends it by default.
FILES_BETA = "files-api-2025-04-14"
_PATH = "/v1/files"


class Files(BetaAwareResource):
    """The Files API: ``upload``, ``list``, ``retrieve_metadata``, ``download``, ``delete``.

    ``client.beta.files`` sends ``anthropic-beta: files-api-2025-04-14`` (plus any ``betas``);
    ``client.files`` sends only the ``betas`` given.
    """

    @property
    def with_streaming_response(self) -> FilesWithStreamingResponse:
        """The same methods, each an ``async with`` giving the response as soon as its headers
        arrive, then its body as it arrives (``iter_bytes()`` ...) or ``parse()``."""
        from ._streaming_twins import FilesWithStreamingResponse

        return FilesWithStreamingResponse(self)

    @property
    def with_raw_response(self) -> FilesWithRawResponse:
        """The same methods, returning a ``RawResponse`` (status, headers, request id)."""
        return FilesWithRawResponse(self)

    async def upload(
        self,
        *,
        file: FileInput,
        expires_in_seconds: int | None = None,
        betas: Iterable[str] | None = None,
        workspace_id: str | None = None,
        **options: Unpack[RequestOptions],
    ) -> FileMetadata:
        """Upload a file, streamed from a path (``pathlib.Path``), bytes, a binary file object,
        an async iterator of bytes, or ``aclaude.to_file(content, filename, content_type)``.

        Raises ``FileNotFoundError`` before sending anything if the path does not exist. Only
        a source that can be read again (not an async iterator) is retried.
        """
        check_options(options)
        upload = prepare(file)
        await upload.check()  # a missing file fails here, before any request
        fields: list[tuple[str, str]] = []
        if expires_in_seconds is not None:
            fields.append(("expires_in_seconds", str(int(expires_in_seconds))))
        for key, value in (options.get("extra_body") or {}).items():
            text = value if isinstance(value, str) else msgspec.json.encode(value).decode()
            fields.append((key, text))
        body = MultipartBody("file", upload, fields)
        headers = self._headers(options.get("extra_headers"), betas, workspace_id) or {}
        headers.update(body.headers())
        return await post_streamed(
            self._client,
            _PATH,
            body.stream,
            replayable=body.replayable,
            cast_to=FileMetadata,
            headers=headers,
            options=options,
        )

    def list(
        self,
        *,
        after_id: str | None = None,
        before_id: str | None = None,
        limit: int | None = None,
        page: str | None = None,
        ids: Iterable[str] | None = None,
        scope_id: str | None = None,
        betas: Iterable[str] | None = None,
        workspace_id: str | None = None,
        **options: Unpack[RequestOptions],
    ) -> AsyncPaginator[FileMetadata]:
        """Files, most recent first: ``await`` for the first page, ``async for`` for all.

        Pages are followed by the ``next_page`` token (``page``) or, where the API gives ids
        only, by ``after_id`` / ``before_id``. ``ids`` restricts the list to those files.
        """
        path = with_query(_PATH, {"ids": list(ids) if ids is not None else None, "scope_id": scope_id})
        return list_endpoint(
            self._client,
            path,
            FileMetadata,
            cursor_params(after_id=after_id, before_id=before_id, limit=limit, page=page),
            headers=self._headers(options.get("extra_headers"), betas, workspace_id),
            options=options,
        )

    async def retrieve_metadata(
        self,
        file_id: str,
        *,
        betas: Iterable[str] | None = None,
        workspace_id: str | None = None,
        **options: Unpack[RequestOptions],
    ) -> FileMetadata:
        """A file's metadata (``NotFoundError`` for an unknown id)."""
        return await self._client.request(
            "GET",
            f"{_PATH}/{path_id('file_id', file_id)}",
            cast_to=FileMetadata,
            **self._options(options, betas, workspace_id),
        )

    async def download(
        self,
        file_id: str,
        *,
        betas: Iterable[str] | None = None,
        workspace_id: str | None = None,
        **options: Unpack[RequestOptions],
    ) -> BinaryResponse:
        """A file's content, not yet read: ``await (await files.download(id)).write_to_file(path)``
        or ``async for chunk in (await files.download(id)).iter_bytes()``.

        Only files a tool created are downloadable (``BadRequestError`` otherwise).
        """
        headers = {
            "accept": "application/binary",
            **(self._headers(options.get("extra_headers"), betas, workspace_id) or {}),
        }
        response = await open_with_retries(
            self._client,
            "GET",
            f"{_PATH}/{path_id('file_id', file_id)}/content",
            headers=headers,
            options=options,
        )
        return BinaryResponse(response)

    async def delete(
        self,
        file_id: str,
        *,
        betas: Iterable[str] | None = None,
        workspace_id: str | None = None,
        **options: Unpack[RequestOptions],
    ) -> DeletedFile:
        """Delete a file."""
        return await self._client.request(
            "DELETE",
            f"{_PATH}/{path_id('file_id', file_id)}",
            cast_to=DeletedFile,
            **self._options(options, betas, workspace_id),
        )



class FilesWithRawResponse:
    """``client.files.with_raw_response``."""

    def __init__(self, files: Files) -> None:
        self.upload = to_raw_response(files.upload)
        self.list = to_raw_response(files.list)
        self.retrieve_metadata = to_raw_response(files.retrieve_metadata)
        self.download = to_raw_response(files.download)
        self.delete = to_raw_response(files.delete)
