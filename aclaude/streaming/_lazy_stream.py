"""``LazyStream``: the shape shared by every response that is read as it arrives
(``EventStream``, ``CompletionStream``, ``BatchResults``).

The request is sent on first use: ``await stream`` (status errors surface there, as with the
official SDK), ``async with stream`` (closed on exit), or simply iterating it. A subclass
provides ``_open()`` (send, once), ``_iterate()`` (the one async generator that reads the
body) and ``close()``.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Generator
from types import TracebackType
from typing import Any, Generic, TypeVar

__all__ = ["LazyStream"]

_T = TypeVar("_T")
_S = TypeVar("_S", bound="LazyStream[Any]")


class LazyStream(Generic[_T]):
    __slots__ = ("_iterator",)

    def __init__(self) -> None:
        self._iterator: AsyncIterator[_T] | None = None

    async def _open(self) -> object:
        raise NotImplementedError

    def _iterate(self) -> AsyncIterator[_T]:
        raise NotImplementedError

    async def close(self) -> None:
        raise NotImplementedError

    async def _opened_self(self: _S) -> _S:
        await self._open()
        return self

    def __await__(self: _S) -> Generator[Any, None, _S]:
        return self._opened_self().__await__()

    async def __aenter__(self: _S) -> _S:
        await self._open()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()

    def __aiter__(self) -> AsyncIterator[_T]:
        if self._iterator is None:
            self._iterator = self._iterate()
        return self._iterator

    async def __anext__(self) -> _T:
        return await self.__aiter__().__anext__()
