"""Sharing replies and conversations between relay processes: the Redis store.

Without a store (the default) everything lives in the relay's memory: a browser that
reconnects must reach the same process. With ``RedisStore`` (``pip install aclaude[redis]``)
every reply's events are also appended to a Redis Stream, so that a reconnect landing on
another process (behind a load balancer) is served from Redis while the upstream stream keeps
running, once, on the process that opened it; conversations are kept there too.

Keys (``prefix`` defaults to ``aclaude:relay:``), each with a time to live:

* ``{prefix}s:{stream}``: a Redis Stream; entry id ``<seq>-0`` (so ``XRANGE`` from
  ``(<after>-0`` is a resume), field ``d``: the event's bytes as received; the last entry,
  ``<last seq>-1``, has field ``end``.
* ``{prefix}m:{stream}``: the principal who may resume it.
* ``{prefix}a:{stream}``: set while a browser is attached to it on some node (refreshed), so
  the owning node does not cancel a reply someone is reading elsewhere.
* ``{prefix}x:{stream}``: a browser on another node asked to stop it (the owning node reads
  it in the pipeline of its next append: no extra round trip).
* ``{prefix}c:{conversation}``: a conversation's principal and history (JSON).

Redis down: every call falls back (nothing mirrored, resumes local only, histories local),
logged once per outage; the store tries again after ``retry_after`` seconds. Traffic never
waits on a dead Redis beyond ``socket_timeout``.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any, TypeVar

import msgspec

if TYPE_CHECKING:
    import redis.asyncio

__all__ = ["RedisStore"]

_log = logging.getLogger("aclaude.relay")
_T = TypeVar("_T")


class RedisStore:
    """Reply events and conversations in Redis (see the module docstring).

    ``RedisStore("redis://127.0.0.1:6379/0")`` or ``RedisStore(client=redis.asyncio.Redis(...))``.
    ``ttl``: seconds a finished or abandoned reply (and an idle conversation, ``history_ttl``)
    stays in Redis. ``max_stream_entries`` bounds one reply's stream (approximate trim).
    """

    def __init__(
        self,
        url: str | None = None,
        *,
        client: redis.asyncio.Redis | None = None,
        prefix: str = "aclaude:relay:",
        ttl: float = 120.0,
        history_ttl: float = 24 * 3600.0,
        max_stream_entries: int = 100_000,
        socket_timeout: float = 1.0,
        retry_after: float = 5.0,
    ) -> None:
        try:
            import redis.asyncio as aioredis
            import redis.exceptions
        except ImportError as exc:  # pragma: no cover - exercised without the extra only
            raise ImportError("RedisStore needs redis-py: pip install 'aclaude[redis]'") from exc
        if client is None:
            if url is None:
                raise TypeError("RedisStore needs a url or a client")
            client = aioredis.Redis.from_url(
                url, socket_timeout=socket_timeout, socket_connect_timeout=socket_timeout
            )
            self._owns_client = True
        else:
            self._owns_client = False
        self._redis = client
        self._errors: tuple[type[BaseException], ...] = (redis.exceptions.RedisError, OSError)
        self.prefix = prefix
        self.ttl_ms = int(ttl * 1000)
        self.history_ttl_ms = int(history_ttl * 1000)
        self.max_stream_entries = max_stream_entries
        self.retry_after = retry_after
        self._down_until = 0.0
        #: Calls that failed because Redis could not be reached (for tests and metrics).
        self.failures = 0

    @property
    def available(self) -> bool:
        """False during an outage (until ``retry_after`` has passed since the last failure)."""
        return time.monotonic() >= self._down_until

    async def close(self) -> None:
        """Close the connection pool if this store made it."""
        if self._owns_client:
            await self._redis.aclose()

    async def _call(self, what: str, op: Callable[[], Awaitable[_T]], default: _T) -> _T:
        if not self.available:
            return default
        try:
            result = await op()
        except self._errors as exc:
            self.failures += 1
            if self._down_until == 0.0 or time.monotonic() - self._down_until > self.retry_after:
                # Once per outage, not once per call.
                _log.warning(
                    "relay: Redis unavailable (%s: %s); resume and history stay local to this process",
                    what,
                    type(exc).__name__,
                )
            self._down_until = time.monotonic() + self.retry_after
            return default
        if self._down_until:
            _log.info("relay: Redis reachable again")
            self._down_until = 0.0
        return result

    # -- replies -------------------------------------------------------------------------------

    async def open_reply(self, stream: str, principal: str) -> bool:
        """Record who may resume ``stream``; False if Redis is unavailable (stay local)."""

        async def op() -> bool:
            await self._redis.set(f"{self.prefix}m:{stream}", principal, px=self.ttl_ms)
            return True

        return await self._call("open", op, False)

    async def append(self, stream: str, entries: list[tuple[int, bytes]], end: int | None) -> str:
        """Append events ``(seq, bytes)``; ``end`` (the last seq) marks the reply finished.
        ``"ok"``, ``"stop"`` (a browser on another node asked to stop the reply: learnt in the
        same round trip) or ``"failed"`` (Redis unavailable)."""

        async def op() -> str:
            key = f"{self.prefix}s:{stream}"
            pipe = self._redis.pipeline(transaction=False)
            for seq, data in entries:
                pipe.xadd(key, {"d": data}, id=f"{seq}-0", maxlen=self.max_stream_entries, approximate=True)
            if end is not None:
                pipe.xadd(key, {"end": b"1"}, id=f"{end}-1")
            pipe.pexpire(key, self.ttl_ms)
            pipe.pexpire(f"{self.prefix}m:{stream}", self.ttl_ms)
            pipe.exists(f"{self.prefix}x:{stream}")
            results = await pipe.execute()
            return "stop" if results[-1] else "ok"

        return await self._call("append", op, "failed")

    async def request_stop(self, stream: str) -> None:
        """Ask the node running ``stream`` to stop it (it learns on its next append)."""

        async def op() -> None:
            await self._redis.set(f"{self.prefix}x:{stream}", b"1", px=self.ttl_ms)

        await self._call("stop", op, None)

    async def principal(self, stream: str) -> str | None:
        """Who may resume ``stream``, or None (unknown, expired, or Redis unavailable)."""

        async def op() -> str | None:
            value = await self._redis.get(f"{self.prefix}m:{stream}")
            return value.decode() if isinstance(value, bytes) else value

        return await self._call("principal", op, None)

    async def read(
        self, stream: str, after: int, block_ms: int
    ) -> tuple[list[tuple[int, bytes]], bool] | None:
        """Events after sequence number ``after`` (waiting up to ``block_ms`` for new ones) and
        whether the reply has ended; None when Redis is unavailable."""

        async def op() -> tuple[list[tuple[int, bytes]], bool]:
            key = f"{self.prefix}s:{stream}"
            redis: Any = self._redis  # redis-py's stubs type replies loosely
            rows: Any = await redis.xrange(key, min=f"({after}-0", max="+", count=4096)
            if not rows:
                got: Any = await redis.xread({key: f"{after}-0"}, block=block_ms, count=4096)
                rows = got[0][1] if got else []
            frames: list[tuple[int, bytes]] = []
            end = False
            for entry_id, fields in rows:
                if b"end" in fields:
                    end = True
                    break
                seq = int(entry_id.split(b"-", 1)[0])
                frames.append((seq, fields[b"d"]))
            return frames, end

        return await self._call("read", op, None)

    async def mark_attached(self, stream: str, ttl: float) -> None:
        """A browser reads ``stream`` on this node (for ``ttl`` seconds, refreshed)."""

        async def op() -> None:
            await self._redis.set(f"{self.prefix}a:{stream}", b"1", px=max(1, int(ttl * 1000)))

        await self._call("attach", op, None)

    async def attached(self, stream: str) -> bool:
        """A browser reads ``stream`` on some node."""

        async def op() -> bool:
            return bool(await self._redis.exists(f"{self.prefix}a:{stream}"))

        return await self._call("attached", op, False)

    # -- conversations -------------------------------------------------------------------------

    async def load_history(self, conversation: str) -> tuple[str, list[Any]] | None:
        """(principal, messages) of a conversation, or None."""

        async def op() -> tuple[str, list[Any]] | None:
            raw = await self._redis.get(f"{self.prefix}c:{conversation}")
            if raw is None:
                return None
            principal, messages = msgspec.json.decode(raw)
            return principal, messages

        return await self._call("load history", op, None)

    async def save_history(self, conversation: str, principal: str, messages: list[Any]) -> None:
        async def op() -> None:
            await self._redis.set(
                f"{self.prefix}c:{conversation}",
                msgspec.json.encode([principal, messages]),
                px=self.history_ttl_ms,
            )

        await self._call("save history", op, None)
