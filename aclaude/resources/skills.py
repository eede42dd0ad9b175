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

from .._http.multipart import FileInput, UploadFile, prepare
from .._http.pagination import AsyncPaginator
from .._http.raw_response import to_raw_response
from ..types._skills import DeletedSkill, DeletedSkillVersion, Skill, SkillVersion
from ._base import BetaAwareResource, cursor_params, list_endpoint, path_id, with_query
from ._options import RequestOptions, check_options
from ._upload import post_streamed

if TYPE_CHECKING:
    from typing_extensions import Unpack

    from ._base import APIClient
    from ._streaming_twins import SkillsWithStreamingResponse

__all__ = ["SkillFilesBody", "SkillVersions", "Skills", "SkillsWithRawResponse"]

_PATH = "/v1/skills"


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
            yield dash + (
                f'\r\nContent-Disposition: form-data; name="files[]"; filename="{filename}"\r\n'
                f"Content-Type: {file.content_type}\r\n\r\n"
            ).encode()
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


class Skills(BetaAwareResource):
    """Skills: ``create``, ``retrieve``, ``list``, ``delete``, and ``versions``."""

    def __init__(self, client: APIClient, *, default_betas: Sequence[str] = ()) -> None:
        super().__init__(client, default_betas=default_betas)
        self.versions = SkillVersions(client, default_betas=default_betas)

    @property
    def with_streaming_response(self) -> SkillsWithStreamingResponse:
        """The same methods, each an ``async with`` giving the response as soon as its headers
        arrive, then its body as it arrives (``iter_bytes()`` ...) or ``parse()``."""
        from ._streaming_twins import SkillsWithStreamingResponse

        return SkillsWithStreamingResponse(self)

    @property
    def with_raw_response(self) -> SkillsWithRawResponse:
        """The same methods, returning a ``RawResponse`` (status, headers, request id)."""
        return SkillsWithRawResponse(self)

    async def create(
        self,
        *,
        files: Iterable[FileInput],
        display_name: str | None = None,
        betas: Iterable[str] | None = None,
        workspace_id: str | None = None,
        **options: Unpack[RequestOptions],
    ) -> Skill:
        """Upload a new skill: ``files`` are its folder's files, each named by its path
        (``aclaude.to_file(content, "my-skill/SKILL.md")``, a ``(name, content, type)`` tuple,
        or a ``pathlib.Path``), streamed as they are sent."""
        check_options(options)
        fields = [("display_name", display_name)] if display_name is not None else []
        body = SkillFilesBody(await _prepared(files), fields)
        headers = self._headers(options.get("extra_headers"), betas, workspace_id) or {}
        headers.update(body.headers())
        return await post_streamed(
            self._client,
            _PATH,
            body.stream,
            replayable=body.replayable,
            cast_to=Skill,
            headers=headers,
            options=options,
        )

    async def retrieve(
        self,
        skill_id: str,
        *,
        betas: Iterable[str] | None = None,
        workspace_id: str | None = None,
        **options: Unpack[RequestOptions],
    ) -> Skill:
        """One skill (``NotFoundError`` for an unknown id)."""
        return await self._client.request(
            "GET",
            f"{_PATH}/{path_id('skill_id', skill_id)}",
            cast_to=Skill,
            **self._options(options, betas, workspace_id),
        )

    def list(
        self,
        *,
        limit: int | None = None,
        page: str | None = None,
        source: str | None = None,
        betas: Iterable[str] | None = None,
        workspace_id: str | None = None,
        **options: Unpack[RequestOptions],
    ) -> AsyncPaginator[Skill]:
        """Skills, newest first (``source``: ``"custom"`` or ``"anthropic"``): ``await`` for the
        first page, ``async for`` for all."""
        return list_endpoint(
            self._client,
            with_query(_PATH, {"source": source}),
            Skill,
            cursor_params(limit=limit, page=page),
            headers=self._headers(options.get("extra_headers"), betas, workspace_id),
            options=options,
        )

    async def delete(
        self,
        skill_id: str,
        *,
        betas: Iterable[str] | None = None,
        workspace_id: str | None = None,
        **options: Unpack[RequestOptions],
    ) -> DeletedSkill:
        """Delete a skill (its versions first)."""
        return await self._client.request(
            "DELETE",
            f"{_PATH}/{path_id('skill_id', skill_id)}",
            cast_to=DeletedSkill,
            **self._options(options, betas, workspace_id),
        )


