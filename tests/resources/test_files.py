"""Files over loopback HTTP: streamed multipart uploads from every kind of source, listing with
page tokens, metadata, streamed downloads, delete, and the errors that come before a request."""

from __future__ import annotations

import asyncio
import gc
import hashlib
import io
import tracemalloc
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

import aclaude
from aclaude._http.multipart import MultipartBody, UploadFile, prepare
from aclaude.resources.files import FILES_BETA
from aclaude.testing import FakeAnthropic, Reply
from aclaude.testing._files import generated_content

CONTENT = b"%PDF-1.4 fake pdf \x00\xff" * 1000


def listing(directory: Path) -> list[Path]:
    return sorted(directory.iterdir())


async def chunks_of(data: bytes, size: int = 4096) -> AsyncIterator[bytes]:
    for i in range(0, len(data), size):
        await asyncio.sleep(0)
        yield data[i : i + size]


# -- upload ------------------------------------------------------------------------------------


async def test_upload_from_a_path(client: aclaude.Client, server: FakeAnthropic, tmp_path: Path) -> None:
    path = tmp_path / "report.pdf"
    path.write_bytes(CONTENT)
    meta = await client.beta.files.upload(file=path)
    assert isinstance(meta, aclaude.FileMetadata)
    assert meta.id.startswith("file_01") and meta.type == "file"
    assert (meta.filename, meta.mime_type, meta.size_bytes) == ("report.pdf", "application/pdf", len(CONTENT))
    assert meta.downloadable is False and meta.created_at.tzinfo is not None
    assert server.resources.files[meta.id].content == CONTENT
    request = server.requests[-1]
    assert request.headers["anthropic-beta"] == FILES_BETA
    assert request.headers["content-type"].startswith("multipart/form-data; boundary=")
    # Every size was known: a Content-Length, not a chunked body.
    assert int(request.headers["content-length"]) > len(CONTENT)
    assert "transfer-encoding" not in request.headers


@pytest.mark.parametrize("kind", ["bytes", "file object", "tuple", "tuple with type", "to_file"])
async def test_upload_sources(client: aclaude.Client, server: FakeAnthropic, kind: str) -> None:
    source: object
    if kind == "bytes":
        source, name, mime = CONTENT, "upload", "application/octet-stream"
    elif kind == "file object":
        handle = io.BytesIO(b"xx" + CONTENT)
        handle.seek(2)  # uploaded from the current position, like the SDK
        source, name, mime = handle, "upload", "application/octet-stream"
    elif kind == "tuple":
        source, name, mime = ("notes.txt", CONTENT), "notes.txt", "text/plain"
    elif kind == "tuple with type":
        source, name, mime = ("data.bin", CONTENT, "application/x-custom"), "data.bin", "application/x-custom"
    else:
        source, name, mime = aclaude.to_file(CONTENT, "image.png", "image/png"), "image.png", "image/png"
    meta = await client.beta.files.upload(file=source)
    assert (meta.filename, meta.mime_type, meta.size_bytes) == (name, mime, len(CONTENT))
    assert server.resources.files[meta.id].content == CONTENT


async def test_upload_a_named_binary_file(
    client: aclaude.Client, server: FakeAnthropic, tmp_path: Path
) -> None:
    path = tmp_path / "table.csv"
    path.write_bytes(b"a,b\n1,2\n")
    with path.open("rb") as handle:
        meta = await client.beta.files.upload(file=handle)
    assert (meta.filename, meta.mime_type, meta.size_bytes) == ("table.csv", "text/csv", 8)


async def test_upload_an_async_iterator_is_chunked(client: aclaude.Client, server: FakeAnthropic) -> None:
    meta = await client.beta.files.upload(file=aclaude.to_file(chunks_of(CONTENT), "stream.bin"))
    assert meta.size_bytes == len(CONTENT)
    assert server.resources.files[meta.id].content == CONTENT
    request = server.requests[-1]
    assert request.headers.get("transfer-encoding") == "chunked"
    assert "content-length" not in request.headers


async def test_upload_with_expiry_and_extra_fields(client: aclaude.Client, server: FakeAnthropic) -> None:
    meta = await client.beta.files.upload(file=("a.txt", b"x"), expires_in_seconds=3600)
    assert meta.expires_at is not None
    assert (meta.expires_at - meta.created_at).total_seconds() == pytest.approx(3600, abs=1)
    with pytest.raises(aclaude.BadRequestError, match="expires_in_seconds"):
        await client.beta.files.upload(file=("a.txt", b"x"), expires_in_seconds=5)


async def test_missing_file_fails_before_any_request(
    client: aclaude.Client, server: FakeAnthropic, tmp_path: Path
) -> None:
    missing = tmp_path / "nope" / "missing.pdf"
    with pytest.raises(FileNotFoundError, match="file to upload does not exist") as info:
        await client.beta.files.upload(file=missing)
    assert str(missing) in str(info.value)
    with pytest.raises(IsADirectoryError, match="not a regular file"):
        await client.beta.files.upload(file=tmp_path)
    assert server.requests == []


