"""Content blocks as a request sends them (the official SDK's ``*BlockParam`` TypedDicts).

Type information only: nothing checks these shapes at run time (the API does), so passing them
costs nothing. ``Required`` comes from typing_extensions for the type checker only; under
postponed evaluation a TypedDict never evaluates its annotations, so nothing is imported at run
time.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any, Literal, TypedDict, Union

if TYPE_CHECKING:
    from typing import TypeAlias

    from typing_extensions import Required

    from .._message import ContentBlock

__all__ = [
    "Base64ImageSourceParam",
    "Base64PDFSourceParam",
    "CacheControlEphemeralParam",
    "CitationsConfigParam",
    "ContainerUploadBlockParam",
    "ContentBlockParam",
    "ContentBlockSourceParam",
    "DocumentBlockParam",
    "FileSourceParam",
    "ImageBlockParam",
    "PlainTextSourceParam",
    "RedactedThinkingBlockParam",
    "SearchResultBlockParam",
    "ServerToolUseBlockParam",
    "TextBlockParam",
    "ThinkingBlockParam",
    "ToolResultBlockParam",
    "ToolUseBlockParam",
    "URLSourceParam",
]


class CacheControlEphemeralParam(TypedDict, total=False):
    """A prompt-cache breakpoint at this block (``ttl``: ``5m`` by default, or ``1h``)."""

    type: Required[Literal["ephemeral"]]
    ttl: Literal["5m", "1h"]


class CitationsConfigParam(TypedDict, total=False):
    enabled: bool


class _CacheableBlockParam(TypedDict, total=False):
    """What every block that can end a cached prefix takes."""

    cache_control: CacheControlEphemeralParam | None


class TextBlockParam(_CacheableBlockParam, total=False):
    text: Required[str]
    type: Required[Literal["text"]]
    citations: Iterable[Mapping[str, Any]] | None


class Base64ImageSourceParam(TypedDict, total=False):
    data: Required[str]
    media_type: Required[Literal["image/jpeg", "image/png", "image/gif", "image/webp"]]
    type: Required[Literal["base64"]]


class URLSourceParam(TypedDict, total=False):
    type: Required[Literal["url"]]
    url: Required[str]


class FileSourceParam(TypedDict, total=False):
    file_id: Required[str]
    type: Required[Literal["file"]]


class ImageBlockParam(_CacheableBlockParam, total=False):
    source: Required[Base64ImageSourceParam | URLSourceParam | FileSourceParam]
    type: Required[Literal["image"]]


class Base64PDFSourceParam(TypedDict, total=False):
    data: Required[str]
    media_type: Required[Literal["application/pdf"]]
    type: Required[Literal["base64"]]


class PlainTextSourceParam(TypedDict, total=False):
    data: Required[str]
    media_type: Required[Literal["text/plain"]]
    type: Required[Literal["text"]]


class ContentBlockSourceParam(TypedDict, total=False):
    content: Required[str | Iterable[TextBlockParam | ImageBlockParam]]
    type: Required[Literal["content"]]


class DocumentBlockParam(_CacheableBlockParam, total=False):
    source: Required[
        Base64PDFSourceParam | PlainTextSourceParam | ContentBlockSourceParam | URLSourceParam
        | FileSourceParam
    ]
    type: Required[Literal["document"]]
    citations: CitationsConfigParam | None
    context: str | None
    title: str | None


class SearchResultBlockParam(_CacheableBlockParam, total=False):
    content: Required[Iterable[TextBlockParam]]
    source: Required[str]
    title: Required[str]
    type: Required[Literal["search_result"]]
    citations: CitationsConfigParam


class ThinkingBlockParam(TypedDict, total=False):
    signature: Required[str]
    thinking: Required[str]
    type: Required[Literal["thinking"]]


class RedactedThinkingBlockParam(TypedDict, total=False):
    data: Required[str]
    type: Required[Literal["redacted_thinking"]]


class _ToolCallParam(_CacheableBlockParam, total=False):
    id: Required[str]
    input: Required[Mapping[str, object]]
    name: Required[str]
    caller: Mapping[str, Any]


class ToolUseBlockParam(_ToolCallParam, total=False):
    type: Required[Literal["tool_use"]]


class ToolResultBlockParam(_CacheableBlockParam, total=False):
    tool_use_id: Required[str]
    type: Required[Literal["tool_result"]]
    content: str | Iterable[TextBlockParam | ImageBlockParam | SearchResultBlockParam | DocumentBlockParam]
    is_error: bool


class ServerToolUseBlockParam(_ToolCallParam, total=False):
    type: Required[Literal["server_tool_use"]]


class ContainerUploadBlockParam(_CacheableBlockParam, total=False):
    file_id: Required[str]
    type: Required[Literal["container_upload"]]


#: A block of a request message: one of the TypedDicts above, or a block of a response
#: (``aclaude.types.ContentBlock``, so ``message.content`` can be sent back as it is).
ContentBlockParam: TypeAlias = Union[
    TextBlockParam,
    ImageBlockParam,
    DocumentBlockParam,
    SearchResultBlockParam,
    ThinkingBlockParam,
    RedactedThinkingBlockParam,
    ToolUseBlockParam,
    ToolResultBlockParam,
    ServerToolUseBlockParam,
    ContainerUploadBlockParam,
    "ContentBlock",
]
