"""``client.models`` (and ``client.beta.models``): list the models and retrieve one."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from .._http.pagination import AsyncPaginator
from ..types._model_info import ModelInfo
from ._base import BetaAwareResource, ResourceOptions, cursor_params, list_endpoint, path_id, with_query
from ._twins import RawTwin, StreamingTwin, Twin, json_method, page_method

if TYPE_CHECKING:
    from typing_extensions import Unpack

__all__ = ["Models", "ModelsWithRawResponse", "ModelsWithStreamingResponse"]


class Models(BetaAwareResource["ModelsWithRawResponse", "ModelsWithStreamingResponse"]):
    """The Models API: ``list()`` (newest first, paginated) and ``retrieve(model_id)``, which
    also resolves an alias (``claude-sonnet-4-5``) to a model id."""

    async def retrieve(self, model_id: str, **options: Unpack[ResourceOptions]) -> ModelInfo:
        """One model by id or alias (``NotFoundError`` if there is none)."""
        return await self._call("GET", f"/v1/models/{path_id('model_id', model_id)}", ModelInfo, options)

    def list(
        self,
        *,
        after_id: str | None = None,
        before_id: str | None = None,
        limit: int | None = None,
        lifecycle: Iterable[str] | None = None,
        **options: Unpack[ResourceOptions],
    ) -> AsyncPaginator[ModelInfo]:
        """Models, most recent first: ``await`` for the first page, ``async for`` for all.

        ``lifecycle`` filters by stage (``["active", "deprecated", "retired"]``).
        """
        path = with_query("/v1/models", {"lifecycle": list(lifecycle) if lifecycle is not None else None})
        cursors = cursor_params(after_id=after_id, before_id=before_id, limit=limit)
        return list_endpoint(self._client, path, ModelInfo, cursors, self._options(options))


class _ModelsTwin(Twin):
    retrieve = json_method(Models.retrieve, ModelInfo)
    list = page_method(Models.list, ModelInfo)


class ModelsWithRawResponse(_ModelsTwin, RawTwin, of=Models):
    """``client.models.with_raw_response``."""


class ModelsWithStreamingResponse(_ModelsTwin, StreamingTwin, of=Models):
    """``client.models.with_streaming_response``."""
