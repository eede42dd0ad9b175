"""The fake Skills API: ``/v1/skills`` and ``/v1/skills/{id}/versions``, in memory.

A skill upload is a ``multipart/form-data`` body of ``files[]`` parts, each named by its path
in the skill's folder; one of them must be ``<folder>/SKILL.md`` with a YAML-like front matter
giving ``name`` and ``description`` (as the API requires). Files are kept (``stored_files``) so
tests can check what arrived.
"""

from __future__ import annotations

import datetime
import email.parser
import email.policy
import io
import zipfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from ._headers import response_headers
from ._ids import new_id
from ._pages import rfc3339
from ._respond import Context, json_error, json_response, page_response

__all__ = ["SkillStore", "parse_form"]


def parse_form(content_type: str, body: bytes) -> list[tuple[str, str | None, bytes]]:
    """The parts of a ``multipart/form-data`` body: ``(field name, filename, content)``."""
    head = f"Content-Type: {content_type}\r\nMIME-Version: 1.0\r\n\r\n".encode()
    message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(head + body)
    if not message.is_multipart():
        raise ValueError("not a multipart body")
    parts: list[tuple[str, str | None, bytes]] = []
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        filename = part.get_param("filename", header="content-disposition")
        payload = part.get_payload(decode=True)
        content = payload if isinstance(payload, bytes) else b""
        parts.append((str(name), str(filename) if filename is not None else None, content))
    return parts


@dataclass
class _Skill:
    record: dict[str, Any]
    versions: dict[str, dict[str, Any]] = field(default_factory=dict)
    stored_files: dict[str, dict[str, bytes]] = field(default_factory=dict)


class SkillStore:
    """The skills the fake API holds (``server.resources.skills``)."""

    def __init__(self) -> None:
        self._skills: dict[str, _Skill] = {}

    def stored_files(self, skill_id: str, version: str | None = None) -> dict[str, bytes]:
        """The files of a skill's version (the latest by default), by path."""
        skill = self._skills[skill_id]
        return skill.stored_files[version or skill.record["latest_version_id"]]

    async def create(self, ctx: Context, params: Mapping[str, str]) -> web.StreamResponse:
        parsed = await _upload(ctx)
        if isinstance(parsed, web.StreamResponse):
            return parsed
        files, fields = parsed
        meta = _front_matter(files)
        if isinstance(meta, str):
            return json_error(ctx, 400, "invalid_request_error", meta)
        now = rfc3339(datetime.datetime.now(datetime.timezone.utc))
        skill_id = new_id("skill")
        record = {
            "id": skill_id,
            "type": "skill",
            "display_name": fields.get("display_name") or meta["name"],
            "source": "custom",
            "latest_version_id": "",
            "created_at": now,
            "updated_at": now,
        }
        skill = self._skills[skill_id] = _Skill(record)
        version = _add_version(skill, files, meta, now)
        record["latest_version_id"] = version["id"]
        return json_response(ctx, record)

    async def list(self, ctx: Context, params: Mapping[str, str]) -> web.StreamResponse:
        source = ctx.request.query.get("source")
        items = [s.record for s in reversed(self._skills.values()) if source in (None, s.record["source"])]
        return _page(ctx, items)

    async def retrieve(self, ctx: Context, params: Mapping[str, str]) -> web.StreamResponse:
        skill = self._skills.get(params["skill_id"])
        return json_response(ctx, skill.record) if skill else _not_found(ctx, "Skill", params["skill_id"])

    async def delete(self, ctx: Context, params: Mapping[str, str]) -> web.StreamResponse:
        skill = self._skills.get(params["skill_id"])
        if skill is None:
            return _not_found(ctx, "Skill", params["skill_id"])
        if skill.versions:
            message = "Cannot delete a skill that has versions: delete its versions first."
            return json_error(ctx, 400, "invalid_request_error", message)
        del self._skills[params["skill_id"]]
        return json_response(ctx, {"id": params["skill_id"], "type": "skill_deleted"})

    async def create_version(self, ctx: Context, params: Mapping[str, str]) -> web.StreamResponse:
        skill = self._skills.get(params["skill_id"])
        if skill is None:
            return _not_found(ctx, "Skill", params["skill_id"])
        parsed = await _upload(ctx)
        if isinstance(parsed, web.StreamResponse):
            return parsed
        meta = _front_matter(parsed[0])
        if isinstance(meta, str):
            return json_error(ctx, 400, "invalid_request_error", meta)
        now = rfc3339(datetime.datetime.now(datetime.timezone.utc))
        version = _add_version(skill, parsed[0], meta, now)
        skill.record["latest_version_id"] = version["id"]
        skill.record["updated_at"] = now
        return json_response(ctx, version)

    async def list_versions(self, ctx: Context, params: Mapping[str, str]) -> web.StreamResponse:
        skill = self._skills.get(params["skill_id"])
        if skill is None:
            return _not_found(ctx, "Skill", params["skill_id"])
        return _page(ctx, list(reversed(skill.versions.values())))

    async def retrieve_version(self, ctx: Context, params: Mapping[str, str]) -> web.StreamResponse:
        skill = self._skills.get(params["skill_id"])
        version = skill.versions.get(params["version"]) if skill else None
        return json_response(ctx, version) if version else _not_found(ctx, "Skill version", params["version"])

    async def download_version(self, ctx: Context, params: Mapping[str, str]) -> web.StreamResponse:
        """A version's files as a zip archive, each under its path in the skill's folder."""
        skill = self._skills.get(params["skill_id"])
        files = skill.stored_files.get(params["version"]) if skill else None
        if files is None:
            return _not_found(ctx, "Skill version", params["version"])
        archive = io.BytesIO()
        with zipfile.ZipFile(archive, "w") as zipped:
            for path, content in files.items():
                zipped.writestr(path, content)
        headers = response_headers(ctx.request_id, content_type="application/zip")
        return web.Response(status=200, body=archive.getvalue(), headers=headers)

    async def delete_version(self, ctx: Context, params: Mapping[str, str]) -> web.StreamResponse:
        skill = self._skills.get(params["skill_id"])
        if skill is None or skill.versions.pop(params["version"], None) is None:
            return _not_found(ctx, "Skill version", params["version"])
        skill.stored_files.pop(params["version"], None)
        return json_response(ctx, {"id": params["version"], "type": "skill_version_deleted"})


