"""``RateLimiter``: admits a client's requests within one organization's rate limits.

It is a middleware (``aclaude._middleware``) around each attempt of ``POST /v1/messages`` (and
the legacy ``/v1/complete``); other endpoints pass untouched. Per budget (one per model class:
``opus``, ``sonnet``, ``haiku``, or the model name):

* admission: one request plus the input tokens estimated from the body's size (4 bytes a token,
  an over-estimate for JSON) must fit, and the output bucket must not be in debt; otherwise the
  call waits, first come first served (one asyncio.Lock per budget: its waiters are FIFO).
* correction: ``message_start``'s usage replaces the input estimate; output tokens are charged
  as content deltas arrive and set exactly by ``message_delta``'s usage.
* learning: limits not given explicitly are read from the ``anthropic-ratelimit-*`` headers;
  until the first answer tells them, one request at a time is let through to find out. Every
  answer's ``-remaining`` lowers the local view when other clients spent more.
* a 429 pauses the whole budget for its ``retry-after`` (1 s if it has none) and gives back
  what the refused attempt reserved; so does an attempt cancelled (or failed) before its answer.
* ``max_wait``: a call that would wait longer raises ``RateLimitWaitError`` without sending.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import contextvars
import re
from collections.abc import Iterator, Mapping
from typing import Any

import msgspec

from .._exceptions import APIError, APIStatusError, RateLimitError, RateLimitWaitError
from .._http.transport import Response
from .._middleware import APIRequest, CallNext, Middleware, ResponseWrapper
from ..types._rate_limits import RateLimits
from ._buckets import Capacities, Limits, Triple
from ._store import LocalStore, Store

__all__ = ["RateLimiter", "RateLimiterStats", "max_wait", "model_class"]

_LIMITED_PATHS = frozenset({"/v1/messages", "/v1/complete"})
#: Bytes of request body per estimated input token (JSON punctuation makes this generous).
_BYTES_PER_TOKEN = 4
#: How long a 429 without retry-after pauses its budget.
_DEFAULT_PAUSE = 1.0
#: While limits are unknown and the one probing request is out, others look again this often.
_PROBE_POLL = 0.05
_MODEL_FAMILIES = ("opus", "sonnet", "haiku")
_DATE_SUFFIX = re.compile(r"-\d{8}$")
_encode = msgspec.json.Encoder().encode
_INPUT = re.compile(rb'"input_tokens"\s*:\s*(\d+)')
_CACHE_CREATION = re.compile(rb'"cache_creation_input_tokens"\s*:\s*(\d+)')
_OUTPUT = re.compile(rb'"output_tokens"\s*:\s*(\d+)')

_max_wait: contextvars.ContextVar[float | None] = contextvars.ContextVar("aclaude_max_wait", default=None)
_NO_CAPACITIES: Capacities = (None, None, None)


def model_class(model: str | None) -> str:
    """The budget a model's requests share: the API limits per model class, so every Sonnet
    (dated or aliased) shares one (``"sonnet"``); an unknown model is its own class."""
    if not model:
        return "default"
    lowered = model.lower()
    for family in _MODEL_FAMILIES:
        if family in lowered:
            return family
    return _DATE_SUFFIX.sub("", lowered)


@contextlib.contextmanager
def max_wait(seconds: float | None) -> Iterator[None]:
    """Within this block, calls wait at most ``seconds`` for the rate limiter (then raise
    ``RateLimitWaitError`` without sending); overrides the limiter's own ``max_wait``."""
    token = _max_wait.set(seconds)
    try:
        yield
    finally:
        _max_wait.reset(token)


class RateLimiterStats:
    """Counters of one limiter (``limiter.stats``), for logs and metrics."""

    __slots__ = ("admitted", "gave_up", "paused_by_429", "recent_waits", "wait_seconds", "waited")

    def __init__(self) -> None:
        self.admitted = 0  # attempts let through
        self.waited = 0  # of which had to wait
        self.wait_seconds = 0.0  # total time spent waiting
        self.gave_up = 0  # RateLimitWaitError raised
        self.paused_by_429 = 0  # 429s seen (each paused its budget)
        #: The last 10,000 waits (seconds, 0.0 for none), for percentiles.
        self.recent_waits: collections.deque[float] = collections.deque(maxlen=10_000)

    def wait_percentile(self, fraction: float) -> float:
        """The ``fraction`` (0..1) quantile of the recent waits (0.0 when none)."""
        waits = sorted(self.recent_waits)
        if not waits:
            return 0.0
        return waits[min(len(waits) - 1, int(fraction * len(waits)))]

    def as_dict(self) -> dict[str, float]:
        return {
            "admitted": self.admitted,
            "waited": self.waited,
            "wait_seconds": self.wait_seconds,
            "gave_up": self.gave_up,
            "paused_by_429": self.paused_by_429,
            "wait_p50": self.wait_percentile(0.5),
            "wait_p99": self.wait_percentile(0.99),
        }


