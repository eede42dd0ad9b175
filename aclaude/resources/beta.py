"""``client.beta``: the same resources, with ``betas=[...]`` sent as the ``anthropic-beta`` header.

Beta endpoints are the regular ones (same paths, same wire format) plus the header, so every
method here is the regular method with the header merged in: one code path, and everything the
stable API guarantees (strict stream ends, typed errors, retries) holds for betas too. Content
blocks, deltas and events that only betas send pass through as typed ``Unknown*`` structs with
every field kept (see ``_events``), and typed where the stable API already knows them.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any, Literal, TypeVar, overload

from .._http.raw_response import RawResponse, raw_create, to_raw_response
from ..streaming._event_stream import EventStream
from ..streaming._message_stream import MessageStreamManager
from ..streaming._parse import ParsedMessage
from ..types._message import Message
from ..types._tokens import MessageTokensCount
from ._base import merge_headers
from .batches import Batches, BatchesWithRawResponse
from .files import FILES_BETA, Files
from .messages import Messages
from .models import Models

if TYPE_CHECKING:
    from ._base import APIClient

__all__ = ["TOKEN_COUNTING_BETA", "Beta", "BetaMessages", "BetaMessagesWithRawResponse"]

#: The beta the official SDK always sends with ``beta.messages.count_tokens()``.
TOKEN_COUNTING_BETA = "token-counting-2024-11-01"

_T = TypeVar("_T")


class BetaMessages:
    """``client.beta.messages``: ``create``, ``stream``, ``count_tokens``, ``parse`` and
    ``batches``, each taking ``betas=[...]`` besides the regular parameters."""

    def __init__(self, client: APIClient) -> None:
        self._messages = Messages(client)
        self.batches = Batches(client)

    @property
    def with_raw_response(self) -> BetaMessagesWithRawResponse:
        """The same methods returning a ``RawResponse`` (status, headers, request id)."""
        return BetaMessagesWithRawResponse(self)

    @overload
    def create(
        self,
        *,
        stream: Literal[True],
        betas: Iterable[str] | None = ...,
        extra_headers: Mapping[str, str] | None = ...,
        **params: Any,
    ) -> EventStream: ...

    @overload
    async def create(
        self,
        *,
        stream: Literal[False] = ...,
        betas: Iterable[str] | None = ...,
        extra_headers: Mapping[str, str] | None = ...,
        **params: Any,
    ) -> Message: ...

    def create(
        self,
        *,
        stream: bool = False,
        betas: Iterable[str] | None = None,
        extra_headers: Mapping[str, str] | None = None,
        **params: Any,
    ) -> Any:
        """``messages.create()`` with the ``betas`` header."""
        headers = merge_headers(extra_headers, betas=betas)
        if stream:
            return self._messages.create(stream=True, extra_headers=headers, **params)
        return self._messages.create(extra_headers=headers, **params)

    def stream(
        self,
        *,
        betas: Iterable[str] | None = None,
        extra_headers: Mapping[str, str] | None = None,
        **params: Any,
    ) -> MessageStreamManager:
        """``messages.stream()`` with the ``betas`` header (``output_format`` supported)."""
        return self._messages.stream(extra_headers=merge_headers(extra_headers, betas=betas), **params)

    async def count_tokens(
        self,
        *,
        betas: Iterable[str] | None = None,
        extra_headers: Mapping[str, str] | None = None,
        **params: Any,
    ) -> MessageTokensCount:
        """``messages.count_tokens()`` with the ``betas`` header (plus the token-counting beta,
        as the official SDK sends)."""
        headers = merge_headers(extra_headers, betas=betas, default_betas=(TOKEN_COUNTING_BETA,))
        return await self._messages.count_tokens(extra_headers=headers, **params)

    @overload
    async def parse(
        self,
        *,
        output_format: type[_T],
        betas: Iterable[str] | None = ...,
        extra_headers: Mapping[str, str] | None = ...,
        **params: Any,
    ) -> ParsedMessage[_T]: ...

    @overload
    async def parse(
        self,
        *,
        output_format: Mapping[str, Any] | None = ...,
        betas: Iterable[str] | None = ...,
        extra_headers: Mapping[str, str] | None = ...,
        **params: Any,
    ) -> ParsedMessage[Any]: ...

    async def parse(
        self,
        *,
        output_format: Any = None,
        betas: Iterable[str] | None = None,
        extra_headers: Mapping[str, str] | None = None,
        **params: Any,
    ) -> ParsedMessage[Any]:
        """``messages.parse()`` with the ``betas`` header."""
        headers = merge_headers(extra_headers, betas=betas)
        return await self._messages.parse(output_format=output_format, extra_headers=headers, **params)


class BetaMessagesWithRawResponse:
    """``client.beta.messages.with_raw_response``."""

    def __init__(self, messages: BetaMessages) -> None:
        self._messages = messages
        self.count_tokens = to_raw_response(messages.count_tokens)
        self.parse = to_raw_response(messages.parse)
        self.batches = BatchesWithRawResponse(messages.batches)

    async def create(self, *, stream: bool = False, **kwargs: Any) -> RawResponse[Any]:
        """As ``BetaMessages.create``; ``parse()`` gives the ``Message`` (or, with
        ``stream=True``, the opened ``EventStream``)."""
        return await raw_create(self._messages.create, stream=stream, **kwargs)


class Beta:
    """``client.beta``: ``messages`` (with ``batches``), ``models`` and ``files``."""

    def __init__(self, client: APIClient) -> None:
        self.messages = BetaMessages(client)
        self.models = Models(client)
        self.files = Files(client, default_betas=(FILES_BETA,))
