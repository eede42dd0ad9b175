"""The budget in Redis: one per organization and model class, shared by every process and
machine that points at the same Redis (``pip install aclaude[redis]``: redis-py's asyncio client).

Why a Lua script rather than the ``limits`` library: an admission checks and takes three
quantities at once (a request, its input tokens, and "output not in debt"), output tokens are
charged afterwards and may go negative, estimates are corrected up and down, limits are learned
while running and a 429 pauses the budget. ``limits`` offers one counter per limit with a fixed
cost (``hit``), so an admission would be three separate, non-atomic hits that cannot be undone
when the second fails, and it has no way to charge after the fact. One script does each of these
as a single atomic step in one round trip, with Redis's own clock (``TIME``) so that machines
with skewed clocks agree. It is the same arithmetic as ``_buckets.Buckets``.

Keys expire: every write sets a TTL of two minutes; a bucket left alone that long is full again,
which is exactly what a missing key means, so expiry loses nothing.

If Redis cannot be reached, each operation falls back to a local budget at once (warning once,
then again only after Redis came back and went away again) and Redis is tried again every
``retry_interval`` seconds: traffic never stops because Redis did.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Mapping, Sequence
from typing import Any

import redis.asyncio as aioredis
from redis.exceptions import RedisError

from ._buckets import DIMENSIONS, Capacities, Limits, Triple
from ._limiter import RateLimiter
from ._store import LocalStore, Store

__all__ = ["RedisRateLimiter", "RedisStore"]

log = logging.getLogger("aclaude.ratelimit")

_TTL_MS = 120_000
#: Charges made while streaming are sent together at most this often (one round trip per key).
_FLUSH_INTERVAL = 0.02

# KEYS[1]: the budget's hash. ARGV: mode, 3 capacities (-1: unknown), 3 arguments, ttl (ms).
# Fields: r, i, o (levels), t (last update, ms of Redis time), p (paused until, ms).
_SCRIPT = """
local mode = ARGV[1]
local caps = {tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4])}
local args = {tonumber(ARGV[5]), tonumber(ARGV[6]), tonumber(ARGV[7])}
local names = {'r', 'i', 'o'}
local clock = redis.call('TIME')
local now = tonumber(clock[1]) * 1000 + tonumber(clock[2]) / 1000
local h = redis.call('HMGET', KEYS[1], 'r', 'i', 'o', 't', 'p')
local last = tonumber(h[4]) or now
local elapsed = math.max(0, now - last)
local levels = {}
for d = 1, 3 do
  local level = tonumber(h[d])
  if caps[d] > 0 then
    if level == nil then level = caps[d] end
    level = math.min(caps[d], level + elapsed * caps[d] / 60000)
  end
  levels[d] = level
end
local paused = tonumber(h[5]) or 0
local result = 0
if mode == 'reserve' then
  if paused > now then
    result = paused - now
  else
    local wait = 0
    for d = 1, 3 do
      if caps[d] > 0 then
        local need = math.min(math.max(args[d], 1), caps[d])
        if levels[d] < need then
          wait = math.max(wait, (need - levels[d]) * 60000 / caps[d])
        end
      end
    end
    if wait > 0 then
      result = wait
    else
      for d = 1, 3 do
        if caps[d] > 0 then levels[d] = levels[d] - args[d] end
      end
    end
  end
elseif mode == 'adjust' then
  for d = 1, 3 do
    if caps[d] > 0 and args[d] ~= 0 then
      levels[d] = math.max(-caps[d], math.min(caps[d], levels[d] + args[d]))
    end
  end
elseif mode == 'clamp' then
  for d = 1, 3 do
    if caps[d] > 0 and args[d] >= 0 and args[d] < levels[d] then levels[d] = args[d] end
  end
elseif mode == 'pause' then
  paused = math.max(paused, now + args[1])
end
local fields = {'t', string.format('%.3f', now), 'p', string.format('%.3f', paused)}
local out = {string.format('%.3f', result), string.format('%.3f', math.max(0, paused - now))}
for d = 1, 3 do
  if levels[d] ~= nil then
    table.insert(fields, names[d])
    table.insert(fields, string.format('%.6f', levels[d]))
    table.insert(out, string.format('%.6f', levels[d]))
  else
    table.insert(out, '')
  end
