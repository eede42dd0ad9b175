"""Tools the model can call: ``@tool`` turns a function into a ``Tool`` (API definition + code).

msgspec does all of it, the same library that decodes the stream:

* The function's parameters become the fields of a Struct made once, at decoration time
  (``msgspec.defstruct``). ``msgspec.json.schema`` of that Struct is the tool's
  ``input_schema``, so the schema and the validation can never disagree.
* The model's input is converted into that Struct (``msgspec.convert``) before the call: one
  pass, in C, that validates and coerces (ISO strings to ``datetime``, nested Structs, enums,
  ``Literal``, constraints from ``Annotated[..., msgspec.Meta(...)]``). Its error messages name
  the field (``Expected `int`, got `str` - at `$.days```), which is what the model needs to fix
  its call, so the runner sends them back verbatim.
* Unknown fields are rejected (``additionalProperties: false`` in the schema, the same in the
  check): a misspelt optional argument must not be silently dropped.

A function whose only parameter is a Struct uses that Struct as the whole input. A tool whose
schema is a hand-written JSON schema (``json_schema_tool``) gets the input as a plain dict.

Sync functions run in a worker thread (``asyncio.to_thread``): a slow sync tool must not block
the event loop that is streaming other replies (and a turn's tools run concurrently).
"""

from __future__ import annotations

import asyncio
import copy
import inspect
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import (
    TYPE_CHECKING,
    Annotated,
    Any,
    Generic,
    ParamSpec,
    TypedDict,
    TypeVar,
    get_args,
    get_origin,
    overload,
)

import msgspec

from .._json_schema import strict_schema
from ..types.params import AllowedCaller

if TYPE_CHECKING:
    from typing_extensions import Unpack

__all__ = ["Tool", "ToolOptions", "ToolResult", "json_schema_tool", "tool", "tool_result_content"]

P = ParamSpec("P")
R = TypeVar("R")

# What the API accepts as a custom tool's name; checked at decoration time so that a lambda or a
# typo fails where it is written, not as a 400 on the first request.
_TOOL_NAME = re.compile(r"^[a-zA-Z0-9_-]{1,128}$")

#: ``tool_result`` content: a string, or a list of content blocks (text, image, document ...).
ToolResultContent = str | list[Any]

# Turns the model's input into the call's (args, kwargs); raises msgspec.ValidationError.
_Binder = Callable[[Any], tuple[tuple[Any, ...], dict[str, Any]]]


class ToolResult(msgspec.Struct, kw_only=True):
    """What a tool may return to control its ``tool_result`` exactly.

    ``content`` is a string or a list of content blocks (dicts such as
    ``{"type": "image", "source": {...}}`` or Structs); ``is_error=True`` tells the model the
    call failed without raising (raising works too: any exception becomes an error result).
    """

    content: str | list[Any] | None = None
    is_error: bool = False


