"""A resource's two twins, ``with_raw_response`` and ``with_streaming_response``, from one list.

A resource lists its methods once, in a twin body (``create = json_method(Batches.create,
MessageBatch)``: the method, and how its body becomes its result). The two twins are that body
with a kind: on a ``RawTwin`` each method returns a ``RawResponse`` (``to_raw_response``), on a
``StreamingTwin`` a ``StreamedResponseManager`` whose ``parse()`` uses the declared parser
(``to_streamed_response``). The twin classes register themselves on their resource
(``of=Batches``), and ``Resource`` has the two properties, written once here.

Typing stays per method: each declaration captures the method's parameters (``ParamSpec``) and
result, and the descriptor's ``__get__`` is overloaded on the twin's kind, so
``client.models.with_raw_response.retrieve`` is ``(model_id: str, **options) -> RawResponse[ModelInfo]``
to a type checker, and a method declared ``raw_only`` does not exist on the streaming twin.
"""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any, ClassVar, Concatenate, Generic, ParamSpec, TypeVar, cast, overload

from .._http.download import BinaryResponse
from .._http.pagination import AsyncPage, AsyncPaginator
from .._http.raw_response import RawResponse, raw_create, to_raw_response
from ._streaming_response import (
    Parser,
    StreamedResponseManager,
    binary_parser,
    json_parser,
    page_parser,
    to_streamed_response,
)

if TYPE_CHECKING:
    from typing_extensions import Self

__all__ = [
    "RawCreateTwin",
    "RawTwin",
    "RawTwinT",
    "RawResource",
    "Resource",
    "StreamingTwin",
    "StreamingTwinT",
    "Twin",
    "binary_method",
    "json_method",
    "nested",
    "page_method",
    "raw_only",
]

_P = ParamSpec("_P")
_T = TypeVar("_T")
#: A resource's twin classes, for ``Resource[RawTwinT, StreamingTwinT]`` and its generic subclasses.
RawTwinT = TypeVar("RawTwinT")
StreamingTwinT = TypeVar("StreamingTwinT")


class RawResource(Generic[RawTwinT]):
    """A resource with a raw twin only (``completions``); ``RawTwinT`` is its twin class (which
    sets ``_raw_twin`` when it is defined, see ``Twin``)."""

    _raw_twin: ClassVar[type[Twin]]

    @property
    def with_raw_response(self) -> RawTwinT:
        """The same methods, returning a ``RawResponse`` (status, headers, request id, rate
        limits; ``parse()`` gives the method's result)."""
        return cast("RawTwinT", self._raw_twin(self))


class Resource(RawResource[RawTwinT], Generic[RawTwinT, StreamingTwinT]):
    """A resource with both twins."""

    _streaming_twin: ClassVar[type[Twin]]

    @property
    def with_streaming_response(self) -> StreamingTwinT:
        """The same methods, each an ``async with`` giving the response as soon as its headers
        arrive, then its body as it arrives (``iter_bytes()`` ...) or ``parse()``."""
        return cast("StreamingTwinT", self._streaming_twin(self))


