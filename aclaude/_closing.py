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

__all__ = ["AsyncClosing"]


class AsyncClosing:
    """``async with obj as same_obj:`` ends with ``obj.close()``, awaited when it is a coroutine
    function, whatever ended the block (an exception, a ``break``, cancellation)."""

    __slots__ = ()

    if TYPE_CHECKING:

        def close(self) -> Any: ...  # every user defines its own, sync or async

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        result = self.close()
        if inspect.isawaitable(result):
            await result
