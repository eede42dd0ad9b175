"""``client.skills`` (and ``client.beta.skills``): upload skills and their versions, list,
retrieve and delete them.

A skill is a folder (a ``SKILL.md`` and any scripts or resources) uploaded as several files of
one ``multipart/form-data`` body, each named by its path in the folder
(``my-skill/SKILL.md``). The body is streamed: each file is read as it is sent, never held
whole, and a file that cannot be read fails before anything is sent.
"""

from __future__ import annotations

import secrets
from collections.abc import AsyncIterator, Iterable, Sequence
from typing import TYPE_CHECKING

from .._http.download import BinaryResponse
from .._http.multipart import FileInput, UploadFile, prepare
from .._http.pagination import AsyncPaginator
from ..types._skills import DeletedSkill, DeletedSkillVersion, Skill, SkillVersion
from ._base import BetaAwareResource, ResourceOptions, TokenPageParams, path_id, with_query
from ._twins import (
    RawTwin,
    RawTwinT,
    StreamingTwin,
    StreamingTwinT,
    Twin,
    binary_method,
    json_method,
    nested,
    page_method,
)
from ._upload import post_streamed

if TYPE_CHECKING:
    from typing_extensions import Unpack

    from ._base import APIClient

__all__ = [
    "BetaSkillVersions",
    "BetaSkills",
    "SkillFilesBody",
    "SkillVersions",
    "Skills",
    "SkillsWithRawResponse",
    "SkillsWithStreamingResponse",
]

_PATH = "/v1/skills"


def _skill_path(skill_id: str) -> str:
    return f"{_PATH}/{path_id('skill_id', skill_id)}"


def _version_path(skill_id: str, version: str) -> str:
    return f"{_skill_path(skill_id)}/versions/{path_id('version', version)}"


class SkillFilesBody:
    """A ``multipart/form-data`` body of text fields and several files (``files[]``, as the
    official SDK sends them), streamed file by file."""

    __slots__ = ("_fields", "boundary", "files")

    def __init__(self, files: Sequence[UploadFile], fields: Sequence[tuple[str, str]] = ()) -> None:
        self.boundary = secrets.token_hex(16)
        self.files = files
        self._fields = fields

    @property
    def replayable(self) -> bool:
        return all(f.replayable for f in self.files)

    def headers(self) -> dict[str, str]:
        return {"content-type": f"multipart/form-data; boundary={self.boundary}"}

    async def stream(self) -> AsyncIterator[bytes]:
        """The whole body; call again for a retry (only if ``replayable``)."""
        dash = b"--" + self.boundary.encode("ascii")
        for name, value in self._fields:
            yield dash + f'\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'.encode()
            yield value.encode("utf-8") + b"\r\n"
        for file in self.files:
            filename = file.filename.replace("\\", "\\\\").replace('"', '\\"')
            yield (
                dash
                + (
                    f'\r\nContent-Disposition: form-data; name="files[]"; filename="{filename}"\r\n'
                    f"Content-Type: {file.content_type}\r\n\r\n"
                ).encode()
            )
            async for chunk in file.chunks():
                yield chunk
            yield b"\r\n"
        yield dash + b"--\r\n"


async def _prepared(files: Iterable[FileInput]) -> list[UploadFile]:
    uploads = [prepare(f) for f in files]
    if not uploads:
        raise ValueError("a skill needs files=[...]: at least its SKILL.md")
    for upload in uploads:
        await upload.check()  # a missing file fails here, before any request
    return uploads


class _Skills(BetaAwareResource[RawTwinT, StreamingTwinT]):
    """Skills: ``create``, ``retrieve``, ``list``, ``delete``, and ``versions``."""

    async def create(
        self,
        *,
        files: Iterable[FileInput],
        display_name: str | None = None,
        **options: Unpack[ResourceOptions],
    ) -> Skill:
        """Upload a new skill: ``files`` are its folder's files, each named by its path
        (``aclaude.to_file(content, "my-skill/SKILL.md")``, a ``(name, content, type)`` tuple,
        or a ``pathlib.Path``), streamed as they are sent."""
        call_options = self._options(options)
        fields = [("display_name", display_name)] if display_name is not None else []
        body = SkillFilesBody(await _prepared(files), fields)
        return await post_streamed(self._client, _PATH, body, Skill, call_options)

    async def retrieve(self, skill_id: str, **options: Unpack[ResourceOptions]) -> Skill:
        """One skill (``NotFoundError`` for an unknown id)."""
        return await self._call("GET", _skill_path(skill_id), Skill, options)

    def list(
        self,
        *,
        source: str | None = None,
        **params: Unpack[TokenPageParams],
    ) -> AsyncPaginator[Skill]:
        """Skills, newest first (``source``: ``"custom"`` or ``"anthropic"``): ``await`` for the
        first page, ``async for`` for all."""
        return self._list(with_query(_PATH, {"source": source}), Skill, params)

    async def delete(self, skill_id: str, **options: Unpack[ResourceOptions]) -> DeletedSkill:
        """Delete a skill (its versions first)."""
        return await self._call("DELETE", _skill_path(skill_id), DeletedSkill, options)


