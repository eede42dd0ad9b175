"""``client.skills`` (with versions) and ``client.user_profiles``, stable and beta, against the
fake API; their requests compared with the official SDK's (multipart parts parsed, since
boundaries differ)."""

from __future__ import annotations

import asyncio
import zipfile
from pathlib import Path
from typing import Any

import anthropic
import pytest

import aclaude
from aclaude.testing import FakeAnthropic, Reply
from aclaude.testing._skills import parse_form

API_KEY = "sk-ant-test-not-a-real-key"
SKILL_MD = b"---\nname: pdf-tools\ndescription: Work with PDF files.\n---\n# PDF tools\n"
SCRIPT = b"print('hello')\n"


def files() -> list[Any]:
    return [("pdf-tools/SKILL.md", SKILL_MD, "text/markdown"), ("pdf-tools/run.py", SCRIPT, "text/x-python")]


async def test_skill_lifecycle(client: aclaude.Client, server: FakeAnthropic, tmp_path: Path) -> None:
    skill = await client.skills.create(files=files(), display_name="PDF tools", workspace_id="wrkspc_1")
    assert skill.display_name == "PDF tools" and skill.latest_version_id
    stored = server.resources.skills.stored_files(skill.id)
    assert stored == {"pdf-tools/SKILL.md": SKILL_MD, "pdf-tools/run.py": SCRIPT}
    assert server.requests[0].headers["anthropic-workspace-id"] == "wrkspc_1"

    # A new version from files on disk, streamed from the paths.
    folder = tmp_path / "pdf-tools"
    folder.mkdir()
    (folder / "SKILL.md").write_bytes(SKILL_MD.replace(b"Work with", b"Read"))
    version = await client.skills.versions.create(
        skill.id, files=[aclaude.to_file(folder / "SKILL.md", "pdf-tools/SKILL.md")]
    )
    assert version.description == "Read PDF files." and version.skill_id == skill.id
    assert (await client.skills.retrieve(skill.id)).latest_version_id == version.id
    versions = [v.id async for v in client.skills.versions.list(skill.id, limit=1)]
    assert versions == [version.id, skill.latest_version_id]
    assert (await client.skills.versions.retrieve(version.id, skill_id=skill.id)).name == "pdf-tools"
    assert [s.id async for s in client.skills.list()] == [skill.id]

    with pytest.raises(aclaude.BadRequestError, match="delete its versions first"):
        await client.skills.delete(skill.id)
    for v in (version.id, skill.latest_version_id):
        assert (await client.skills.versions.delete(v, skill_id=skill.id)).type == "skill_version_deleted"
    assert (await client.skills.delete(skill.id)).id == skill.id
    with pytest.raises(aclaude.NotFoundError):
        await client.skills.retrieve(skill.id)


async def test_a_missing_file_fails_before_sending(client: aclaude.Client, server: FakeAnthropic) -> None:
    with pytest.raises(FileNotFoundError):
        await client.skills.create(files=[Path("/nonexistent/SKILL.md")])
    with pytest.raises(ValueError, match=r"at least its SKILL\.md"):
        await client.skills.create(files=[])
    assert server.requests == []


async def test_skill_upload_is_the_sdks(
    client: aclaude.Client, sdk: anthropic.AsyncAnthropic, server: FakeAnthropic
) -> None:
    await sdk.beta.skills.create(files=files(), display_name="PDF tools", betas=["skills-2025-10-02"])
    await client.beta.skills.create(files=files(), display_name="PDF tools", betas=["skills-2025-10-02"])
    ref, got = server.requests
    wire = [(r.method, r.path, r.headers["anthropic-beta"]) for r in (ref, got)]
    assert wire[0] == wire[1]
    parts = [parse_form(r.headers["content-type"], r.body) for r in (ref, got)]
    assert parts[0] == parts[1] and len(parts[0]) == 3


async def test_user_profiles(client: aclaude.Client, server: FakeAnthropic) -> None:
    profile = await client.user_profiles.create(name="Acme", metadata={"tier": "gold"}, workspace_id="w")
    assert profile.id.startswith("uprof_") and profile.metadata == {"tier": "gold"}
    updated = await client.user_profiles.update(profile.id, name="Acme Inc")
    assert updated.name == "Acme Inc" and updated.metadata == {"tier": "gold"}
    assert (await client.user_profiles.retrieve(profile.id)).name == "Acme Inc"
    second = await client.beta.user_profiles.create(access_type="passthrough")
    assert server.requests[-1].headers["anthropic-beta"] == "user-profiles-2026-08-18"
    assert [p.id async for p in client.user_profiles.list(limit=1)] == [second.id, profile.id]
    with pytest.raises(aclaude.BadRequestError, match="access_type"):
        await client.user_profiles.create(access_type="other")
    assert (await client.user_profiles.delete(profile.id)).type == "user_profile_deleted"
    with pytest.raises(aclaude.NotFoundError):
        await client.user_profiles.retrieve(profile.id)
    # The profile's id attributes a message to it, in a header.
    hello = [{"role": "user", "content": "Hi"}]
    await client.messages.create(model="m", max_tokens=5, messages=hello, user_profile_id=second.id)
    assert server.requests[-1].headers["anthropic-user-profile-id"] == second.id


