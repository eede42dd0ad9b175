"""Typed models of the Messages API: the Message, its content blocks, citations and usage.

All are msgspec Structs, so decoding is done in C and ``msgspec.to_builtins(obj)`` gives back the
wire JSON (fields that are null on the wire and ``None`` here are omitted: ``omit_defaults``).

Conventions (msgspec "Tagged Unions" and "schema evolution"):

* Types that appear in a union carry their wire ``type`` as the struct tag; ``obj.type`` is a
  class attribute, and encoding writes it back.
* Every field that the API may leave out has a default, so new optional fields are cheap to add.
* Blocks whose inner structure the API grows often (server-tool results) keep that part as
  plain JSON (``Any``), so nothing the server sends is lost.
* Types the client does not know yet are decoded into ``Unknown*`` structs that keep every field
  (see ``_events.decode_unknown``): forward compatibility without losing data.

Structs that are created per stream event are ``gc=False``: they never form reference cycles and
this keeps them out of the cyclic garbage collector's way.
"""

from __future__ import annotations

from typing import Any, ClassVar, Literal

import msgspec

from ._request_id import WithRequestId

__all__ = [
    "UnknownCaller",
    "ServerToolCaller20260120",
    "ServerToolCaller",
    "DirectCaller",
    "Caller",
    "StopDetails",
    "MCPToolUseBlock",
    "MCPToolResultBlock",
    "MCPToolListingBlock",
    "FallbackInfo",
    "FallbackCreditUsage",
    "FallbackBlock",
    "Diagnostics",
    "ContextManagementResponse",
    "Container",
    "CompactionBlock",
    "AdvisorToolResultBlock",
    "CacheCreation",
    "Citation",
    "CitationCharLocation",
    "CitationContentBlockLocation",
    "CitationPageLocation",
    "CitationsSearchResultLocation",
    "CitationsWebSearchResultLocation",
    "CodeExecutionToolResultBlock",
    "BashCodeExecutionToolResultBlock",
    "ContainerUploadBlock",
    "ContentBlock",
    "Message",
    "OutputTokensDetails",
    "RedactedThinkingBlock",
    "ServerToolUsage",
    "ServerToolUseBlock",
    "TextBlock",
    "TextEditorCodeExecutionToolResultBlock",
    "ThinkingBlock",
    "ToolSearchToolResultBlock",
    "ToolUseBlock",
    "UnknownCitation",
    "UnknownContentBlock",
    "Usage",
    "WebFetchToolResultBlock",
    "WebSearchToolResultBlock",
]


class _Block(
    msgspec.Struct, kw_only=True, omit_defaults=True, gc=False, tag_field="type", forbid_unknown_fields=True
):
    """Base of the tagged content-block and citation types."""

    type: ClassVar[str]


# -- citations -------------------------------------------------------------------------------


class CitationCharLocation(_Block, tag="char_location", kw_only=True):
    type: ClassVar[str] = "char_location"
    cited_text: str
    document_index: int
    document_title: str | None = None
    start_char_index: int
    end_char_index: int
    file_id: str | None = None


class CitationPageLocation(_Block, tag="page_location", kw_only=True):
    type: ClassVar[str] = "page_location"
    cited_text: str
    document_index: int
    document_title: str | None = None
    start_page_number: int
    end_page_number: int
    file_id: str | None = None


class CitationContentBlockLocation(_Block, tag="content_block_location", kw_only=True):
    type: ClassVar[str] = "content_block_location"
    cited_text: str
    document_index: int
    document_title: str | None = None
    start_block_index: int
    end_block_index: int
    file_id: str | None = None


class CitationsWebSearchResultLocation(_Block, tag="web_search_result_location", kw_only=True):
    type: ClassVar[str] = "web_search_result_location"
    cited_text: str
    encrypted_index: str
    title: str | None = None
    url: str


class CitationsSearchResultLocation(_Block, tag="search_result_location", kw_only=True):
    type: ClassVar[str] = "search_result_location"
    cited_text: str
    search_result_index: int
    source: str
    title: str | None = None
    start_block_index: int
    end_block_index: int


class UnknownCitation(msgspec.Struct, kw_only=True, omit_defaults=True):
    """A citation type this client does not know; subclasses made at run time hold its fields."""

    type: str


Citation = (
    CitationCharLocation
    | CitationPageLocation
    | CitationContentBlockLocation
    | CitationsWebSearchResultLocation
    | CitationsSearchResultLocation
)

# -- callers (who called a tool: the model directly, or code run by a server tool) -----------


class DirectCaller(_Block, tag="direct", kw_only=True):
    type: ClassVar[str] = "direct"


class ServerToolCaller(_Block, tag="code_execution_20250825", kw_only=True):
    type: ClassVar[str] = "code_execution_20250825"
    tool_id: str