async def _upload(ctx: Context) -> tuple[dict[str, bytes], dict[str, str]] | web.StreamResponse:
    request = ctx.request
    if not request.content_type.startswith("multipart/form-data"):
        return json_error(ctx, 400, "invalid_request_error", "Content-Type must be multipart/form-data")
    try:
        # The server has read the body already (aiohttp keeps it): skills are small.
        parts = parse_form(request.headers["Content-Type"], await request.read())
    except (ValueError, KeyError) as exc:
        return json_error(ctx, 400, "invalid_request_error", f"malformed multipart body: {exc}")
    files = {filename: content for name, filename, content in parts if name == "files[]" and filename}
    fields = {name: content.decode() for name, filename, content in parts if filename is None}
    if not files:
        return json_error(ctx, 400, "invalid_request_error", "files: Field required")
    return files, fields


def _front_matter(files: Mapping[str, bytes]) -> dict[str, str] | str:
    """``name`` and ``description`` of the SKILL.md, or the error message."""
    skill_md = [path for path in files if path.rsplit("/", 1)[-1] == "SKILL.md"]
    if len(skill_md) != 1:
        return "files: exactly one SKILL.md is required"
    text = files[skill_md[0]].decode("utf-8", errors="replace")
    if not text.startswith("---"):
        return "SKILL.md must start with a front matter (---)"
    meta: dict[str, str] = {"directory": skill_md[0].rsplit("/", 1)[0] if "/" in skill_md[0] else ""}
    for line in text.split("---", 2)[1].splitlines():
        key, sep, value = line.partition(":")
        if sep:
            meta[key.strip()] = value.strip()
    if not meta.get("name") or not meta.get("description"):
        return "SKILL.md front matter needs name and description"
    return meta


def _add_version(skill: _Skill, files: dict[str, bytes], meta: Mapping[str, str], now: str) -> dict[str, Any]:
    version_id = str(len(skill.versions) + 1_759_000_000_000_000 + 1)
    version = {
        "id": version_id,
        "type": "skill_version",
        "skill_id": skill.record["id"],
        "version": version_id,
        "name": meta["name"],
        "description": meta["description"],
        "directory": meta["directory"],
        "created_at": now,
    }
    skill.versions[version_id] = version
    skill.stored_files[version_id] = dict(files)
    return version


def _page(ctx: Context, items: list[dict[str, Any]]) -> web.StreamResponse:
    return page_response(ctx, items, page_tokens=True)


def _not_found(ctx: Context, what: str, ident: str) -> web.StreamResponse:
    return json_error(ctx, 404, "not_found_error", f"{what} not found: {ident}")
