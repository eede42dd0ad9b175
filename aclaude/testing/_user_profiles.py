"""The fake user profiles API: ``/v1/user_profiles``, in memory."""

from __future__ import annotations

import datetime
import secrets
from collections.abc import Mapping
from typing import Any

from aiohttp import web

from ._ids import new_id
from ._pages import rfc3339
from ._respond import Context, json_error, json_response, page_response

__all__ = ["UserProfileStore"]

_FIELDS = ("name", "access_type", "external_id", "external_user_details", "metadata")
_ACCESS_TYPES = ("application", "passthrough")


class UserProfileStore:
    """The user profiles the fake API holds (``server.resources.user_profiles``)."""

    def __init__(self) -> None:
        self.profiles: dict[str, dict[str, Any]] = {}

    async def create(self, ctx: Context, params: Mapping[str, str]) -> web.StreamResponse:
        problem = _problem(ctx.json)
        if problem:
            return json_error(ctx, 400, "invalid_request_error", problem)
        now = rfc3339(datetime.datetime.now(datetime.timezone.utc))
        profile: dict[str, Any] = {
            "id": new_id("uprof"),
            "type": "user_profile",
            "access_type": "application",
            "metadata": {},
            "external_user_details": {},
            "enforcement_status": "unrestricted",
            "enforcement_actions": [],
            "programs": {},
            "created_at": now,
            "updated_at": now,
        }
        profile.update({k: v for k, v in (ctx.json or {}).items() if k in _FIELDS})
        self.profiles[profile["id"]] = profile
        return json_response(ctx, profile)

    async def list(self, ctx: Context, params: Mapping[str, str]) -> web.StreamResponse:
        items = list(self.profiles.values())
        if ctx.request.query.get("order", "desc") != "asc":
            items.reverse()
        return page_response(ctx, items, page_tokens=True)

    async def retrieve(self, ctx: Context, params: Mapping[str, str]) -> web.StreamResponse:
        profile = self.profiles.get(params["user_profile_id"])
        return json_response(ctx, profile) if profile else _not_found(ctx, params["user_profile_id"])

    async def update(self, ctx: Context, params: Mapping[str, str]) -> web.StreamResponse:
        profile = self.profiles.get(params["user_profile_id"])
        if profile is None:
            return _not_found(ctx, params["user_profile_id"])
        problem = _problem(ctx.json)
        if problem:
            return json_error(ctx, 400, "invalid_request_error", problem)
        profile.update({k: v for k, v in (ctx.json or {}).items() if k in _FIELDS})
        profile["updated_at"] = rfc3339(datetime.datetime.now(datetime.timezone.utc))
        return json_response(ctx, profile)

    async def create_enrollment_url(self, ctx: Context, params: Mapping[str, str]) -> web.StreamResponse:
        """A one-day enrollment link for the profile (the body, if any, is ignored as by the SDK's
        bodiless POST)."""
        if params["user_profile_id"] not in self.profiles:
            return _not_found(ctx, params["user_profile_id"])
        expires = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(days=1)
        url = f"https://verify.example.invalid/enroll/{secrets.token_urlsafe(16)}"
        return json_response(ctx, {"type": "enrollment_url", "url": url, "expires_at": rfc3339(expires)})

    async def delete(self, ctx: Context, params: Mapping[str, str]) -> web.StreamResponse:
        if self.profiles.pop(params["user_profile_id"], None) is None:
            return _not_found(ctx, params["user_profile_id"])
        return json_response(ctx, {"id": params["user_profile_id"], "type": "user_profile_deleted"})


def _problem(body: Any) -> str | None:
    if body is None:
        return None
    if not isinstance(body, Mapping):
        return "request body must be a JSON object"
    unknown = sorted(set(body) - set(_FIELDS))
    if unknown:
        return f"{unknown[0]}: Extra inputs are not permitted"
    if "access_type" in body and body["access_type"] not in _ACCESS_TYPES:
        return "access_type: Input should be 'application' or 'passthrough'"
    metadata = body.get("metadata")
    if metadata is not None and not (
        isinstance(metadata, Mapping) and all(isinstance(v, str) for v in metadata.values())
    ):
        return "metadata: Input should be an object of strings"
    return None


def _not_found(ctx: Context, ident: str) -> web.StreamResponse:
    return json_error(ctx, 404, "not_found_error", f"User profile not found: {ident}")