@pytest.mark.parametrize(
    ("source", "message"),
    [
        ("report.pdf", "not str"),
        (io.StringIO("text"), "text mode"),
        (12, "got int"),
        (("a", b"x", "t", {}, "extra"), "a file tuple"),
    ],
)
async def test_bad_sources_fail_before_any_request(
    client: aclaude.Client, server: FakeAnthropic, source: object, message: str
) -> None:
    with pytest.raises(TypeError, match=message):
        await client.beta.files.upload(file=source)  # type: ignore[arg-type]
    assert server.requests == []


async def test_a_file_that_changes_size_mid_upload_is_caught(tmp_path: Path) -> None:
    path = tmp_path / "growing.bin"
    path.write_bytes(b"x" * 10)
    upload = UploadFile(path)
    await upload.check()
    path.write_bytes(b"x" * 20)  # grew after the size (sent as Content-Length) was taken
    with pytest.raises(OSError, match="delivered 20 bytes but had 10"):
        [chunk async for chunk in upload.chunks()]


async def test_a_failing_source_raises_its_own_error_not_retried(server: FakeAnthropic) -> None:
    async def broken() -> AsyncIterator[bytes]:
        yield b"first part"
        raise RuntimeError("the source broke")

    async with aclaude.Client(api_key="k", base_url=server.url, max_retries=2) as client:
        with pytest.raises(RuntimeError, match="the source broke") as info:
            await client.beta.files.upload(file=aclaude.to_file(broken(), "b.bin"))
    assert isinstance(info.value.__cause__, aclaude.APIConnectionError)
    assert len(server.resources.files) == 0


async def test_upload_is_retried_with_the_whole_body(server: FakeAnthropic, tmp_path: Path) -> None:
    path = tmp_path / "a.bin"
    path.write_bytes(CONTENT)
    server.enqueue(
        Reply.error(529, "overloaded_error", "Overloaded", headers={"retry-after-ms": "1"}), path="/v1/files"
    )
    async with aclaude.Client(api_key="k", base_url=server.url, max_retries=1) as client:
        meta = await client.beta.files.upload(file=path)
    assert server.resources.files[meta.id].content == CONTENT
    assert [r.headers.get("x-stainless-retry-count") for r in server.requests] == ["0", "1"]


async def test_an_async_iterator_upload_is_not_retried(server: FakeAnthropic) -> None:
    server.enqueue(
        Reply.error(529, "overloaded_error", "Overloaded", headers={"retry-after-ms": "1"}), path="/v1/files"
    )
    async with aclaude.Client(api_key="k", base_url=server.url, max_retries=2) as client:
        with pytest.raises(aclaude.OverloadedError):
            await client.beta.files.upload(file=aclaude.to_file(chunks_of(CONTENT), "s.bin"))
    assert len(server.requests) == 1


async def test_ga_files_send_no_beta_by_default(client: aclaude.Client, server: FakeAnthropic) -> None:
    await client.files.upload(file=("a.txt", b"x"))
    await client.beta.files.upload(file=("a.txt", b"x"), betas=["other-2025-01-01"])
    ga, beta = server.requests
    assert "anthropic-beta" not in ga.headers
    assert beta.headers["anthropic-beta"] == f"other-2025-01-01,{FILES_BETA}"


async def test_large_upload_from_a_path_in_flat_memory(server: FakeAnthropic, tmp_path: Path) -> None:
    size = 40 * 1024 * 1024
    path = tmp_path / "big.bin"
    with path.open("wb") as handle:
        for chunk in generated_content(size):
            handle.write(chunk)
    server.resources.files.keep_content = False  # the fake keeps only size and hash
    async with aclaude.Client(api_key="k", base_url=server.url) as client:
        gc.collect()
        tracemalloc.start()
        try:
            meta = await client.beta.files.upload(file=path)
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
    assert meta.size_bytes == size
    expected = hashlib.sha256(path.read_bytes()).hexdigest()
    assert server.resources.files[meta.id].sha256 == expected
    assert peak < 8 * 1024 * 1024, f"peak {peak / 2**20:.1f} MiB for a {size / 2**20:.0f} MiB upload"


# -- list / metadata / delete --------------------------------------------------------------------


