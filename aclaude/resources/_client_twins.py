"""``client.with_raw_response``: the official SDK's client-level twin, one attribute per
resource (``client.with_raw_response.messages.create(...)`` is
``client.messages.with_raw_response.create(...)``)."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .._client import Client
    from .beta import BetaWithRawResponse
    from .completions import CompletionsWithRawResponse
    from .files import FilesWithRawResponse
    from .messages import MessagesWithRawResponse
    from .models import ModelsWithRawResponse
    from .skills import SkillsWithRawResponse
    from .user_profiles import UserProfilesWithRawResponse

__all__ = ["ClientWithRawResponse"]


class ClientWithRawResponse:
    """Each resource of ``client`` with its methods returning a ``RawResponse``."""

    def __init__(self, client: Client) -> None:
        self._client = client

    @property
    def messages(self) -> MessagesWithRawResponse:
        return self._client.messages.with_raw_response

    @property
    def models(self) -> ModelsWithRawResponse:
        return self._client.models.with_raw_response

    @property
    def files(self) -> FilesWithRawResponse:
        return self._client.files.with_raw_response

    @property
    def completions(self) -> CompletionsWithRawResponse:
        return self._client.completions.with_raw_response

    @property
    def skills(self) -> SkillsWithRawResponse:
        return self._client.skills.with_raw_response

    @property
    def user_profiles(self) -> UserProfilesWithRawResponse:
        return self._client.user_profiles.with_raw_response

    @property
    def beta(self) -> BetaWithRawResponse:
        return self._client.beta.with_raw_response
