"""The bases of the wire structs, and the rule that a tagged struct's ``type`` is its tag.

Written once here instead of on every struct: the msgspec options of a wire object, and the wire
``type`` of a tagged-union member (declared in ``tag=...`` only; ``tags_as_types`` copies it to
the ``type`` class attribute). msgspec passes these options on to subclasses, all but
``kw_only``, which each struct states itself.
"""

from __future__ import annotations

from typing import Any, ClassVar, get_args

import msgspec

__all__ = ["Tagged", "Unknown", "WireStruct", "tags_as_types"]


class WireStruct(msgspec.Struct, omit_defaults=True, gc=False, forbid_unknown_fields=True):
    """A wire object. ``omit_defaults``: fields null on the wire (None here) are left out when
    encoding; ``forbid_unknown_fields``: a field this client does not declare sends the payload
    to the slow path that keeps it (``_extras``); ``gc=False``: made per stream event, never in a
    reference cycle, so kept out of the cyclic garbage collector's way."""


class Tagged(WireStruct, tag_field="type"):
    """A member of a tagged union: ``type`` is its tag (a class attribute, written back on
    encoding), set by ``tags_as_types`` once the union is defined."""

    type: ClassVar[str]


def tags_as_types(*unions: Any) -> None:
    """Give each struct of ``unions`` (unions or single classes) its msgspec tag as its ``type``
    class attribute, so that ``TextBlock.type == "text"`` without writing "text" twice."""
    for union in unions:
        for cls in get_args(union) or (union,):
            cls.type = cls.__struct_config__.tag


class Unknown(msgspec.Struct, kw_only=True, omit_defaults=True):
    """Base of the ``Unknown*`` structs: a type this client does not know yet. An instance is of
    a subclass made at run time whose fields are exactly the object's keys (``_extras``), so
    attribute access works and ``msgspec.to_builtins`` returns every field the server sent."""

    type: str
