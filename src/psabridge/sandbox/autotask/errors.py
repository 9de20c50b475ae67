"""Autotask error answers: `{"errors": ["..."]}` with the status of reference 2.5."""

from __future__ import annotations

THREAD_MESSAGE = (
    "Thread Threshold Exceeded - The Autotask API thread threshold of {limit} threads has "
    "been exceeded. (Itgenatr005)"
)


class AtError(Exception):
    """An error to answer as `{"errors": [...]}`."""

    def __init__(self, status: int, *messages: str, headers: dict[str, str] | None = None) -> None:
        super().__init__("; ".join(messages))
        self.status = status
        self.errors = list(messages)
        self.headers = headers or {}

    @property
    def body(self) -> dict[str, list[str]]:
        """Return the wire body."""
        return {"errors": self.errors}


def invalid(*messages: str) -> AtError:
    """Return the 500 of a validation or business-rule failure (reference 2.5, H:Patch)."""
    return AtError(500, *messages)


def required(field_name: str) -> str:
    """Return the fixed text of a missing required field (open question 5)."""
    return f"Missing required field: {field_name} . "


def no_reference(field_name: str) -> str:
    """Return the vendor's text of a reference to a missing record (reference 2.5)."""
    return f"Value does not reference an existing entity for {field_name} . "


def bad_json() -> AtError:
    """Return the 400 of a body that is not JSON (open question 4)."""
    return AtError(400, "The request body is not valid JSON.")


def unauthorized() -> AtError:
    """Return the 401 of bad credentials or integration code (reference 1.1)."""
    return AtError(401, "The API user name, secret or integration code is not valid.")


def not_found(path: str) -> AtError:
    """Return the 404 of an unknown route (open question 3: not of a missing record)."""
    return AtError(404, f"No HTTP resource was found that matches the request URI '{path}'.")


def method_not_allowed(method: str) -> AtError:
    """Return the 405 of a known path called with another method (reference 2.3)."""
    return AtError(405, f"The requested resource does not support http method '{method}'.")


def rate_limited(retry_after: int, limit: int) -> AtError:
    """Return the 429 past the hourly request threshold (open question 13)."""
    text = (
        f"The request threshold of {limit} requests per hour has been exceeded. "
        f"Try again in {retry_after} seconds."
    )
    return AtError(429, text, headers={"Retry-After": str(retry_after)})


def thread_limited(limit: int) -> AtError:
    """Return the 429 of a call over the concurrent-thread limit (reference 2.7)."""
    return AtError(429, THREAD_MESSAGE.format(limit=limit), headers={"Retry-After": "1"})