class RateLimiter(Middleware):
    """An in-process rate-limit budget: ``Client(rate_limiter=RateLimiter())``.

    ``limits``: one ``Limits`` for every model class, or a mapping from model class (see
    ``model_class``) to ``Limits``; limits not given are learned from the API's headers.
    ``max_wait``: the longest a call waits for admission (None: no limit); ``max_wait()`` the
    context manager overrides it per call. Share one limiter between clients (and their
    ``with_options`` copies) to share the budget; use ``RedisRateLimiter`` across processes.
    """

    def __init__(
        self,
        limits: Limits | Mapping[str, Limits] | None = None,
        *,
        max_wait: float | None = None,
        store: Store | None = None,
    ) -> None:
        if isinstance(limits, Limits) or limits is None:
            self._default_limits = limits
            self._explicit: dict[str, Limits] = {}
        else:
            self._default_limits = None
            self._explicit = dict(limits)
        self.max_wait = max_wait
        self._store: Store = store if store is not None else LocalStore()
        self._capacities: dict[str, Capacities] = {}
        self._locks: dict[str, asyncio.Lock] = {}
        self._probing: set[str] = set()
        self.stats = RateLimiterStats()
        #: Hooks called with (budget key, seconds waited) after each admission (metrics).
        self.wait_listeners: list[Any] = []

    # -- budgets ---------------------------------------------------------------------------

    def capacities(self, key: str) -> Capacities:
        """The per-minute limits in force for budget ``key`` (None: unknown or unlimited)."""
        known = self._capacities.get(key)
        if known is None:
            explicit = self._explicit.get(key, self._default_limits)
            known = explicit.capacities() if explicit is not None else _NO_CAPACITIES
            self._capacities[key] = known
        return known

    def _learn(self, key: str, headers: Mapping[str, str] | None) -> RateLimits | None:
        """Take the limits the API states (where none were given) and return them."""
        if not headers or "anthropic-ratelimit-requests-limit" not in headers:
            return None
        limits = RateLimits.from_headers(headers)
        explicit = self._explicit.get(key, self._default_limits)
        given = explicit.capacities() if explicit is not None else _NO_CAPACITIES
        stated = (limits.requests_limit, limits.input_tokens_limit, limits.output_tokens_limit)
        learned: list[float | None] = []
        for d in range(3):
            value = stated[d]
            if given[d] is not None:
                learned.append(given[d])
            else:
                learned.append(float(value) if value is not None else None)
        self._capacities[key] = (learned[0], learned[1], learned[2])
        return limits

    async def state(self, model: str | None = None) -> dict[str, object]:
        """The budget of ``model``'s class now: limits, what is available, the pause left and
        how many calls wait for it."""
        key = model_class(model)
        snapshot = await self._store.snapshot(key, self.capacities(key))
        lock = self._locks.get(key)
        waiters = getattr(lock, "_waiters", None) if lock is not None else None
        snapshot["queued"] = len(waiters) if waiters else 0
        snapshot["budget"] = key
        return snapshot

    async def aclose(self) -> None:
        """Flush pending charges and close the store's connections (a Redis pool)."""
        await self._store.aclose()

    # -- admission -------------------------------------------------------------------------

    async def _admit(self, key: str, cost: Triple, limit: float | None) -> tuple[float, bool]:
        """Wait for ``cost`` to fit in budget ``key``; return (seconds waited, probing)."""
        loop = asyncio.get_running_loop()
        started = loop.time()
        lock = self._locks.get(key)
        if lock is None:
            lock = self._locks[key] = asyncio.Lock()
        try:
            if limit is None:
                await lock.acquire()
            else:
                await asyncio.wait_for(lock.acquire(), max(0.0, limit))
        except asyncio.TimeoutError:
            self.stats.gave_up += 1
            raise RateLimitWaitError(
                f"rate limit budget {key!r}: still queued after max_wait={limit:g} s; nothing was sent",
                waited=loop.time() - started,
                needed=None,
                state=await self._store.snapshot(key, self.capacities(key)),
            ) from None
        try:
            while True:
                capacities = self.capacities(key)
                probing = False
                if capacities == _NO_CAPACITIES:
                    # Nothing known yet: one request finds the limits out; the rest wait for it.
                    if key in self._probing:
                        wait = _PROBE_POLL
                    else:
                        self._probing.add(key)
                        wait, probing = 0.0, True
                else:
                    wait = await self._store.reserve(key, cost, capacities)
                now = loop.time()
                if wait <= 0.0:
                    return now - started, probing
                if limit is not None and now + wait > started + limit:
                    self.stats.gave_up += 1
                    raise RateLimitWaitError(
                        f"rate limit budget {key!r}: admission needs {wait:.3g} s more, past "
                        f"max_wait={limit:g} s; nothing was sent",
                        waited=now - started,
                        needed=wait,
                        state=await self._store.snapshot(key, capacities),
                    )
                await asyncio.sleep(wait)
        finally:
            lock.release()

    async def handle_async(self, request: APIRequest, call_next: CallNext) -> Response:
        """Wait for admission, send, then meter the answer (see the module docstring)."""
        if request.method != "POST" or request.path not in _LIMITED_PATHS:
            return await call_next(request)
        key = model_class(request.model)
        estimate = float(_estimate_input_tokens(request))
        cost: Triple = (1.0, estimate, 0.0)
        limit = _max_wait.get()
        if limit is None:
            limit = self.max_wait
        waited, probing = await self._admit(key, cost, limit)
        stats = self.stats
        stats.admitted += 1
        stats.recent_waits.append(waited)
        if waited > 0.0:
            stats.waited += 1
            stats.wait_seconds += waited
        for listener in self.wait_listeners:
            listener(key, waited)
        try:
            response = await call_next(request)
        except BaseException as exc:
            if probing:
                self._probing.discard(key)
            headers = exc.headers if isinstance(exc, APIStatusError) else None
            stated = self._learn(key, headers)
            capacities = self.capacities(key)
            if isinstance(exc, RateLimitError) or not isinstance(exc, APIStatusError):
                # Refused, or never answered (cancelled, connection failed): not spent.
                if not probing:
                    self._store.adjust(key, cost, capacities)
            if isinstance(exc, RateLimitError):
                stats.paused_by_429 += 1
                pause = exc.retry_after if exc.retry_after is not None else _DEFAULT_PAUSE
                await self._store.pause(key, max(0.0, pause))
            if stated is not None:
                await self._store.clamp(key, _remaining(stated), capacities)
            if isinstance(exc, APIError):
                exc.rate_limit_wait = waited
            raise
        if probing:
            self._probing.discard(key)
        stated = self._learn(key, response.headers)
        capacities = self.capacities(key)
        if stated is not None:
            if probing:
                # The probe was let through before the limits were known: charge it now.
                self._store.adjust(key, (-cost[0], -cost[1], 0.0), capacities)
            await self._store.clamp(key, _remaining(stated), capacities)
        return MeteredResponse(response, self._store, key, capacities, estimate, waited)


