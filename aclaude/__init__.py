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
from ._batch_results import BatchResults
from ._bedrock import BedrockClient
from ._client import Client
from ._completion_stream import CompletionStream
from ._download import BinaryResponse
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
    JSONLDecodeError,
    NotFoundError,
    OverloadedError,
    PermissionDeniedError,
    RateLimitError,
    RequestTooLargeError,
    ServiceUnavailableError,
    StructuredOutputError,
    UnprocessableEntityError,
)
from ._foundry import FoundryClient
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
from ._models_batches import (
    DeletedMessageBatch,
    MessageBatch,
    MessageBatchCanceledResult,
    MessageBatchErroredResult,
    MessageBatchExpiredResult,
    MessageBatchIndividualResponse,
    MessageBatchRequestCounts,
    MessageBatchResult,
    MessageBatchSucceededResult,
)
from ._models_completions import Completion
from ._models_files import DeletedFile, FileMetadata
from ._models_models import ModelInfo
from ._models_tokens import MessageTokensCount
from ._multipart import UploadFile, to_file
from ._pagination import AsyncPage, AsyncPaginator
from ._parse import ParsedMessage
from ._ratelimit import RateLimits
from ._raw_response import RawResponse
from ._stream import MessageStream, MessageStreamManager
from ._tool_runner import StreamingToolRunner, ToolRunner
from ._tools import Tool, ToolResult, json_schema_tool, tool
from ._transport import Timeout
from ._version import __version__
from ._vertex import VertexClient

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
    "AsyncPage",
    "AsyncPaginator",
    "AuthenticationError",
    "BadRequestError",
    "BashCodeExecutionToolResultBlock",
    "BatchResults",
    "BedrockClient",
    "BinaryResponse",
    "CitationEvent",
    "CitationsDelta",
    "Client",
    "CodeExecutionToolResultBlock",
    "Completion",
    "CompletionStream",
    "ConflictError",
    "ContainerUploadBlock",
    "ContentBlock",
    "ContentBlockDeltaEvent",
    "ContentBlockStartEvent",
    "ContentBlockStopEvent",
    "DeletedFile",
    "DeletedMessageBatch",
    "ErrorEvent",
    "EventStream",
    "FileMetadata",
    "FoundryClient",
    "GatewayTimeoutError",
    "IncompleteStreamError",
    "InputJSONDelta",
    "InputJsonEvent",
    "InternalServerError",
    "JSONLDecodeError",
    "Message",
    "MessageBatch",
    "MessageBatchCanceledResult",
    "MessageBatchErroredResult",
    "MessageBatchExpiredResult",
    "MessageBatchIndividualResponse",
    "MessageBatchRequestCounts",
    "MessageBatchResult",
    "MessageBatchSucceededResult",
    "MessageDelta",
    "MessageDeltaEvent",
    "MessageDeltaUsage",
    "MessageStartEvent",
    "MessageStopEvent",
    "MessageStream",
    "MessageStreamManager",
    "MessageTokensCount",
    "ModelInfo",
    "NotFoundError",
    "OverloadedError",
    "ParsedMessage",
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
    "RawResponse",
    "RedactedThinkingBlock",
    "RequestTooLargeError",
    "ServerToolUseBlock",
    "ServiceUnavailableError",
    "SignatureDelta",
    "SignatureEvent",
    "StreamingToolRunner",
    "StructuredOutputError",
    "TextBlock",
    "TextDelta",
    "TextEditorCodeExecutionToolResultBlock",
    "TextEvent",
    "TextSnapshot",
    "ThinkingBlock",
    "ThinkingDelta",
    "ThinkingEvent",
    "Timeout",
    "Tool",
    "ToolResult",
    "ToolRunner",
    "ToolSearchToolResultBlock",
    "ToolUseBlock",
    "UnknownCitation",
    "UnknownContentBlock",
    "UnknownDelta",
    "UnknownEvent",
    "UnprocessableEntityError",
    "UploadFile",
    "Usage",
    "VertexClient",
    "WebFetchToolResultBlock",
    "WebSearchToolResultBlock",
    "__version__",
    "json_schema_tool",
    "to_file",
    "tool",
]
