"""Automate tokens: login with user and password, expiry, refresh (reference 4.1)."""

from __future__ import annotations

import secrets
import threading
from datetime import datetime, timedelta
from typing import Any

from ..common.clock import SimClock
from ..connectwise.values import cw_time
from .errors import denied

USER_ID = 7


class TokenServer:
    """Issue bearer tokens for one integrator user; each lives `lifetime` seconds."""

    def __init__(self, clock: SimClock, username: str, password: str, lifetime: int) -> None:
        self.clock = clock
        self.username = username
        self.password = password
        self.lifetime = lifetime
        self.tokens_issued = 0
        self._tokens: dict[str, datetime] = {}
        self._lock = threading.Lock()

    def login(self, username: Any, password: Any) -> dict[str, Any]:
        """Return a `TokenResult` for the right user name (any case) and password."""
        if not isinstance(username, str) or not isinstance(password, str):
            raise denied()
        if username.lower() != self.username.lower() or not secrets.compare_digest(
            password.encode(), self.password.encode()
        ):
            raise denied()
        return self._issue()

    def refresh(self, token: Any) -> dict[str, Any]:
        """Return a new `TokenResult` for a still valid token (body: the token string)."""
        value = token.removeprefix("Bearer ").strip() if isinstance(token, str) else ""
        self._check(value)
        return self._issue()

    def _issue(self) -> dict[str, Any]:
        expires = self.clock.now() + timedelta(seconds=self.lifetime)
        value = secrets.token_urlsafe(32)
        with self._lock:
            self._tokens[value] = expires
            self.tokens_issued += 1
        return {
            "AccessToken": value,
            "TokenType": "Bearer",
            "ExpirationDate": cw_time(expires),
            "AbsoluteExpirationDate": cw_time(expires + timedelta(hours=23)),
            "UserId": USER_ID,
            "InternalUserName": self.username,
            "IsTwoFactorRequired": False,
            "IsInternalTwoFactorRequired": False,
            "SSOAccessToken": None,
        }

    def verify(self, header: str | None) -> None:
        """Accept `Authorization: Bearer <token>` of an unexpired token, or raise 401."""
        scheme, _, value = (header or "").partition(" ")
        if scheme.lower() != "bearer":
            raise denied()
        self._check(value.strip())

    def _check(self, value: str) -> None:
        with self._lock:
            expires = self._tokens.get(value)
        if expires is None or self.clock.now() >= expires:
            raise denied()

    def expire_all(self) -> int:
        """Make every issued token expire now; return how many there were."""
        now = self.clock.now()
        with self._lock:
            for value in self._tokens:
                self._tokens[value] = now
            return len(self._tokens)
