"""aclaude: an asyncio-native, streaming-first client for the Anthropic Messages API.

    import aclaude
    async with aclaude.Client() as client:
        message = await client.messages.create(
            model="claude-sonnet-4-5", max_tokens=1024,
            messages=[{"role": "user", "content": "Hello"}],
        )
"""

from . import _exceptions, platforms, streaming, tools, types
from ._client import Client
from ._exceptions import *  # noqa: F403
from ._http.download import BinaryResponse
from ._http.headers_query import Omit, omit
from ._http.multipart import UploadFile, to_file
from ._http.pagination import AsyncPage, AsyncPaginator
from ._http.raw_response import RawResponse
from ._http.transport import Timeout
from ._version import __version__
from .platforms import *  # noqa: F403
from .platforms import BedrockClient, FoundryClient, VertexClient
from .resources.threads import BetaAsyncMessageThread, MessageThread, ThreadStreamManager
from .streaming import *  # noqa: F403
from .tools import *  # noqa: F403
from .types import (
    RawContentBlockDeltaEvent,
    RawContentBlockStartEvent,
    RawMessageDeltaEvent,
    RawMessageStartEvent,
)
from .types import extra_fields as extra_fields
from .types import known_type as known_type

# Every wire model and event is also a top-level name, as ``anthropic.types``' common ones are in
# ``anthropic``; each list is written once, in the ``__all__`` of the module that defines it (the
# star imports name the modules, not the ``types`` package, because mypy does not follow a star
# import through a package whose ``__all__`` is itself built by ``+=``).
from .types._batches import *  # noqa: F403
from .types._completions import *  # noqa: F403
from .types._events import *  # noqa: F403
from .types._files import *  # noqa: F403
from .types._message import *  # noqa: F403
from .types._model_info import *  # noqa: F403
from .types._rate_limits import *  # noqa: F403
from .types._threads import *  # noqa: F403
from .types._tokens import *  # noqa: F403
from .types.params import NOT_GIVEN, NotGiven

#: The official SDK's name, so that moving a service over is a rename of the import.
AsyncAnthropic = Client
#: The official SDK's names of the platform clients (``anthropic.AsyncAnthropicBedrock`` ...).
AsyncAnthropicBedrock = BedrockClient
AsyncAnthropicVertex = VertexClient
AsyncAnthropicFoundry = FoundryClient

# Official SDK aliases for the raw events.
MessageStartEvent = RawMessageStartEvent
MessageDeltaEvent = RawMessageDeltaEvent
ContentBlockStartEvent = RawContentBlockStartEvent
ContentBlockDeltaEvent = RawContentBlockDeltaEvent

__all__ = [
    "AsyncAnthropic",
    "AsyncAnthropicBedrock",
    "AsyncAnthropicFoundry",
    "AsyncAnthropicVertex",
    "AsyncPage",
    "AsyncPaginator",
    "BetaAsyncMessageThread",
    "BinaryResponse",
    "Client",
    "ContentBlockDeltaEvent",
    "ContentBlockStartEvent",
    "MessageDeltaEvent",
    "MessageStartEvent",
    "MessageThread",
    "NOT_GIVEN",
    "NotGiven",
    "Omit",
    "RawResponse",
    "ThreadStreamManager",
    "Timeout",
    "UploadFile",
    "__version__",
    "omit",
    "to_file",
]
__all__ += _exceptions.__all__
__all__ += platforms.__all__
__all__ += streaming.__all__
__all__ += tools.__all__
__all__ += types.__all__
