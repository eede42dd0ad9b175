"""``client.models`` (and ``client.beta.models``): list the models and retrieve one."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from .._http.pagination import AsyncPaginator
from .._http.raw_response import to_raw_response
from ..types._model_info import ModelInfo
from ._base import (
    BetaAwareResource,
    cursor_params,
    list_endpoint,
    path_id,
    with_query,
)
from ._options import RequestOptions

if TYPE_CHECKING:
    from typing_extensions import Unpack

    from ._streaming_twins import ModelsWithStreamingResponse

__all__ = ["Models", "ModelsWithRawResponse"]


class Models(BetaAwareResource):
    """The Models API: ``list()`` (newest first, paginated) and ``retrieve(model_id)``, which
    also resolves an alias (``claude-sonnet-4-5``) to a model id."""

    @property
    def with_streaming_response(self) -> ModelsWithStreamingResponse:
        """The same methods, each an ``async with`` giving the response as soon as its headers
        arrive, then its body as it arrives (``iter_bytes()`` ...) or ``parse()``."""
        from ._streaming_twins import ModelsWithStreamingResponse

        return ModelsWithStreamingResponse(self)

    @property
    def with_raw_response(self) -> ModelsWithRawResponse:
        """The same methods, returning a ``RawResponse`` (status, headers, request id)."""
        return ModelsWithRawResponse(self)

    async def retrieve(
        self,
        model_id: str,
        *,
        betas: Iterable[str] | None = None,
        workspace_id: str | None = None,
        **options: Unpack[RequestOptions],
    ) -> ModelInfo:
        """One model by id or alias (``NotFoundError`` if there is none)."""
        return await self._client.request(
            "GET",
            f"/v1/models/{path_id('model_id', model_id)}",
            cast_to=ModelInfo,
            **self._options(options, betas, workspace_id),
        )

    def list(
        self,
        *,
        after_id: str | None = None,
        before_id: str | None = None,
        limit: int | None = None,
        lifecycle: Iterable[str] | None = None,
        betas: Iterable[str] | None = None,
        workspace_id: str | None = None,
        **options: Unpack[RequestOptions],
    ) -> AsyncPaginator[ModelInfo]:
        """Models, most recent first: ``await`` for the first page, ``async for`` for all.

        ``lifecycle`` filters by stage (``["active", "deprecated", "retired"]``).
        """
        path = with_query("/v1/models", {"lifecycle": list(lifecycle) if lifecycle is not None else None})
        return list_endpoint(
            self._client,
            path,
            ModelInfo,
            cursor_params(after_id=after_id, before_id=before_id, limit=limit),
            headers=self._headers(options.get("extra_headers"), betas, workspace_id),
            options=options,
        )


class ModelsWithRawResponse:
    """``client.models.with_raw_response``."""

    def __init__(self, models: Models) -> None:
        self.retrieve = to_raw_response(models.retrieve)
        self.list = to_raw_response(models.list)
