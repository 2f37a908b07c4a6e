from __future__ import annotations

import ipaddress
import socket
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from gitutil import init_repo

LOOPBACK_NAMES = frozenset({"localhost", "localhost.localdomain", "ip6-localhost"})


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """An empty git repository in a temporary folder."""
    return init_repo(tmp_path / "repo")


def _loopback(host: object) -> bool:
    if host is None or host in ("", b""):
        return True
    name = host.decode() if isinstance(host, bytes) else str(host)
    if name.lower() in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(name.split("%", 1)[0]).is_loopback
    except ValueError:
        return False


@pytest.fixture(autouse=True)
def no_network(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """No test reaches the network: name lookups and connections to anything but loopback fail
    here, naming the host (the deps check's default policy asks api.osv.dev: tests point it at an
    offline export or a loopback server)."""
    real_getaddrinfo, real_connect = socket.getaddrinfo, socket.socket.connect

    def getaddrinfo(host: object, *args: object, **kwargs: object) -> object:
        if not _loopback(host):
            raise OSError(f"test network guard: no lookup of {host!r} (tests never reach the network)")
        return real_getaddrinfo(host, *args, **kwargs)  # type: ignore[arg-type]

    def connect(self: socket.socket, address: object) -> None:
        if isinstance(address, tuple) and not _loopback(address[0]):
            raise OSError(f"test network guard: no connection to {address!r} (tests never reach the network)")
        real_connect(self, address)  # type: ignore[arg-type]

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    monkeypatch.setattr(socket.socket, "connect", connect)
    yield
