"""Structured outputs: a JSON value that satisfies a request's ``output_config.format`` schema.

The real API constrains its decoding to the schema; the fake answers with a deterministic
example instance of it (strings are lorem words, numbers respect their bounds, arrays take
``minItems`` items, at least one; ``anyOf`` takes its first non-null branch), so a client's
``parse()`` has something real to decode and validate.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import msgspec

__all__ = ["example_json", "output_schema"]

_FORMAT_EXAMPLES = {
    "date-time": "2025-01-01T00:00:00Z",
    "date": "2025-01-01",
    "time": "12:00:00",
    "duration": "P1D",
    "email": "lorem@example.com",
    "hostname": "example.com",
    "uri": "https://example.com/",
    "ipv4": "192.0.2.1",
    "ipv6": "2001:db8::1",
    "uuid": "00000000-0000-4000-8000-000000000000",
}
_MAX_DEPTH = 8


def output_schema(request_json: Any) -> Mapping[str, Any] | None:
    """The JSON schema a request asks its reply to follow, if any."""
    if not isinstance(request_json, Mapping):
        return None
    config = request_json.get("output_config")
    fmt = config.get("format") if isinstance(config, Mapping) else None
    if (
        isinstance(fmt, Mapping)
        and fmt.get("type") == "json_schema"
        and isinstance(fmt.get("schema"), Mapping)
    ):
        schema: Mapping[str, Any] = fmt["schema"]
        return schema
    return None


def example_json(schema: Mapping[str, Any]) -> str:
    """A compact JSON document valid against ``schema``."""
    return msgspec.json.encode(_Example(schema).value(schema, 0)).decode()


class _Example:
    def __init__(self, root: Mapping[str, Any]) -> None:
        self._root = root

    def _resolve(self, ref: str) -> Any:
        """What a local ``$ref`` (a JSON pointer into the root schema, ``#/$defs/Name``) names."""
        if not ref.startswith("#"):
            return None  # a remote schema: not followed
        node: Any = self._root
        for part in ref[1:].split("/")[1:]:
            if not isinstance(node, Mapping):
                return None
            node = node.get(part.replace("~1", "/").replace("~0", "~"))
        return node

    def value(self, schema: Any, depth: int) -> Any:
        if not isinstance(schema, Mapping) or depth > _MAX_DEPTH:
            return None
        ref = schema.get("$ref")
        if isinstance(ref, str):
            return self.value(self._resolve(ref), depth + 1)
        if "const" in schema:
            return schema["const"]
        if isinstance(schema.get("enum"), list) and schema["enum"]:
            return schema["enum"][0]
        for key in ("anyOf", "oneOf"):
            variants = schema.get(key)
            if isinstance(variants, list) and variants:
                non_null = [v for v in variants if not (isinstance(v, Mapping) and v.get("type") == "null")]
                return self.value((non_null or variants)[0], depth + 1)
        all_of = schema.get("allOf")
        if isinstance(all_of, list) and all_of:
            return self.value(all_of[0], depth + 1)
        kind = schema.get("type")
        if isinstance(kind, list):
            kind = next((k for k in kind if k != "null"), "null")
        if kind == "object":
            props = schema.get("properties") or {}
            return {name: self.value(sub, depth + 1) for name, sub in props.items()}
        if kind == "array":
            count = max(1, int(schema.get("minItems", 1) or 1))
            return [self.value(schema.get("items", {}), depth + 1) for _ in range(count)]
        if kind == "string":
            fmt = schema.get("format")
            if fmt in _FORMAT_EXAMPLES:
                return _FORMAT_EXAMPLES[fmt]
            text = "lorem ipsum"
            min_len = int(schema.get("minLength", 0) or 0)
            return (text * (min_len // len(text) + 1))[: max(min_len, len(text))]
        if kind == "integer":
            return _number(schema, 1, int)
        if kind == "number":
            return _number(schema, 1.5, float)
        if kind == "boolean":
            return True
        return None


def _number(schema: Mapping[str, Any], default: float, cast: type[Any]) -> Any:
    low = schema.get("minimum", schema.get("exclusiveMinimum"))
    high = schema.get("maximum", schema.get("exclusiveMaximum"))
    value = default
    if low is not None and value <= low:
        value = low + (1 if "exclusiveMinimum" in schema else 0)
    if high is not None and value >= high:
        value = high - (1 if "exclusiveMaximum" in schema else 0)
    return cast(value)
