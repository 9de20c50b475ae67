"""The HaloPSA access-token cache: a token is reused until `expires_in - 60 s` (reference §1.3)."""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

from psabridge.connectors.halopsa.models import Token

# Reference: halopsa.md §1.3 (renew 60 s before expiry, as PANO does).
EXPIRY_MARGIN = 60.0
_REMEMBERED = 8  # past tokens kept only to redact them from messages


@dataclass
class _Cached:
    value: str
    valid_until: float


class TokenCache:
    """Hold the current bearer token and remember recent ones for redaction."""

    def __init__(self, clock: Callable[[], float]) -> None:
        self._clock = clock
        self._current: _Cached | None = None
        self._seen: deque[str] = deque(maxlen=_REMEMBERED)

    def get(self) -> str | None:
        """Return the cached token while it is valid, else None."""
        if self._current is None or self._clock() >= self._current.valid_until:
            return None
        return self._current.value

    def store(self, token: Token) -> str:
        """Cache `token` until `expires_in - 60 s`; return its value."""
        lifetime = max(token.expires_in - EXPIRY_MARGIN, 0.0)
        self._current = _Cached(token.access_token, self._clock() + lifetime)
        self._seen.append(token.access_token)
        return token.access_token

    def drop(self) -> None:
        """Forget the current token (the API refused it)."""
        self._current = None

    def known(self) -> tuple[str, ...]:
        """Return every token handed out recently (to redact them)."""
        return tuple(self._seen)