class Tool(Generic[P, R]):
    """A tool: its API definition (``to_param()``) and the function that runs it.

    Made by ``@aclaude.tool`` or ``aclaude.json_schema_tool``. Calling the ``Tool`` calls the
    original function unchanged, so decorated functions stay directly testable.
    """

    __slots__ = ("_bind", "_extra", "_is_async", "description", "func", "input_schema", "name", "timeout")

    name: str
    description: str | None
    input_schema: dict[str, Any]
    #: Seconds a call may take before the runner cancels it and reports a timeout (None: no limit
    #: of its own; the runner's ``tool_timeout`` applies).
    timeout: float | None

    def __init__(
        self,
        func: Callable[P, R],
        *,
        name: str,
        description: str | None,
        input_schema: Mapping[str, Any],
        bind: _Binder,
        timeout: float | None = None,
        extra_fields: Mapping[str, Any] | None = None,
    ) -> None:
        if not _TOOL_NAME.match(name):
            raise ValueError(f"tool name {name!r} must match {_TOOL_NAME.pattern} (pass name=...)")
        if timeout is not None and not timeout > 0:
            raise ValueError(f"timeout must be > 0 seconds, got {timeout!r}")
        self.func = func
        self.name = name
        self.description = description
        self.input_schema = dict(input_schema)
        self.timeout = timeout
        self._bind = bind
        self._extra = dict(extra_fields) if extra_fields else {}
        self._is_async = _is_async_callable(func)

    def __call__(self, *args: P.args, **kwargs: P.kwargs) -> R:
        return self.func(*args, **kwargs)

    def __repr__(self) -> str:
        return f"<aclaude.Tool {self.name!r}>"

    def to_param(self) -> dict[str, Any]:
        """The entry for the request's ``tools`` list."""
        param: dict[str, Any] = {"name": self.name}
        if self.description:
            param["description"] = self.description
        param["input_schema"] = self.input_schema
        param.update(self._extra)
        return param

    def parse_input(self, input: Any) -> tuple[tuple[Any, ...], dict[str, Any]]:
        """The model's input as the function's ``(args, kwargs)``, converted and validated.

        Raises ``msgspec.ValidationError`` (its message says which field and why).
        """
        return self._bind(input)

    async def run(self, input: Any) -> Any:
        """Validate ``input`` and call the function (awaited if async, else in a worker thread);
        returns what the function returned."""
        args, kwargs = self._bind(input)
        return await self._invoke(args, kwargs)

    async def _invoke(self, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
        if self._is_async:
            return await self.func(*args, **kwargs)  # type: ignore[misc]
        result = await asyncio.to_thread(self.func, *args, **kwargs)
        if inspect.isawaitable(result):  # a sync callable that returned an awaitable
            result = await result
        return result


def _is_async_callable(func: Callable[..., Any]) -> bool:
    # iscoroutinefunction sees through methods and functools.partial; objects with an
    # ``async def __call__`` need a look at that method.
    if inspect.iscoroutinefunction(func):
        return True
    return inspect.iscoroutinefunction(inspect.getattr_static(func, "__call__", None))


# -- the decorator ---------------------------------------------------------------------------


class ToolOptions(TypedDict, total=False):
    """The keywords of ``@tool(...)`` (see ``tool``); each defaults to None."""

    name: str | None
    description: str | None
    timeout: float | None
    cache_control: Mapping[str, Any] | None
    strict: bool | None
    input_examples: Iterable[Mapping[str, Any]] | None
    defer_loading: bool | None
    allowed_callers: Sequence[AllowedCaller] | None
    eager_input_streaming: bool | None
    extra_fields: Mapping[str, Any] | None


def _as_given(value: Any) -> Any:
    return value


#: The keywords that are fields of the API's tool definition, and how each is copied into it.
_DEFINITION_FIELDS: dict[str, Callable[[Any], Any]] = {
    "cache_control": dict,
    "strict": _as_given,
    "input_examples": lambda examples: [dict(e) for e in examples],
    "defer_loading": _as_given,
    "allowed_callers": list,
    "eager_input_streaming": _as_given,
}


@overload
def tool(func: Callable[P, R], /) -> Tool[P, R]: ...


@overload
def tool(func: None = None, /, **options: Unpack[ToolOptions]) -> Callable[[Callable[P, R]], Tool[P, R]]: ...


def tool(
    func: Callable[P, R] | None = None, /, **options: Unpack[ToolOptions]
) -> Tool[P, R] | Callable[[Callable[P, R]], Tool[P, R]]:
    """Make a tool of a sync or async function: ``@aclaude.tool`` or ``@aclaude.tool(timeout=5)``.

    * ``name``: the function's name unless given.
    * ``description``: the docstring (without its ``Args:`` section) unless given. Parameter
      descriptions come from that ``Args:`` section (Google style) or from
      ``Annotated[T, msgspec.Meta(description=...)]``.
    * ``input_schema``: ``msgspec.json.schema`` of the parameters' type hints (any type msgspec
      supports; defaults make a field optional), or of the Struct when the function takes a
      single ``msgspec.Struct`` parameter. The model's input is converted and validated with
      msgspec before the call.
    * ``timeout``: seconds before the runner cancels a call and reports an error result.
    * ``strict=True``: the model's input is guaranteed to match the schema; the schema sent is
      reduced to the subset strict mode accepts (objects closed, unsupported keywords moved
      into the description, as for structured outputs), the input still validated here
      against the full types.
    * ``input_examples`` (example inputs shown to the model), ``defer_loading`` (loaded only
      when tool search returns it), ``allowed_callers`` (``"direct"``, code execution ...),
      ``eager_input_streaming``, ``cache_control``, ``extra_fields``: more fields of the API's
      tool definition, sent as given.
    """
    unknown = options.keys() - ToolOptions.__optional_keys__
    if unknown:
        raise TypeError(f"tool() got an unexpected keyword argument {min(unknown)!r}")
    extra: dict[str, Any] = dict(options.get("extra_fields") or {})
    for key, convert in _DEFINITION_FIELDS.items():
        value = options.get(key)
        if value is not None:
            extra[key] = convert(value)
    name = options.get("name")
    description = options.get("description")
    timeout = options.get("timeout")
    strict = options.get("strict")

    def decorate(fn: Callable[P, R]) -> Tool[P, R]:
        tool_name = name if name is not None else getattr(fn, "__name__", "")
        summary, arg_docs = _split_docstring(inspect.getdoc(fn) or "")
        schema, bind = _schema_and_binder(fn, tool_name, arg_docs)
        if strict:
            schema = strict_schema(schema)
        return Tool(
            fn,
            name=tool_name,
            description=description if description is not None else (summary or None),
            input_schema=schema,
            bind=bind,
            timeout=timeout,
            extra_fields=extra,
        )

    if func is not None:
        return decorate(func)
    return decorate


# help() and inspect.signature list the keywords, as if written out (they are said once, above).
_signature = inspect.signature(tool)
tool.__signature__ = _signature.replace(  # type: ignore[attr-defined]
    parameters=[
        _signature.parameters["func"],
        *(
            inspect.Parameter(key, inspect.Parameter.KEYWORD_ONLY, default=None, annotation=text)
            for key, hint in ToolOptions.__annotations__.items()
            for text in [getattr(hint, "__forward_arg__", hint)]  # the annotation as written
        ),
    ]
)


def json_schema_tool(
    definition: Mapping[str, Any],
    func: Callable[[dict[str, Any]], R],
    *,
    timeout: float | None = None,
) -> Tool[[dict[str, Any]], R]:
    """A tool from a hand-written definition (``name``, ``input_schema``, optional
    ``description`` and any other API field, sent as given) and a function (sync or async)
    called with the model's input as one dict. The input is only checked to be a JSON object:
    the schema is yours, and so is validating against it."""
    fields = dict(definition)
    try:
        name = fields.pop("name")
        schema = fields.pop("input_schema")
    except KeyError as exc:
        raise ValueError(f"a tool definition needs {exc.args[0]!r}") from None
    if not isinstance(name, str):
        raise ValueError(f"a tool definition's name must be a string, got {name!r}")
    if not isinstance(schema, Mapping):
        raise ValueError("a tool definition's input_schema must be a JSON schema object")
    description = fields.pop("description", None)
    fields.pop("type", None)  # "custom" or absent: both mean a client tool

    def bind(input: Any) -> tuple[tuple[Any, ...], dict[str, Any]]:
        if not isinstance(input, dict):
            raise msgspec.ValidationError(f"Expected `object`, got `{_json_type(input)}`")
        return (input,), {}

    return Tool(
        func,
        name=name,
        description=description,
        input_schema=schema,
        bind=bind,
        timeout=timeout,
        extra_fields=fields,
    )


# -- schema and input conversion ---------------------------------------------------------------


def _schema_and_binder(
    fn: Callable[..., Any], tool_name: str, arg_docs: Mapping[str, str]
) -> tuple[dict[str, Any], _Binder]:
    try:
        signature = inspect.signature(fn, eval_str=True)
    except (TypeError, ValueError, NameError) as exc:
        raise TypeError(f"cannot read the signature of tool {tool_name!r}: {exc}") from exc
    params = list(signature.parameters.values())
    for p in params:
        if p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD):
            raise TypeError(f"tool {tool_name!r}: *args and **kwargs cannot be described to the model")

    struct_param = _single_struct_parameter(params)
    if struct_param is not None:
        struct_type: type[msgspec.Struct] = _strip_annotated(struct_param.annotation)
        positional = struct_param.kind is struct_param.POSITIONAL_ONLY
        pname = struct_param.name

        def bind_struct(input: Any) -> tuple[tuple[Any, ...], dict[str, Any]]:
            value = msgspec.convert(input, struct_type)
            return ((value,), {}) if positional else ((), {pname: value})

        return _input_schema(struct_type), bind_struct

    fields: list[tuple[str, Any] | tuple[str, Any, Any]] = []
    for p in params:
        annotation = Any if p.annotation is p.empty else p.annotation
        doc = arg_docs.get(p.name)
        if doc and not _has_description(annotation):
            annotation = Annotated[annotation, msgspec.Meta(description=doc)]
        if p.default is p.empty:
            fields.append((p.name, annotation))
        else:
            fields.append((p.name, annotation, _field_default(p.default)))
    try:
        args_type = msgspec.defstruct(f"{tool_name}_input", fields, kw_only=True, forbid_unknown_fields=True)
        schema = _input_schema(args_type)
    except (TypeError, ValueError) as exc:
        raise TypeError(f"tool {tool_name!r}: cannot build an input schema: {exc}") from exc

    names = [p.name for p in params]
    n_positional = sum(1 for p in params if p.kind is p.POSITIONAL_ONLY)

    def bind_fields(input: Any) -> tuple[tuple[Any, ...], dict[str, Any]]:
        value = msgspec.convert(input, args_type)
        values = [getattr(value, n) for n in names]
        kwargs = dict(zip(names[n_positional:], values[n_positional:], strict=True))
        return tuple(values[:n_positional]), kwargs

    return schema, bind_fields