class SkillVersions(BetaAwareResource):
    """``skills.versions``: ``create``, ``retrieve``, ``list``, ``delete``."""

    @property
    def with_raw_response(self) -> SkillVersionsWithRawResponse:
        return SkillVersionsWithRawResponse(self)

    async def create(
        self,
        skill_id: str,
        *,
        files: Iterable[FileInput],
        betas: Iterable[str] | None = None,
        workspace_id: str | None = None,
        **options: Unpack[RequestOptions],
    ) -> SkillVersion:
        """Upload a new version of a skill (its files, as in ``skills.create``)."""
        check_options(options)
        body = SkillFilesBody(await _prepared(files))
        headers = self._headers(options.get("extra_headers"), betas, workspace_id) or {}
        headers.update(body.headers())
        return await post_streamed(
            self._client,
            f"{_PATH}/{path_id('skill_id', skill_id)}/versions",
            body.stream,
            replayable=body.replayable,
            cast_to=SkillVersion,
            headers=headers,
            options=options,
        )

    async def retrieve(
        self,
        version: str,
        *,
        skill_id: str,
        betas: Iterable[str] | None = None,
        workspace_id: str | None = None,
        **options: Unpack[RequestOptions],
    ) -> SkillVersion:
        """One version of a skill."""
        return await self._client.request(
            "GET",
            f"{_PATH}/{path_id('skill_id', skill_id)}/versions/{path_id('version', version)}",
            cast_to=SkillVersion,
            **self._options(options, betas, workspace_id),
        )

    def list(
        self,
        skill_id: str,
        *,
        limit: int | None = None,
        page: str | None = None,
        betas: Iterable[str] | None = None,
        workspace_id: str | None = None,
        **options: Unpack[RequestOptions],
    ) -> AsyncPaginator[SkillVersion]:
        """A skill's versions, newest first."""
        return list_endpoint(
            self._client,
            f"{_PATH}/{path_id('skill_id', skill_id)}/versions",
            SkillVersion,
            cursor_params(limit=limit, page=page),
            headers=self._headers(options.get("extra_headers"), betas, workspace_id),
            options=options,
        )

    async def delete(
        self,
        version: str,
        *,
        skill_id: str,
        betas: Iterable[str] | None = None,
        workspace_id: str | None = None,
        **options: Unpack[RequestOptions],
    ) -> DeletedSkillVersion:
        """Delete one version of a skill."""
        return await self._client.request(
            "DELETE",
            f"{_PATH}/{path_id('skill_id', skill_id)}/versions/{path_id('version', version)}",
            cast_to=DeletedSkillVersion,
            **self._options(options, betas, workspace_id),
        )


class SkillVersionsWithRawResponse:
    """``client.skills.versions.with_raw_response``."""

    def __init__(self, versions: SkillVersions) -> None:
        self.create = to_raw_response(versions.create)
        self.retrieve = to_raw_response(versions.retrieve)
        self.list = to_raw_response(versions.list)
        self.delete = to_raw_response(versions.delete)


class SkillsWithRawResponse:
    """``client.skills.with_raw_response``."""

    def __init__(self, skills: Skills) -> None:
        self.create = to_raw_response(skills.create)
        self.retrieve = to_raw_response(skills.retrieve)
        self.list = to_raw_response(skills.list)
        self.delete = to_raw_response(skills.delete)
        self.versions = SkillVersionsWithRawResponse(skills.versions)
