"""The shared bases of the wire structs (aclaude.types._base): a tagged struct's ``type`` is its
tag, the msgspec options reach every subclass, and shared field blocks keep the wire order."""

from __future__ import annotations

import gc
import importlib
import inspect
import pkgutil
from typing import Any

import msgspec
import pytest

import aclaude.types
from aclaude.streaming import _accumulate
from aclaude.types._base import Tagged, Unknown, WireStruct, tags_as_types
from aclaude.types._events import decode_event

_MODULES = [
    importlib.import_module(f"aclaude.types.{info.name}")
    for info in pkgutil.iter_modules(aclaude.types.__path__)
    if info.name.startswith("_") and info.name != "_base"
] + [_accumulate]


def _structs() -> list[type[msgspec.Struct]]:
    return [
        cls
        for module in _MODULES
        for name, cls in vars(module).items()
        if isinstance(cls, type)
        and issubclass(cls, msgspec.Struct)
        and cls.__module__ == module.__name__
        and not name.startswith("_")
    ]


def _tagged() -> list[type[msgspec.Struct]]:
    return [
        cls
        for cls in _structs()
        if cls.__struct_config__.tag_field == "type" and "type" not in cls.__struct_fields__
    ]


def test_the_lists_are_not_empty() -> None:
    assert len(_structs()) > 80
    assert len(_tagged()) > 40


@pytest.mark.parametrize("cls", _tagged(), ids=lambda cls: cls.__name__)
def test_a_tagged_structs_type_is_its_tag(cls: type[Any]) -> None:
    tag = cls.__struct_config__.tag
    assert isinstance(tag, str)
    assert cls.type == tag


@pytest.mark.parametrize("cls", [c for c in _structs() if issubclass(c, WireStruct)], ids=repr)
def test_wire_structs_keep_their_options(cls: type[Any]) -> None:
    config = cls.__struct_config__
    assert config.forbid_unknown_fields and config.omit_defaults and not config.gc
    parameters = inspect.signature(cls).parameters.values()
    assert all(p.kind is inspect.Parameter.KEYWORD_ONLY for p in parameters)


def test_unknown_structs_share_the_base() -> None:
    unknown = [cls for cls in _structs() if cls.__name__.startswith("Unknown")]
    assert len(unknown) == 6
    assert all(issubclass(cls, Unknown) and cls.__struct_fields__ == ("type",) for cls in unknown)
    event = decode_event(b'{"type":"content_block_delta","index":0,"delta":{"type":"new_delta","x":1}}')
    assert isinstance(event.delta, aclaude.UnknownDelta)  # type: ignore[union-attr]
    assert msgspec.to_builtins(event.delta) == {"type": "new_delta", "x": 1}  # type: ignore[union-attr]


# Fields that now come from a shared private base: encoding writes them in this order, as before.
WIRE_ORDER = {
    aclaude.types.CitationCharLocation: (
        "cited_text", "document_index", "document_title", "start_char_index", "end_char_index", "file_id"
    ),
    aclaude.types.ToolUseBlock: ("id", "name", "input", "caller", "toolset_name"),
    aclaude.types.ServerToolUseBlock: ("id", "name", "input", "caller"),
    aclaude.types.WebSearchToolResultBlock: ("tool_use_id", "content", "caller"),
    aclaude.types.CodeExecutionToolResultBlock: ("tool_use_id", "content"),
    aclaude.types.ServerToolCaller20260120: ("tool_id",),
    aclaude.types.EffortCapability: ("supported", "low", "medium", "high", "xhigh", "max"),
    aclaude.types.RawContentBlockStartEvent: ("index", "content_block"),
    aclaude.types.RawContentBlockDeltaEvent: ("index", "delta"),
    aclaude.types.RawContentBlockStopEvent: ("index",),
}


@pytest.mark.parametrize(("cls", "fields"), WIRE_ORDER.items(), ids=lambda x: getattr(x, "__name__", ""))
def test_shared_field_blocks_keep_the_wire_order(cls: type[Any], fields: tuple[str, ...]) -> None:
    assert cls.__struct_fields__ == fields


def test_sibling_types_are_not_subclasses_of_each_other() -> None:
    """A shared base is private: ``isinstance(block, ServerToolUseBlock)`` stays False for a
    client tool call."""
    t = aclaude.types
    assert not issubclass(t.ToolUseBlock, t.ServerToolUseBlock)
    assert not issubclass(t.ServerToolCaller20260120, t.ServerToolCaller)
    assert not issubclass(t.WebSearchToolResultBlock, t.CodeExecutionToolResultBlock)


def test_tags_as_types_takes_unions_and_classes() -> None:
    class A(Tagged, tag="a", kw_only=True):
        pass

    class B(Tagged, tag="b", kw_only=True):
        x: int

    tags_as_types(A, B | A)
    assert (A.type, B.type) == ("a", "b")
    b = msgspec.json.decode(b'{"type":"b","x":1}', type=A | B)
    assert type(b) is B and b.type == "b"
    assert not gc.is_tracked(B(x=1))