class ServerToolCaller20260120(_Block, tag="code_execution_20260120", kw_only=True):
    type: ClassVar[str] = "code_execution_20260120"
    tool_id: str


class UnknownCaller(msgspec.Struct, kw_only=True, omit_defaults=True):
    """A caller type this client does not know yet (every field kept)."""

    type: str


# may also hold UnknownCaller at run time
Caller = DirectCaller | ServerToolCaller | ServerToolCaller20260120

# -- content blocks --------------------------------------------------------------------------


class TextBlock(_Block, tag="text", kw_only=True):
    type: ClassVar[str] = "text"
    text: str
    # may also hold UnknownCitation at run time
    citations: list[Citation] | None = None


class ThinkingBlock(_Block, tag="thinking", kw_only=True):
    type: ClassVar[str] = "thinking"
    thinking: str
    signature: str


class RedactedThinkingBlock(_Block, tag="redacted_thinking", kw_only=True):
    type: ClassVar[str] = "redacted_thinking"
    data: str


class ToolUseBlock(_Block, tag="tool_use", kw_only=True):
    type: ClassVar[str] = "tool_use"
    id: str
    name: str
    input: Any
    caller: Caller | None = None
    toolset_name: str | None = None


class ServerToolUseBlock(_Block, tag="server_tool_use", kw_only=True):
    type: ClassVar[str] = "server_tool_use"
    id: str
    name: str
    input: Any
    caller: Caller | None = None


class WebSearchToolResultBlock(_Block, tag="web_search_tool_result", kw_only=True):
    type: ClassVar[str] = "web_search_tool_result"
    tool_use_id: str
    content: Any  # a list of web_search_result objects, or an error object
    caller: Caller | None = None


class WebFetchToolResultBlock(_Block, tag="web_fetch_tool_result", kw_only=True):
    type: ClassVar[str] = "web_fetch_tool_result"
    tool_use_id: str
    content: Any
    caller: Caller | None = None


class CodeExecutionToolResultBlock(_Block, tag="code_execution_tool_result", kw_only=True):
    type: ClassVar[str] = "code_execution_tool_result"
    tool_use_id: str
    content: Any


class BashCodeExecutionToolResultBlock(_Block, tag="bash_code_execution_tool_result", kw_only=True):
    type: ClassVar[str] = "bash_code_execution_tool_result"
    tool_use_id: str
    content: Any


class TextEditorCodeExecutionToolResultBlock(
    _Block, tag="text_editor_code_execution_tool_result", kw_only=True
):
    type: ClassVar[str] = "text_editor_code_execution_tool_result"
    tool_use_id: str
    content: Any


class ToolSearchToolResultBlock(_Block, tag="tool_search_tool_result", kw_only=True):
    type: ClassVar[str] = "tool_search_tool_result"
    tool_use_id: str
    content: Any


class ContainerUploadBlock(_Block, tag="container_upload", kw_only=True):
    type: ClassVar[str] = "container_upload"
    file_id: str


class CompactionBlock(_Block, tag="compaction", kw_only=True):
    """A summary of earlier turns the server compacted (beta context management)."""

    type: ClassVar[str] = "compaction"
    content: str | None = None
    encrypted_content: str | None = None
    signature: str | None = None
    tool_changes: list[Any] | None = None


class FallbackInfo(msgspec.Struct, kw_only=True, omit_defaults=True, gc=False, forbid_unknown_fields=True):
    model: str


class FallbackBlock(_Block, tag="fallback", kw_only=True):
    """The response moved to another model mid-stream (beta fallbacks); ``from_`` is ``from``
    on the wire."""

    type: ClassVar[str] = "fallback"
    from_: FallbackInfo = msgspec.field(name="from")
    to: FallbackInfo
    trigger: Any = None


class MCPToolUseBlock(_Block, tag="mcp_tool_use", kw_only=True):
    type: ClassVar[str] = "mcp_tool_use"
    id: str
    name: str
    server_name: str
    input: Any


class MCPToolResultBlock(_Block, tag="mcp_tool_result", kw_only=True):
    type: ClassVar[str] = "mcp_tool_result"
    tool_use_id: str
    is_error: bool | None = None
    content: Any  # a string or a list of text blocks


class MCPToolListingBlock(_Block, tag="mcp_tool_listing", kw_only=True):
    type: ClassVar[str] = "mcp_tool_listing"
    mcp_server_name: str
    tools: list[Any]


class AdvisorToolResultBlock(_Block, tag="advisor_tool_result", kw_only=True):
    type: ClassVar[str] = "advisor_tool_result"
    tool_use_id: str
    content: Any  # an advisor result, a redacted result or an error object


class UnknownContentBlock(msgspec.Struct, kw_only=True, omit_defaults=True):
    """A content block type this client does not know yet.

    The instance is of a subclass made at run time whose fields are exactly the block's keys,
    so attribute access works and ``msgspec.to_builtins`` returns every field the server sent.
    """

    type: str


