"""``GET /v1/models`` and ``GET /v1/models/{model_id}``: a small, realistic model catalogue.

Bodies carry every field the official SDK's ``ModelInfo`` knows (capabilities included), newest
first, paginated like the real API; ``retrieve`` resolves aliases (``claude-sonnet-4-5`` ->
the dated id) and answers an unknown id with the API's 404.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from aiohttp import web

from ._message import DEFAULT_MODEL
from ._respond import Context, json_error, json_response, page_response

__all__ = ["MODELS", "list_models", "retrieve_model"]


def _support(value: bool) -> dict[str, bool]:
    return {"supported": value}


def _capabilities(*, thinking: bool, effort: bool, structured: bool, modern: bool) -> dict[str, Any]:
    return {
        "batch": _support(True),
        "citations": _support(True),
        "code_execution": _support(modern),
        "context_management": {
            "supported": modern,
            "clear_thinking_20251015": _support(modern),
            "clear_tool_uses_20250919": _support(modern),
            "compact_20260112": _support(False),
        },
        "effort": {
            "supported": effort,
            "low": _support(effort),
            "medium": _support(effort),
            "high": _support(effort),
            "max": _support(effort),
        },
        "image_input": _support(True),
        "pdf_input": _support(True),
        "server_tools": {
            "supported": modern,
            "code_execution": _support(modern),
            "web_search": _support(modern),
        },
        "structured_outputs": _support(structured),
        "thinking": {
            "supported": thinking,
            "types": {
                "adaptive": _support(effort),
                "between_tools": _support(False),
                "disabled": _support(True),
                "enabled": _support(thinking),
            },
        },
    }


def _model(
    model_id: str,
    name: str,
    created: str,
    line: str,
    *,
    lifecycle: str = "active",
    max_tokens: int = 64000,
    thinking: bool = True,
    effort: bool = False,
    structured: bool = True,
    modern: bool = True,
    deprecated_at: str | None = None,
    retires_at: str | None = None,
) -> dict[str, Any]:
    return {
        "type": "model",
        "id": model_id,
        "display_name": name,
        "created_at": created,
        "lifecycle": lifecycle,
        "line": line,
        "capabilities": _capabilities(thinking=thinking, effort=effort, structured=structured, modern=modern),
        "max_input_tokens": 200000,
        "max_tokens": max_tokens,
        "deprecated_at": deprecated_at,
        "retires_at": retires_at,
    }


def _legacy(
    model_id: str,
    name: str,
    created: str,
    line: str,
    retirement: tuple[str, str, str],
    *,
    max_tokens: int = 64000,
    thinking: bool = True,
) -> dict[str, Any]:
    """A Claude 3 model: no structured outputs nor the newer tools; ``retirement`` is its
    ``(lifecycle, deprecated_at, retires_at)``."""
    lifecycle, deprecated_at, retires_at = retirement
    return _model(
        model_id,
        name,
        created,
        line,
        lifecycle=lifecycle,
        max_tokens=max_tokens,
        thinking=thinking,
        structured=False,
        modern=False,
        deprecated_at=deprecated_at,
        retires_at=retires_at,
    )


# Sonnet 3.7 and Haiku 3.5 were deprecated together.
_RETIRING_2026 = ("deprecated", "2025-10-28T00:00:00Z", "2026-02-19T00:00:00Z")

#: The catalogue, newest first (the order ``list`` returns).
MODELS: list[dict[str, Any]] = [
    _model(
        "claude-opus-4-6", "Claude Opus 4.6", "2026-02-05T00:00:00Z", "opus", max_tokens=128000, effort=True
    ),
    _model(DEFAULT_MODEL, "Claude Sonnet 4.6", "2026-01-20T00:00:00Z", "sonnet", effort=True),
    _model("claude-opus-4-5-20251101", "Claude Opus 4.5", "2025-11-24T00:00:00Z", "opus", effort=True),
    _model("claude-haiku-4-5-20251001", "Claude Haiku 4.5", "2025-10-15T00:00:00Z", "haiku"),
    _model("claude-sonnet-4-5-20250929", "Claude Sonnet 4.5", "2025-09-29T00:00:00Z", "sonnet"),
    _model("claude-opus-4-1-20250805", "Claude Opus 4.1", "2025-08-05T00:00:00Z", "opus", max_tokens=32000),
    _model("claude-opus-4-20250514", "Claude Opus 4", "2025-05-22T00:00:00Z", "opus", max_tokens=32000),
    _model("claude-sonnet-4-20250514", "Claude Sonnet 4", "2025-05-22T00:00:00Z", "sonnet"),
    _legacy(
        "claude-3-7-sonnet-20250219", "Claude Sonnet 3.7", "2025-02-24T00:00:00Z", "sonnet", _RETIRING_2026
    ),
    _legacy(
        "claude-3-5-haiku-20241022",
        "Claude Haiku 3.5",
        "2024-10-22T00:00:00Z",
        "haiku",
        _RETIRING_2026,
        max_tokens=8192,
        thinking=False,
    ),
    _legacy(
        "claude-3-haiku-20240307",
        "Claude Haiku 3",
        "2024-03-07T00:00:00Z",
        "haiku",
        ("retired", "2025-04-14T00:00:00Z", "2025-10-14T00:00:00Z"),
        max_tokens=4096,
        thinking=False,
    ),
]

#: Aliases the API resolves to a dated model id.
ALIASES: dict[str, str] = {
    "claude-opus-4-5": "claude-opus-4-5-20251101",
    "claude-haiku-4-5": "claude-haiku-4-5-20251001",
    "claude-sonnet-4-5": "claude-sonnet-4-5-20250929",
    "claude-opus-4-1": "claude-opus-4-1-20250805",
    "claude-opus-4-0": "claude-opus-4-20250514",
    "claude-sonnet-4-0": "claude-sonnet-4-20250514",
    "claude-3-7-sonnet-latest": "claude-3-7-sonnet-20250219",
    "claude-3-5-haiku-latest": "claude-3-5-haiku-20241022",
}
_BY_ID = {m["id"]: m for m in MODELS}


async def list_models(ctx: Context, params: Mapping[str, str]) -> web.StreamResponse:
    lifecycles = ctx.request.query.getall("lifecycle[]", []) or ctx.request.query.getall("lifecycle", [])
    items = [m for m in MODELS if not lifecycles or m["lifecycle"] in lifecycles]
    return page_response(ctx, items)


async def retrieve_model(ctx: Context, params: Mapping[str, str]) -> web.StreamResponse:
    model_id = params["model_id"]
    model = _BY_ID.get(ALIASES.get(model_id, model_id))
    if model is None:
        return json_error(ctx, 404, "not_found_error", f"model: {model_id}")
    return json_response(ctx, model)
