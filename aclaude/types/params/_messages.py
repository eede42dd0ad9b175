"""The Messages API's request bodies as TypedDicts: ``MessageCreateParams`` (what
``messages.create()`` sends), ``MessageCountTokensParams``, a batch request, and the beta
fields. Type information only, as in ``_blocks``; the field list follows the official SDK's
signatures and the API reference."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, Literal, TypedDict

if TYPE_CHECKING:
    from typing import TypeAlias

    from typing_extensions import Required

    from ._blocks import CacheControlEphemeralParam, ContentBlockParam, TextBlockParam
    from ._tools import ToolChoiceParam, ToolUnionParam

__all__ = [
    "BetaMessageCreateParams",
    "BetaMessageCountTokensParams",
    "BetaParams",
    "BetaThreadParams",
    "ContainerParam",
    "DiagnosticsParam",
    "JSONOutputFormatParam",
    "MessageBatchRequestParam",
    "MessageCountTokensParams",
    "MessageCreateParams",
    "MessageCreateParamsBase",
    "MessageCreateParamsNonStreaming",
    "MessageParam",
    "MetadataParam",
    "ModelParam",
    "OutputConfigParam",
    "RequestMCPServerURLDefinitionParam",
    "ThinkingConfigAdaptiveParam",
    "ThinkingConfigDisabledParam",
    "ThinkingConfigEnabledParam",
    "ThinkingConfigParam",
]

#: A model id or alias (``claude-sonnet-4-5``); any string the API knows.
ModelParam: TypeAlias = str


class MessageParam(TypedDict):
    """One turn of the conversation: a string, or a list of content blocks (request
    TypedDicts or the blocks of a previous response)."""

    role: Literal["user", "assistant"]
    content: str | Iterable[ContentBlockParam]


class MetadataParam(TypedDict, total=False):
    user_id: str | None


class ThinkingConfigEnabledParam(TypedDict, total=False):
    budget_tokens: Required[int]
    type: Required[Literal["enabled"]]
    display: Literal["summarized", "omitted"] | None


class ThinkingConfigDisabledParam(TypedDict):
    type: Literal["disabled"]


class ThinkingConfigAdaptiveParam(TypedDict, total=False):
    type: Required[Literal["adaptive"]]
    display: Literal["summarized", "omitted"] | None


ThinkingConfigParam: TypeAlias = (
    ThinkingConfigEnabledParam | ThinkingConfigDisabledParam | ThinkingConfigAdaptiveParam
)


class JSONOutputFormatParam(TypedDict):
    schema: Mapping[str, object]
    type: Literal["json_schema"]


class OutputConfigParam(TypedDict, total=False):
    effort: Literal["low", "medium", "high", "xhigh", "max"] | None
    format: JSONOutputFormatParam | None


class DiagnosticsParam(TypedDict, total=False):
    previous_message_id: str | None


class ContainerParam(TypedDict, total=False):
    """A code-execution container to reuse (``id``) and the skills to load into it."""

    id: str | None
    skills: Iterable[Mapping[str, Any]] | None


class MessageSettingsParams(TypedDict, total=False):
    """The optional fields of a Messages request but ``output_config``: what a message thread
    holds between turns and a turn may override (``resources.threads``)."""

    cache_control: CacheControlEphemeralParam | None
    container: ContainerParam | str | None
    diagnostics: DiagnosticsParam | None
    inference_geo: str | None
    metadata: MetadataParam
    service_tier: Literal["auto", "standard_only"]
    speed: Literal["standard", "fast"] | None
    stop_sequences: Sequence[str]
    system: str | Iterable[TextBlockParam]
    temperature: float
    thinking: ThinkingConfigParam
    tool_choice: ToolChoiceParam
    top_k: int
    top_p: float


class MessageCreateParamsBase(MessageSettingsParams, total=False):
    """Every field of a Messages request but ``tools`` and ``stream`` (the tool runner takes
    its own ``tools``)."""

    max_tokens: Required[int]
    messages: Required[Iterable[MessageParam]]
    model: Required[ModelParam]
    output_config: OutputConfigParam


class MessageCreateParamsNonStreaming(MessageCreateParamsBase, total=False):
    tools: Iterable[ToolUnionParam]


class MessageCreateParams(MessageCreateParamsNonStreaming, total=False):
    """The JSON body of ``POST /v1/messages``."""

    stream: bool


class MessageCountTokensParams(TypedDict, total=False):
    """The JSON body of ``POST /v1/messages/count_tokens``."""

    messages: Required[Iterable[MessageParam]]
    model: Required[ModelParam]
    cache_control: CacheControlEphemeralParam | None
    output_config: OutputConfigParam
    speed: Literal["standard", "fast"] | None
    system: str | Iterable[TextBlockParam]
    thinking: ThinkingConfigParam
    tool_choice: ToolChoiceParam
    tools: Iterable[ToolUnionParam]


class MessageBatchRequestParam(TypedDict):
    """One request of a batch: ``params`` are those of ``messages.create()``."""

    custom_id: str
    params: MessageCreateParamsNonStreaming


class RequestMCPServerURLDefinitionParam(TypedDict, total=False):
    name: Required[str]
    type: Required[Literal["url"]]
    url: Required[str]
    authorization_token: str | None
    tool_configuration: Mapping[str, Any] | None


class BetaParams(TypedDict, total=False):
    """The fields only beta requests take (``client.beta.messages``)."""

    billing_policy: Mapping[str, Any] | None
    compaction: Mapping[str, Any] | None
    context_management: Mapping[str, Any] | None
    fallback_credit_token: Mapping[str, Any] | str | None
    fallbacks: Iterable[Mapping[str, Any]] | Mapping[str, Any] | None
    mcp_servers: Iterable[RequestMCPServerURLDefinitionParam]


class BetaThreadParams(TypedDict, total=False):
    """A server-held conversation (message threads beta): ``{"type": "create"}`` or the
    thread to continue."""

    thread: Mapping[str, Any] | None


class BetaMessageCreateParams(MessageCreateParams, BetaParams, BetaThreadParams, total=False):
    """The JSON body of ``POST /v1/messages`` with beta fields."""


class BetaMessageCountTokensParams(MessageCountTokensParams, total=False):
    billing_policy: Mapping[str, Any] | None
    compaction: Mapping[str, Any] | None
    context_management: Mapping[str, Any] | None
    mcp_servers: Iterable[RequestMCPServerURLDefinitionParam]