def _single_struct_parameter(params: Sequence[inspect.Parameter]) -> inspect.Parameter | None:
    if len(params) != 1 or params[0].default is not params[0].empty:
        return None
    annotation = _strip_annotated(params[0].annotation)
    if isinstance(annotation, type) and issubclass(annotation, msgspec.Struct):
        return params[0]
    return None


def _strip_annotated(annotation: Any) -> Any:
    return get_args(annotation)[0] if get_origin(annotation) is Annotated else annotation


def _has_description(annotation: Any) -> bool:
    if get_origin(annotation) is not Annotated:
        return False
    return any(isinstance(m, msgspec.Meta) and m.description for m in get_args(annotation)[1:])


def _field_default(default: Any) -> Any:
    # msgspec refuses non-empty mutable defaults (they would be shared between instances).
    if isinstance(default, (list, dict, set, bytearray)) and default:
        return msgspec.field(default_factory=lambda: copy.deepcopy(default))
    return default


def _input_schema(struct_type: Any) -> dict[str, Any]:
    """``msgspec.json.schema`` with its root ``$ref`` inlined: the API wants ``input_schema`` to
    be an object schema itself; nested Structs stay in ``$defs``."""
    schema = msgspec.json.schema(struct_type)
    ref = schema.get("$ref")
    if not isinstance(ref, str):
        return schema
    root_name = ref.rsplit("/", 1)[-1]
    defs = dict(schema.get("$defs", {}))
    root = dict(defs[root_name])
    root.pop("title", None)  # the made-up Struct name tells the model nothing
    # A recursive root (a tree of itself) is still referenced: keep its definition then.
    if ref.encode() not in msgspec.json.encode([root, {k: v for k, v in defs.items() if k != root_name}]):
        del defs[root_name]
    if defs:
        root["$defs"] = defs
    return root


