"""``client.with_raw_response``: the official SDK's client-level twin, one attribute per
resource (``client.with_raw_response.messages.create(...)`` is
``client.messages.with_raw_response.create(...)``)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from .beta import Beta, BetaWithRawResponse
    from .completions import Completions, CompletionsWithRawResponse
    from .files import Files, FilesWithRawResponse
    from .messages import Messages, MessagesWithRawResponse
    from .models import Models, ModelsWithRawResponse
    from .skills import Skills, SkillsWithRawResponse
    from .user_profiles import UserProfiles, UserProfilesWithRawResponse

__all__ = ["ClientResources", "ClientWithRawResponse"]


class ClientResources(Protocol):
    """A client's resources, as the client-level twins see them (``aclaude.Client`` has them;
    the resources layer sits below the client and does not import it)."""

    messages: Messages
    models: Models
    files: Files
    completions: Completions
    skills: Skills
    user_profiles: UserProfiles
    beta: Beta


class ClientWithRawResponse:
    """Each resource of ``client`` with its methods returning a ``RawResponse``."""

    def __init__(self, client: ClientResources) -> None:
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
