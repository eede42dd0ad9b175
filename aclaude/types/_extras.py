"""Fields the library does not know yet: kept, readable and encoded back (forward compatibility).

Every wire struct is declared with ``forbid_unknown_fields=True``. That costs nothing on the
hot path: a payload with only declared fields decodes in one C call, as before. A payload
with a field this version does not declare makes that call fail, and only then does the slow
path here run: it decodes the JSON generically and builds each object whose keys are not all
declared as an instance of a *subclass* of its declared struct, made at run time with
``msgspec.defstruct`` and cached per (class, extra keys). The subclass adds the extra keys as
fields, so

* ``isinstance(block, TextBlock)`` still holds and declared fields keep their types;
* ``block.new_field`` reads an extra (keys that are not identifiers, or that would shadow an
  attribute of the class, get a safe name; ``extra_fields(obj)`` gives them all by wire key);
* ``msgspec.to_builtins(obj)`` / ``msgspec.json.encode(obj)`` give back the wire JSON, extras
  included, and ``msgspec.structs.replace`` keeps the class (the accumulator relies on it).

Code that switches on the exact class (``type(x) is TextBlock``) must map a generated class
back with ``known_type`` first, or use ``isinstance``.
"""

from __future__ import annotations

import re
import types
from typing import Any, TypeVar, Union, cast, get_args, get_origin

import msgspec

from .._exceptions import APIResponseValidationError

__all__ = [
    "convert_keeping_extras",
    "decode_keeping_extras",
    "exact_type",
    "rebase",
    "extra_fields",
    "known_type",
    "register_unknown",
    "subclass_with_fields",
]

_S = TypeVar("_S", bound=msgspec.Struct)
_T = TypeVar("_T")

#: generated class -> the declared class it extends
_declared: dict[type[Any], type[Any]] = {}
#: generated class -> ((attribute name, wire key), ...) of the fields it adds
_added: dict[type[Any], tuple[tuple[str, str], ...]] = {}
_cache: dict[tuple[type[Any], tuple[str, ...], bool], type[Any]] = {}
_CACHE_MAX = 512
#: a member of a tagged union -> the Unknown* class its union falls back to for a new tag
_unknown_for: dict[type[Any], type[Any]] = {}
# Attribute names a generated field must never take (besides the class's own attributes).
#: What msgspec cannot write back as a renamed field name.
_UNENCODABLE = re.compile(r'[\\"\x00-\x1f]')
_RESERVED = frozenset({"type", "to_param", "request_id", "extra_fields"})


def known_type(cls: type[_T]) -> type[_T]:
    """The declared class behind ``cls`` (``cls`` itself unless it was made for extra fields)."""
    return _declared.get(cls, cls)


def extra_fields(obj: Any) -> dict[str, Any]:
    """The fields of ``obj`` that its declared class does not know, by their wire key.

    Empty for an object that carried none. For an ``Unknown*`` object (a type this client does
    not know) that is every field but ``type``.
    """
    added = _added.get(type(obj))
    if not added:
        return {}
    return {key: getattr(obj, name) for name, key in added}


def rebase(obj: Any, base: type[_S]) -> _S:
    """``obj``'s declared fields and extras on an instance of ``base`` (a subclass of ``obj``'s
    declared class, e.g. ``ParsedMessage`` for a ``Message``), extras kept."""
    declared = known_type(type(obj))
    values = {name: getattr(obj, name) for name in declared.__struct_fields__}
    extra = extra_fields(obj)
    if not extra:
        return base(**values)
    cls = subclass_with_fields(base, tuple(extra))
    for name, key in _added[cls][-len(extra) :]:
        values[name] = extra[key]
    return cls(**values)


def register_unknown(union: Any, unknown: type[Any]) -> None:
    """Values of ``union`` whose tag is new decode to a subclass of ``unknown`` (every field kept)."""
    for member in get_args(union) or (union,):
        _unknown_for[member] = unknown


