"""The keyword arguments of one method, read from its TypedDict: checked by name when called,
split into JSON body, headers and per-call options, and listed by ``help()``.

Why not a plain signature with thirty keywords: the same parameters are taken by ``create``,
``stream``, ``parse``, ``tool_runner`` and their beta twins, each with two or three overloads.
Said once as a TypedDict (``**params: Unpack[MessageCreateKwargs]``), a type checker checks
every keyword against it (a typo or a missing ``model`` is an error), and at run time
``CallParams.split`` does what a signature would do: an unknown keyword or a missing required
one raises ``TypeError`` before anything is sent. The check is two set comparisons on the
keyword names; nested values are never inspected (the API validates them), so a call costs
what it cost with ``**params: Any``. The keywords left are the JSON body as they are.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any, TypeVar

from ._base import merge_headers
from ._options import OPTION_KEYS, RequestOptions
from ._signatures import annotation_text, document_kwargs

__all__ = ["CallParams"]

_F = TypeVar("_F", bound=Callable[..., Any])

#: Parameters sent as headers, not in the body (as the official SDK sends them).
HEADER_PARAMS: Mapping[str, str] = {
    "workspace_id": "anthropic-workspace-id",
    "user_profile_id": "anthropic-user-profile-id",
}


class CallParams:
    """The keywords ``method`` takes: those of ``kwargs_type`` (a TypedDict).

    ``betas`` (if the TypedDict has it) becomes the ``anthropic-beta`` header, with
    ``default_betas`` added; ``workspace_id`` / ``user_profile_id`` become their headers; the
    ``RequestOptions`` keys are returned apart; the rest is the body.
    """

    __slots__ = ("_always_split", "_default_betas", "_non_body", "allowed", "kwargs_type", "name", "required")

    def __init__(self, name: str, kwargs_type: type, *, default_betas: Sequence[str] = ()) -> None:
        annotations: dict[str, Any] = dict(kwargs_type.__annotations__)
        self.name = name
        self.kwargs_type = kwargs_type
        self.allowed = frozenset(annotations)
        # Required[...] is known to the type checker only (see types/params/_blocks.py), so the
        # required keys are read from the annotation text.
        self.required = frozenset(
            k for k, v in annotations.items() if annotation_text(v).startswith("Required[")
        )
        self._non_body = self.allowed & (OPTION_KEYS | HEADER_PARAMS.keys() | {"betas"})
        self._default_betas = tuple(default_betas)
        self._always_split = bool(default_betas)

    def split(self, params: dict[str, Any]) -> tuple[dict[str, Any], RequestOptions]:
        """``params`` (a fresh ``**kwargs`` dict, used as the body) checked by name, with the
        options and header parameters taken out: ``(body, options)``, the header parameters
        merged into ``options["extra_headers"]`` (``extra_headers`` given by the caller win)."""
        keys = params.keys()
        if not (keys <= self.allowed and self.required <= keys):
            raise self._type_error(keys)
        if not self._always_split and self._non_body.isdisjoint(keys):
            return params, {}
        options: dict[str, Any] = {name: params.pop(name) for name in self._non_body.intersection(keys)}
        betas = options.pop("betas", None)
        headers = {HEADER_PARAMS[n]: options.pop(n) for n in HEADER_PARAMS if n in options}
        if betas is not None or headers or self._default_betas:
            options["extra_headers"] = merge_headers(
                options.get("extra_headers"), betas=betas, default_betas=self._default_betas, **headers
            )
        return params, options  # type: ignore[return-value]

    def _type_error(self, keys: Iterable[str]) -> TypeError:
        unknown = sorted(set(keys) - self.allowed)
        if unknown:
            name = unknown[0]
            message = f"{self.name}() got an unexpected keyword argument {name!r}"
            import difflib  # only on this error path: not worth its import time otherwise

            close = difflib.get_close_matches(name, self.allowed, n=1)
            if close:
                message += f"; did you mean {close[0]!r}?"
            else:
                message += " (a field newer than aclaude goes in extra_body={...})"
            return TypeError(message)
        missing = sorted(self.required - set(keys))
        plural = "s" if len(missing) > 1 else ""
        names = ", ".join(repr(m) for m in missing)
        return TypeError(
            f"{self.name}() missing {len(missing)} required keyword-only argument{plural}: {names}"
        )

    def document(self, func: _F) -> _F:
        """Give ``func`` (whose signature ends in ``**params``) a ``__signature__`` listing each
        keyword of the TypedDict, so that ``help()`` and ``inspect.signature`` show them."""
        return document_kwargs(func, self.kwargs_type, self.required)
