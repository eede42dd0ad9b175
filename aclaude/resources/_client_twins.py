"""``client.with_raw_response`` and ``client.with_streaming_response``: the official SDK's
client-level twins, one attribute per resource (``client.with_raw_response.messages.create(...)``
is ``client.messages.with_raw_response.create(...)``)."""

from __future__ import annotations

from typing import Protocol

from ._twins import RawTwin, StreamingTwin, Twin, nested
from .beta import Beta
from .completions import Completions
from .files import Files
from .messages import Messages
from .models import Models
from .skills import Skills
from .user_profiles import UserProfiles

__all__ = ["ClientResources", "ClientWithRawResponse", "ClientWithStreamingResponse"]


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


class _ClientTwin(Twin):
    messages = nested(Messages)
    models = nested(Models)
    files = nested(Files)
    completions = nested(Completions)  # a raw twin only
    skills = nested(Skills)
    user_profiles = nested(UserProfiles)
    beta = nested(Beta)

    def __init__(self, client: ClientResources) -> None:
        super().__init__(client)


class ClientWithRawResponse(_ClientTwin, RawTwin):
    """Each resource of ``client`` with its methods returning a ``RawResponse``."""


class ClientWithStreamingResponse(_ClientTwin, StreamingTwin):
    """``client.with_streaming_response``: each resource's streaming twin."""