def subclass_with_fields(base: type[_S], keys: tuple[str, ...], *, optional: bool = False) -> type[_S]:
    """A subclass of ``base`` with one field of type ``Any`` per wire key in ``keys`` (cached).

    ``optional`` fields default to None (and so are omitted when None, as ``Unknown*`` always
    did); otherwise they are required, so that an extra that is null on the wire encodes back.
    """
    cache_key = (base, keys, optional)
    cls = _cache.get(cache_key)
    if cls is not None:
        return cast("type[_S]", cls)
    def usable(key: str) -> bool:
        # Never shadow a declared field, a method or property, or the struct's machinery.
        if not key.isidentifier() or key.startswith("_"):
            return False
        return key not in _RESERVED and not hasattr(base, key)

    # Keys usable as attribute names keep them; a generated name ("a-b" -> field_0) never takes
    # a name that another key of the same object has (one of the two would be lost).
    taken = {f.name for f in msgspec.structs.fields(base)} | {key for key in keys if usable(key)}
    fields: list[Any] = []
    rename: dict[str, str] = {}
    added: list[tuple[str, str]] = []
    for i, key in enumerate(keys):
        name = key
        if not usable(key):
            if _UNENCODABLE.search(key):
                # msgspec cannot write such a key back (quotes, backslashes, control characters).
                raise APIResponseValidationError(f"a field name aclaude cannot keep: {key!r}")
            name = f"field_{i}"
            while name in taken:
                name = "_" + name if not name.startswith("__") else name + "_"
            taken.add(name)
        fields.append((name, Any, None) if optional else (name, Any))
        added.append((name, key))
        if name != key:
            rename[name] = key
    cls = msgspec.defstruct(
        base.__name__,
        fields,
        bases=(base,),
        kw_only=True,
        omit_defaults=True,
        rename=rename or None,
        module=base.__module__,
    )
    _declared[cls] = _declared.get(base, base)
    _added[cls] = _added.get(base, ()) + tuple(added)
    if len(_cache) < _CACHE_MAX:
        _cache[cache_key] = cls
    return cast("type[_S]", cls)


def decode_keeping_extras(raw: bytes, typ: type[_T], decoder: Any = None) -> _T:
    """``raw`` JSON decoded into ``typ``: one C call when every field is declared, else the
    slow path (``convert_keeping_extras``). Raises ``msgspec.DecodeError`` for bad JSON and
    ``APIResponseValidationError`` for a wrong shape."""
    try:
        if decoder is not None:
            return cast(_T, decoder.decode(raw))
        value: _T = msgspec.json.decode(raw, type=typ)
        return value
    except msgspec.ValidationError:
        kept: _T = convert_keeping_extras(msgspec.json.decode(raw), typ)
        return kept


def convert_keeping_extras(obj: Any, typ: Any) -> Any:
    """``obj`` (decoded JSON) as ``typ``, every undeclared field kept (see the module doc).

    Raises ``APIResponseValidationError`` when ``obj`` does not fit ``typ`` for another reason
    (a missing required field, a wrong type).
    """
    try:
        return msgspec.convert(obj, typ)
    except msgspec.ValidationError as exc:
        first = exc
    try:
        return _slow(obj, typ)
    except _Mismatch:
        raise APIResponseValidationError(f"malformed response object: {first}") from first


class _Mismatch(Exception):
    """``obj`` does not fit the type (for a reason other than an extra field)."""


def _slow(obj: Any, typ: Any) -> Any:
    origin = get_origin(typ)
    if origin is Union or origin is types.UnionType:
        return _union(obj, get_args(typ))
    if origin is list and isinstance(obj, list):
        (item,) = get_args(typ) or (Any,)
        return [_value(v, item) for v in obj]
    if origin is dict and isinstance(obj, dict):
        _, item = get_args(typ) or (Any, Any)
        return {k: _value(v, item) for k, v in obj.items()}
    struct = origin if origin is not None else typ
    if isinstance(struct, type) and issubclass(struct, msgspec.Struct):
        if not isinstance(obj, dict):
            raise _Mismatch
        return _struct(obj, typ, struct)
    raise _Mismatch


def _value(v: Any, typ: Any) -> Any:
    if typ is Any:
        return v
    try:
        return msgspec.convert(v, typ)
    except msgspec.ValidationError:
        return _slow(v, typ)


def _union(obj: Any, members: tuple[Any, ...]) -> Any:
    if obj is None:
        if type(None) in members:
            return None
        raise _Mismatch
    structs = [m for m in members if _is_struct(get_origin(m) or m)]
    if isinstance(obj, dict) and structs:
        config = (get_origin(structs[0]) or structs[0]).__struct_config__
        if config.tag_field is not None and len(structs) > 1:
            tag = obj.get(config.tag_field)
            for m in structs:
                if (get_origin(m) or m).__struct_config__.tag == tag:
                    return _value(obj, m)
            unknown = _unknown_for.get(get_origin(structs[0]) or structs[0])
            if unknown is None or not isinstance(tag, str):
                raise _Mismatch
            return unknown_struct(unknown, obj)
        if len(structs) == 1:
            return _value(obj, structs[0])
    for m in members:  # lists, scalars: the first member that takes it
        if m is type(None):
            continue
        try:
            return _value(obj, m)
        except (_Mismatch, msgspec.ValidationError):
            continue
    raise _Mismatch