def _remaining(limits: RateLimits) -> tuple[float | None, float | None, float | None]:
    return (
        limits.requests_remaining,
        limits.input_tokens_remaining,
        limits.output_tokens_remaining,
    )


def _estimate_input_tokens(request: APIRequest) -> int:
    body = request.body
    if body is None:
        content = request.content
        size = len(content) if isinstance(content, bytes) else 0
    else:
        size = len(_encode(body))
    return max(1, size // _BYTES_PER_TOKEN)


class MeteredResponse(ResponseWrapper):
    """The answer of an admitted request: charges its tokens to the budget as the body arrives
    (``rate_limit_wait``: the seconds its admission waited)."""

    __slots__ = ("_capacities", "_charged", "_estimate", "_input_known", "_key", "_store", "rate_limit_wait")

    def __init__(
        self,
        inner: Response,
        store: Store,
        key: str,
        capacities: Capacities,
        estimate: float,
        waited: float,
    ) -> None:
        super().__init__(inner)
        self._store = store
        self._key = key
        self._capacities = capacities
        self._estimate = estimate
        self._input_known = False
        self._charged = 0  # output tokens charged so far
        self.rate_limit_wait = waited

    async def read_chunk(self) -> bytes:
        chunk = await self.inner.read_chunk()
        if chunk:
            self._meter(chunk)
        return chunk

    def _meter(self, chunk: bytes) -> None:
        input_delta = 0.0
        if not self._input_known and b'"message_start"' in chunk:
            self._input_known = True
            found = _INPUT.search(chunk)
            if found is not None:
                actual = int(found.group(1))
                creation = _CACHE_CREATION.search(chunk)
                if creation is not None:
                    actual += int(creation.group(1))
                input_delta = self._estimate - actual  # > 0: the estimate was too high
        output = chunk.count(b'"content_block_delta"')  # about a token each, until usage says
        final = None
        if b'"message_delta"' in chunk:
            counts = _OUTPUT.findall(chunk)
            if counts:
                final = int(counts[-1])
        if final is not None:
            output = final - self._charged
        if output or input_delta:
            self._charged += output
            self._store.adjust(self._key, (0.0, input_delta, -float(output)), self._capacities)