async def test_list_follows_page_tokens(client: aclaude.Client, server: FakeAnthropic) -> None:
    ids = [(await client.beta.files.upload(file=(f"f{i}.txt", b"x"))).id for i in range(5)]
    page = await client.beta.files.list(limit=2)
    assert [f.id for f in page.data] == ids[::-1][:2]
    assert page.next_page and page.has_more and page.first_id == ids[4]
    assert [f.id async for f in client.beta.files.list(limit=2)] == ids[::-1]
    queries = [dict(r.query) for r in server.requests if r.method == "GET"]
    assert queries[-1]["page"].startswith("page_")
    only = [f.id async for f in client.beta.files.list(ids=[ids[1], ids[3]])]
    assert only == [ids[3], ids[1]]


async def test_retrieve_metadata_and_delete(client: aclaude.Client, server: FakeAnthropic) -> None:
    meta = await client.beta.files.upload(file=("a.txt", b"hello"))
    assert await client.beta.files.retrieve_metadata(meta.id) == meta
    deleted = await client.beta.files.delete(meta.id)
    assert isinstance(deleted, aclaude.DeletedFile)
    assert (deleted.id, deleted.type) == (meta.id, "file_deleted")
    for call in ("retrieve_metadata", "delete", "download"):
        with pytest.raises(aclaude.NotFoundError, match=meta.id):
            await getattr(client.beta.files, call)(meta.id)


# -- download ------------------------------------------------------------------------------------


async def test_uploaded_files_are_not_downloadable(client: aclaude.Client) -> None:
    meta = await client.beta.files.upload(file=("a.txt", b"hello"))
    with pytest.raises(aclaude.BadRequestError) as info:
        await client.beta.files.download(meta.id)
    assert info.value.body["error"]["details"]["error_code"] == "file_not_downloadable"


async def test_download_to_a_path(client: aclaude.Client, server: FakeAnthropic, tmp_path: Path) -> None:
    size = 3 * 1024 * 1024 + 17
    meta = server.resources.files.add(size, "result.bin")
    response = await client.beta.files.download(meta["id"])
    assert isinstance(response, aclaude.BinaryResponse)
    assert response.content_length == size and response.content_type == "application/octet-stream"
    target = tmp_path / "out.bin"
    assert await response.write_to_file(target) == size
    assert target.read_bytes() == b"".join(generated_content(size))
    assert listing(tmp_path) == [target]  # no temporary file left behind
    assert server.requests[-1].headers["accept"] == "application/binary"


async def test_download_as_an_async_byte_iterator(client: aclaude.Client, server: FakeAnthropic) -> None:
    meta = server.resources.files.add(b"0123456789" * 1000, "digits.txt")
    async with await client.beta.files.download(meta["id"]) as response:
        pieces = [chunk async for chunk in response.iter_bytes(chunk_size=999)]
    assert b"".join(pieces) == b"0123456789" * 1000
    assert {len(p) for p in pieces[:-1]} == {999}
    response2 = await client.beta.files.download(meta["id"])
    assert await response2.read() == b"0123456789" * 1000
    with pytest.raises(RuntimeError, match="already been read"):
        await response2.read()


async def test_abandoned_download_frees_the_connection(server: FakeAnthropic, tmp_path: Path) -> None:
    meta = server.resources.files.add(20 * 1024 * 1024, "big.bin")
    async with aclaude.Client(api_key="k", base_url=server.url, max_connections=1) as client:
        for _ in range(5):
            async with await client.beta.files.download(meta["id"]) as response:
                async for _chunk in response:
                    break
        small = server.resources.files.add(b"ok", "ok.txt")
        assert await (await client.beta.files.download(small["id"])).read() == b"ok"


async def test_failed_download_leaves_no_file(server: FakeAnthropic, tmp_path: Path) -> None:
    meta = server.resources.files.add(b"x" * 100, "a.bin")
    server.enqueue(
        Reply.raw(b"x" * 50, abort=True, content_type="application/octet-stream"),
        path=f"/v1/files/{meta['id']}/content",
    )
    async with aclaude.Client(api_key="k", base_url=server.url, max_retries=0) as client:
        response = await client.beta.files.download(meta["id"])
        with pytest.raises(aclaude.APIConnectionError):
            await response.write_to_file(tmp_path / "a.bin")
    assert listing(tmp_path) == []


# -- the multipart body itself -------------------------------------------------------------------


async def test_multipart_body_framing_and_quoting() -> None:
    upload = prepare(('we"ird\r\nname.txt', b"DATA", "text/plain"))
    await upload.check()
    body = MultipartBody("file", upload, [("expires_in_seconds", "3600")])
    raw = b"".join([chunk async for chunk in body.stream()])
    boundary = body.boundary.encode()
    assert raw.startswith(b"--" + boundary + b"\r\n")
    assert raw.endswith(b"\r\n--" + boundary + b"--\r\n")
    assert b'name="expires_in_seconds"\r\n\r\n3600\r\n' in raw
    assert b'filename="we%22ird%0D%0Aname.txt"' in raw
    assert b"Content-Type: text/plain\r\n\r\nDATA\r\n" in raw
    assert body.content_length == len(raw)
