"""``NOT_GIVEN``: the default of a parameter the caller did not give.

It is distinct from ``None``, which some API fields accept as an explicit null. One instance,
falsy, and shown as ``NOT_GIVEN`` in ``help()`` and reprs (an ``object()`` shows as
``<object object at 0x...>``), as httpx's ``USE_CLIENT_DEFAULT`` and the official SDK's
``NOT_GIVEN``.
"""

from __future__ import annotations

from typing import Literal

__all__ = ["NOT_GIVEN", "NotGiven"]


class NotGiven:
    """The type of ``NOT_GIVEN`` (use it in annotations: ``timeout: float | NotGiven = NOT_GIVEN``)."""

    __slots__ = ()
    _instance: NotGiven | None = None

    def __new__(cls) -> NotGiven:
        # A singleton, so that ``is NOT_GIVEN`` holds even for a copy made by pickle or copy.
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __bool__(self) -> Literal[False]:
        return False

    def __repr__(self) -> str:
        return "NOT_GIVEN"

    def __reduce__(self) -> str:
        return "NOT_GIVEN"


NOT_GIVEN = NotGiven()
