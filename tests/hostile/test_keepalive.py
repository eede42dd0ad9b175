"""TCP keep-alive on the pool's real sockets (against the fake API on loopback)."""

from __future__ import annotations

import socket
from typing import Any

import aclaude
from aclaude._http.transport import set_keepalive
from aclaude.testing import FakeAnthropic

KEY = "sk-ant-test-not-a-real-key"


def _pooled_sockets(client: aclaude.Client) -> list[Any]:
    session = client._session
    assert session is not None and session.connector is not None
    pooled = session.connector._conns  # type: ignore[attr-defined]
    sockets = []
    for conns in pooled.values():
        for protocol, _ in conns:
            sockets.append(protocol.transport.get_extra_info("socket"))
    return sockets


async def test_every_pooled_connection_has_keepalive_on(server: FakeAnthropic) -> None:
    async with aclaude.Client(api_key=KEY, base_url=server.url) as client:
        await client.models.list()
        sockets = _pooled_sockets(client)
        assert sockets, "no pooled connection to look at"
        for sock in sockets:
            assert sock.getsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE) == 1
            if hasattr(socket, "TCP_KEEPIDLE"):
                assert sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_KEEPIDLE) == 60
            if hasattr(socket, "TCP_KEEPINTVL"):
                assert sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_KEEPINTVL) == 60
            if hasattr(socket, "TCP_KEEPCNT"):
                assert sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_KEEPCNT) == 5


async def test_keepalive_can_be_turned_off(server: FakeAnthropic) -> None:
    async with aclaude.Client(api_key=KEY, base_url=server.url, tcp_keepalive=False) as client:
        await client.models.list()
        sockets = _pooled_sockets(client)
        assert sockets
        for sock in sockets:
            assert sock.getsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE) == 0


def test_set_keepalive_on_a_plain_socket() -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        set_keepalive(sock, idle=30, interval=10, count=3)
        assert sock.getsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE) == 1
        if hasattr(socket, "TCP_KEEPIDLE"):
            assert sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_KEEPIDLE) == 30
            assert sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_KEEPCNT) == 3
