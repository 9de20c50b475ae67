"""Fault injection for the JSON-RPC API, driven by the inspection API."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..common.faults import (
    COMMON_MODES,
    DEFAULT_TIMEOUT_SECONDS,
    FaultBook,
    FaultTiming,
    is_http_status,
    parse_counts,
    parse_mode,
)

__all__ = ["DEFAULT_TIMEOUT_SECONDS", "MODES", "Fault", "FaultBook", "parse_fault"]

MODES = COMMON_MODES


@dataclass
class Fault(FaultTiming):
    """One armed fault; `times` None means until cleared."""

    method: str
    mode: str
    status: int = 500
    retry_after: int | None = None
    times: int | None = 1
    latency_ms: int | None = None

    def matches(self, service: str, method: str) -> bool:
        """Return whether the fault applies to a call."""
        return self.method in ("*", method, f"{service}.{method}")


def parse_fault(spec: dict[str, Any]) -> Fault:
    """Return a Fault from an inspection API body, or raise ValueError."""
    mode = parse_mode(spec, MODES)
    method = spec.get("method", "*")
    status = spec.get("status", 500)
    if not isinstance(method, str) or not is_http_status(status):
        raise ValueError("method must be a string and status an HTTP status code")
    times, retry_after, latency_ms = parse_counts(spec)
    return Fault(method, mode, status, retry_after, times, latency_ms)
