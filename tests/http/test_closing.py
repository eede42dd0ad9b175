"""``AsyncClosing`` (aclaude/_closing.py): ``async with`` for the client, downloads and anything
else with a ``close()``, sync or async, whatever ends the block."""

from __future__ import annotations

import pytest

from aclaude._closing import AsyncClosing


class _SyncClose(AsyncClosing):
    def __init__(self) -> None:
        self.closed = 0

    def close(self) -> None:
        self.closed += 1


class _AsyncClose(_SyncClose):
    async def close(self) -> None:  # type: ignore[override]
        self.closed += 1


@pytest.mark.parametrize("cls", [_SyncClose, _AsyncClose])
async def test_closed_once_on_a_normal_exit(cls: type[_SyncClose]) -> None:
    thing = cls()
    async with thing as entered:
        assert entered is thing and thing.closed == 0
    assert thing.closed == 1


@pytest.mark.parametrize("cls", [_SyncClose, _AsyncClose])
async def test_closed_when_the_block_raises(cls: type[_SyncClose]) -> None:
    thing = cls()
    with pytest.raises(KeyError):
        async with thing:
            raise KeyError("boom")
    assert thing.closed == 1
