"""Automate error answers: `{"Message": ...}` bodies (contract: Automate)."""

from __future__ import annotations

from typing import Any

DENIED = "Authorization has been denied for this request."


class AutomateError(Exception):
    """An error to answer with `{"Message": message}`."""

    def __init__(self, status: int, message: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.headers = headers or {}
        self.body: dict[str, Any] = {"Message": message}


def denied() -> AutomateError:
    """Return the 401 of bad credentials or a missing, unknown or expired token."""
    return AutomateError(401, DENIED)


def rate_limited(retry_after: int) -> AutomateError:
    """Return the 429 guard with `Retry-After` (contract: Automate rate limit)."""
    message = f"Too many requests. Please try again in {retry_after} seconds."
    return AutomateError(429, message, {"Retry-After": str(retry_after)})
