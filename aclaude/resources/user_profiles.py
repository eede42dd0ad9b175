"""``client.user_profiles`` (and ``client.beta.user_profiles``): the entities a platform serves
(its end users, the companies it resells to). Send a profile's id as ``user_profile_id=`` on a
Messages, batch or token-counting call to attribute the request to it."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from .._http.pagination import AsyncPaginator
from ..types._skills import DeletedUserProfile, UserProfile, UserProfileEnrollmentURL
from ._base import BetaAwareResource, ResourceOptions, TokenPageParams, path_id, with_query
from ._options import OPTION_KEYS
from ._twins import RawTwin, RawTwinT, StreamingTwin, StreamingTwinT, Twin, json_method, page_method

if TYPE_CHECKING:
    from typing_extensions import Unpack

__all__ = [
    "USER_PROFILES_BETA",
    "BetaUserProfiles",
    "UserProfileFields",
    "UserProfiles",
    "UserProfilesWithRawResponse",
    "UserProfilesWithStreamingResponse",
]

#: The beta ``client.beta.user_profiles`` sends, as the official SDK does.
USER_PROFILES_BETA = "user-profiles-2026-08-18"
_PATH = "/v1/user_profiles"


class UserProfileFields(ResourceOptions, total=False):
    """The fields ``create()`` and ``update()`` send (those not given are left out), and the
    ``ResourceOptions``."""

    name: str | None
    access_type: str | None
    external_id: str | None
    external_user_details: Mapping[str, Any] | None
    metadata: Mapping[str, str] | None


_OPTION_NAMES = OPTION_KEYS | {"betas", "workspace_id"}
_NAMES = frozenset(UserProfileFields.__annotations__)


def _profile_path(user_profile_id: str) -> str:
    return f"{_PATH}/{path_id('user_profile_id', user_profile_id)}"


def _split(params: UserProfileFields) -> tuple[dict[str, Any], ResourceOptions]:
    """``params`` as the JSON body (fields given, not ``None``) and the options."""
    if not _NAMES.issuperset(params):
        raise TypeError(f"got an unexpected keyword argument {sorted(set(params) - _NAMES)[0]!r}")
    body = {k: v for k, v in params.items() if k not in _OPTION_NAMES and v is not None}
    options: Any = {k: v for k, v in params.items() if k in _OPTION_NAMES}
    return body, options


class _UserProfiles(BetaAwareResource[RawTwinT, StreamingTwinT]):
    """User profiles: ``create``, ``retrieve``, ``update``, ``list``, ``delete``."""

    async def create(self, **params: Unpack[UserProfileFields]) -> UserProfile:
        """Create a user profile."""
        body, options = _split(params)
        return await self._call("POST", _PATH, UserProfile, options, body)

    async def retrieve(self, user_profile_id: str, **options: Unpack[ResourceOptions]) -> UserProfile:
        """One user profile (``NotFoundError`` for an unknown id)."""
        return await self._call("GET", _profile_path(user_profile_id), UserProfile, options)

    async def update(self, user_profile_id: str, **params: Unpack[UserProfileFields]) -> UserProfile:
        """Change the fields given (the others stay)."""
        body, options = _split(params)
        return await self._call("POST", _profile_path(user_profile_id), UserProfile, options, body)

    def list(
        self,
        *,
        order: str | None = None,
        order_by: str | None = None,
        enforcement_status: str | None = None,
        **params: Unpack[TokenPageParams],
    ) -> AsyncPaginator[UserProfile]:
        """User profiles: ``await`` for the first page, ``async for`` for all."""
        filters = {"order": order, "order_by": order_by, "enforcement_status": enforcement_status}
        return self._list(with_query(_PATH, filters), UserProfile, params)

    async def delete(self, user_profile_id: str, **options: Unpack[ResourceOptions]) -> DeletedUserProfile:
        """Delete a user profile."""
        return await self._call("DELETE", _profile_path(user_profile_id), DeletedUserProfile, options)


class UserProfiles(_UserProfiles["UserProfilesWithRawResponse", "UserProfilesWithStreamingResponse"]):
    """``client.user_profiles``: ``create``, ``retrieve``, ``update``, ``list``, ``delete``."""


class BetaUserProfiles(
    _UserProfiles["BetaUserProfilesWithRawResponse", "BetaUserProfilesWithStreamingResponse"]
):
    """``client.beta.user_profiles``: also ``create_enrollment_url``."""

    async def create_enrollment_url(
        self, user_profile_id: str, **options: Unpack[ResourceOptions]
    ) -> UserProfileEnrollmentURL:
        """A link (``url``, valid until ``expires_at``) that sends the entity the profile
        represents to enroll (the Verification Portal of Claude Platform on AWS)."""
        path = f"{_profile_path(user_profile_id)}/enrollment_url"
        return await self._call("POST", path, UserProfileEnrollmentURL, options)


class _UserProfilesTwin(Twin):
    create = json_method(UserProfiles.create, UserProfile)
    retrieve = json_method(UserProfiles.retrieve, UserProfile)
    update = json_method(UserProfiles.update, UserProfile)
    list = page_method(UserProfiles.list, UserProfile)
    delete = json_method(UserProfiles.delete, DeletedUserProfile)


class UserProfilesWithRawResponse(_UserProfilesTwin, RawTwin, of=UserProfiles):
    """``client.user_profiles.with_raw_response``."""


class UserProfilesWithStreamingResponse(_UserProfilesTwin, StreamingTwin, of=UserProfiles):
    """``client.user_profiles.with_streaming_response``."""


class _BetaUserProfilesTwin(_UserProfilesTwin):
    create_enrollment_url = json_method(BetaUserProfiles.create_enrollment_url, UserProfileEnrollmentURL)


class BetaUserProfilesWithRawResponse(_BetaUserProfilesTwin, RawTwin, of=BetaUserProfiles):
    """``client.beta.user_profiles.with_raw_response``."""


class BetaUserProfilesWithStreamingResponse(_BetaUserProfilesTwin, StreamingTwin, of=BetaUserProfiles):
    """``client.beta.user_profiles.with_streaming_response``."""