KnownContentBlock = (
    TextBlock
    | ThinkingBlock
    | RedactedThinkingBlock
    | ToolUseBlock
    | ServerToolUseBlock
    | WebSearchToolResultBlock
    | WebFetchToolResultBlock
    | CodeExecutionToolResultBlock
    | BashCodeExecutionToolResultBlock
    | TextEditorCodeExecutionToolResultBlock
    | ToolSearchToolResultBlock
    | ContainerUploadBlock
    | CompactionBlock
    | FallbackBlock
    | MCPToolUseBlock
    | MCPToolResultBlock
    | MCPToolListingBlock
    | AdvisorToolResultBlock
)
# Annotations use the known union (msgspec decodes it in C); at run time a block may also be an
# UnknownContentBlock, put there by the decoder's slow path.
ContentBlock = KnownContentBlock

# -- usage -----------------------------------------------------------------------------------


class CacheCreation(msgspec.Struct, kw_only=True, omit_defaults=True, gc=False, forbid_unknown_fields=True):
    ephemeral_5m_input_tokens: int | None = None
    ephemeral_1h_input_tokens: int | None = None


class ServerToolUsage(msgspec.Struct, kw_only=True, omit_defaults=True, gc=False, forbid_unknown_fields=True):
    web_search_requests: int | None = None
    web_fetch_requests: int | None = None


class OutputTokensDetails(
    msgspec.Struct, kw_only=True, omit_defaults=True, gc=False, forbid_unknown_fields=True
):
    thinking_tokens: int | None = None


class FallbackCreditUsage(
    msgspec.Struct, kw_only=True, omit_defaults=True, gc=False, forbid_unknown_fields=True
):
    status: Any = None


class Usage(msgspec.Struct, kw_only=True, omit_defaults=True, gc=False, forbid_unknown_fields=True):
    """Token usage of a message (billing and rate limiting)."""

    input_tokens: int
    output_tokens: int
    cache_creation_input_tokens: int | None = None
    cache_read_input_tokens: int | None = None
    cache_creation: CacheCreation | None = None
    server_tool_use: ServerToolUsage | None = None
    service_tier: str | None = None
    output_tokens_details: OutputTokensDetails | None = None
    inference_geo: str | None = None
    speed: str | None = None
    iterations: list[Any] | None = None  # per-iteration usage (beta: compaction, advisor, fallback)
    fallback_credit: FallbackCreditUsage | None = None


# -- message ---------------------------------------------------------------------------------

StopReason = Literal[
    "end_turn",
    "max_tokens",
    "stop_sequence",
    "tool_use",
    "pause_turn",
    "refusal",
    "model_context_window_exceeded",
]


class StopDetails(msgspec.Struct, kw_only=True, omit_defaults=True, gc=False, forbid_unknown_fields=True):
    """Why the model stopped, in detail (``type`` is ``"refusal"`` today)."""

    type: str
    category: str | None = None
    explanation: str | None = None
    fallback_credit_token: str | None = None
    fallback_has_prefill_claim: bool | None = None
    recommended_model: str | None = None


class Container(msgspec.Struct, kw_only=True, omit_defaults=True, gc=False, forbid_unknown_fields=True):
    """The container a code-execution tool ran in (``expires_at`` kept as the wire string)."""

    id: str
    expires_at: str
    skills: list[Any] | None = None


class Diagnostics(msgspec.Struct, kw_only=True, omit_defaults=True, gc=False, forbid_unknown_fields=True):
    cache_miss_reason: Any = None


class ContextManagementResponse(
    msgspec.Struct, kw_only=True, omit_defaults=True, gc=False, forbid_unknown_fields=True
):
    """The context edits the server applied (beta context management)."""

    applied_edits: list[Any]


class Message(
    msgspec.Struct, WithRequestId, kw_only=True, omit_defaults=True, dict=True, forbid_unknown_fields=True
):
    """A complete assistant message, as returned by ``messages.create()``.

    ``stop_reason`` is a plain ``str`` (values as in ``StopReason``) so that a new reason the API
    adds does not fail decoding.
    """

    id: str
    type: str
    role: str
    model: str
    content: list[ContentBlock]
    stop_reason: str | None = None
    stop_sequence: str | None = None
    stop_details: StopDetails | None = None
    container: Container | None = None
    diagnostics: Diagnostics | None = None
    usage: Usage
    context_management: ContextManagementResponse | None = None
    input_transformations: list[Any] | None = None

    # `dict=True` lets a Message carry attributes that are not wire fields (never encoded):
    # the request id of the response it came from (``request_id``, ``_request_id``).

    def to_param(self) -> dict[str, Any]:
        """This message as an ``assistant`` entry for the ``messages`` list of the next call."""
        return {"role": self.role, "content": msgspec.to_builtins(self.content)}
