"""``client.models`` (and ``client.beta.models``): list the models and retrieve one."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from .._http.pagination import AsyncPaginator
from ..types._model_info import ModelInfo
from ._base import BetaAwareResource, IdPageParams, ResourceOptions, path_id, with_query
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
        lifecycle: Iterable[str] | None = None,
        **params: Unpack[IdPageParams],
    ) -> AsyncPaginator[ModelInfo]:
        """Models, most recent first: ``await`` for the first page, ``async for`` for all.

        ``lifecycle`` filters by stage (``["active", "deprecated", "retired"]``).
        """
        path = with_query("/v1/models", {"lifecycle": list(lifecycle) if lifecycle is not None else None})
        return self._list(path, ModelInfo, params)


class _ModelsTwin(Twin):
    retrieve = json_method(Models.retrieve, ModelInfo)
    list = page_method(Models.list, ModelInfo)


class ModelsWithRawResponse(_ModelsTwin, RawTwin, of=Models):
    """``client.models.with_raw_response``."""


class ModelsWithStreamingResponse(_ModelsTwin, StreamingTwin, of=Models):
    """``client.models.with_streaming_response``."""