# Google-style argument sections ("Args:", then "name: text" or "name (type): text" items).
_ARGS_SECTION = re.compile(r"^(Args|Arguments|Parameters|Params)\s*:\s*$")
_ARG_ITEM = re.compile(r"^(\*{0,2}\w+)\s*(?:\([^)]*\))?\s*:\s*(.*)$")


def _split_docstring(doc: str) -> tuple[str, dict[str, str]]:
    """(description without the ``Args:`` section, {parameter: its description})."""
    lines = doc.splitlines()
    kept: list[str] = []
    args: dict[str, str] = {}
    i = 0
    while i < len(lines):
        line = lines[i]
        if not _ARGS_SECTION.match(line.strip()) or line[:1].isspace():
            kept.append(line)
            i += 1
            continue
        i += 1
        current: str | None = None
        item_indent: int | None = None
        while i < len(lines):
            body = lines[i]
            stripped = body.strip()
            indent = len(body) - len(body.lstrip())
            if stripped and indent == 0:
                break  # the next section ("Returns:") or more description
            if stripped:
                match = _ARG_ITEM.match(stripped)
                if match and (item_indent is None or indent <= item_indent):
                    item_indent = indent
                    current = match.group(1).lstrip("*")
                    args[current] = match.group(2).strip()
                elif current is not None:
                    args[current] = f"{args[current]} {stripped}".strip()
            i += 1
    return "\n".join(kept).strip(), args


# -- results ---------------------------------------------------------------------------------


def tool_result_content(value: Any) -> ToolResultContent | None:
    """A tool's return value as ``tool_result`` content.

    ``str``: as is. A list whose items are all content blocks (dicts or Structs with a ``type``):
    those blocks. ``None``: no content. Anything else msgspec can encode (dicts, lists, numbers,
    Structs, dataclasses, datetimes ...): its JSON text. Raises ``TypeError`` for anything else.
    """
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, (list, tuple)) and value and all(_is_content_block(v) for v in value):
        blocks: list[Any] = msgspec.to_builtins(list(value))
        return blocks
    try:
        return msgspec.json.encode(value).decode()
    except (TypeError, msgspec.EncodeError) as exc:
        raise TypeError(f"cannot send a {type(value).__name__} as a tool result: {exc}") from exc


def _is_content_block(value: Any) -> bool:
    if isinstance(value, Mapping):
        return isinstance(value.get("type"), str)
    return isinstance(value, msgspec.Struct) and isinstance(getattr(value, "type", None), str)


def _json_type(value: Any) -> str:
    if isinstance(value, str):
        return "str"
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, (int, float)):
        return type(value).__name__
    if isinstance(value, list):
        return "array"
    return "null" if value is None else type(value).__name__
