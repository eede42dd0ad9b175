"""``client.messages.batches`` (and ``client.beta.messages.batches``): the Message Batches API.

Create a batch of up to 100,000 Messages requests, poll it, list, cancel and delete batches,
and stream its results file (``results()``), decoded line by line as it downloads.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import TYPE_CHECKING

from .._decoders.jsonl import DEFAULT_MAX_LINE_BYTES
from .._exceptions import APIError
from .._http.pagination import AsyncPaginator
from .._http.raw_response import to_raw_response
from .._http.transport import Response
from ..streaming._batch_results import BatchResults
from ..types._batches import DeletedMessageBatch, MessageBatch
from ..types.params import MessageBatchRequestParam
from ._base import (
    BetaAwareResource,
    cursor_params,
    list_endpoint,
    merge_headers,
    open_with_retries,
    path_id,
)
from ._options import RequestOptions, check_options

if TYPE_CHECKING:
    from typing_extensions import Unpack

    from ._streaming_twins import BatchesWithStreamingResponse

__all__ = ["Batches", "BatchesWithRawResponse"]

_PATH = "/v1/messages/batches"
_log = logging.getLogger("aclaude")


class Batches(BetaAwareResource):
    """Message Batches: ``create``, ``retrieve``, ``list``, ``cancel``, ``delete``, ``results``.

    Every method takes the official SDK's per-call options: ``betas``, ``workspace_id``,
    and ``RequestOptions`` (``extra_headers``, ``extra_query``, ``extra_body``, ``timeout``,
    ``max_retries``).
    """

    @property
    def with_streaming_response(self) -> BatchesWithStreamingResponse:
        """The same methods, each an ``async with`` giving the response as soon as its headers
        arrive, then its body as it arrives (``iter_bytes()`` ...) or ``parse()``."""
        from ._streaming_twins import BatchesWithStreamingResponse

        return BatchesWithStreamingResponse(self)

    @property
    def with_raw_response(self) -> BatchesWithRawResponse:
        """The same methods, returning a ``RawResponse`` (status, headers, request id)."""
        return BatchesWithRawResponse(self)

    async def create(
        self,
        *,
        requests: Iterable[MessageBatchRequestParam],
        betas: Iterable[str] | None = None,
        workspace_id: str | None = None,
        user_profile_id: str | None = None,
        **options: Unpack[RequestOptions],
    ) -> MessageBatch:
        """Send a batch: ``requests`` is a list of ``{"custom_id": ..., "params": {...}}`` where
        ``params`` are the keyword arguments of ``messages.create()`` (without ``stream``)."""
        check_options(options)
        call_options = options.copy()
        call_options["extra_headers"] = merge_headers(
            options.get("extra_headers"),
            betas=betas,
            default_betas=self._default_betas,
            workspace_id=workspace_id,
            anthropic_user_profile_id=user_profile_id,
        )
        return await self._client.request(
            "POST", _PATH, cast_to=MessageBatch, body={"requests": list(requests)}, **call_options
        )

    async def retrieve(
        self,
        message_batch_id: str,
        *,
        betas: Iterable[str] | None = None,
        workspace_id: str | None = None,
        **options: Unpack[RequestOptions],
    ) -> MessageBatch:
        """The batch's current state (poll this until ``processing_status == "ended"``)."""
        return await self._client.request(
            "GET",
            f"{_PATH}/{path_id('message_batch_id', message_batch_id)}",
            cast_to=MessageBatch,
            **self._options(options, betas, workspace_id),
        )

    def list(
        self,
        *,
        after_id: str | None = None,
        before_id: str | None = None,
        limit: int | None = None,
        betas: Iterable[str] | None = None,
        workspace_id: str | None = None,
        **options: Unpack[RequestOptions],
    ) -> AsyncPaginator[MessageBatch]:
        """Batches of the workspace, most recent first: ``await`` for the first page,
        ``async for`` for all of them."""
        return list_endpoint(
            self._client,
            _PATH,
            MessageBatch,
            cursor_params(after_id=after_id, before_id=before_id, limit=limit),
            headers=self._headers(options.get("extra_headers"), betas, workspace_id),
            options=options,
        )

    async def cancel(
        self,
        message_batch_id: str,
        *,
        betas: Iterable[str] | None = None,
        workspace_id: str | None = None,
        **options: Unpack[RequestOptions],
    ) -> MessageBatch:
        """Start cancelling a batch that is still processing (it goes to ``canceling``)."""
        return await self._client.request(
            "POST",
            f"{_PATH}/{path_id('message_batch_id', message_batch_id)}/cancel",
            cast_to=MessageBatch,
            **self._options(options, betas, workspace_id),
        )

    async def delete(
        self,
        message_batch_id: str,
        *,
        betas: Iterable[str] | None = None,
        workspace_id: str | None = None,
        **options: Unpack[RequestOptions],
    ) -> DeletedMessageBatch:
        """Delete a batch that has ended (cancel it first if it is still processing)."""
        return await self._client.request(
            "DELETE",
            f"{_PATH}/{path_id('message_batch_id', message_batch_id)}",
            cast_to=DeletedMessageBatch,
            **self._options(options, betas, workspace_id),
        )

    def results(
        self,
        message_batch_id: str,
        *,
        betas: Iterable[str] | None = None,
        workspace_id: str | None = None,
        max_line_bytes: int = DEFAULT_MAX_LINE_BYTES,
        **options: Unpack[RequestOptions],
    ) -> BatchResults:
        """The results of an ended batch, streamed: ``async for result in ...results(id)``.

        Each item is a ``MessageBatchIndividualResponse`` (``custom_id``, ``result`` of type
        succeeded / errored / canceled / expired). The file is decoded line by line as it
        arrives, in bounded memory whatever its size. Raises ``APIError`` if the batch has not
        ended yet, ``NotFoundError`` for an unknown id, and ``JSONLDecodeError`` (naming the
        line) for a malformed line, after every earlier result has been handed out.
        """
        batch_id = path_id("message_batch_id", message_batch_id)
        headers = self._headers(options.get("extra_headers"), betas, workspace_id)

        async def opener(*, retry_count: int = 0) -> Response:
            batch = await self.retrieve(
                message_batch_id,
                betas=betas,
                workspace_id=workspace_id,
                extra_headers=options.get("extra_headers"),
                timeout=options.get("timeout"),
                max_retries=options.get("max_retries"),
            )
            if not batch.results_url:
                raise APIError(
                    f"batch {message_batch_id} has no results yet (processing_status: "
                    f"{batch.processing_status}); results are available once it has ended"
                )
            path = self._results_path(batch.results_url, batch_id)
            download_headers = {"accept": "application/binary", **(headers or {})}
            return await open_with_retries(
                self._client, "GET", path, headers=download_headers, options=options
            )

        return BatchResults(opener, max_line_bytes=max_line_bytes)

    def _results_path(self, results_url: str, batch_id: str) -> str:
        """The path to request for ``results_url``, always on this client's base URL.

        The API gives an absolute URL on its own host. It is followed only below the client's
        base URL: anywhere else (another host, a proxy's upstream) would receive the API key,
        so the documented path is requested from the base URL instead.
        """
        base = self._client.base_url
        if results_url.startswith(base + "/"):
            return results_url[len(base) :]
        if results_url.startswith("/"):
            return results_url
        _log.debug("results_url is not below the base URL; using the documented results path")
        return f"{_PATH}/{batch_id}/results"


class BatchesWithRawResponse:
    """``client.messages.batches.with_raw_response``."""

    def __init__(self, batches: Batches) -> None:
        self.create = to_raw_response(batches.create)
        self.retrieve = to_raw_response(batches.retrieve)
        self.list = to_raw_response(batches.list)
        self.cancel = to_raw_response(batches.cancel)
        self.delete = to_raw_response(batches.delete)
        self.results = to_raw_response(batches.results)
