"""OAuth2 client credentials: applications, tokens with expiry, scopes (reference 1)."""

from __future__ import annotations

import secrets
import threading
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

from ..common.clock import SimClock
from .errors import HaloError, forbidden, invalid_client, unauthorized

AREAS = ("tickets", "customers", "assets", "items", "invoices")
ALL = frozenset({"all"})


@dataclass(frozen=True)
class App:
    """An API application: client id and secret, its scopes, the agent it logs in as."""

    client_id: str
    client_secret: str
    scopes: frozenset[str]
    agent_id: int = 1


@dataclass(frozen=True)
class Token:
    """An issued bearer token."""

    value: str
    client_id: str
    scopes: frozenset[str]
    agent_id: int
    expires_at: datetime


def parse_scopes(text: str) -> frozenset[str]:
    """Return the scopes of a space-separated list (reference 1.2), or raise ValueError."""
    scopes = frozenset(text.split())
    known = {"all"} | {f"{verb}:{area}" for verb in ("read", "edit") for area in AREAS}
    if not scopes or not scopes <= known:
        raise ValueError(f"scopes must be drawn from {', '.join(sorted(known))}")
    return scopes


def allows(scopes: frozenset[str], area: str | None, write: bool) -> bool:
    """Return whether the scopes cover reading (or, for POST/DELETE, editing) an area."""
    if area is None or "all" in scopes:
        return True
    return f"edit:{area}" in scopes or (not write and f"read:{area}" in scopes)


class AuthServer:
    """The instance's authorisation server: apps, the token endpoint, bearer checks."""

    def __init__(self, clock: SimClock, tenant: str, lifetime: int) -> None:
        self.clock = clock
        self.tenant = tenant
        self.lifetime = lifetime
        self.apps: dict[str, App] = {}
        self.tokens_issued = 0
        self._tokens: dict[str, Token] = {}
        self._lock = threading.Lock()

    def add_app(self, app: App) -> App:
        """Register an application."""
        with self._lock:
            self.apps[app.client_id] = app
        return app

    def check_tenant(self, tenant: str | None) -> None:
        """Accept no tenant or the right one; a wrong tenant answers 500 (reference 1.2)."""
        if tenant and tenant.lower() != self.tenant.lower():
            raise HaloError(
                500, "An error has occurred.", body={"message": "An error has occurred."}
            )

    def issue(self, form: Mapping[str, str]) -> dict[str, Any]:
        """Return a token for valid client credentials (reference 1.2), or raise."""
        if form.get("grant_type") != "client_credentials":
            raise HaloError(400, "unsupported_grant_type", body={"error": "unsupported_grant_type"})
        app = self.apps.get(form.get("client_id", ""))
        if app is None or not secrets.compare_digest(
            app.client_secret.encode(), form.get("client_secret", "").encode()
        ):
            raise invalid_client("The client credentials are invalid.")
        scopes = self._granted(app, form.get("scope", "all"))
        token = Token(
            secrets.token_urlsafe(32),
            app.client_id,
            scopes,
            app.agent_id,
            self.clock.now() + timedelta(seconds=self.lifetime),
        )
        with self._lock:
            self._tokens[token.value] = token
            self.tokens_issued += 1
        return {"access_token": token.value, "token_type": "Bearer", "expires_in": self.lifetime}

    def _granted(self, app: App, requested: str) -> frozenset[str]:
        """Return the app's scopes, narrowed to those requested unless `all` is asked."""
        wanted = frozenset(requested.split()) or ALL
        if "all" in wanted:
            return app.scopes
        granted = wanted if "all" in app.scopes else wanted & app.scopes
        if not granted:
            raise HaloError(400, "invalid_scope", body={"error": "invalid_scope"})
        return granted

    def verify(self, header: str | None) -> Token:
        """Return the token of `Authorization: Bearer <token>`, or raise 401 (reference 1.3)."""
        scheme, _, value = (header or "").partition(" ")
        with self._lock:
            token = self._tokens.get(value.strip()) if scheme.lower() == "bearer" else None
        if token is None:
            raise unauthorized()
        if self.clock.now() >= token.expires_at:
            raise unauthorized("The access token has expired.")
        return token

    def check_scope(self, token: Token, area: str | None, write: bool) -> None:
        """Raise the 403 when the token's scopes do not cover the call (reference 1.2)."""
        if not allows(token.scopes, area, write):
            raise forbidden(f"{'edit' if write else 'read'}:{area}")

    def expire_all(self) -> int:
        """Make every issued token expire now; return how many there were."""
        now = self.clock.now()
        with self._lock:
            for value, token in list(self._tokens.items()):
                self._tokens[value] = replace(token, expires_at=now)
            return len(self._tokens)
