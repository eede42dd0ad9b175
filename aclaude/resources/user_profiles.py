"""``client.user_profiles`` (and ``client.beta.user_profiles``): the entities a platform serves
(its end users, the companies it resells to). Send a profile's id as ``user_profile_id=`` on a
Messages, batch or token-counting call to attribute the request to it."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

from .._http.pagination import AsyncPaginator
from .._http.raw_response import to_raw_response
from ..types._skills import DeletedUserProfile, UserProfile
from ._base import BetaAwareResource, cursor_params, list_endpoint, path_id, with_query
from ._options import RequestOptions

if TYPE_CHECKING:
    from typing_extensions import Unpack

    from ._streaming_twins import UserProfilesWithStreamingResponse

__all__ = ["USER_PROFILES_BETA", "UserProfiles", "UserProfilesWithRawResponse"]

#: The beta ``client.beta.user_profiles`` sends, as the official SDK does.
USER_PROFILES_BETA = "user-profiles-2026-08-18"
_PATH = "/v1/user_profiles"


class UserProfiles(BetaAwareResource):
    """User profiles: ``create``, ``retrieve``, ``update``, ``list``, ``delete``."""

    @property
    def with_streaming_response(self) -> UserProfilesWithStreamingResponse:
        """The same methods, each an ``async with`` giving the response as soon as its headers
        arrive, then its body as it arrives (``iter_bytes()`` ...) or ``parse()``."""
        from ._streaming_twins import UserProfilesWithStreamingResponse

        return UserProfilesWithStreamingResponse(self)

    @property
    def with_raw_response(self) -> UserProfilesWithRawResponse:
        """The same methods, returning a ``RawResponse`` (status, headers, request id)."""
        return UserProfilesWithRawResponse(self)

    async def create(
        self,
        *,
        name: str | None = None,
        access_type: str | None = None,
        external_id: str | None = None,
        external_user_details: Mapping[str, Any] | None = None,
        metadata: Mapping[str, str] | None = None,
        betas: Iterable[str] | None = None,
        workspace_id: str | None = None,
        **options: Unpack[RequestOptions],
    ) -> UserProfile:
        """Create a user profile."""
        body = _body(name, access_type, external_id, external_user_details, metadata)
        return await self._client.request(
            "POST", _PATH, cast_to=UserProfile, body=body, **self._options(options, betas, workspace_id)
        )

    async def retrieve(
        self,
        user_profile_id: str,
        *,
        betas: Iterable[str] | None = None,
        workspace_id: str | None = None,
        **options: Unpack[RequestOptions],
    ) -> UserProfile:
        """One user profile (``NotFoundError`` for an unknown id)."""
        return await self._client.request(
            "GET",
            f"{_PATH}/{path_id('user_profile_id', user_profile_id)}",
            cast_to=UserProfile,
            **self._options(options, betas, workspace_id),
        )

    async def update(
        self,
        user_profile_id: str,
        *,
        name: str | None = None,
        access_type: str | None = None,
        external_id: str | None = None,
        external_user_details: Mapping[str, Any] | None = None,
        metadata: Mapping[str, str] | None = None,
        betas: Iterable[str] | None = None,
        workspace_id: str | None = None,
        **options: Unpack[RequestOptions],
    ) -> UserProfile:
        """Change the fields given (the others stay)."""
        body = _body(name, access_type, external_id, external_user_details, metadata)
        return await self._client.request(
            "POST",
            f"{_PATH}/{path_id('user_profile_id', user_profile_id)}",
            cast_to=UserProfile,
            body=body,
            **self._options(options, betas, workspace_id),
        )

    def list(
        self,
        *,
        limit: int | None = None,
        page: str | None = None,
        order: str | None = None,
        order_by: str | None = None,
        enforcement_status: str | None = None,
        betas: Iterable[str] | None = None,
        workspace_id: str | None = None,
        **options: Unpack[RequestOptions],
    ) -> AsyncPaginator[UserProfile]:
        """User profiles: ``await`` for the first page, ``async for`` for all."""
        filters = {"order": order, "order_by": order_by, "enforcement_status": enforcement_status}
        path = with_query(_PATH, filters)
        return list_endpoint(
            self._client,
            path,
            UserProfile,
            cursor_params(limit=limit, page=page),
            headers=self._headers(options.get("extra_headers"), betas, workspace_id),
            options=options,
        )

    async def delete(
        self,
        user_profile_id: str,
        *,
        betas: Iterable[str] | None = None,
        workspace_id: str | None = None,
        **options: Unpack[RequestOptions],
    ) -> DeletedUserProfile:
        """Delete a user profile."""
        return await self._client.request(
            "DELETE",
            f"{_PATH}/{path_id('user_profile_id', user_profile_id)}",
            cast_to=DeletedUserProfile,
            **self._options(options, betas, workspace_id),
        )


def _body(
    name: str | None,
    access_type: str | None,
    external_id: str | None,
    external_user_details: Mapping[str, Any] | None,
    metadata: Mapping[str, str] | None,
) -> dict[str, Any]:
    fields = {
        "name": name,
        "access_type": access_type,
        "external_id": external_id,
        "external_user_details": external_user_details,
        "metadata": metadata,
    }
    return {k: v for k, v in fields.items() if v is not None}


class UserProfilesWithRawResponse:
    """``client.user_profiles.with_raw_response``."""

    def __init__(self, profiles: UserProfiles) -> None:
        self.create = to_raw_response(profiles.create)
        self.retrieve = to_raw_response(profiles.retrieve)
        self.update = to_raw_response(profiles.update)
        self.list = to_raw_response(profiles.list)
        self.delete = to_raw_response(profiles.delete)
