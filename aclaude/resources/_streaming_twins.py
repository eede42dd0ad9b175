"""The ``with_streaming_response`` twin of each resource (see ``_streaming_response``): the
same methods and arguments, each returning a ``StreamedResponseManager`` whose ``parse()``
gives what the ordinary method returns."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..streaming._event_stream import EventStream
from ..types._batches import DeletedMessageBatch, MessageBatch
from ..types._files import DeletedFile, FileMetadata
from ..types._message import Message
from ..types._model_info import ModelInfo
from ..types._skills import (
    DeletedSkill,
    DeletedSkillVersion,
    DeletedUserProfile,
    Skill,
    SkillVersion,
    UserProfile,
)
from ..types._tokens import MessageTokensCount
from ._messages_extra import _drain
from ._streaming_response import (
    StreamedResponse,
    StreamedResponseManager,
    binary_parser,
    json_parser,
    page_parser,
    to_streamed_response,
)

if TYPE_CHECKING:
    from ._client_twins import ClientResources
    from .batches import Batches
    from .beta import Beta, BetaMessages
    from .files import Files
    from .messages import Messages
    from .models import Models
    from .skills import Skills
    from .user_profiles import UserProfiles

__all__ = [
    "BatchesWithStreamingResponse",
    "BetaWithStreamingResponse",
    "ClientWithStreamingResponse",
    "FilesWithStreamingResponse",
    "MessagesWithStreamingResponse",
    "ModelsWithStreamingResponse",
    "SkillsWithStreamingResponse",
    "UserProfilesWithStreamingResponse",
]


class MessagesWithStreamingResponse:
    """``client.messages.with_streaming_response`` (and the beta one): ``create`` (the raw SSE
    body; ``parse()`` gives the ``Message``, or with ``stream=True`` the ``EventStream``),
    ``count_tokens`` and ``batches``."""

    def __init__(self, messages: Messages | BetaMessages) -> None:
        self._messages = messages
        self.count_tokens = to_streamed_response(messages.count_tokens, json_parser(MessageTokensCount))
        self.batches = BatchesWithStreamingResponse(messages.batches)

    def create(self, *, stream: bool = False, **params: Any) -> StreamedResponseManager[Any]:
        """As ``create()``; the body is the event stream as the API sends it."""
        messages: Any = self._messages
        return StreamedResponseManager(
            lambda: messages.create(stream=True, **params), _stream_parser if stream else _message_parser
        )


async def _stream_parser(response: StreamedResponse[Any], events: EventStream) -> EventStream:
    # The stream the method built, opened on the response it was stopped at.
    captured = response.http_response

    async def opener(retry_count: int = 0) -> Any:
        return captured

    events._opener = opener
    events._max_retries = 0  # the response is there: nothing to retry
    return await events


async def _message_parser(response: StreamedResponse[Any], events: EventStream) -> Message:
    return await _drain(await _stream_parser(response, events))


class BatchesWithStreamingResponse:
    """``client.messages.batches.with_streaming_response`` (``results()`` is already streamed)."""

    def __init__(self, batches: Batches) -> None:
        self.create = to_streamed_response(batches.create, json_parser(MessageBatch))
        self.retrieve = to_streamed_response(batches.retrieve, json_parser(MessageBatch))
        self.list = to_streamed_response(batches.list, page_parser(MessageBatch))
        self.cancel = to_streamed_response(batches.cancel, json_parser(MessageBatch))
        self.delete = to_streamed_response(batches.delete, json_parser(DeletedMessageBatch))


class ModelsWithStreamingResponse:
    """``client.models.with_streaming_response``."""

    def __init__(self, models: Models) -> None:
        self.retrieve = to_streamed_response(models.retrieve, json_parser(ModelInfo))
        self.list = to_streamed_response(models.list, page_parser(ModelInfo))


class FilesWithStreamingResponse:
    """``client.files.with_streaming_response``."""

    def __init__(self, files: Files) -> None:
        self.upload = to_streamed_response(files.upload, json_parser(FileMetadata))
        self.list = to_streamed_response(files.list, page_parser(FileMetadata))
        self.retrieve_metadata = to_streamed_response(files.retrieve_metadata, json_parser(FileMetadata))
        self.download = to_streamed_response(files.download, binary_parser)
        self.delete = to_streamed_response(files.delete, json_parser(DeletedFile))


class SkillsWithStreamingResponse:
    """``client.skills.with_streaming_response`` (with ``versions``)."""

    def __init__(self, skills: Skills) -> None:
        self.create = to_streamed_response(skills.create, json_parser(Skill))
        self.retrieve = to_streamed_response(skills.retrieve, json_parser(Skill))
        self.list = to_streamed_response(skills.list, page_parser(Skill))
        self.delete = to_streamed_response(skills.delete, json_parser(DeletedSkill))
        versions = skills.versions
        self.versions = _SkillVersionsWithStreamingResponse(versions)


class _SkillVersionsWithStreamingResponse:
    def __init__(self, versions: Any) -> None:
        self.create = to_streamed_response(versions.create, json_parser(SkillVersion))
        self.retrieve = to_streamed_response(versions.retrieve, json_parser(SkillVersion))
        self.list = to_streamed_response(versions.list, page_parser(SkillVersion))
        self.delete = to_streamed_response(versions.delete, json_parser(DeletedSkillVersion))


class UserProfilesWithStreamingResponse:
    """``client.user_profiles.with_streaming_response``."""

    def __init__(self, profiles: UserProfiles) -> None:
        self.create = to_streamed_response(profiles.create, json_parser(UserProfile))
        self.retrieve = to_streamed_response(profiles.retrieve, json_parser(UserProfile))
        self.update = to_streamed_response(profiles.update, json_parser(UserProfile))
        self.list = to_streamed_response(profiles.list, page_parser(UserProfile))
        self.delete = to_streamed_response(profiles.delete, json_parser(DeletedUserProfile))


class BetaWithStreamingResponse:
    """``client.beta.with_streaming_response``."""

    def __init__(self, beta: Beta) -> None:
        self.messages = MessagesWithStreamingResponse(beta.messages)
        self.models = ModelsWithStreamingResponse(beta.models)
        self.files = FilesWithStreamingResponse(beta.files)
        self.skills = SkillsWithStreamingResponse(beta.skills)
        self.user_profiles = UserProfilesWithStreamingResponse(beta.user_profiles)


class ClientWithStreamingResponse:
    """``client.with_streaming_response``: each resource's streaming twin."""

    def __init__(self, client: ClientResources) -> None:
        self.messages = MessagesWithStreamingResponse(client.messages)
        self.models = ModelsWithStreamingResponse(client.models)
        self.files = FilesWithStreamingResponse(client.files)
        self.skills = SkillsWithStreamingResponse(client.skills)
        self.user_profiles = UserProfilesWithStreamingResponse(client.user_profiles)
        self.beta = BetaWithStreamingResponse(client.beta)
