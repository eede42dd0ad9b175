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

from typing import Any, Literal

import msgspec

from ._base import Tagged, Unknown, WireStruct, tags_as_types
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


# -- citations -------------------------------------------------------------------------------


class _DocumentCitation(Tagged, kw_only=True):
    """What the citations of a document share: the cited text and which document it is."""

    cited_text: str
    document_index: int
    document_title: str | None = None


class CitationCharLocation(_DocumentCitation, tag="char_location", kw_only=True):
    start_char_index: int
    end_char_index: int
    file_id: str | None = None


class CitationPageLocation(_DocumentCitation, tag="page_location", kw_only=True):
    start_page_number: int
    end_page_number: int
    file_id: str | None = None


class CitationContentBlockLocation(_DocumentCitation, tag="content_block_location", kw_only=True):
    start_block_index: int
    end_block_index: int
    file_id: str | None = None


class CitationsWebSearchResultLocation(Tagged, tag="web_search_result_location", kw_only=True):
    cited_text: str
    encrypted_index: str
    title: str | None = None
    url: str


class CitationsSearchResultLocation(Tagged, tag="search_result_location", kw_only=True):
    cited_text: str
    search_result_index: int
    source: str
    title: str | None = None
    start_block_index: int
    end_block_index: int


class UnknownCitation(Unknown):
    """A citation type this client does not know; subclasses made at run time hold its fields."""


Citation = (
    CitationCharLocation
    | CitationPageLocation
    | CitationContentBlockLocation
    | CitationsWebSearchResultLocation
    | CitationsSearchResultLocation
)

# -- callers (who called a tool: the model directly, or code run by a server tool) -----------


class DirectCaller(Tagged, tag="direct", kw_only=True):
    """The model called the tool itself."""


class _CodeExecutionCaller(Tagged, kw_only=True):
    tool_id: str


class ServerToolCaller(_CodeExecutionCaller, tag="code_execution_20250825", kw_only=True):
    """Code that the code-execution server tool ``tool_id`` ran called the tool."""


class ServerToolCaller20260120(_CodeExecutionCaller, tag="code_execution_20260120", kw_only=True):
    """The same, from the code-execution tool's 2026-01-20 version."""


class UnknownCaller(Unknown):
    """A caller type this client does not know yet (every field kept)."""


# may also hold UnknownCaller at run time
Caller = DirectCaller | ServerToolCaller | ServerToolCaller20260120

# -- content blocks --------------------------------------------------------------------------


class TextBlock(Tagged, tag="text", kw_only=True):
    text: str
    # may also hold UnknownCitation at run time
    citations: list[Citation] | None = None


class ThinkingBlock(Tagged, tag="thinking", kw_only=True):
    thinking: str
    signature: str


class RedactedThinkingBlock(Tagged, tag="redacted_thinking", kw_only=True):
    data: str


class _ToolCall(Tagged, kw_only=True):
    id: str
    name: str
    input: Any
    caller: Caller | None = None


class ToolUseBlock(_ToolCall, tag="tool_use", kw_only=True):
    """The model called a client tool: run it, and answer with a ``tool_result`` for ``id``."""

    toolset_name: str | None = None


class ServerToolUseBlock(_ToolCall, tag="server_tool_use", kw_only=True):
    """The model called a server tool (the API runs it; its result block follows)."""


class _ToolResult(Tagged, kw_only=True):
    """A server tool's result: ``content`` is kept as plain JSON (its shape grows often)."""

    tool_use_id: str
    content: Any


class _CalledToolResult(_ToolResult, kw_only=True):
    caller: Caller | None = None


class WebSearchToolResultBlock(_CalledToolResult, tag="web_search_tool_result", kw_only=True):
    """The ``web_search`` server tool's result: a list of web_search_result objects, or an error object."""


class WebFetchToolResultBlock(_CalledToolResult, tag="web_fetch_tool_result", kw_only=True):
    """The ``web_fetch`` server tool's result: the fetched document, or an error object."""


class CodeExecutionToolResultBlock(_ToolResult, tag="code_execution_tool_result", kw_only=True):
    """The ``code_execution`` server tool's result, or an error object."""


class BashCodeExecutionToolResultBlock(_ToolResult, tag="bash_code_execution_tool_result", kw_only=True):
    """The result of a bash command the code-execution tool ran, or an error object."""


class TextEditorCodeExecutionToolResultBlock(
    _ToolResult, tag="text_editor_code_execution_tool_result", kw_only=True
):
    """The result of a text-editor command the code-execution tool ran, or an error object."""


class ToolSearchToolResultBlock(_ToolResult, tag="tool_search_tool_result", kw_only=True):
    """The tool search server tool's result, or an error object."""


class AdvisorToolResultBlock(_ToolResult, tag="advisor_tool_result", kw_only=True):
    """The advisor tool's result: an advisor result, a redacted result or an error object."""


class ContainerUploadBlock(Tagged, tag="container_upload", kw_only=True):
    file_id: str


class CompactionBlock(Tagged, tag="compaction", kw_only=True):
    """A summary of earlier turns the server compacted (beta context management)."""

    content: str | None = None
    encrypted_content: str | None = None
    signature: str | None = None
    tool_changes: list[Any] | None = None


class FallbackInfo(WireStruct, kw_only=True):
    model: str


class FallbackBlock(Tagged, tag="fallback", kw_only=True):
    """The response moved to another model mid-stream (beta fallbacks); ``from_`` is ``from``
    on the wire."""

    from_: FallbackInfo = msgspec.field(name="from")
    to: FallbackInfo
    trigger: Any = None


class MCPToolUseBlock(Tagged, tag="mcp_tool_use", kw_only=True):
    id: str
    name: str
    server_name: str
    input: Any


class MCPToolResultBlock(Tagged, tag="mcp_tool_result", kw_only=True):
    tool_use_id: str
    is_error: bool | None = None
    content: Any  # a string or a list of text blocks


class MCPToolListingBlock(Tagged, tag="mcp_tool_listing", kw_only=True):
    mcp_server_name: str
    tools: list[Any]


class UnknownContentBlock(Unknown):
    """A content block type this client does not know yet.

    The instance is of a subclass made at run time whose fields are exactly the block's keys,
    so attribute access works and ``msgspec.to_builtins`` returns every field the server sent.
    """


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
tags_as_types(Citation, Caller, KnownContentBlock)

# -- usage -----------------------------------------------------------------------------------


class CacheCreation(WireStruct, kw_only=True):
    ephemeral_5m_input_tokens: int | None = None
    ephemeral_1h_input_tokens: int | None = None


class ServerToolUsage(WireStruct, kw_only=True):
    web_search_requests: int | None = None
    web_fetch_requests: int | None = None


class OutputTokensDetails(WireStruct, kw_only=True):
    thinking_tokens: int | None = None


class FallbackCreditUsage(WireStruct, kw_only=True):
    status: Any = None


class Usage(WireStruct, kw_only=True):
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


class StopDetails(WireStruct, kw_only=True):
    """Why the model stopped, in detail (``type`` is ``"refusal"`` today)."""

    type: str
    category: str | None = None
    explanation: str | None = None
    fallback_credit_token: str | None = None
    fallback_has_prefill_claim: bool | None = None
    recommended_model: str | None = None


class Container(WireStruct, kw_only=True):
    """The container a code-execution tool ran in (``expires_at`` kept as the wire string)."""

    id: str
    expires_at: str
    skills: list[Any] | None = None


class Diagnostics(WireStruct, kw_only=True):
    cache_miss_reason: Any = None


class ContextManagementResponse(WireStruct, kw_only=True):
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
