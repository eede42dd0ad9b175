"""JSON Schema for structured outputs: the strict form the API accepts, and a msgspec type that
validates a reply against a schema given as a dict.

``strict_schema(schema)`` rewrites a schema into the subset structured outputs support: every
object closed (``additionalProperties: false``), ``oneOf`` read as ``anyOf``, a list of types as
``anyOf``. Keywords outside the subset (``minimum``, ``maxLength``, ``pattern``, ``default`` ...)
are not dropped silently: they are appended to the ``description`` (so the model still sees
them), and the local validation still enforces them.

``validator_for(schema)`` builds a msgspec type from a schema dict, so that a reply is checked
in C by ``msgspec.convert``: objects become structs (unknown keys rejected when the object is
closed, optional keys allowed to be absent), arrays lists, ``enum``/``const`` ``Literal``s,
numeric and length constraints ``msgspec.Meta``. Constructs msgspec cannot express (recursive
``$ref``, unions it cannot tell apart, ``allOf`` of several schemas) accept any value there:
the API's own constrained decoding already guarantees the schema; this is a second check.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Annotated, Any, Literal, Union

import msgspec

__all__ = ["strict_schema", "validator_for"]

_STRING_FORMATS = frozenset(
    {"date-time", "time", "date", "duration", "email", "hostname", "uri", "ipv4", "ipv6", "uuid"}
)
# Kept as they are, whatever the type.
_GENERIC = ("title", "description", "$ref")


def strict_schema(schema: Mapping[str, Any]) -> dict[str, Any]:
    """``schema`` in the form structured outputs accept (see the module docstring)."""
    if not isinstance(schema, Mapping):
        raise TypeError(f"a JSON schema must be a dict, got {type(schema).__name__}")
    return _strict(dict(schema))


def _strict(schema: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    rest = dict(schema)
    for defs_key in ("$defs", "definitions"):
        defs = rest.pop(defs_key, None)
        if isinstance(defs, Mapping):
            out[defs_key] = {name: _strict(dict(sub)) for name, sub in defs.items()}
    for key in _GENERIC:
        if key in rest:
            out[key] = rest.pop(key)
    if "$ref" in out:
        return _with_leftovers(out, rest)
    types = rest.pop("type", None)
    if isinstance(types, list):
        variants = [{**rest, "type": t} for t in types]
        out["anyOf"] = [_strict(v) for v in variants]
        return out
    if "enum" in rest:
        out["enum"] = list(rest.pop("enum"))
    if "const" in rest:
        out["const"] = rest.pop("const")
    for key in ("anyOf", "oneOf"):
        if key in rest:
            out["anyOf"] = [_strict(dict(v)) for v in rest.pop(key)]
    if "allOf" in rest:
        out["allOf"] = [_strict(dict(v)) for v in rest.pop("allOf")]
    if types is not None:
        out["type"] = types
    if types == "object":
        props = rest.pop("properties", {}) or {}
        out["properties"] = {name: _strict(dict(sub)) for name, sub in props.items()}
        if "required" in rest:
            out["required"] = list(rest.pop("required"))
        rest.pop("additionalProperties", None)
        out["additionalProperties"] = False
    elif types == "array":
        if "items" in rest:
            out["items"] = _strict(dict(rest.pop("items")))
        if rest.get("minItems") in (0, 1):
            out["minItems"] = rest.pop("minItems")
    elif types == "string":
        if rest.get("format") in _STRING_FORMATS:
            out["format"] = rest.pop("format")
    return _with_leftovers(out, rest)


def _with_leftovers(out: dict[str, Any], rest: dict[str, Any]) -> dict[str, Any]:
    if rest:
        note = "{" + ", ".join(f"{k}: {json.dumps(v)}" for k, v in rest.items()) + "}"
        out["description"] = f"{out['description']}\n\n{note}" if out.get("description") else note
    return out


# -- validation ----------------------------------------------------------------------------------


def validator_for(schema: Mapping[str, Any]) -> Any:
    """A msgspec type that accepts exactly the values ``schema`` allows (see module docstring)."""
    return _Builder(schema).build(schema, "Output")


class _Builder:
    def __init__(self, root: Mapping[str, Any]) -> None:
        self._defs: dict[str, Any] = {}
        for key in ("$defs", "definitions"):
            defs = root.get(key)
            if isinstance(defs, Mapping):
                self._defs.update({f"#/{key}/{name}": sub for name, sub in defs.items()})
        self._cache: dict[str, Any] = {}
        self._building: set[str] = set()
        self._count = 0

    def build(self, schema: Any, name: str) -> Any:
        if schema is True or not isinstance(schema, Mapping):
            return Any
        ref = schema.get("$ref")
        if isinstance(ref, str):
            return self._ref(ref)
        if "const" in schema:
            return _literal([schema["const"]])
        if "enum" in schema:
            return _literal(list(schema["enum"]))
        for key in ("anyOf", "oneOf"):
            if isinstance(schema.get(key), list):
                return _union([self.build(v, name) for v in schema[key]])
        all_of = schema.get("allOf")
        if isinstance(all_of, list):
            return self.build(all_of[0], name) if len(all_of) == 1 else Any
        types = schema.get("type")
        if isinstance(types, list):
            return _union([self.build({**schema, "type": t}, name) for t in types])
        if types == "string":
            return _constrained(str, schema, **_STRING)
        if types == "integer":
            return _constrained(int, schema, **_NUMERIC)
        if types == "number":
            return _constrained(float, schema, **_NUMERIC)
        if types == "boolean":
            return bool
        if types == "null":
            return None
        if types == "array":
            item = self.build(schema.get("items", True), name + "Item")
            return _constrained(list[item], schema, min_length="minItems", max_length="maxItems")  # type: ignore[valid-type]
        if types == "object":
            return self._object(schema, name)
        return Any

    def _ref(self, ref: str) -> Any:
        if ref in self._cache:
            return self._cache[ref]
        target = self._defs.get(ref)
        if target is None or ref in self._building:
            return Any  # unknown or recursive reference: accepted as is
        self._building.add(ref)
        try:
            built = self.build(target, ref.rsplit("/", 1)[-1])
        finally:
            self._building.discard(ref)
        self._cache[ref] = built
        return built

    def _object(self, schema: Mapping[str, Any], name: str) -> Any:
        props = schema.get("properties")
        extra = schema.get("additionalProperties", True)
        if not isinstance(props, Mapping) or not props:
            if extra is False:
                return _constrained(dict[str, Any], {"maxProperties": 0}, max_length="maxProperties")
            return dict[str, self.build(extra, name + "Value")]  # type: ignore[misc]
        required = set(schema.get("required") or ())
        fields: list[tuple[str, Any] | tuple[str, Any, Any]] = []
        rename: dict[str, str] = {}
        for i, (key, sub) in enumerate(props.items()):
            attr = f"f{i}"
            rename[attr] = key
            typ = self.build(sub, name + "_" + str(key))
            if key in required:
                fields.append((attr, typ))
            else:
                fields.append((attr, Union[typ, msgspec.UnsetType], msgspec.UNSET))  # noqa: UP007
        self._count += 1
        return msgspec.defstruct(
            f"{_identifier(name)}{self._count}",
            fields,
            rename=rename,
            forbid_unknown_fields=extra is False,
            kw_only=True,
        )


_STRING = {"min_length": "minLength", "max_length": "maxLength", "pattern": "pattern"}
_NUMERIC = {
    "ge": "minimum",
    "le": "maximum",
    "gt": "exclusiveMinimum",
    "lt": "exclusiveMaximum",
    "multiple_of": "multipleOf",
}


def _constrained(typ: Any, schema: Mapping[str, Any], **keys: str) -> Any:
    meta = {arg: schema[key] for arg, key in keys.items() if key in schema}
    if not meta:
        return typ
    try:
        return Annotated[typ, msgspec.Meta(**meta)]
    except (TypeError, ValueError):
        return typ  # a constraint msgspec cannot take (e.g. a float multipleOf): not checked here


def _literal(values: list[Any]) -> Any:
    if values and all(v is None or (isinstance(v, (str, int)) and not isinstance(v, bool)) for v in values):
        return Literal[tuple(values)]
    return Any


def _union(types: list[Any]) -> Any:
    if any(t is Any for t in types):
        return Any
    union: Any = Union[tuple(types)]  # noqa: UP007
    try:
        msgspec.json.Decoder(union)  # msgspec refuses unions it cannot tell apart
    except TypeError:
        return Any
    return union


def _identifier(name: str) -> str:
    cleaned = "".join(c if c.isalnum() else "_" for c in name)
    return cleaned if cleaned and not cleaned[0].isdigit() else "S" + cleaned
