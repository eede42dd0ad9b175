"""The websocket handshake's guards, before the upgrade and before any API request.

Order: ``Origin`` (403), ``authenticate`` (401), the connection limits (429). See
docs/relay.md for the threat model.
"""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable, Hashable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol, TypeAlias

from aiohttp import web
from yarl import URL

from ._stats import RelayStats

__all__ = ["RELAY_PRINCIPAL", "Admissions", "Authenticate", "admit", "parse_allowed_origins"]

#: ``authenticate(request)``: a principal (hashable), or None to refuse; sync or async.
Authenticate: TypeAlias = Callable[[web.Request], "Awaitable[Hashable | None] | Hashable | None"]

if TYPE_CHECKING or hasattr(web, "RequestKey"):
    #: ``request[RELAY_PRINCIPAL]``: who opened the websocket (what ``authenticate`` returned,
    #: else the peer's IP address); set before the upgrade.
    RELAY_PRINCIPAL: web.RequestKey[Hashable] = web.RequestKey("aclaude_relay_principal")
else:  # older aiohttp has no RequestKey: a plain string key
    RELAY_PRINCIPAL = "aclaude_relay_principal"


class _GuardConfig(Protocol):
    @property
    def allowed_origins(self) -> frozenset[tuple[str, str, int | None]] | None: ...
    @property
    def authenticate(self) -> Authenticate | None: ...
    @property
    def max_connections(self) -> int: ...
    @property
    def max_streams_per_principal(self) -> int: ...


@dataclass
class Admissions:
    """Websockets admitted and not yet finished (handshakes in progress included)."""

    total: int = 0
    by_principal: dict[Hashable, int] = field(default_factory=dict)

    def admit(self, principal: Hashable) -> None:
        self.total += 1
        self.by_principal[principal] = self.by_principal.get(principal, 0) + 1

    def release(self, principal: Hashable) -> None:
        self.total -= 1
        left = self.by_principal[principal] - 1
        if left:
            self.by_principal[principal] = left
        else:
            del self.by_principal[principal]


def parse_allowed_origins(allowed_origins: Iterable[str]) -> frozenset[tuple[str, str, int | None]] | None:
    """Normalized extra origins (scheme, host, port); None: any origin (``"*"``)."""
    origins = [allowed_origins] if isinstance(allowed_origins, str) else list(allowed_origins)
    if "*" in origins:
        return None
    parsed = [_origin(o) for o in origins]
    bad = [o for o, key in zip(origins, parsed, strict=True) if key is None]
    if bad:
        raise ValueError(f"allowed_origins: not an origin (scheme://host[:port]): {bad!r}")
    return frozenset(key for key in parsed if key is not None)


def _origin(value: str) -> tuple[str, str, int | None] | None:
    """``scheme://host[:port]`` as (scheme, lowercase host, port with the scheme's default),
    or None if ``value`` is not such an origin (``null``, a path, a userinfo ...)."""
    try:
        url = URL(value.strip())
    except ValueError:
        return None
    if (
        url.scheme.lower() not in ("http", "https")
        or not url.host
        or url.path not in ("", "/")
        or url.user is not None
        or url.query_string
        or url.fragment
    ):
        return None
    return url.scheme.lower(), url.host.lower(), url.port


def _origin_allowed(request: web.Request, allowed: frozenset[tuple[str, str, int | None]] | None) -> bool:
    header = request.headers.get("Origin")
    if header is None or allowed is None:
        return True  # not a browser (see docs/relay.md), or any origin is allowed
    origin = _origin(header)
    if origin is None:
        return False
    # The relay's own origin: the scheme of the connection itself and the Host header (never
    # X-Forwarded-*; a trusted proxy can set them with request.clone() in a middleware).
    return origin == _origin(f"{request.scheme}://{request.host}") or origin in allowed


async def _principal(request: web.Request, authenticate: Authenticate | None) -> Hashable | None:
    if authenticate is None:
        return request.remote or ""
    result: Any = authenticate(request)
    if inspect.isawaitable(result):
        result = await result
    return result  # type: ignore[no-any-return]


async def admit(
    request: web.Request, config: _GuardConfig, admissions: Admissions, stats: RelayStats
) -> Hashable:
    """The handshake's principal, counted in ``admissions`` (release it when the socket ends);
    raises 403, 401 or 429."""
    if not _origin_allowed(request, config.allowed_origins):
        stats.refused_origin += 1
        raise web.HTTPForbidden(text="origin not allowed")
    principal = await _principal(request, config.authenticate)
    if principal is None:
        stats.refused_unauthenticated += 1
        raise web.HTTPUnauthorized(text="not authenticated")
    request[RELAY_PRINCIPAL] = principal
    # Checked and counted with no await in between: concurrent handshakes cannot overshoot.
    if (
        admissions.total >= config.max_connections
        or admissions.by_principal.get(principal, 0) >= config.max_streams_per_principal
    ):
        stats.refused_limit += 1
        raise web.HTTPTooManyRequests(text="too many connections")
    admissions.admit(principal)
    return principal