@pytest.mark.parametrize("beta", [False, True])
async def test_user_profile_requests_are_the_sdks(
    beta: bool, client: aclaude.Client, sdk: anthropic.AsyncAnthropic, server: FakeAnthropic
) -> None:
    ref_api: Any = sdk.beta.user_profiles if beta else sdk.user_profiles
    our_api: Any = client.beta.user_profiles if beta else client.user_profiles
    kwargs = {"name": "Acme", "metadata": {"tier": "gold"}, "access_type": "application", "workspace_id": "w"}

    async def both(call: Any) -> None:
        server.reset()
        await call(ref_api)
        await call(our_api)
        ref, got = server.requests
        sent = [(r.method, r.path, dict(r.query), r.json) for r in (ref, got)]
        assert sent[0] == sent[1]
        for header in ("anthropic-beta", "anthropic-workspace-id"):
            assert ref.headers.get(header) == got.headers.get(header)

    await both(lambda api: api.create(**kwargs))
    profile_id = next(iter(server.resources.user_profiles.profiles))
    await both(lambda api: api.update(profile_id, name="B", workspace_id="w"))
    await both(lambda api: api.retrieve(profile_id))
    await both(lambda api: asyncio.wait_for(api.list(limit=5, order="asc"), 10))


async def test_beta_skill_version_download(
    client: aclaude.Client, sdk: anthropic.AsyncAnthropic, server: FakeAnthropic, tmp_path: Path
) -> None:
    skill = await client.beta.skills.create(files=files())
    version = skill.latest_version_id
    assert version is not None
    server.reset()
    ref = await sdk.beta.skills.versions.download(
        version, skill_id=skill.id, betas=["skills-2025-10-02"], workspace_id="w"
    )
    got = await client.beta.skills.versions.download(
        version, skill_id=skill.id, betas=["skills-2025-10-02"], workspace_id="w"
    )
    sent = [(r.method, r.path, dict(r.query), r.body) for r in server.requests]
    assert sent[0] == sent[1] == ("GET", f"/v1/skills/{skill.id}/versions/{version}/content", {}, b"")
    for header in ("accept", "anthropic-beta", "anthropic-workspace-id"):
        assert server.requests[0].headers.get(header) == server.requests[1].headers.get(header), header
    assert server.requests[1].headers["accept"] == "application/binary"
    archive = tmp_path / "skill.zip"
    await got.write_to_file(archive)
    assert archive.read_bytes() == await ref.read()
    await ref.close()
    with zipfile.ZipFile(archive) as zipped:
        assert {n: zipped.read(n) for n in zipped.namelist()} == dict((f[0], f[1]) for f in files())
    # Its twins, and the error of an unknown version.
    async with client.beta.skills.versions.with_streaming_response.download(version, skill_id=skill.id) as r:
        assert r.headers["content-type"] == "application/zip" and await r.read() == archive.read_bytes()
    raw = await client.beta.skills.with_raw_response.versions.download(version, skill_id=skill.id)
    assert await (await raw.parse()).read() == archive.read_bytes()
    with pytest.raises(aclaude.NotFoundError):
        await client.beta.skills.versions.download("404", skill_id=skill.id)
    # Beta only, as in the SDK.
    assert not hasattr(sdk.skills.versions, "download") and not hasattr(client.skills.versions, "download")
    assert not hasattr(client.skills.versions.with_raw_response, "download")


async def test_create_enrollment_url(
    client: aclaude.Client, sdk: anthropic.AsyncAnthropic, server: FakeAnthropic
) -> None:
    profile = await client.beta.user_profiles.create(name="Acme")
    made = await client.beta.user_profiles.create_enrollment_url(profile.id)
    assert made.type == "enrollment_url" and made.url.startswith("https://") and made.expires_at.tzinfo
    # The same request as the SDK's, and the same answer decoded the same way.
    path = f"/v1/user_profiles/{profile.id}/enrollment_url"
    body = {"type": "enrollment_url", "url": "https://x.invalid/e/1", "expires_at": "2026-12-07T05:00:00Z"}
    server.reset()
    server.enqueue(Reply.json(body), Reply.json(body), path=path)
    kwargs: dict[str, Any] = {"betas": ["x-2025-01-01"], "workspace_id": "w"}
    ref = await sdk.beta.user_profiles.create_enrollment_url(profile.id, **kwargs)
    got = await client.beta.user_profiles.create_enrollment_url(profile.id, **kwargs)
    sent = [(r.method, r.path, dict(r.query), r.body) for r in server.requests]
    assert sent[0] == sent[1] and sent[1][:2] == ("POST", path)
    for header in ("anthropic-beta", "anthropic-workspace-id"):
        assert server.requests[0].headers.get(header) == server.requests[1].headers.get(header), header
    assert server.requests[1].headers["anthropic-beta"] == "x-2025-01-01,user-profiles-2026-08-18"
    assert (ref.url, ref.expires_at, ref.type) == (got.url, got.expires_at, got.type)
    raw = await client.beta.with_raw_response.user_profiles.create_enrollment_url(profile.id)
    assert raw.status_code == 200 and (await raw.parse()).type == "enrollment_url"
    with pytest.raises(aclaude.NotFoundError):
        await client.beta.user_profiles.create_enrollment_url("uprof_missing")
    assert not hasattr(sdk.user_profiles, "create_enrollment_url")
    assert not hasattr(client.user_profiles, "create_enrollment_url")


async def test_resource_keywords_are_checked_before_sending(
    client: aclaude.Client, server: FakeAnthropic
) -> None:
    with pytest.raises(TypeError, match="unexpected keyword argument 'nmae'"):
        await client.user_profiles.create(nmae="Acme")  # type: ignore[call-arg]
    with pytest.raises(TypeError, match="unexpected keyword argument 'workspace'"):
        await client.skills.retrieve("skill_1", workspace="w")  # type: ignore[call-arg]
    with pytest.raises(TypeError, match="unexpected keyword argument 'cursor'"):
        client.skills.versions.list("skill_1", cursor="x")  # type: ignore[call-arg]  # at once, not when awaited
    assert server.requests == []
