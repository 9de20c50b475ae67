"""The exception tree every connector raises; messages are short and safe to show in the UI."""

from __future__ import annotations


class ConnectorError(Exception):
    """Base of every connector failure; `message` never holds a secret or a payload."""

    kind = "error"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message

    def with_message(self, message: str) -> None:
        """Replace the message (used to redact it after the fact)."""
        self.message = message
        self.args = (message,)


class AuthError(ConnectorError):
    """The outside system refused the credentials (HTTP 401): new credentials are needed."""

    kind = "auth"


class PermissionDeniedError(AuthError):
    """The credentials are valid but lack a permission or API service (HTTP 403)."""

    kind = "permission"

    def __init__(self, message: str, service: str | None = None) -> None:
        super().__init__(message)
        self.service = service


class ConfigError(ConnectorError):
    """A permanent problem: wrong URL, a non-JSON answer, invalid parameters."""

    kind = "config"


class CompanyBlockedError(ConfigError):
    """The PSA refuses writes for one company (ConnectWise: its status disallows saving)."""

    kind = "company_blocked"


class NotFoundError(ConfigError):
    """The addressed resource or endpoint does not exist (HTTP 404)."""

    kind = "not_found"


class RateLimitedError(ConnectorError):
    """The rate budget is exhausted; `retry_after` is the suggested wait in seconds.

    `local` is true when our own budget refused the call before anything was sent.
    """

    kind = "rate_limited"

    def __init__(
        self, message: str, retry_after: float | None = None, *, local: bool = False
    ) -> None:
        super().__init__(message)
        self.retry_after = retry_after
        self.local = local


class TransientError(ConnectorError):
    """A failure worth retrying later: timeout, connection error, 5xx, short page.

    `ambiguous` is true when the request may have reached the server and been applied, so a
    create must be looked up by our reference before it is sent again.
    """

    kind = "transient"

    def __init__(self, message: str, *, ambiguous: bool = False) -> None:
        super().__init__(message)
        self.ambiguous = ambiguous