class Twin:
    """What both twins of a resource hold: the resource."""

    __slots__ = ("_resource",)

    #: The attribute of the resource class this kind of twin registers in.
    _slot: ClassVar[str] = ""

    def __init__(self, resource: Any) -> None:
        self._resource = resource

    def __init_subclass__(cls, *, of: type[Any] | None = None, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if of is not None:
            setattr(of, cls._slot, cls)


class RawTwin(Twin):
    """The ``with_raw_response`` kind: ``class XWithRawResponse(XTwin, RawTwin, of=X)``."""

    __slots__ = ()
    _slot = "_raw_twin"


class RawCreateTwin(RawTwin):
    """A raw twin whose ``create`` returns a stream with ``stream=True`` (messages, completions)."""

    __slots__ = ()

    async def create(self, *, stream: bool = False, **kwargs: Any) -> RawResponse[Any]:
        """As ``create()``; ``parse()`` gives the result (or, with ``stream=True``, the opened
        stream)."""
        return await raw_create(self._resource.create, stream=stream, **kwargs)


class StreamingTwin(Twin):
    """The ``with_streaming_response`` kind."""

    __slots__ = ()
    _slot = "_streaming_twin"


class TwinMethod(Generic[_P, _T]):
    """One method of a twin body: the resource's method of the same name, wrapped for the kind."""

    __slots__ = ("_name", "_parse")

    def __init__(self, name: str, parse: Parser[_T] | None) -> None:
        self._name = name
        self._parse = parse

    @overload
    def __get__(self, twin: None, owner: type[Any]) -> Self: ...

    @overload
    def __get__(
        self, twin: RawTwin, owner: type[Any] | None = None
    ) -> Callable[_P, Awaitable[RawResponse[_T]]]: ...

    @overload
    def __get__(
        self, twin: StreamingTwin, owner: type[Any] | None = None
    ) -> Callable[_P, StreamedResponseManager[_T]]: ...

    def __get__(self, twin: Twin | None, owner: type[Any] | None = None) -> Any:
        return self if twin is None else self._bind(twin)

    def _bind(self, twin: Twin) -> Any:
        method = getattr(twin._resource, self._name)
        if isinstance(twin, RawTwin):
            wrapper: Any = to_raw_response(method)
        elif self._parse is None:
            raise AttributeError(f"{type(twin).__name__} has no {self._name}()")
        else:
            wrapper = to_streamed_response(method, self._parse)
        # ``wraps`` copied the function's ``__signature__`` (with ``self``): the bound one for help().
        wrapper.__signature__ = inspect.signature(method)
        return wrapper


class RawOnlyMethod(TwinMethod[_P, _T]):
    """A method only the raw twin has (its result is already streamed, or needs the whole body)."""

    __slots__ = ()

    @overload  # type: ignore[override]
    def __get__(self, twin: None, owner: type[Any]) -> Self: ...

    @overload
    def __get__(
        self, twin: RawTwin, owner: type[Any] | None = None
    ) -> Callable[_P, Awaitable[RawResponse[_T]]]: ...

    def __get__(self, twin: Twin | None, owner: type[Any] | None = None) -> Any:
        return self if twin is None else self._bind(twin)


def json_method(
    method: Callable[Concatenate[Any, _P], Awaitable[_T]], cast_to: type[_T]
) -> TwinMethod[_P, _T]:
    """``method``, whose body is one JSON object decoded as ``cast_to`` (its return type)."""
    return TwinMethod(method.__name__, json_parser(cast_to))


def page_method(
    method: Callable[Concatenate[Any, _P], AsyncPaginator[_T]], item_type: type[_T]
) -> TwinMethod[_P, AsyncPage[_T]]:
    """A ``list()`` method; its streaming twin's ``parse()`` gives the first page."""
    return TwinMethod(method.__name__, page_parser(item_type))


def binary_method(
    method: Callable[Concatenate[Any, _P], Awaitable[BinaryResponse]],
) -> TwinMethod[_P, BinaryResponse]:
    """A download: the streaming twin's ``parse()`` gives a ``BinaryResponse`` over the body."""
    return TwinMethod(method.__name__, binary_parser)


def raw_only(method: Callable[Concatenate[Any, _P], Awaitable[_T]]) -> RawOnlyMethod[_P, _T]:
    """A method with a raw twin only."""
    return RawOnlyMethod(method.__name__, None)


class Nested(Generic[RawTwinT, StreamingTwinT]):
    """A sub-resource of a twin body (``client.with_raw_response.messages``): the attribute of
    the same name on the resource, as the same kind of twin."""

    __slots__ = ("_name",)

    def __init__(self) -> None:
        self._name = ""

    def __set_name__(self, owner: type[Any], name: str) -> None:
        self._name = name

    @overload
    def __get__(self, twin: None, owner: type[Any]) -> Self: ...

    @overload
    def __get__(self, twin: RawTwin, owner: type[Any] | None = None) -> RawTwinT: ...

    @overload
    def __get__(self, twin: StreamingTwin, owner: type[Any] | None = None) -> StreamingTwinT: ...

    def __get__(self, twin: Twin | None, owner: type[Any] | None = None) -> Any:
        return self if twin is None else self._bind(twin)

    def _bind(self, twin: Twin) -> Any:
        resource = getattr(twin._resource, self._name)
        return resource.with_raw_response if isinstance(twin, RawTwin) else resource.with_streaming_response


class RawOnlyNested(Nested[RawTwinT, Any]):
    """A sub-resource with a raw twin only."""

    __slots__ = ()

    @overload  # type: ignore[override]
    def __get__(self, twin: None, owner: type[Any]) -> Self: ...

    @overload
    def __get__(self, twin: RawTwin, owner: type[Any] | None = None) -> RawTwinT: ...

    def __get__(self, twin: Twin | None, owner: type[Any] | None = None) -> Any:
        if isinstance(twin, StreamingTwin):
            raise AttributeError(f"{type(twin).__name__} has no {self._name}")
        return self if twin is None else self._bind(twin)


@overload
def nested(  # type: ignore[overload-overlap]  # the first that matches is meant
    resource_type: type[Resource[RawTwinT, StreamingTwinT]],
) -> Nested[RawTwinT, StreamingTwinT]: ...


@overload
def nested(resource_type: type[RawResource[RawTwinT]]) -> RawOnlyNested[RawTwinT]: ...


def nested(resource_type: type[Any]) -> Any:
    """The twins of the sub-resource of this name (``messages = nested(Messages)``)."""
    return Nested() if issubclass(resource_type, Resource) else RawOnlyNested()
