"""Scripted pacing of a generated stream, and a log of when each event was written.

A benchmark needs a server whose timing it knows: ``x-fake-pacing: ttft=0.2,itl=0.02,jitter=0.1``
makes the fake API write ``message_start`` and the first ``content_block_start`` at once, the
first delta ``ttft`` seconds after the request arrived, then each further delta ``itl`` seconds
(times a uniform factor in ``[1 - jitter, 1 + jitter]``) after the previous one, and the closing
events right after the last delta. Deadlines are absolute (each from the one before), so a late
wake-up does not push every later event back.

``WRITE_LOG`` (off by default: a long-running server must not grow) records, per request id,
the ``time.monotonic()`` at which the request arrived and each event was handed to the socket.
Client and server on one machine share that clock, so a client's stamps can be compared with it
(``benchmarks/bench_accuracy.py``).
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass

from aiohttp import web

from ._paced_writer import send_paced

__all__ = ["PACING_HEADER", "WRITE_LOG", "Pacing", "WriteLog", "parse_pacing"]

PACING_HEADER = "x-fake-pacing"

# The jitter of unseeded streams: one generator for all (seeding a new one per request read
# os.urandom, a measurable share of the server's time per request at 1,000 streams).
_SHARED_RNG = random.Random()


class WriteLog:
    """Per request id: ``[received, (kind, written), ...]`` in monotonic seconds (when enabled)."""

    def __init__(self) -> None:
        self.enabled = False
        #: request id -> (time the request arrived, [(is_delta, time written), ...])
        self.entries: dict[str, tuple[float, list[tuple[bool, float]]]] = {}

    def enable(self) -> None:
        self.enabled = True

    def clear(self) -> None:
        self.entries.clear()


#: The process-wide log (the fake server's process).
WRITE_LOG = WriteLog()


@dataclass(frozen=True)
class Pacing:
    """Time to first token, inter-token time (seconds) and relative jitter of one stream."""

    ttft: float = 0.0
    itl: float = 0.0
    jitter: float = 0.0
    seed: int | None = None

    async def write(
        self,
        request: web.BaseRequest,
        resp: web.StreamResponse,
        pieces: Sequence[bytes],
        request_id: str,
        received: float,
    ) -> None:
        """Write ``pieces`` (rendered events) on this schedule, logging each write if enabled.

        Every paced stream of the loop shares one scheduler (``_paced_writer``): no timer or
        task step per event, so thousands of streams keep to their schedule."""
        rng = random.Random(self.seed) if self.seed is not None else _SHARED_RNG
        log: list[tuple[bool, float]] | None = None
        if WRITE_LOG.enabled:
            log = []
            WRITE_LOG.entries[request_id] = (received, log)
        await send_paced(
            request,
            resp,
            pieces,
            ttft=self.ttft,
            itl=self.itl,
            jitter=self.jitter,
            rng=rng,
            received=received,
            log=log,
        )


def parse_pacing(value: str) -> Pacing:
    """``ttft=0.2,itl=0.02,jitter=0.1[,seed=1]`` (seconds; ``ms`` suffix allowed) -> ``Pacing``."""
    values: dict[str, float] = {}
    seed: int | None = None
    for part in value.split(","):
        if not part.strip():
            continue
        name, sep, raw = part.partition("=")
        name, raw = name.strip().lower(), raw.strip().lower()
        if not sep or name not in ("ttft", "itl", "jitter", "seed"):
            raise ValueError(f"expected ttft=, itl=, jitter= or seed=, got {part.strip()!r}")
        if name == "seed":
            seed = int(raw)
            continue
        scale = 1.0
        if raw.endswith("ms"):
            raw, scale = raw[:-2], 0.001
        elif raw.endswith("s"):
            raw = raw[:-1]
        number = float(raw) * scale
        if not number >= 0:
            raise ValueError(f"{name} must be >= 0")
        values[name] = number
    if values.get("jitter", 0.0) > 1.0:
        raise ValueError("jitter must be between 0 and 1")
    return Pacing(values.get("ttft", 0.0), values.get("itl", 0.0), values.get("jitter", 0.0), seed)