def _is_struct(t: Any) -> bool:
    return isinstance(t, type) and issubclass(t, msgspec.Struct)


def _struct(obj: dict[str, Any], typ: Any, struct: type[Any]) -> Any:
    info = _fields(typ)
    tag_field = struct.__struct_config__.tag_field
    known: dict[str, Any] = {}
    extras: dict[str, Any] = {}
    for key, v in obj.items():
        field = info.get(key)
        if field is not None:
            known[field[0]] = _value(v, field[1])
        elif key != tag_field:
            extras[key] = v
    if extras:
        keys = tuple(extras)
        struct = subclass_with_fields(struct, keys)
        names = _added[struct][-len(keys) :]
        for (name, _key), v in zip(names, extras.values(), strict=True):
            known[name] = v
    try:
        return struct(**known)
    except TypeError as exc:  # a required field is missing
        raise _Mismatch from exc


_field_cache: dict[Any, dict[str, tuple[str, Any]]] = {}


def _fields(typ: Any) -> dict[str, tuple[str, Any]]:
    """wire key -> (attribute name, type) of a struct type (a generic alias included)."""
    info = _field_cache.get(typ)
    if info is None:
        info = {f.encode_name: (f.name, f.type) for f in msgspec.structs.fields(typ)}
        _field_cache[typ] = info
    return info


_exact_cache: dict[tuple[type[Any], tuple[tuple[str, Any], ...]], type[Any]] = {}


def exact_type(obj: msgspec.Struct) -> type[Any] | None:
    """A struct type that decodes, in one C call, exactly the payloads shaped like ``obj`` (an
    object the slow path built), or None when there is none worth having.

    It is ``type(obj)`` with every field whose value is of a class made for extras narrowed to
    that class (recursively). Every class in it forbids unknown fields and the extras are
    required, so it accepts only payloads for which the slow path would build the same classes:
    a stream whose every delta carries a new field costs one failed and one successful C call
    per delta instead of the slow path. Objects holding lists of such classes, or ``Unknown*``
    classes (which accept any key), get None.
    """
    result = _exact(obj)
    return result[0] if result is not None and result[1] else None


def _exact(obj: Any) -> tuple[type[Any], bool] | None:
    cls = type(obj)
    if not cls.__struct_config__.forbid_unknown_fields:
        return None
    overrides: list[tuple[str, Any]] = []
    for f in msgspec.structs.fields(cls):
        value = getattr(obj, f.name)
        if isinstance(value, list):
            if any(isinstance(v, msgspec.Struct) and _has_generated(v) for v in value):
                return None
        elif isinstance(value, msgspec.Struct):
            sub = _exact(value)
            if sub is None:
                return None
            if sub[1]:
                required = f.default is msgspec.NODEFAULT and f.default_factory is msgspec.NODEFAULT
                overrides.append((f.name, sub[0] if required else Union[sub[0], None]))  # noqa: UP007
    if not overrides:
        return cls, cls in _declared
    key = (cls, tuple(overrides))
    narrowed = _exact_cache.get(key)
    if narrowed is None:
        fields = [(name, t) if get_origin(t) is not Union else (name, t, None) for name, t in overrides]
        narrowed = msgspec.defstruct(
            cls.__name__, fields, bases=(cls,), kw_only=True, omit_defaults=True, module=cls.__module__
        )
        _declared[narrowed] = _declared.get(cls, cls)
        if cls in _added:
            _added[narrowed] = _added[cls]
        if len(_exact_cache) < _CACHE_MAX:
            _exact_cache[key] = narrowed
    return narrowed, True


def _has_generated(obj: Any) -> bool:
    if type(obj) in _declared:
        return True
    return any(
        isinstance(v, msgspec.Struct) and _has_generated(v)
        for v in (getattr(obj, f.name) for f in msgspec.structs.fields(type(obj)))
    )


def unknown_struct(base: type[_S], obj: dict[str, Any]) -> _S:
    """An instance of a subclass of ``base`` (an ``Unknown*`` class) whose fields are exactly
    ``obj``'s keys: a type this client does not know, kept whole."""
    keys = tuple(k for k in obj if k != "type")
    cls = subclass_with_fields(base, keys, optional=True)
    names = _added[cls][-len(keys) :] if keys else ()
    values = {name: obj[key] for name, key in names}
    return cls(type=obj["type"], **values)
