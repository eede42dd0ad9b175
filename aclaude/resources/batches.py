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
from .._http.transport import Response
from ..streaming._batch_results import BatchResults
from ..types._batches import DeletedMessageBatch, MessageBatch
from ..types.params import MessageBatchRequestParam
from ._base import BetaAwareResource, IdPageParams, ResourceOptions, open_with_retries, path_id
from ._twins import RawTwin, StreamingTwin, Twin, json_method, page_method, raw_only

if TYPE_CHECKING:
    from typing_extensions import Unpack

__all__ = ["Batches", "BatchesWithRawResponse", "BatchesWithStreamingResponse"]

_PATH = "/v1/messages/batches"
_log = logging.getLogger("aclaude")


def _batch_path(message_batch_id: str) -> str:
    return f"{_PATH}/{path_id('message_batch_id', message_batch_id)}"


class Batches(BetaAwareResource["BatchesWithRawResponse", "BatchesWithStreamingResponse"]):
    """Message Batches: ``create``, ``retrieve``, ``list``, ``cancel``, ``delete``, ``results``.

    Every method takes the official SDK's per-call options: ``betas``, ``workspace_id``,
    and ``RequestOptions`` (``extra_headers``, ``extra_query``, ``extra_body``, ``timeout``,
    ``max_retries``).
    """

    async def create(
        self,
        *,
        requests: Iterable[MessageBatchRequestParam],
        user_profile_id: str | None = None,
        **options: Unpack[ResourceOptions],
    ) -> MessageBatch:
        """Send a batch: ``requests`` is a list of ``{"custom_id": ..., "params": {...}}`` where
        ``params`` are the keyword arguments of ``messages.create()`` (without ``stream``)."""
        call_options = self._options(options, anthropic_user_profile_id=user_profile_id)
        body = {"requests": list(requests)}
        return await self._client.request("POST", _PATH, cast_to=MessageBatch, body=body, **call_options)

    async def retrieve(self, message_batch_id: str, **options: Unpack[ResourceOptions]) -> MessageBatch:
        """The batch's current state (poll this until ``processing_status == "ended"``)."""
        return await self._call("GET", _batch_path(message_batch_id), MessageBatch, options)

    def list(self, **params: Unpack[IdPageParams]) -> AsyncPaginator[MessageBatch]:
        """Batches of the workspace, most recent first: ``await`` for the first page,
        ``async for`` for all of them."""
        return self._list(_PATH, MessageBatch, params)

    async def cancel(self, message_batch_id: str, **options: Unpack[ResourceOptions]) -> MessageBatch:
        """Start cancelling a batch that is still processing (it goes to ``canceling``)."""
        return await self._call("POST", f"{_batch_path(message_batch_id)}/cancel", MessageBatch, options)

    async def delete(self, message_batch_id: str, **options: Unpack[ResourceOptions]) -> DeletedMessageBatch:
        """Delete a batch that has ended (cancel it first if it is still processing)."""
        return await self._call("DELETE", _batch_path(message_batch_id), DeletedMessageBatch, options)

    def results(
        self,
        message_batch_id: str,
        *,
        max_line_bytes: int = DEFAULT_MAX_LINE_BYTES,
        **options: Unpack[ResourceOptions],
    ) -> BatchResults:
        """The results of an ended batch, streamed: ``async for result in ...results(id)``.

        Each item is a ``MessageBatchIndividualResponse`` (``custom_id``, ``result`` of type
        succeeded / errored / canceled / expired). The file is decoded line by line as it
        arrives, in bounded memory whatever its size. Raises ``APIError`` if the batch has not
        ended yet, ``NotFoundError`` for an unknown id, and ``JSONLDecodeError`` (naming the
        line) for a malformed line, after every earlier result has been handed out.
        """
        batch_id = path_id("message_batch_id", message_batch_id)
        download_options = self._options(options, accept="application/binary")
        # The batch is looked up with the same headers and limits (not the query or body).
        lookup = options.copy()
        lookup.pop("extra_query", None)
        lookup.pop("extra_body", None)

        async def opener(*, retry_count: int = 0) -> Response:
            batch = await self.retrieve(message_batch_id, **lookup)
            if not batch.results_url:
                raise APIError(
                    f"batch {message_batch_id} has no results yet (processing_status: "
                    f"{batch.processing_status}); results are available once it has ended"
                )
            path = self._results_path(batch.results_url, batch_id)
            return await open_with_retries(self._client, "GET", path, download_options)

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


class _BatchesTwin(Twin):
    create = json_method(Batches.create, MessageBatch)
    retrieve = json_method(Batches.retrieve, MessageBatch)
    list = page_method(Batches.list, MessageBatch)
    cancel = json_method(Batches.cancel, MessageBatch)
    delete = json_method(Batches.delete, DeletedMessageBatch)
    results = raw_only(Batches.results)  # already streamed


class BatchesWithRawResponse(_BatchesTwin, RawTwin, of=Batches):
    """``client.messages.batches.with_raw_response``."""


class BatchesWithStreamingResponse(_BatchesTwin, StreamingTwin, of=Batches):
    """``client.messages.batches.with_streaming_response`` (``results()`` is already streamed)."""
