"""Fault injection for the PSA and Automate APIs, driven by the inspection API."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..common.faults import (
    COMMON_MODES,
    FaultBook,
    FaultTiming,
    is_http_status,
    parse_counts,
    parse_mode,
)

__all__ = ["METHODS", "MODES", "Fault", "FaultBook", "parse_fault", "path_matches"]

MODES = (*COMMON_MODES, "commit_then_reset", "commit_then_500")
METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE", "*")


@dataclass
class Fault(FaultTiming):
    """One armed fault; `times` None means until cleared. Paths are API paths."""

    path: str
    method: str
    mode: str
    status: int = 500
    retry_after: int | None = None
    times: int | None = 1
    latency_ms: int | None = None

    def matches(self, path: str, method: str) -> bool:
        """Return whether the fault applies to a request (paths are case-insensitive)."""
        return self.method in ("*", method.upper()) and path_matches(self.path, path)


def path_matches(pattern: str, path: str) -> bool:
    """Match "*", an exact path, or a prefix ending in "*" (e.g. "/finance/*")."""
    if pattern == "*":
        return True
    wanted, actual = pattern.lower().rstrip("/"), path.lower().rstrip("/")
    if wanted.endswith("*"):
        return actual.startswith(wanted[:-1].rstrip("/"))
    return wanted == actual


def parse_fault(spec: dict[str, Any]) -> Fault:
    """Return a Fault from an inspection API body, or raise ValueError."""
    mode = parse_mode(spec, MODES)
    path, method = spec.get("path", "*"), spec.get("method", "*")
    status = spec.get("status", 500)
    if not isinstance(path, str) or not path:
        raise ValueError("path must be a non-empty string such as /service/tickets or *")
    if not isinstance(method, str) or method.upper() not in METHODS:
        raise ValueError(f"method must be one of {', '.join(METHODS)}")
    if not is_http_status(status):
        raise ValueError("status must be an HTTP status code")
    times, retry_after, latency_ms = parse_counts(spec)
    return Fault(path, method.upper(), mode, status, retry_after, times, latency_ms)
