"""The settings of one benchmark run (what the JSON result's ``settings`` holds)."""

from __future__ import annotations

import math

import msgspec

from ._loop import resolve_loop

__all__ = ["DEFAULT_PACING", "BenchSettings"]

#: The embedded fake API's pacing when no endpoint is given: a plausible small model.
DEFAULT_PACING = "ttft=250ms,itl=12ms,jitter=0.3"


class BenchSettings(msgspec.Struct, kw_only=True):
    """Every option of ``aclaude bench`` (see ``aclaude bench --help`` and docs/bench.md).

    ``base_url`` None: the embedded fake API, started in its own process with ``pacing``.
    ``rate`` set: open loop at each rate (``concurrency`` then unused unless ``max_concurrency``);
    else closed loop at each ``concurrency``. ``requests`` or ``duration`` bound each level.
    """

    base_url: str | None = None
    model: str = "claude-sonnet-4-5"
    concurrency: list[int] = msgspec.field(default_factory=lambda: [8])
    rate: list[float] | None = None
    arrival: str = "poisson"
    burstiness: float = 1.0
    max_concurrency: int | None = None
    requests: int | None = 100
    duration: float | None = None
    warmup: int = 0
    prompts: str | None = None
    input_tokens: int = 256
    output_tokens: int = 128
    slo: dict[str, float] = msgspec.field(default_factory=dict)
    processes: int = 1
    seed: int = 0
    pacing: str = DEFAULT_PACING
    max_retries: int = 0
    timeout: float = 600.0
    #: The client's event loop: ``auto`` (uvloop when installed), ``asyncio`` or ``uvloop``; the
    #: command line stores the one that ran.
    loop: str = "auto"

    def levels(self) -> list[tuple[str, float]]:
        """``(mode, value)`` of each level, in run order."""
        if self.rate:
            return [("rate", float(rate)) for rate in self.rate]
        return [("concurrency", float(level)) for level in self.concurrency]

    def check(self) -> None:
        """ValueError (one line) for settings that cannot run."""
        if self.rate is not None and any(not (rate > 0) for rate in self.rate):
            raise ValueError("--rate values must be > 0 (inf: all at once)")
        if any(level < 1 for level in self.concurrency):
            raise ValueError("--concurrency values must be >= 1")
        if self.requests is None and self.duration is None:
            raise ValueError("give --requests or --duration")
        if self.requests is not None and self.requests < 1:
            raise ValueError("--requests must be >= 1")
        if self.duration is not None and not (0 < self.duration < math.inf):
            raise ValueError("--duration must be a positive number of seconds")
        if self.processes < 1:
            raise ValueError("--processes must be >= 1")
        if self.burstiness <= 0:
            raise ValueError("--burstiness must be > 0")
        if self.arrival not in ("poisson", "constant"):
            raise ValueError("--arrival must be poisson or constant")
        if self.warmup < 0:
            raise ValueError("--warmup must be >= 0")
        resolve_loop(self.loop)
