"""aclaude: an asyncio-native, streaming-first client for the Anthropic Messages API.

    import aclaude
    async with aclaude.Client() as client:
        message = await client.messages.create(
            model="claude-sonnet-4-5", max_tokens=1024,
            messages=[{"role": "user", "content": "Hello"}],
        )
"""

from ._accumulate import (
    CitationEvent,
    ContentBlockStopEvent,
    InputJsonEvent,
    MessageStopEvent,
    SignatureEvent,
    TextEvent,
    TextSnapshot,
    ThinkingEvent,
)
from ._client import Client
from ._event_stream import EventStream
from ._events import (
    CitationsDelta,
    ErrorEvent,
    InputJSONDelta,
    MessageDelta,
    MessageDeltaUsage,
    PingEvent,
    RawContentBlockDeltaEvent,
    RawContentBlockStartEvent,
    RawContentBlockStopEvent,
    RawMessageDeltaEvent,
    RawMessageStartEvent,
    RawMessageStopEvent,
    RawMessageStreamEvent,
    SignatureDelta,
    TextDelta,
    ThinkingDelta,
    UnknownDelta,
    UnknownEvent,
)
from ._exceptions import (
    APIConnectionError,
    APIError,
    APIResponseValidationError,
    APIStatusError,
    APITimeoutError,
    AuthenticationError,
    BadRequestError,
    ConflictError,
    GatewayTimeoutError,
    IncompleteStreamError,
    InternalServerError,
    NotFoundError,
    OverloadedError,
    PermissionDeniedError,
    RateLimitError,
    RequestTooLargeError,
    ServiceUnavailableError,
    UnprocessableEntityError,
)
from ._models import (
    BashCodeExecutionToolResultBlock,
    CodeExecutionToolResultBlock,
    ContainerUploadBlock,
    ContentBlock,
    Message,
    RedactedThinkingBlock,
    ServerToolUseBlock,
    TextBlock,
    TextEditorCodeExecutionToolResultBlock,
    ThinkingBlock,
    ToolSearchToolResultBlock,
    ToolUseBlock,
    UnknownCitation,
    UnknownContentBlock,
    Usage,
    WebFetchToolResultBlock,
    WebSearchToolResultBlock,
)
from ._ratelimit import RateLimits
from ._stream import MessageStream, MessageStreamManager
from ._transport import Timeout
from ._version import __version__

#: The official SDK's name, so that moving a service over is a rename of the import.
AsyncAnthropic = Client

# Official SDK aliases for the raw events.
MessageStartEvent = RawMessageStartEvent
MessageDeltaEvent = RawMessageDeltaEvent
ContentBlockStartEvent = RawContentBlockStartEvent
ContentBlockDeltaEvent = RawContentBlockDeltaEvent

__all__ = [
    "APIConnectionError",
    "APIError",
    "APIResponseValidationError",
    "APIStatusError",
    "APITimeoutError",
    "AsyncAnthropic",
    "AuthenticationError",
    "BadRequestError",
    "BashCodeExecutionToolResultBlock",
    "CitationEvent",
    "CitationsDelta",
    "Client",
    "CodeExecutionToolResultBlock",
    "ConflictError",
    "ContainerUploadBlock",
    "ContentBlock",
    "ContentBlockDeltaEvent",
    "ContentBlockStartEvent",
    "ContentBlockStopEvent",
    "ErrorEvent",
    "EventStream",
    "GatewayTimeoutError",
    "IncompleteStreamError",
    "InputJSONDelta",
    "InputJsonEvent",
    "InternalServerError",
    "Message",
    "MessageDelta",
    "MessageDeltaEvent",
    "MessageDeltaUsage",
    "MessageStartEvent",
    "MessageStopEvent",
    "MessageStream",
    "MessageStreamManager",
    "NotFoundError",
    "OverloadedError",
    "PermissionDeniedError",
    "PingEvent",
    "RateLimitError",
    "RateLimits",
    "RawContentBlockDeltaEvent",
    "RawContentBlockStartEvent",
    "RawContentBlockStopEvent",
    "RawMessageDeltaEvent",
    "RawMessageStartEvent",
    "RawMessageStopEvent",
    "RawMessageStreamEvent",
    "RedactedThinkingBlock",
    "RequestTooLargeError",
    "ServerToolUseBlock",
    "ServiceUnavailableError",
    "SignatureDelta",
    "SignatureEvent",
    "TextBlock",
    "TextDelta",
    "TextEditorCodeExecutionToolResultBlock",
    "TextEvent",
    "TextSnapshot",
    "ThinkingBlock",
    "ThinkingDelta",
    "ThinkingEvent",
    "Timeout",
    "ToolSearchToolResultBlock",
    "ToolUseBlock",
    "UnknownCitation",
    "UnknownContentBlock",
    "UnknownDelta",
    "UnknownEvent",
    "UnprocessableEntityError",
    "Usage",
    "WebFetchToolResultBlock",
    "WebSearchToolResultBlock",
    "__version__",
]
