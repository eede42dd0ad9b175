"""Typed models of the Models API (``client.models``): ``ModelInfo`` and its capabilities.

Same conventions as ``_models``: msgspec Structs, ``omit_defaults`` so that
``msgspec.to_builtins(obj)`` is the wire JSON without its nulls, and every field the API may
leave out (or add later) has a default. Capabilities grow often, so each of their fields is
optional: a model whose capability list lacks one still decodes.
"""

from __future__ import annotations

import datetime

import msgspec

from ._request_id import WithRequestId

__all__ = [
    "CompactionCapability",
    "CapabilitySupport",
    "ContextManagementCapability",
    "EffortCapability",
    "ModelCapabilities",
    "ModelInfo",
    "ServerToolsCapability",
    "ThinkingCapability",
    "ThinkingTypes",
]


class _Model(msgspec.Struct, kw_only=True, omit_defaults=True, forbid_unknown_fields=True):
    pass


class CapabilitySupport(_Model):
    supported: bool


class _Capability(_Model):
    """A capability with details: ``supported`` says whether the model has it at all."""

    supported: bool


class EffortCapability(_Capability):
    low: CapabilitySupport | None = None
    medium: CapabilitySupport | None = None
    high: CapabilitySupport | None = None
    xhigh: CapabilitySupport | None = None
    max: CapabilitySupport | None = None


class ThinkingTypes(_Model):
    adaptive: CapabilitySupport | None = None
    between_tools: CapabilitySupport | None = None
    disabled: CapabilitySupport | None = None
    enabled: CapabilitySupport | None = None


class ThinkingCapability(_Capability):
    types: ThinkingTypes | None = None


class ServerToolsCapability(_Capability):
    code_execution: CapabilitySupport | None = None
    web_search: CapabilitySupport | None = None


class ContextManagementCapability(_Capability):
    clear_thinking_20251015: CapabilitySupport | None = None
    clear_tool_uses_20250919: CapabilitySupport | None = None
    compact_20260112: CapabilitySupport | None = None


class CompactionCapability(_Capability):
    summarize: CapabilitySupport | None = None


class ModelCapabilities(_Model):
    batch: CapabilitySupport | None = None
    citations: CapabilitySupport | None = None
    code_execution: CapabilitySupport | None = None
    compaction: CompactionCapability | None = None
    context_management: ContextManagementCapability | None = None
    effort: EffortCapability | None = None
    image_input: CapabilitySupport | None = None
    pdf_input: CapabilitySupport | None = None
    server_tools: ServerToolsCapability | None = None
    structured_outputs: CapabilitySupport | None = None
    thinking: ThinkingCapability | None = None


class ModelInfo(_Model, WithRequestId, dict=True):
    """One model, as ``models.list()`` and ``models.retrieve()`` return it.

    ``lifecycle`` (``"active"``, ``"deprecated"``, ``"retired"``) and ``line`` are plain strings
    so that a value the API adds later does not fail decoding.
    """

    id: str
    type: str
    display_name: str
    created_at: datetime.datetime
    lifecycle: str | None = None
    line: str | None = None
    capabilities: ModelCapabilities | None = None
    max_input_tokens: int | None = None
    max_tokens: int | None = None
    deprecated_at: datetime.datetime | None = None
    retires_at: datetime.datetime | None = None
    allowed_fallback_models: list[str] | None = None
