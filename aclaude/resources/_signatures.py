"""``help()`` for methods taking ``**kwargs: Unpack[SomeTypedDict]``: a ``__signature__`` that
lists each key of the TypedDict as a keyword-only parameter, so that ``help()`` and
``inspect.signature`` show the parameters (not ``**options: Unpack[...]``)."""

from __future__ import annotations

import inspect
import re
from collections.abc import Callable, Collection
from typing import Any, ForwardRef, TypeVar

from ..types.params import NOT_GIVEN

__all__ = ["annotation_text", "document_kwargs", "document_methods"]

_F = TypeVar("_F", bound=Callable[..., Any])
_UNPACKED = re.compile(r"Unpack\[(\w+)\]")


def document_kwargs(func: _F, kwargs_type: type, required: Collection[str] = ()) -> _F:
    """Give ``func`` (whose signature ends in ``**kwargs``) a ``__signature__`` listing each key
    of ``kwargs_type``: the ``required`` ones first, without a default, the others with
    ``NOT_GIVEN``. Parameters ``func`` names itself stay as they are."""
    signature = inspect.signature(func)
    explicit = [
        p.replace(annotation=_Annotation(p.annotation)) if isinstance(p.annotation, str) else p
        for p in signature.parameters.values()
        if p.kind is not p.VAR_KEYWORD
    ]
    taken = {p.name for p in explicit}
    annotations = kwargs_type.__annotations__
    names = [k for k in annotations if k in required and k not in taken]
    names += [k for k in annotations if k not in required and k not in taken]
    keywords = [
        inspect.Parameter(
            name,
            inspect.Parameter.KEYWORD_ONLY,
            default=inspect.Parameter.empty if name in required else NOT_GIVEN,
            annotation=_Annotation(annotation_text(annotations[name])),
        )
        for name in names
    ]
    returns = signature.return_annotation
    if isinstance(returns, str):
        returns = _Annotation(returns)
    func.__signature__ = signature.replace(  # type: ignore[attr-defined]
        parameters=[*explicit, *keywords], return_annotation=returns
    )
    return func


def document_methods(cls: type) -> None:
    """``document_kwargs`` for each public method of ``cls`` whose ``**kwargs`` are
    ``Unpack[T]`` of a TypedDict ``T`` named in the method's module."""
    for name, func in vars(cls).items():
        if name.startswith("_") or not inspect.isfunction(func):
            continue
        variadic = [p for p in inspect.signature(func).parameters.values() if p.kind is p.VAR_KEYWORD]
        match = variadic and _UNPACKED.fullmatch(annotation_text(variadic[0].annotation))
        if match:
            document_kwargs(func, func.__globals__[match.group(1)])


def annotation_text(annotation: Any) -> str:
    """An annotation as written (the text, with ``from __future__ import annotations``)."""
    if isinstance(annotation, ForwardRef):
        return annotation.__forward_arg__
    return annotation if isinstance(annotation, str) else getattr(annotation, "__name__", repr(annotation))


class _Annotation(str):
    """An annotation's text, shown without quotes by ``inspect`` (which shows ``repr()``)."""

    __slots__ = ()

    def __new__(cls, text: str) -> _Annotation:
        if text.startswith("Required[") and text.endswith("]"):
            text = text[len("Required[") : -1]
        return super().__new__(cls, text)

    def __repr__(self) -> str:
        return str(self)
