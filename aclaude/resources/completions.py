"""``client.completions``: the legacy Text Completions API (``POST /v1/complete``).

As with messages there is one code path: every call asks for a stream. ``create()`` without
``stream=True`` drains it and returns the whole ``Completion``, so a completion cut short
raises ``IncompleteStreamError`` instead of being returned truncated.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, Literal, overload

from .._exceptions import IncompleteStreamError
from .._http.transport import Response
from ..streaming._completion_stream import CompletionStream
from ..types._completions import Completion
from ..types._request_id import attach_request_id
from ..types.params import CompletionCreateParams
from ._base import retries_for
from ._call_params import CallParams
from ._options import RequestOptions
from ._twins import RawCreateTwin, RawResource

if TYPE_CHECKING:
    from typing_extensions import Unpack

    from ._base import APIClient

__all__ = ["Completions", "CompletionsWithRawResponse"]

_PATH = "/v1/complete"


class CompletionCreateKwargs(CompletionCreateParams, RequestOptions, total=False):
    """``completions.create()``: the body fields, ``betas`` (a header) and the options."""

    betas: Sequence[str]


_CREATE = CallParams("create", CompletionCreateKwargs)


class Completions(RawResource["CompletionsWithRawResponse"]):
    """Legacy Text Completions. Parameters are the API's fields as keyword arguments:
    ``model``, ``prompt`` (``"\\n\\nHuman: ...\\n\\nAssistant:"``), ``max_tokens_to_sample``,
    ``stop_sequences``, ``temperature``, ``top_k``, ``top_p``, ``metadata``."""

    def __init__(self, client: APIClient) -> None:
        self._client = client

    @overload
    def create(
        self,
        *,
        stream: Literal[True],
        **params: Unpack[CompletionCreateKwargs],
    ) -> CompletionStream: ...

    @overload
    async def create(
        self,
        *,
        stream: Literal[False] = ...,
        **params: Unpack[CompletionCreateKwargs],
    ) -> Completion: ...

    @_CREATE.document
    def create(
        self,
        *,
        stream: bool = False,
        **params: Any,
    ) -> Any:
        """Create a completion.

        With ``stream=True``: a ``CompletionStream`` of ``Completion`` pieces (each holds the
        new text in ``completion``; the last one the ``stop_reason``). Without: a coroutine
        returning the whole ``Completion`` (a drained stream).
        """
        body, options = _CREATE.split(params)
        body["stream"] = True
        extra_body = options.get("extra_body")
        if extra_body:
            body.update(extra_body)
        headers = options.get("extra_headers")
        extra_query = options.get("extra_query")
        timeout = options.get("timeout")
        client = self._client

        async def opener(*, retry_count: int) -> Response:
            return await client.open_response(
                "POST",
                _PATH,
                body=body,
                extra_headers=headers,
                extra_query=extra_query,
                timeout=timeout,
                retry_count=retry_count,
            )

        events = CompletionStream(
            opener,
            max_retries=retries_for(client, options),
            max_event_bytes=client.max_event_bytes,
        )
        if stream:
            return events
        return _drain(events)


async def _drain(events: CompletionStream) -> Completion:
    """The pieces of a completion stream joined into one ``Completion``."""
    first: Completion | None = None
    last: Completion | None = None
    parts: list[str] = []
    try:
        async for piece in events:
            if first is None:
                first = piece
            last = piece
            parts.append(piece.completion)
    finally:
        await events.close()
    if first is None or last is None:  # pragma: no cover - CompletionStream raises first
        raise IncompleteStreamError("completion stream ended without a completion", clean_eof=True)
    whole = Completion(
        id=first.id,
        type=first.type,
        completion="".join(parts),
        model=first.model,
        stop_reason=last.stop_reason,
        stop=last.stop,
    )
    attach_request_id(whole, events.request_id)
    return whole


class CompletionsWithRawResponse(RawCreateTwin, of=Completions):
    """``client.completions.with_raw_response``: ``create()`` returning a ``RawResponse``
    (``parse()`` gives the ``Completion``, or with ``stream=True`` the ``CompletionStream``);
    completions have no streaming twin."""
