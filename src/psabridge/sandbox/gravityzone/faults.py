"""Fault injection for the JSON-RPC API, driven by the inspection API."""

from __future__ import annotations

import threading
from dataclasses import asdict, dataclass
from typing import Any

MODES = ("status", "timeout", "non_json", "short_page", "reset", "latency")
DEFAULT_TIMEOUT_SECONDS = 35.0


@dataclass
class Fault:
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

    def delay_seconds(self) -> float:
        """Return how long a timeout/latency fault holds the answer."""
        if self.latency_ms is not None:
            return self.latency_ms / 1000
        return DEFAULT_TIMEOUT_SECONDS if self.mode == "timeout" else 0.0


def parse_fault(spec: dict[str, Any]) -> Fault:
    """Return a Fault from an inspection API body, or raise ValueError."""
    mode = spec.get("mode")
    if mode not in MODES:
        raise ValueError(f"mode must be one of {', '.join(MODES)}")
    method = spec.get("method", "*")
    status = spec.get("status", 500)
    times = spec.get("times", 1)
    if not isinstance(method, str) or not isinstance(status, int) or not 100 <= status <= 599:
        raise ValueError("method must be a string and status an HTTP status code")
    if times is not None and (not isinstance(times, int) or times < 1):
        raise ValueError("times must be a positive integer or null (until cleared)")
    retry_after = spec.get("retry_after")
    latency_ms = spec.get("latency_ms")
    for name, value in (("retry_after", retry_after), ("latency_ms", latency_ms)):
        if value is not None and (not isinstance(value, int) or value < 0):
            raise ValueError(f"{name} must be a non-negative integer or null")
    return Fault(method, mode, status, retry_after, times, latency_ms)


class FaultBook:
    """The armed faults, consumed in the order they were added."""

    def __init__(self) -> None:
        self._faults: list[Fault] = []
        self._lock = threading.Lock()

    def add(self, fault: Fault) -> None:
        """Arm a fault."""
        with self._lock:
            self._faults.append(fault)

    def clear(self) -> None:
        """Disarm every fault."""
        with self._lock:
            self._faults.clear()

    def take(self, service: str, method: str) -> Fault | None:
        """Return the first fault matching the call, using up one of its `times`."""
        with self._lock:
            for fault in self._faults:
                if fault.matches(service, method):
                    if fault.times is not None:
                        fault.times -= 1
                        if fault.times == 0:
                            self._faults.remove(fault)
                    return fault
        return None

    def describe(self) -> list[dict[str, Any]]:
        """Return the armed faults as JSON-ready dicts."""
        with self._lock:
            return [asdict(f) for f in self._faults]
