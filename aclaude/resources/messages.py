"""``client.messages``: create (streaming or drained) and the ``stream()`` helper.

There is one code path: every call asks the API for a stream. ``create()`` without
``stream=True`` drains that stream through the accumulator and returns the final ``Message``,
so there is no separate non-streaming path, no 10-minute non-streaming guard, and the same
failure semantics everywhere (an incomplete stream raises, it is never returned as a message).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Literal, overload

from .._accumulate import AccumulatorState, accumulate, materialize
from .._event_stream import EventStream
from .._exceptions import APIError, IncompleteStreamError
from .._models import Message
from .._stream import MessageStreamManager
from .._transport import Timeout

if TYPE_CHECKING:
    from .._client import Client

__all__ = ["Messages"]


class Messages:
    """The Messages API. Parameters are the API's JSON fields as keyword arguments (``model``,
    ``max_tokens``, ``messages``, ``system``, ``tools``, ``temperature`` ...), as plain
    dicts/lists or msgspec Structs. Per call: ``extra_headers``, ``extra_query``,
    ``extra_body`` (merged into the JSON body), ``timeout`` and ``max_retries``.
    """

    def __init__(self, client: Client) -> None:
        self._client = client

    @overload
    def create(
        self,
        *,
        stream: Literal[True],
        extra_headers: Mapping[str, str] | None = ...,
        extra_query: Mapping[str, str] | None = ...,
        extra_body: Mapping[str, Any] | None = ...,
        timeout: Timeout | float | None = ...,
        max_retries: int | None = ...,
        **params: Any,
    ) -> EventStream: ...

    @overload
    async def create(
        self,
        *,
        stream: Literal[False] = ...,
        extra_headers: Mapping[str, str] | None = ...,
        extra_query: Mapping[str, str] | None = ...,
        extra_body: Mapping[str, Any] | None = ...,
        timeout: Timeout | float | None = ...,
        max_retries: int | None = ...,
        **params: Any,
    ) -> Message: ...

    def create(
        self,
        *,
        stream: bool = False,
        extra_headers: Mapping[str, str] | None = None,
        extra_query: Mapping[str, str] | None = None,
        extra_body: Mapping[str, Any] | None = None,
        timeout: Timeout | float | None = None,
        max_retries: int | None = None,
        **params: Any,
    ) -> Any:
        """Create a message.

        With ``stream=True``: an ``EventStream``, an async iterator of typed events (the
        request is sent on first iteration, or when awaited). Without: a coroutine that returns
        the complete ``Message`` (internally a drained stream).
        """
        events = self._event_stream(
            params, extra_headers, extra_query, extra_body, timeout, max_retries
        )
        if stream:
            return events
        return _drain(events)

    def stream(
        self,
        *,
        extra_headers: Mapping[str, str] | None = None,
        extra_query: Mapping[str, str] | None = None,
        extra_body: Mapping[str, Any] | None = None,
        timeout: Timeout | float | None = None,
        max_retries: int | None = None,
        **params: Any,
    ) -> MessageStreamManager:
        """``async with client.messages.stream(...) as stream:`` a ``MessageStream`` with
        callbacks (``stream.on("text", ...)``), ``text_stream`` and ``get_final_message()``."""
        params.pop("stream", None)
        events = self._event_stream(
            params, extra_headers, extra_query, extra_body, timeout, max_retries
        )
        return MessageStreamManager(events)

    def _event_stream(
        self,
        params: dict[str, Any],
        extra_headers: Mapping[str, str] | None,
        extra_query: Mapping[str, str] | None,
        extra_body: Mapping[str, Any] | None,
        timeout: Timeout | float | None,
        max_retries: int | None,
    ) -> EventStream:
        body = {**params, "stream": True}
        if extra_body:
            body.update(extra_body)
        return self._client._event_stream(
            "/v1/messages",
            body,
            extra_headers=extra_headers,
            extra_query=extra_query,
            timeout=timeout,
            max_retries=max_retries,
        )


async def _drain(events: EventStream) -> Message:
    """Consume a stream into its final message (what non-streaming ``create()`` returns)."""
    state = AccumulatorState()
    try:
        async for event in events:
            accumulate(state, event)
    except APIError as exc:
        if exc.partial_message is None:
            exc.partial_message = materialize(state)
        raise
    finally:
        await events.close()
    message = materialize(state)
    if message is None or not state.done:  # pragma: no cover - EventStream raises first
        raise IncompleteStreamError("stream ended without a message", clean_eof=True)
    message._request_id = events.request_id  # type: ignore[attr-defined]
    return message