class _SkillVersions(BetaAwareResource[RawTwinT, StreamingTwinT]):
    """``skills.versions``: ``create``, ``retrieve``, ``list``, ``delete``."""

    async def create(
        self, skill_id: str, *, files: Iterable[FileInput], **options: Unpack[ResourceOptions]
    ) -> SkillVersion:
        """Upload a new version of a skill (its files, as in ``skills.create``)."""
        call_options = self._options(options)
        body = SkillFilesBody(await _prepared(files))
        return await post_streamed(
            self._client, f"{_skill_path(skill_id)}/versions", body, SkillVersion, call_options
        )

    async def retrieve(
        self, version: str, *, skill_id: str, **options: Unpack[ResourceOptions]
    ) -> SkillVersion:
        """One version of a skill."""
        return await self._call("GET", _version_path(skill_id, version), SkillVersion, options)

    def list(self, skill_id: str, **params: Unpack[TokenPageParams]) -> AsyncPaginator[SkillVersion]:
        """A skill's versions, newest first."""
        return self._list(f"{_skill_path(skill_id)}/versions", SkillVersion, params)

    async def delete(
        self, version: str, *, skill_id: str, **options: Unpack[ResourceOptions]
    ) -> DeletedSkillVersion:
        """Delete one version of a skill."""
        return await self._call("DELETE", _version_path(skill_id, version), DeletedSkillVersion, options)


class SkillVersions(_SkillVersions["SkillVersionsWithRawResponse", "SkillVersionsWithStreamingResponse"]):
    """``client.skills.versions``: ``create``, ``retrieve``, ``list``, ``delete``."""


class BetaSkillVersions(
    _SkillVersions["BetaSkillVersionsWithRawResponse", "BetaSkillVersionsWithStreamingResponse"]
):
    """``client.beta.skills.versions``: also ``download``."""

    async def download(
        self, version: str, *, skill_id: str, **options: Unpack[ResourceOptions]
    ) -> BinaryResponse:
        """A skill version's files as a zip archive, not yet read:
        ``await (await versions.download(v, skill_id=s)).write_to_file("skill.zip")``."""
        return await self._download(f"{_version_path(skill_id, version)}/content", options)


class Skills(_Skills["SkillsWithRawResponse", "SkillsWithStreamingResponse"]):
    """``client.skills``: ``create``, ``retrieve``, ``list``, ``delete``, and ``versions``."""

    def __init__(self, client: APIClient, *, default_betas: Sequence[str] = ()) -> None:
        super().__init__(client, default_betas=default_betas)
        self.versions = SkillVersions(client, default_betas=default_betas)


class BetaSkills(_Skills["BetaSkillsWithRawResponse", "BetaSkillsWithStreamingResponse"]):
    """``client.beta.skills``: as ``client.skills``, with ``versions.download``."""

    def __init__(self, client: APIClient, *, default_betas: Sequence[str] = ()) -> None:
        super().__init__(client, default_betas=default_betas)
        self.versions = BetaSkillVersions(client, default_betas=default_betas)


class _SkillVersionsTwin(Twin):
    create = json_method(SkillVersions.create, SkillVersion)
    retrieve = json_method(SkillVersions.retrieve, SkillVersion)
    list = page_method(SkillVersions.list, SkillVersion)
    delete = json_method(SkillVersions.delete, DeletedSkillVersion)


class SkillVersionsWithRawResponse(_SkillVersionsTwin, RawTwin, of=SkillVersions):
    """``client.skills.versions.with_raw_response``."""


class SkillVersionsWithStreamingResponse(_SkillVersionsTwin, StreamingTwin, of=SkillVersions):
    """``client.skills.versions.with_streaming_response``."""


class _BetaSkillVersionsTwin(_SkillVersionsTwin):
    download = binary_method(BetaSkillVersions.download)


class BetaSkillVersionsWithRawResponse(_BetaSkillVersionsTwin, RawTwin, of=BetaSkillVersions):
    """``client.beta.skills.versions.with_raw_response``."""


class BetaSkillVersionsWithStreamingResponse(_BetaSkillVersionsTwin, StreamingTwin, of=BetaSkillVersions):
    """``client.beta.skills.versions.with_streaming_response``."""


class _SkillsTwin(Twin):
    create = json_method(Skills.create, Skill)
    retrieve = json_method(Skills.retrieve, Skill)
    list = page_method(Skills.list, Skill)
    delete = json_method(Skills.delete, DeletedSkill)


class SkillsWithRawResponse(_SkillsTwin, RawTwin, of=Skills):
    """``client.skills.with_raw_response``."""

    versions = nested(SkillVersions)


class SkillsWithStreamingResponse(_SkillsTwin, StreamingTwin, of=Skills):
    """``client.skills.with_streaming_response``."""

    versions = nested(SkillVersions)


class BetaSkillsWithRawResponse(_SkillsTwin, RawTwin, of=BetaSkills):
    """``client.beta.skills.with_raw_response``."""

    versions = nested(BetaSkillVersions)


class BetaSkillsWithStreamingResponse(_SkillsTwin, StreamingTwin, of=BetaSkills):
    """``client.beta.skills.with_streaming_response``."""

    versions = nested(BetaSkillVersions)
