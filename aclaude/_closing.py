"""``AsyncClosing``: ``async with obj:`` for anything with a ``close()``, written once.

A leaf module (standard library only), so that the client, the HTTP layer, the streams and the
tool runner can all share it.
"""

from __future__ import annotations

import inspect
from types import TracebackType
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from typing_extensions import Self

__all__ = ["AsyncClosing", "ClosesOnExit"]


class ClosesOnExit:
    """The exit half of ``AsyncClosing``, for a context manager whose ``__aenter__`` gives
    another object (``messages.stream()``'s manager gives the stream): leaving the block calls
    ``close()``, awaited when it is a coroutine function, whatever ended the block (an
    exception, a ``break``, cancellation)."""

    __slots__ = ()

    if TYPE_CHECKING:

        def close(self) -> Any: ...  # every user defines its own, sync or async

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        result = self.close()
        if inspect.isawaitable(result):
            await result


class AsyncClosing(ClosesOnExit):
    """``async with obj as same_obj:`` ends with ``obj.close()`` (see ``ClosesOnExit``)."""

    __slots__ = ()

    async def __aenter__(self) -> Self:
        return self