end
redis.call('HSET', KEYS[1], unpack(fields))
redis.call('PEXPIRE', KEYS[1], tonumber(ARGV[8]))
return out
"""


def _caps_args(capacities: Capacities) -> list[str]:
    return [repr(c) if c is not None else "-1" for c in capacities]


class RedisStore(Store):
    """Budgets in Redis (see the module docstring), with a local fallback."""

    def __init__(
        self,
        redis: aioredis.Redis,
        *,
        prefix: str = "aclaude:ratelimit:",
        retry_interval: float = 5.0,
        owns_client: bool = False,
    ) -> None:
        self.redis = redis
        self.prefix = prefix
        self.retry_interval = retry_interval
        self._owns_client = owns_client
        self._script = redis.register_script(_SCRIPT)
        self.fallback = LocalStore()
        self._down_until = 0.0
        self._warned = False
        #: Operations answered by the local fallback because Redis was unreachable.
        self.fallbacks = 0
        self._pending: dict[str, tuple[list[float], Capacities]] = {}
        self._flush_task: asyncio.Task[None] | None = None
        self._flush_timer: asyncio.TimerHandle | None = None

    @property
    def available(self) -> bool:
        """False while Redis is considered down (the local fallback answers)."""
        return time.monotonic() >= self._down_until

    async def _run(
        self, key: str, mode: str, capacities: Capacities, args: Sequence[float]
    ) -> list[str] | None:
        """Run the script; None (and the fallback from the caller) when Redis is unreachable."""
        if time.monotonic() < self._down_until:
            self.fallbacks += 1
            return None
        try:
            reply: Any = await self._script(
                keys=[self.prefix + key],
                args=[mode, *_caps_args(capacities), *(repr(float(a)) for a in args), _TTL_MS],
            )
        except (RedisError, OSError, asyncio.TimeoutError) as exc:
            self._down_until = time.monotonic() + self.retry_interval
            self.fallbacks += 1
            if not self._warned:
                self._warned = True
                log.warning(
                    "rate limiter: Redis unreachable (%s); using a local budget, retrying every %g s",
                    type(exc).__name__,
                    self.retry_interval,
                )
            return None
        if self._warned:
            self._warned = False
            log.warning("rate limiter: Redis reachable again; the budget is shared again")
        return [part.decode() if isinstance(part, bytes) else str(part) for part in reply]

    async def reserve(self, key: str, cost: Triple, capacities: Capacities) -> float:
        await self._flush_key(key)  # charges made so far count before admitting more
        reply = await self._run(key, "reserve", capacities, cost)
        if reply is None:
            return self.fallback.reserve_now(key, cost, capacities)
        return float(reply[0]) / 1000.0

    def adjust(self, key: str, deltas: Triple, capacities: Capacities) -> None:
        pending = self._pending.get(key)
        if pending is None:
            self._pending[key] = ([*deltas], capacities)
        else:
            sums = pending[0]
            for d in range(3):
                sums[d] += deltas[d]
            self._pending[key] = (sums, capacities)
        if self._flush_timer is None and self._flush_task is None:
            self._flush_timer = asyncio.get_running_loop().call_later(_FLUSH_INTERVAL, self._start_flush)

    def _start_flush(self) -> None:
        self._flush_timer = None
        self._flush_task = asyncio.get_running_loop().create_task(self._flush_all())

    async def _flush_all(self) -> None:
        try:
            while self._pending:
                await self._flush_key(next(iter(self._pending)))
        finally:
            self._flush_task = None

    async def _flush_key(self, key: str) -> None:
        pending = self._pending.pop(key, None)
        if pending is None:
            return
        sums, capacities = pending
        deltas: Triple = (sums[0], sums[1], sums[2])
        if await self._run(key, "adjust", capacities, deltas) is None:
            self.fallback.adjust(key, deltas, capacities)

    async def clamp(self, key: str, remaining: Sequence[float | None], capacities: Capacities) -> None:
        args = [-1.0 if value is None else float(value) for value in remaining]
        if await self._run(key, "clamp", capacities, args) is None:
            await self.fallback.clamp(key, remaining, capacities)

    async def pause(self, key: str, seconds: float) -> None:
        reply = await self._run(key, "pause", (None, None, None), (seconds * 1000.0, 0.0, 0.0))
        if reply is None:
            await self.fallback.pause(key, seconds)

    async def snapshot(self, key: str, capacities: Capacities) -> dict[str, object]:
        reply = await self._run(key, "state", capacities, (0.0, 0.0, 0.0))
        if reply is None:
            local = await self.fallback.snapshot(key, capacities)
            local["shared"] = False
            return local
        state: dict[str, object] = {"paused_for": float(reply[1]) / 1000.0, "shared": True}
        for d, name in enumerate(DIMENSIONS):
            state[f"{name}_limit"] = capacities[d]
            state[f"{name}_available"] = float(reply[2 + d]) if reply[2 + d] else None
        return state

    async def aclose(self) -> None:
        timer, self._flush_timer = self._flush_timer, None
        if timer is not None:
            timer.cancel()
        task = self._flush_task
        if task is not None:
            await task
        await self._flush_all()
        if self._owns_client:
            await self.redis.aclose()


class RedisRateLimiter(RateLimiter):
    """A ``RateLimiter`` whose budget lives in Redis: every process and machine with the same
    ``url`` (or ``redis`` client) and ``prefix`` shares one budget per model class.

    Use one ``prefix`` per organization (API key) when one Redis serves several. Close it with
    ``await limiter.aclose()`` (flushes the last charges; closes the connection pool it made).
    ``socket_timeout`` bounds every Redis call, so an unreachable Redis costs at most that
    before the local fallback answers.
    """

    def __init__(
        self,
        url: str | None = None,
        *,
        redis: aioredis.Redis | None = None,
        limits: Limits | Mapping[str, Limits] | None = None,
        max_wait: float | None = None,
        prefix: str = "aclaude:ratelimit:",
        retry_interval: float = 5.0,
        socket_timeout: float = 0.5,
    ) -> None:
        if (url is None) == (redis is None):
            raise TypeError("pass either url= or redis=")
        owns = redis is None
        if redis is None:
            assert url is not None
            redis = aioredis.Redis.from_url(
                url, socket_timeout=socket_timeout, socket_connect_timeout=socket_timeout
            )
        store = RedisStore(redis, prefix=prefix, retry_interval=retry_interval, owns_client=owns)
        super().__init__(limits, max_wait=max_wait, store=store)
        self.redis_store = store
