"""``RequestOptions``: the per-call options every method takes, said once.

Methods take them as ``**options: Unpack[RequestOptions]`` (a type checker then checks each
keyword), and pass the mapping on unchanged to ``APIClient.request`` / ``event_stream``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypedDict

from .._http.headers_query import HeaderValues, QueryValues
from .._http.transport import Timeout

__all__ = ["OPTION_KEYS", "RequestOptions", "check_options"]


class RequestOptions(TypedDict, total=False):
    """Per-call options, as in the official SDK.

    ``extra_headers`` are sent last (they win over the headers a method sets), ``extra_query``
    is added to the query string, ``extra_body`` is merged into the JSON body (fields newer than
    this library; not sent with GET requests, as the SDK), ``timeout`` and ``max_retries``
    replace the client's for this call. A ``None`` (or ``Omit()``) header value removes that
    header, the client's own included; query values are encoded as the SDK does (``true``/
    ``false``, lists as ``key[]=a&key[]=b``, ``None`` left out).
    """

    extra_headers: HeaderValues | None
    extra_query: QueryValues | None
    extra_body: Mapping[str, Any] | None
    timeout: Timeout | float | None
    max_retries: int | None


#: The option names, to tell them apart from a method's own keyword arguments at run time.
OPTION_KEYS: frozenset[str] = frozenset(RequestOptions.__optional_keys__)


def check_options(options: Mapping[str, Any]) -> None:
    """Raise ``TypeError`` for a keyword that is not an option (``**options`` takes any name at
    run time; a type checker already refuses them)."""
    if not OPTION_KEYS.issuperset(options):
        unknown = sorted(set(options) - OPTION_KEYS)[0]
        raise TypeError(f"got an unexpected keyword argument {unknown!r}")
