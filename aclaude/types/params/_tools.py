"""Tools and tool choice as a request sends them (type information only, as in ``_blocks``)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, Literal, TypedDict

if TYPE_CHECKING:
    from typing import TypeAlias

    from typing_extensions import Required

    from ._blocks import CacheControlEphemeralParam

__all__ = [
    "AllowedCaller",
    "ServerToolParam",
    "ToolChoiceAnyParam",
    "ToolChoiceAutoParam",
    "ToolChoiceNoneParam",
    "ToolChoiceParam",
    "ToolChoiceToolParam",
    "ToolParam",
    "ToolUnionParam",
]

AllowedCaller = Literal[
    "direct", "code_execution_20250825", "code_execution_20260120", "code_execution_20260521"
]


class ToolParam(TypedDict, total=False):
    """A client tool: the model asks for it in ``tool_use`` blocks, the caller runs it."""

    input_schema: Required[Mapping[str, object]]
    name: Required[str]
    allowed_callers: Sequence[AllowedCaller]
    cache_control: CacheControlEphemeralParam | None
    defer_loading: bool
    description: str
    eager_input_streaming: bool | None
    input_examples: Iterable[Mapping[str, object]]
    strict: bool
    type: Literal["custom"] | None


class ServerToolParam(TypedDict, total=False):
    """A tool the API runs (web search, web fetch, code execution, bash, text editor, memory,
    tool search ...): ``type`` is its versioned name (``web_search_20250305``). One shape for
    all of them, with the fields they take between them."""

    type: Required[str]
    name: Required[str]
    allowed_callers: Sequence[AllowedCaller]
    allowed_domains: Sequence[str] | None
    blocked_domains: Sequence[str] | None
    cache_control: CacheControlEphemeralParam | None
    citations: Mapping[str, Any] | None
    defer_loading: bool
    display_height_px: int
    display_number: int | None
    display_width_px: int
    max_characters: int | None
    max_content_tokens: int | None
    max_uses: int | None
    strict: bool
    user_location: Mapping[str, Any] | None


ToolUnionParam: TypeAlias = ToolParam | ServerToolParam


class ToolChoiceAutoParam(TypedDict, total=False):
    type: Required[Literal["auto"]]
    disable_parallel_tool_use: bool


class ToolChoiceAnyParam(TypedDict, total=False):
    type: Required[Literal["any"]]
    disable_parallel_tool_use: bool


class ToolChoiceToolParam(TypedDict, total=False):
    name: Required[str]
    type: Required[Literal["tool"]]
    disable_parallel_tool_use: bool


class ToolChoiceNoneParam(TypedDict, total=False):
    type: Required[Literal["none"]]


ToolChoiceParam: TypeAlias = (
    ToolChoiceAutoParam | ToolChoiceAnyParam | ToolChoiceToolParam | ToolChoiceNoneParam
)
