"""Web safety: the session secret, security headers, CSRF tokens and failed-login limits."""

from __future__ import annotations

import hmac
import ipaddress
import os
import secrets
import socket
import time
from collections import deque
from collections.abc import Awaitable, Callable
from pathlib import Path

from aiohttp import web

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
UNSAFE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}
CSRF_HEADER = "X-CSRF-Token"
HEADERS = {
    "Content-Security-Policy": "default-src 'self'; img-src 'self' data: blob:; media-src 'self' blob:; "
    "frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "Permissions-Policy": "camera=(self), microphone=(), geolocation=()",
}


def load_or_create_secret(path: Path) -> bytes:
    """The 32-byte key that encrypts session cookies: made on first start, kept with mode 0600."""
    if path.is_file():
        key = path.read_bytes()
        if len(key) == 32:
            return key
    path.parent.mkdir(parents=True, exist_ok=True)
    key = secrets.token_bytes(32)
    descriptor = os.open(path.with_suffix(".tmp"), os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "wb") as handle:
        handle.write(key)
    os.replace(path.with_suffix(".tmp"), path)
    return key


SERVER_NAME = "moodkiosk"


async def response_headers(request: web.Request, response: web.StreamResponse) -> None:
    """Every response: no library version in ``Server``; API answers (the CSRF token among them) never cached."""
    response.headers["Server"] = SERVER_NAME
    if request.path.startswith("/api/") and "Cache-Control" not in response.headers:
        response.headers["Cache-Control"] = "no-store"


@web.middleware
async def security_headers(request: web.Request, handler: Handler) -> web.StreamResponse:
    try:
        response = await handler(request)
    except web.HTTPException as error:
        error.headers.update(HEADERS)
        raise
    response.headers.update(HEADERS)
    return response


def page_names(extra: list[str]) -> set[str]:
    """The names the page answers to besides IP addresses: localhost, this machine's name (and .local), ``extra``."""
    machine = socket.gethostname().lower()
    names = {"localhost", machine, f"{machine}.local", socket.getfqdn().lower()}
    return names | {name.lower().rstrip(".") for name in extra}


def host_allowed(host: str | None, names: set[str]) -> bool:
    """Whether a request's Host header names this kiosk: an IP address, or one of ``names`` (any port).
    A page on another name that resolves here (DNS rebinding) is not this kiosk's page."""
    if not host:
        return True  # HTTP/1.0 without Host: no name to have been rebound
    name = host.strip().lower()
    if name.startswith("["):  # [IPv6]:port
        name = name[1 : name.find("]")] if "]" in name else name
    elif name.count(":") == 1:
        name = name.rsplit(":", 1)[0]
    try:
        ipaddress.ip_address(name)
        return True
    except ValueError:
        return name.rstrip(".") in names


def csrf_ok(expected: str | None, given: str | None) -> bool:
    return bool(expected and given and hmac.compare_digest(expected, given))


def new_csrf_token() -> str:
    return secrets.token_urlsafe(32)


class MemberRate:
    """At most ``limit`` actions per member in a sliding window of ``window_seconds`` (e.g. YouTube searches)."""

    def __init__(self, limit: int, window_seconds: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.limit, self.window, self._clock = limit, window_seconds, clock
        self._times: dict[int, deque[float]] = {}

    def take(self, member: int) -> float:
        """Count an action of ``member`` now and return 0, or return the seconds to wait (nothing counted)."""
        now = self._clock()
        times = self._times.setdefault(member, deque())
        while times and times[0] <= now - self.window:
            times.popleft()
        if len(times) >= self.limit:
            return times[0] + self.window - now
        times.append(now)
        return 0.0


class LoginLimiter:
    """Sign-in attempts in a sliding window; over a limit: wait (HTTP 429).

    An attempt counts when it starts, before the password is checked, so a hundred guesses sent at
    once are limited like a hundred sent one by one; a correct password takes its attempt back.
    Limits: per address (``per_ip``); per account *and* address (``per_account_address``), so
    guesses from one machine never lock the owner out on another; and per account across
    addresses (``per_account``, against guessing from many machines, or from fresh IPv6 addresses),
    which applies to every address except those that signed in to that account before (the
    owner's own phone and laptop get in during an attack). Attempts expire, so the rightful user
    on a new machine is slowed for minutes, never locked out for good.
    """

    def __init__(self, per_account_address: int = 5, per_ip: int = 20, per_account: int = 30,
                 window_seconds: float = 300.0, clock: Callable[[], float] = time.monotonic) -> None:  # fmt: skip
        self.per_account_address, self.per_ip, self.per_account = per_account_address, per_ip, per_account
        self.window = window_seconds
        self._clock = clock
        self._attempts: dict[str, deque[float]] = {}
        self._trusted: dict[str, dict[str, float]] = {}  # account -> addresses that signed in to it, and when

    def _recent(self, key: str) -> deque[float]:
        times = self._attempts.setdefault(key, deque())
        cutoff = self._clock() - self.window
        while times and times[0] < cutoff:
            times.popleft()
        return times

    @staticmethod
    def _keys(ip: str, account: str) -> tuple[str, str, str]:
        account = account.lower()
        return f"ip:{ip}", f"user:{account}@{ip}", f"user:{account}"

    def retry_after(self, ip: str, account: str) -> float:
        """Seconds until another attempt is allowed (0: allowed now)."""
        by_ip, here, anywhere = self._keys(ip, account)
        limits = [(by_ip, self.per_ip), (here, self.per_account_address)]
        if ip not in self._trusted.get(account.lower(), {}):  # a known address of the owner is spared the account-wide limit
            limits.append((anywhere, self.per_account))
        waits = []
        for key, limit in limits:
            times = self._recent(key)
            if len(times) >= limit:
                waits.append(times[-limit] + self.window - self._clock())
        return max(waits, default=0.0)

    def attempt(self, ip: str, account: str) -> None:
        """Count an attempt now, before it is checked."""
        now = self._clock()
        for key in self._keys(ip, account):
            self._recent(key).append(now)
        if len(self._attempts) > 10_000:  # bound memory under a flood of made-up names
            self._attempts = {k: v for k, v in self._attempts.items() if self._recent(k)}

    def succeeded(self, ip: str, account: str) -> None:
        """The password was right: take this attempt back, and forget this address's failures for the account."""
        by_ip, here, anywhere = self._keys(ip, account)
        for key in (by_ip, anywhere):
            times = self._recent(key)
            if times:
                times.pop()
        self._attempts.pop(here, None)
        trusted = self._trusted.setdefault(account.lower(), {})
        trusted[ip] = self._clock()
        if len(trusted) > 64:  # keep the newest addresses only
            del trusted[min(trusted, key=trusted.__getitem__)]
