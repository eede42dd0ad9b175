"""A malicious server on 127.0.0.1 (raw asyncio, ``_hostile_server``) against a real client.

For every hostile reply of the matrix (``_hostile_cases.CASES``): the call raises the expected
aclaude error (nothing raw), within its time bound, with the process's peak RSS (measured by the
kernel: ``VmHWM`` after resetting it) growing less than the case's bound, with every pooled
connection released, and with the key nowhere in the error's ``str``/``repr``/chain.
"""

from __future__ import annotations

import asyncio
import re
import time
from typing import Any

import pytest
from _hostile_cases import CASES, KEY, Case, client_options
from _hostile_server import hostile_server

import aclaude


def _status_kib(field: str) -> int:
    with open("/proc/self/status") as f:
        match = re.search(rf"^{field}:\s+(\d+) kB", f.read(), re.MULTILINE)
    assert match is not None
    return int(match.group(1))


def _reset_peak() -> None:
    # Linux: writing 5 resets VmHWM (the peak RSS) to the current RSS.
    with open("/proc/self/clear_refs", "w") as f:
        f.write("5")


def _chain(exc: BaseException) -> list[BaseException]:
    seen: list[BaseException] = []
    current: BaseException | None = exc
    while current is not None and current not in seen and len(seen) < 32:
        seen.append(current)
        current = current.__cause__ or current.__context__
    return seen


def _no_key(exc: BaseException) -> None:
    for link in _chain(exc):
        for text in (str(link), repr(link), repr(link.args), repr(getattr(link, "__dict__", {}))):
            assert KEY not in text, f"the key leaked through {type(link).__name__}"


def _acquired(client: aclaude.Client) -> int:
    session = client._session
    if session is None or session.connector is None:
        return 0
    return len(session.connector._acquired)  # type: ignore[attr-defined]


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
async def test_hostile_reply_gives_a_typed_error_in_bounded_time_and_memory(case: Case) -> None:
    case.prepare()
    async with hostile_server(case.script) as server:
        async with aclaude.Client(**client_options(case, server.url)) as client:
            _reset_peak()
            rss_before = _status_kib("VmRSS")
            started = time.monotonic()
            error: BaseException | None = None
            try:
                async with asyncio.timeout(case.seconds + 10):
                    await case.call(client)
            except BaseException as exc:
                error = exc
            elapsed = time.monotonic() - started
            grown_mib = (_status_kib("VmHWM") - rss_before) / 1024
            assert isinstance(error, case.raises), f"{case.name}: got {error!r}"
            assert case.match in str(error)
            assert elapsed < case.seconds, f"{case.name}: {elapsed:.1f} s"
            assert grown_mib < case.mib, f"{case.name}: peak RSS grew {grown_mib:.0f} MiB"
            assert _acquired(client) == 0, "a connection was not released"
            _no_key(error)
            if case.max_requests is not None:
                assert server.requests <= case.max_requests


def test_every_case_has_a_distinct_name() -> None:
    names: list[Any] = [case.name for case in CASES]
    assert len(set(names)) == len(names)
