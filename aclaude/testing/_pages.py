"""Pagination as the API does it: newest first, ``limit``, ``after_id`` / ``before_id``, and for
page-token endpoints (files) an opaque ``page`` cursor answered with ``next_page``."""

from __future__ import annotations

import base64
import datetime
from collections.abc import Mapping, Sequence
from typing import Any

__all__ = ["PageError", "paginate", "rfc3339"]

DEFAULT_LIMIT = 20
MAX_LIMIT = 1000


class PageError(ValueError):
    """A bad pagination parameter (answered with a 400)."""


def rfc3339(moment: datetime.datetime) -> str:
    """``2025-01-01T00:00:00.123456Z``: the API's timestamps (UTC, microseconds, ``Z``)."""
    return moment.astimezone(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _limit(query: Mapping[str, str]) -> int:
    raw = query.get("limit")
    if raw is None:
        return DEFAULT_LIMIT
    try:
        limit = int(raw)
    except ValueError:
        raise PageError(f"limit: Input should be a valid integer, got {raw!r}") from None
    if not 1 <= limit <= MAX_LIMIT:
        raise PageError(f"limit: Input should be between 1 and {MAX_LIMIT}, got {limit}")
    return limit


def _token(offset: int) -> str:
    return "page_" + base64.urlsafe_b64encode(f"offset:{offset}".encode()).decode().rstrip("=")


def _offset(token: str) -> int:
    try:
        raw = token.removeprefix("page_")
        text = base64.urlsafe_b64decode(raw + "=" * (-len(raw) % 4)).decode()
        return int(text.removeprefix("offset:"))
    except (ValueError, UnicodeDecodeError):
        raise PageError(f"page: invalid page token {token!r}") from None


def paginate(
    items: Sequence[Mapping[str, Any]], query: Mapping[str, str], *, page_tokens: bool = False
) -> dict[str, Any]:
    """One page of ``items`` (already in list order, newest first) for the request's query."""
    limit = _limit(query)
    after, before, page = query.get("after_id"), query.get("before_id"), query.get("page")
    if sum(x is not None for x in (after, before, page)) > 1:
        raise PageError("use only one of after_id, before_id and page")
    ids = [item["id"] for item in items]
    if page is not None:
        if not page_tokens:
            raise PageError("page: this endpoint is paginated by after_id / before_id")
        start = _offset(page)
        chosen = items[start : start + limit]
        has_more = start + limit < len(items)
        end = start + len(chosen)
    elif before is not None:
        stop = ids.index(before) if before in ids else 0
        start = max(0, stop - limit)
        chosen = items[start:stop]
        has_more = start > 0
        end = stop
    else:
        start = ids.index(after) + 1 if after is not None and after in ids else 0
        if after is not None and after not in ids:
            start = len(items)
        chosen = items[start : start + limit]
        has_more = start + limit < len(items)
        end = start + len(chosen)
    body: dict[str, Any] = {
        "data": list(chosen),
        "has_more": has_more,
        "first_id": chosen[0]["id"] if chosen else None,
        "last_id": chosen[-1]["id"] if chosen else None,
    }
    if page_tokens:
        body["next_page"] = _token(end) if end < len(items) and before is None else None
    return body
