"""``StartGate``: a few request starts per event-loop turn, first come first served, and the loop
polls between turns (so a busy wave of starts does not hold off reads)."""

from __future__ import annotations

import asyncio
import socket

import pytest

from aclaude.bench._start_gate import StartGate


class _Turns:
    """Counts event-loop turns: a callback that re-schedules itself runs once per turn."""

    def __init__(self) -> None:
        self.now = 0
        self._stopped = False
        asyncio.get_running_loop().call_soon(self._tick)

    def _tick(self) -> None:
        if not self._stopped:
            self.now += 1
            asyncio.get_running_loop().call_soon(self._tick)

    def stop(self) -> None:
        self._stopped = True


async def test_a_wave_of_starts_is_spread_over_turns_in_order() -> None:
    gate = StartGate(per_turn=3)
    turns = _Turns()
    started: list[tuple[int, int]] = []  # (request, turn it started in)

    async def start(i: int) -> None:
        await gate.wait()
        started.append((i, turns.now))

    async with asyncio.timeout(5):
        await asyncio.gather(*[start(i) for i in range(20)])
    turns.stop()
    assert [i for i, _turn in started] == list(range(20))  # first come, first served
    per_turn: dict[int, int] = {}
    for _i, turn in started:
        per_turn[turn] = per_turn.get(turn, 0) + 1
    assert max(per_turn.values()) <= 3 * 2  # a turn's own starts plus those released into it
    assert len(per_turn) >= 20 // 6


async def test_few_starts_do_not_wait() -> None:
    gate = StartGate(per_turn=4)
    turns = _Turns()
    before = turns.now
    for _ in range(4):
        await gate.wait()  # returns at once: no await suspends
    assert turns.now == before
    turns.stop()


async def test_a_cancelled_waiter_gives_its_place_to_the_next() -> None:
    gate = StartGate(per_turn=1)
    turns = _Turns()
    tasks = [asyncio.ensure_future(gate.wait()) for _ in range(3)]
    await asyncio.sleep(0)  # all three ran once: the first started, the other two wait
    assert tasks[0].done() and not tasks[1].done() and not tasks[2].done()
    waited_from = turns.now
    tasks[1].cancel()
    async with asyncio.timeout(5):
        await tasks[2]
    turns.stop()
    assert tasks[1].cancelled()
    # released by the next turn's gate callback (it wakes, then wakes this test): had the cancelled
    # waiter taken that slot, one turn more
    assert turns.now - waited_from <= 3


async def test_reads_are_served_between_turns_of_starts() -> None:
    # A socket with data waiting is read between two turns of starts, not after all of them.
    gate = StartGate(per_turn=2)
    left, right = socket.socketpair()
    left.setblocking(False)
    right.setblocking(False)
    loop = asyncio.get_running_loop()
    order: list[str] = []
    read = loop.create_future()

    def on_readable() -> None:
        left.recv(10)
        order.append("read")
        loop.remove_reader(left.fileno())
        read.set_result(None)

    async def start(i: int) -> None:
        await gate.wait()
        order.append(f"start {i}")

    try:
        right.send(b"x")
        loop.add_reader(left.fileno(), on_readable)
        async with asyncio.timeout(5):
            await asyncio.gather(*[start(i) for i in range(10)], read)
    finally:
        left.close()
        right.close()
    assert order.index("read") < order.index("start 9")


def test_per_turn_must_be_positive() -> None:
    with pytest.raises(ValueError):
        StartGate(per_turn=0)
