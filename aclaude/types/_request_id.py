"""``request_id`` on every object a call returns, as the official SDK's ``_request_id``."""

from __future__ import annotations

from typing import Any

__all__ = ["WithRequestId", "attach_request_id"]


class WithRequestId:
    """Mixin of the returned models (msgspec Structs made with ``dict=True``).

    ``_request_id`` (the SDK's name) and ``request_id`` are the ``request-id`` header of the
    response the object came from (None for an object built by hand). It is an attribute, not
    a field: ``msgspec.to_builtins(obj)`` and ``msgspec.json.encode(obj)`` stay the wire JSON,
    and equality ignores it.
    """

    __slots__ = ()
    _request_id: str | None = None

    @property
    def request_id(self) -> str | None:
        """The ``request-id`` header of the response this object came from."""
        return self._request_id


def attach_request_id(obj: Any, request_id: str | None) -> None:
    """Record ``request_id`` on ``obj`` when it can carry one (a ``WithRequestId`` model)."""
    if isinstance(obj, WithRequestId):
        obj._request_id = request_id  # type: ignore[misc]  # an attribute of the dict=True Struct
