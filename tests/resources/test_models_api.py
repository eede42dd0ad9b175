"""``client.models`` and the pagination every list endpoint shares, over loopback HTTP."""

from __future__ import annotations

import datetime

import pytest

import aclaude
from aclaude.testing import FakeAnthropic, Reply
from aclaude.testing._models_api import MODELS

ALL_IDS = [m["id"] for m in MODELS]


async def test_first_page_has_the_page_fields(client: aclaude.Client) -> None:
    page = await client.models.list(limit=3)
    assert isinstance(page, aclaude.AsyncPage)
    assert [m.id for m in page.data] == ALL_IDS[:3]
    assert page.has_more is True
    assert (page.first_id, page.last_id) == (ALL_IDS[0], ALL_IDS[2])
    assert page.has_next_page()
    info = page.data[0]
    assert isinstance(info, aclaude.ModelInfo)
    assert info.type == "model" and info.display_name == "Claude Opus 4.6"
    assert info.created_at == datetime.datetime(2026, 2, 5, tzinfo=datetime.timezone.utc)
    assert info.capabilities is not None and info.capabilities.batch is not None
    assert info.capabilities.batch.supported is True
    assert info.capabilities.thinking is not None and info.capabilities.thinking.types is not None


async def test_async_for_walks_every_page(client: aclaude.Client, server: FakeAnthropic) -> None:
    ids = [m.id async for m in client.models.list(limit=4)]
    assert ids == ALL_IDS
    pages = [r for r in server.requests if r.path == "/v1/models"]
    assert len(pages) == 3  # 4 + 4 + 3
    assert [dict(r.query) for r in pages] == [
        {"limit": "4"},
        {"limit": "4", "after_id": ALL_IDS[3]},
        {"limit": "4", "after_id": ALL_IDS[7]},
    ]


async def test_get_next_page_and_iter_pages(client: aclaude.Client) -> None:
    first = await client.models.list(limit=5)
    second = await first.get_next_page()
    assert [m.id for m in second.data] == ALL_IDS[5:10]
    sizes = [len(p.data) async for p in first.iter_pages()]
    assert sizes == [5, 5, 1]
    last = await (await first.get_next_page()).get_next_page()
    assert last.has_more is False and not last.has_next_page()
    with pytest.raises(RuntimeError, match="has_next_page"):
        await last.get_next_page()
    # A page iterates from itself on.
    assert [m.id async for m in second] == ALL_IDS[5:]


async def test_before_id_pages_backwards(client: aclaude.Client) -> None:
    page = await client.models.list(before_id=ALL_IDS[6], limit=2)
    assert [m.id for m in page.data] == ALL_IDS[4:6]
    earlier = await page.get_next_page()
    assert [m.id for m in earlier.data] == ALL_IDS[2:4]


async def test_lifecycle_filter_is_sent_as_brackets(client: aclaude.Client, server: FakeAnthropic) -> None:
    ids = [m.id async for m in client.models.list(lifecycle=["deprecated", "retired"])]
    assert ids == [m["id"] for m in MODELS if m["lifecycle"] != "active"]
    # Repeated as lifecycle[]=deprecated&lifecycle[]=retired (the recorded query keeps one).
    assert "lifecycle[]" in server.requests[-1].query


async def test_retrieve_by_id_and_alias(client: aclaude.Client) -> None:
    info = await client.models.retrieve("claude-haiku-4-5-20251001")
    assert info.id == "claude-haiku-4-5-20251001" and info.lifecycle == "active"
    alias = await client.models.retrieve("claude-sonnet-4-5")
    assert alias.id == "claude-sonnet-4-5-20250929"


async def test_unknown_model_is_a_404(client: aclaude.Client) -> None:
    with pytest.raises(aclaude.NotFoundError) as info:
        await client.models.retrieve("claude-nonexistent-9")
    assert info.value.status_code == 404
    assert info.value.body["error"]["type"] == "not_found_error"
    assert info.value.request_id


async def test_empty_id_fails_before_any_request(client: aclaude.Client, server: FakeAnthropic) -> None:
    with pytest.raises(ValueError, match="model_id"):
        await client.models.retrieve("")
    assert server.requests == []


async def test_ids_are_quoted_in_the_path(client: aclaude.Client, server: FakeAnthropic) -> None:
    with pytest.raises(aclaude.NotFoundError):
        await client.models.retrieve("a b?c")
    assert server.requests[-1].path == "/v1/models/a b?c"
    assert server.requests[-1].query == {}


async def test_bad_limit_is_the_apis_400(client: aclaude.Client) -> None:
    with pytest.raises(aclaude.BadRequestError, match="limit"):
        await client.models.list(limit=0)


async def test_headers_betas_and_workspace(client: aclaude.Client, server: FakeAnthropic) -> None:
    await client.beta.models.retrieve("claude-opus-4-6", betas=["b1-2025-01-01", "b2-2025-02-02"])
    await client.models.list(workspace_id="wrkspc_01", extra_headers={"x-extra": "1"})
    beta, listing = server.requests
    assert beta.headers["anthropic-beta"] == "b1-2025-01-01,b2-2025-02-02"
    assert listing.headers["anthropic-workspace-id"] == "wrkspc_01"
    assert listing.headers["x-extra"] == "1"
    assert "anthropic-beta" not in listing.headers


async def test_a_scripted_page_without_has_more_stops_on_empty_data(
    client: aclaude.Client, server: FakeAnthropic
) -> None:
    # Older bodies may omit has_more; an empty page ends the walk either way.
    server.enqueue(
        Reply.json({"data": [MODELS[0]], "first_id": MODELS[0]["id"], "last_id": MODELS[0]["id"]}),
        Reply.json({"data": [], "first_id": None, "last_id": None}),
        path="/v1/models",
    )
    ids = [m.id async for m in client.models.list()]
    assert ids == [MODELS[0]["id"]]


async def test_list_is_lazy_until_used(client: aclaude.Client, server: FakeAnthropic) -> None:
    paginator = client.models.list()
    assert server.requests == []
    assert isinstance(paginator, aclaude.AsyncPaginator)
    page = await paginator
    assert len(page.data) == len(ALL_IDS)
    assert "AsyncPage" in repr(page)
