"""Typed models of the Files API (``client.beta.files``, ``client.files``)."""

from __future__ import annotations

import datetime

import msgspec

from ._request_id import WithRequestId

__all__ = ["DeletedFile", "FileMetadata", "FileScope"]


class FileScope(msgspec.Struct, kw_only=True, omit_defaults=True, forbid_unknown_fields=True):
    """The context a file was created in (e.g. ``{"type": "session", "id": ...}``)."""

    id: str
    type: str


class FileMetadata(
    msgspec.Struct, WithRequestId, kw_only=True, omit_defaults=True, dict=True, forbid_unknown_fields=True
):
    """A stored file. ``downloadable`` is true only for files a tool created (code execution,
    skills); files you uploaded can be used in messages but not downloaded again."""

    id: str
    type: str
    filename: str
    mime_type: str
    size_bytes: int
    created_at: datetime.datetime
    downloadable: bool | None = None
    expires_at: datetime.datetime | None = None
    scope: FileScope | None = None


class DeletedFile(
    msgspec.Struct, WithRequestId, kw_only=True, omit_defaults=True, dict=True, forbid_unknown_fields=True
):
    id: str
    type: str | None = None
