"""Headers and query strings as the official SDK builds them.

* A header whose value is ``None`` or ``omit`` (this module's, or the SDK's ``Omit()``) is
  removed: from a client's defaults (``default_headers={"anthropic-version": omit}``) or for
  one call (``extra_headers={"x-stainless-retry-count": None}``).
* Query values: ``True``/``False`` go as ``true``/``false``, ``None`` is left out, a list or
  tuple as ``key[]=a&key[]=b``, a mapping as ``key[sub]=v``, anything else as ``str(value)``.

Both run when a client is made or a call adds its own headers or query, never per streamed
event.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final, TypeAlias

from multidict import MultiDict, istr

__all__ = [
    "HeaderValues",
    "Omit",
    "add_headers",
    "QueryValues",
    "encode_query",
    "is_omitted",
    "merge_headers",
    "omit",
]


class Omit:
    """Removes a header that would otherwise be sent: ``extra_headers={"name": omit}``."""

    __slots__ = ()

    def __bool__(self) -> bool:
        return False

    def __repr__(self) -> str:
        return "omit"


omit: Final = Omit()

#: Header values a client or a call may give: ``None`` / ``omit`` remove the header.
HeaderValues: TypeAlias = Mapping[str, str | Omit | None]
#: Query values: str, int, float, bool, None (left out), lists and mappings of those.
QueryValues: TypeAlias = Mapping[str, object]


def is_omitted(value: object) -> bool:
    """Whether a header value means "remove this header" (``None``, our ``omit`` or the SDK's
    ``Omit()``, recognised by name so that code written for the SDK works unchanged)."""
    return value is None or isinstance(value, Omit) or type(value).__name__ == "Omit"


def merge_headers(*layers: Mapping[str, Any] | None) -> dict[str, str]:
    """The layers merged (later ones win, names lower-cased), with omitted headers removed."""
    merged: dict[str, str] = {}
    for layer in layers:
        if layer:
            _merge_into(merged, layer)
    return merged


def add_headers(base: Mapping[str, str], extra: Mapping[str, Any]) -> dict[str, str]:
    """``base`` (already merged: lower-case names, no omitted values) with ``extra`` over it:
    the per-call path, which copies ``base`` once instead of merging it again."""
    merged = dict(base)
    _merge_into(merged, extra)
    return merged


#: Header names as shared ``istr`` objects. aiohttp turns every request's headers into a
#: CIMultiDict, which makes a new ``istr`` for each plain ``str`` name; an ``istr`` is kept as
#: it is. Each request then holds its own header names (~80 B each, for as long as its response
#: is open: thousands of held streams), unless they are these shared ones.
_NAMES: dict[str, str] = {}


def _name(name: str) -> str:
    key = _NAMES.get(name)
    if key is None:
        key = istr(name.lower())
        if len(_NAMES) < 1024:  # bounded: header names come from code, but a caller may vary them
            _NAMES[name] = key
    return key


def _merge_into(merged: dict[str, str], layer: Mapping[str, Any]) -> None:
    for name, value in layer.items():
        key = _name(name)
        if type(value) is str:  # nearly always: one check
            merged[key] = value
        elif is_omitted(value):
            merged.pop(key, None)
        else:
            merged[key] = value


def encode_query(query: Mapping[str, Any] | None) -> MultiDict[str] | None:
    """``query`` as the (ordered, repeatable) string pairs that go on the wire, or None when
    nothing is left to send."""
    if not query:
        return None
    pairs: MultiDict[str] = MultiDict()
    for key, value in query.items():
        _add(pairs, key, value)
    return pairs or None


def _add(pairs: MultiDict[str], key: str, value: Any) -> None:
    if value is None or isinstance(value, Omit):
        return
    if isinstance(value, Mapping):
        for sub, item in value.items():
            _add(pairs, f"{key}[{sub}]", item)
    elif isinstance(value, (list, tuple)):
        for item in value:
            _add(pairs, key + "[]", item)
    elif value is True:
        pairs.add(key, "true")
    elif value is False:
        pairs.add(key, "false")
    else:
        pairs.add(key, str(value))
