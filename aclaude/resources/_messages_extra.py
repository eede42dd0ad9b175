"""``messages.count_tokens()`` and ``messages.parse()``, mixed into ``Messages``.

They live apart from ``messages.py`` so that module stays the streaming core: neither adds a
code path. ``count_tokens`` is a plain JSON call; ``parse`` is ``create()`` (a drained stream)
followed by ``_parse.parse_message``.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, overload

from .._http.transport import Timeout
from ..streaming._parse import ParsedMessage, apply_output_format, parse_message
from ..types._tokens import MessageTokensCount

if TYPE_CHECKING:
    from ..types._message import Message
    from ._base import APIClient

__all__ = ["MessagesExtras"]

_T = TypeVar("_T")


class MessagesExtras:
    """Token counting and structured output for ``client.messages`` (and beta)."""

    _client: APIClient

    @property
    def logger(self) -> logging.Logger:
        """The client's logger (tool runners log each tool call there)."""
        return self._client.logger

    if TYPE_CHECKING:

        async def _create_message(self, **kwargs: Any) -> Message: ...

    else:

        async def _create_message(self, **kwargs: Any) -> Any:
            return await self.create(**kwargs)

    async def count_tokens(
        self,
        *,
        output_format: Any = None,
        extra_headers: Mapping[str, str] | None = None,
        extra_query: Mapping[str, str] | None = None,
        extra_body: Mapping[str, Any] | None = None,
        timeout: Timeout | float | None = None,
        max_retries: int | None = None,
        **params: Any,
    ) -> MessageTokensCount:
        """Count the input tokens of a request (``model``, ``messages``, ``system``, ``tools``
        ...) without creating a message. ``output_format`` as in ``parse()``."""
        params, _ = apply_output_format(params, output_format)
        body = {**params, **(extra_body or {})}
        return await self._client.request(
            "POST",
            "/v1/messages/count_tokens",
            cast_to=MessageTokensCount,
            body=body,
            extra_headers=extra_headers,
            extra_query=extra_query,
            timeout=timeout,
            max_retries=max_retries,
        )

    @overload
    async def parse(
        self,
        *,
        output_format: type[_T],
        extra_headers: Mapping[str, str] | None = ...,
        extra_query: Mapping[str, str] | None = ...,
        extra_body: Mapping[str, Any] | None = ...,
        timeout: Timeout | float | None = ...,
        max_retries: int | None = ...,
        **params: Any,
    ) -> ParsedMessage[_T]: ...

    @overload
    async def parse(
        self,
        *,
        output_format: Mapping[str, Any] | None = ...,
        extra_headers: Mapping[str, str] | None = ...,
        extra_query: Mapping[str, str] | None = ...,
        extra_body: Mapping[str, Any] | None = ...,
        timeout: Timeout | float | None = ...,
        max_retries: int | None = ...,
        **params: Any,
    ) -> ParsedMessage[Any]: ...

    async def parse(
        self,
        *,
        output_format: Any = None,
        extra_headers: Mapping[str, str] | None = None,
        extra_query: Mapping[str, str] | None = None,
        extra_body: Mapping[str, Any] | None = None,
        timeout: Timeout | float | None = None,
        max_retries: int | None = None,
        **params: Any,
    ) -> ParsedMessage[Any]:
        """Create a message whose reply follows ``output_format`` and decode it.

        ``output_format``: a type msgspec decodes (a ``msgspec.Struct`` ...) or a JSON schema
        dict (or give the schema as ``output_config={"format": {"type": "json_schema", ...}}``).
        Returns a ``ParsedMessage``: the message, with ``parsed_output`` decoded and validated
        by msgspec. Raises ``StructuredOutputError`` if the reply does not match.
        """
        params.pop("stream", None)
        params, fmt = apply_output_format(params, output_format)
        message = await self._create_message(
            extra_headers=extra_headers,
            extra_query=extra_query,
            extra_body=extra_body,
            timeout=timeout,
            max_retries=max_retries,
            **params,
        )
        return parse_message(message, fmt)
