"""List endpoints: ``AsyncPage`` (one page) and ``AsyncPaginator`` (what ``list()`` returns).

As in the official SDK, ``await client.models.list()`` gives the first page (``data``,
``has_more``, ``first_id``, ``last_id``, ``has_next_page()``, ``get_next_page()``) and
``async for model in client.models.list()`` walks every item of every page, fetching the next
page only when the current one is used up (one page in memory at a time).

Two cursor styles exist in the API and both are followed: id cursors (``after_id`` /
``before_id`` from ``last_id`` / ``first_id``: models, batches) and opaque page tokens
(``page`` from ``next_page``: files). A page that carries a ``next_page`` token is followed by
it; otherwise by ids, backwards when the first request was made with ``before_id``.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Generator, Mapping
from typing import Any, Generic, TypeVar

import msgspec

from .._exceptions import APIResponseValidationError, NoNextPageError
from ..types._request_id import WithRequestId

__all__ = ["AsyncPage", "AsyncPaginator", "PageBody", "PageFetcher"]

_T = TypeVar("_T")


class PageBody(msgspec.Struct, WithRequestId, Generic[_T], kw_only=True, omit_defaults=True, dict=True):
    """The JSON body of one page, as the API sends it."""

    data: list[_T]
    has_more: bool | None = None
    first_id: str | None = None
    last_id: str | None = None
    next_page: str | None = None


#: Fetches one page for the given query parameters (the cursor ones included).
PageFetcher = Callable[[Mapping[str, str]], Awaitable[PageBody[_T]]]


class AsyncPage(Generic[_T]):
    """One page of a list. ``async for item in page`` walks this page and all the next ones.

    ``request_id`` (and the SDK's ``_request_id``): the ``request-id`` of this page's response."""

    __slots__ = ("_fetch", "_params", "_request_id", "data", "first_id", "has_more", "last_id", "next_page")

    def __init__(self, body: PageBody[_T], fetch: PageFetcher[_T], params: Mapping[str, str]) -> None:
        self.data: list[_T] = body.data
        self.has_more: bool | None = body.has_more
        self.first_id: str | None = body.first_id
        self.last_id: str | None = body.last_id
        #: The opaque cursor of the next page (page-token endpoints such as files), else None.
        self.next_page: str | None = body.next_page
        self._fetch = fetch
        self._params = dict(params)
        self._request_id: str | None = body.request_id

    @property
    def request_id(self) -> str | None:
        """The ``request-id`` header of the response this page came from."""
        return self._request_id

    def __repr__(self) -> str:
        return (
            f"<AsyncPage items={len(self.data)} has_more={self.has_more} "
            f"first_id={self.first_id!r} last_id={self.last_id!r}>"
        )

    def next_page_params(self) -> dict[str, str] | None:
        """The query parameters that fetch the next page, or None on the last page."""
        if self.has_more is False or not self.data:
            return None
        params = {k: v for k, v in self._params.items() if k not in ("after_id", "before_id", "page")}
        if self.next_page:
            params["page"] = self.next_page
        elif "before_id" in self._params:
            if not self.first_id:
                return None
            params["before_id"] = self.first_id
        elif self.last_id:
            params["after_id"] = self.last_id
        else:
            return None
        if params == self._params:
            # has_more with the cursor this page was fetched with: following it would fetch the
            # same page forever (a broken or hostile server).
            raise APIResponseValidationError(
                f"the page cursor did not advance ({_cursor(params)}) while has_more is true"
            )
        return params

    def has_next_page(self) -> bool:
        """Whether there is a page after this one."""
        return self.next_page_params() is not None

    async def get_next_page(self) -> AsyncPage[_T]:
        """Fetch the next page (check ``has_next_page()`` first)."""
        params = self.next_page_params()
        if params is None:
            raise NoNextPageError("no next page; check has_next_page() before calling get_next_page()")
        return AsyncPage(await self._fetch(params), self._fetch, params)

    async def iter_pages(self) -> AsyncIterator[AsyncPage[_T]]:
        """This page and every page after it."""
        page = self
        seen = {_cursor(self._params)}  # one short string per page: a loop of pages ends too
        while True:
            yield page
            params = page.next_page_params()
            if params is None:
                return
            cursor = _cursor(params)
            if cursor in seen:
                raise APIResponseValidationError(
                    f"the page cursor came back to one already followed ({cursor}) while has_more "
                    "is true"
                )
            seen.add(cursor)
            page = AsyncPage(await page._fetch(params), page._fetch, params)

    async def _items(self) -> AsyncIterator[_T]:
        async for page in self.iter_pages():
            for item in page.data:
                yield item

    def __aiter__(self) -> AsyncIterator[_T]:
        return self._items()


def _cursor(params: Mapping[str, str]) -> str:
    for name in ("page", "after_id", "before_id"):
        if name in params:
            return f"{name}={params[name]!r:.100}"
    return "first page"


class AsyncPaginator(Generic[_T]):
    """What a ``list()`` call returns: ``await`` it for the first page, or ``async for`` over
    every item of every page. Nothing is sent until one of the two is used."""

    __slots__ = ("_fetch", "_params")

    def __init__(self, fetch: PageFetcher[_T], params: Mapping[str, str]) -> None:
        self._fetch = fetch
        self._params = dict(params)

    async def _first_page(self) -> AsyncPage[_T]:
        return AsyncPage(await self._fetch(self._params), self._fetch, self._params)

    def __await__(self) -> Generator[Any, None, AsyncPage[_T]]:
        return self._first_page().__await__()

    async def _items(self) -> AsyncIterator[_T]:
        page = await self._first_page()
        async for item in page:
            yield item

    def __aiter__(self) -> AsyncIterator[_T]:
        return self._items()
