"""Web safety: the session secret, security headers, CSRF tokens and failed-login limits."""

from __future__ import annotations

import hmac
import os
import secrets
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


@web.middleware
async def security_headers(request: web.Request, handler: Handler) -> web.StreamResponse:
    try:
        response = await handler(request)
    except web.HTTPException as error:
        error.headers.update(HEADERS)
        raise
    response.headers.update(HEADERS)
    return response


def csrf_ok(expected: str | None, given: str | None) -> bool:
    return bool(expected and given and hmac.compare_digest(expected, given))


def new_csrf_token() -> str:
    return secrets.token_urlsafe(32)


class LoginLimiter:
    """Failed logins per IP and per account in a sliding window; over the limit: wait (HTTP 429).

    Only failures count, and they expire, so the rightful user is slowed for minutes, not locked out.
    """

    def __init__(self, per_account: int = 5, per_ip: int = 20, window_seconds: float = 300.0,
                 clock: Callable[[], float] = time.monotonic) -> None:  # fmt: skip
        self.per_account, self.per_ip, self.window = per_account, per_ip, window_seconds
        self._clock = clock
        self._failures: dict[str, deque[float]] = {}

    def _recent(self, key: str) -> deque[float]:
        times = self._failures.setdefault(key, deque())
        cutoff = self._clock() - self.window
        while times and times[0] < cutoff:
            times.popleft()
        return times

    def retry_after(self, ip: str, account: str) -> float:
        """Seconds until another attempt is allowed (0: allowed now)."""
        waits = []
        for key, limit in ((f"ip:{ip}", self.per_ip), (f"user:{account.lower()}", self.per_account)):
            times = self._recent(key)
            if len(times) >= limit:
                waits.append(times[0] + self.window - self._clock())
        return max(waits, default=0.0)

    def failed(self, ip: str, account: str) -> None:
        for key in (f"ip:{ip}", f"user:{account.lower()}"):
            self._recent(key).append(self._clock())
        if len(self._failures) > 10_000:  # bound memory under a flood of made-up names
            self._failures = {k: v for k, v in self._failures.items() if self._recent(k)}

    def succeeded(self, account: str) -> None:
        self._failures.pop(f"user:{account.lower()}", None)
