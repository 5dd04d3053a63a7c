"""The page's listening socket, guarded so that no client can use up the kiosk's file descriptors.

aiohttp closes a connection that sends no complete request within ``keepalive_timeout``; on top
of that one address may hold ``per_address`` connections and everyone together ``total``: a
connection beyond those is closed at once, before any byte is read. Running out of descriptors
anyway (a low ``ulimit -n``) is logged once a minute, not for every refused connection.
"""

from __future__ import annotations

import asyncio
import fcntl
import logging
import socket
import struct
import time
from typing import Any

from aiohttp import web

log = logging.getLogger("moodkiosk.web")
IDLE_SECONDS = 15.0  # a connection must send a whole request within this time (also between requests)
PER_ADDRESS = 32
TOTAL = 256
OUT_OF_RESOURCES = "out of system resource"  # asyncio's message when accept() fails with EMFILE/ENFILE


class ConnectionGuard:
    """Counts open connections per address."""

    def __init__(self, per_address: int = PER_ADDRESS, total: int = TOTAL) -> None:
        self.per_address, self.total = per_address, total
        self.open: dict[str, int] = {}
        self.refused = 0

    def admit(self, address: str) -> bool:
        if self.open.get(address, 0) >= self.per_address or sum(self.open.values()) >= self.total:
            self.refused += 1
            return False
        self.open[address] = self.open.get(address, 0) + 1
        return True

    def release(self, address: str) -> None:
        left = self.open.get(address, 0) - 1
        if left > 0:
            self.open[address] = left
        else:
            self.open.pop(address, None)


class GuardedProtocol(asyncio.Protocol):
    """Stands in front of aiohttp's protocol for one connection: admits it or closes it at once."""

    def __init__(self, inner: asyncio.Protocol, guard: ConnectionGuard) -> None:
        self.inner, self.guard = inner, guard
        self.address: str | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        peer = transport.get_extra_info("peername")
        address = str(peer[0]) if isinstance(peer, tuple) else "?"
        if not self.guard.admit(address):
            transport.abort()
            return
        self.address = address
        self.inner.connection_made(transport)

    def connection_lost(self, exc: Exception | None) -> None:
        if self.address is not None:
            self.guard.release(self.address)
            self.inner.connection_lost(exc)

    def data_received(self, data: bytes) -> None:
        if self.address is not None:
            self.inner.data_received(data)

    def eof_received(self) -> bool | None:
        return self.inner.eof_received() if self.address is not None else None

    def pause_writing(self) -> None:
        self.inner.pause_writing()

    def resume_writing(self) -> None:
        self.inner.resume_writing()


class GuardedSite(web.BaseSite):
    """A TCP site whose connections pass a ConnectionGuard."""

    def __init__(self, runner: web.BaseRunner, host: str, port: int, guard: ConnectionGuard | None = None) -> None:
        super().__init__(runner, shutdown_timeout=2.0)
        self._host, self._port = host, port
        self.guard = guard or ConnectionGuard()

    @property
    def name(self) -> str:
        return f"http://{self._host}:{self.port}"

    @property
    def port(self) -> int:
        """The port it listens on (the one chosen when asked for port 0)."""
        sockets = self._server.sockets if self._server is not None else []
        return int(sockets[0].getsockname()[1]) if sockets else self._port

    async def start(self) -> None:
        await super().start()
        server = self._runner.server
        assert server is not None
        self._server = await asyncio.get_running_loop().create_server(
            lambda: GuardedProtocol(server(), self.guard), self._host, self._port, reuse_address=True
        )


def runner_for(app: web.Application) -> web.AppRunner:
    """An AppRunner with the idle timeout above (aiohttp's default is 75 s)."""
    return web.AppRunner(app, access_log=None, shutdown_timeout=2.0, keepalive_timeout=IDLE_SECONDS)


class QuietResourceErrors:
    """A loop exception handler: "out of system resource" (EMFILE) once a minute with a count; the rest as usual."""

    def __init__(self, every_seconds: float = 60.0) -> None:
        self.every = every_seconds
        self._last = -every_seconds
        self._since = 0

    def __call__(self, loop: asyncio.AbstractEventLoop, context: dict[str, Any]) -> None:
        if OUT_OF_RESOURCES not in str(context.get("message", "")):
            loop.default_exception_handler(context)
            return
        self._since += 1
        now = time.monotonic()
        if now - self._last >= self.every:
            error = context.get("exception")
            log.error("cannot accept connections to the web page: %s (%d times since the last report); raise LimitNOFILE "
                      "or close idle clients", error or "too many open files", self._since)  # fmt: skip
            self._last, self._since = now, 0


def reachable_urls(host: str, port: int) -> list[str]:
    """Addresses to type into a phone: this machine's LAN addresses and ``<hostname>.local`` when the page
    listens on every interface, else the one address it listens on."""
    if host not in {"0.0.0.0", "::", ""}:
        return [f"http://{host}:{port}/"]
    addresses = [f"http://{address}:{port}/" for address in lan_addresses()]
    return [*addresses, f"http://{socket.gethostname()}.local:{port}/"] if addresses else [f"http://127.0.0.1:{port}/"]


def lan_addresses() -> list[str]:
    """The IPv4 addresses of this machine's interfaces, loopback left out (Linux)."""
    found = []
    for _, name in socket.if_nameindex():
        if name == "lo":
            continue
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
            try:  # SIOCGIFADDR
                packed = fcntl.ioctl(probe.fileno(), 0x8915, struct.pack("256s", name.encode()[:15]))
            except OSError:  # no IPv4 address on this interface
                continue
        found.append(socket.inet_ntoa(packed[20:24]))
    return found
