"""Fault injection for the HaloPSA API and token endpoint, driven by the inspection API."""

from __future__ import annotations

import socket
import struct
import threading
from dataclasses import asdict, dataclass
from typing import Any

from werkzeug.wrappers import Request

MODES = (
    "status",
    "timeout",
    "non_json",
    "short_page",
    "reset",
    "latency",
    "commit_then_reset",
    "commit_then_500",
)
METHODS = ("GET", "POST", "DELETE", "*")
DEFAULT_TIMEOUT_SECONDS = 35.0


@dataclass
class Fault:
    """One armed fault; `times` None means until cleared."""

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

    def delay_seconds(self) -> float:
        """Return how long a timeout/latency fault holds the answer."""
        if self.latency_ms is not None:
            return self.latency_ms / 1000
        return DEFAULT_TIMEOUT_SECONDS if self.mode == "timeout" else 0.0


def path_matches(pattern: str, path: str) -> bool:
    """Match "*", an exact path, or a prefix ending in "*" (e.g. "/api/Tickets*")."""
    if pattern == "*":
        return True
    wanted, actual = pattern.lower().rstrip("/"), path.lower().rstrip("/")
    if wanted.endswith("*"):
        return actual.startswith(wanted[:-1].rstrip("/"))
    return wanted == actual


def parse_fault(spec: dict[str, Any]) -> Fault:
    """Return a Fault from an inspection API body, or raise ValueError."""
    mode = spec.get("mode")
    if mode not in MODES:
        raise ValueError(f"mode must be one of {', '.join(MODES)}")
    path, method = spec.get("path", "*"), spec.get("method", "*")
    status, times = spec.get("status", 500), spec.get("times", 1)
    if not isinstance(path, str) or not path:
        raise ValueError("path must be a non-empty string such as /api/Tickets or *")
    if not isinstance(method, str) or method.upper() not in METHODS:
        raise ValueError(f"method must be one of {', '.join(METHODS)}")
    if isinstance(status, bool) or not isinstance(status, int) or not 100 <= status <= 599:
        raise ValueError("status must be an HTTP status code")
    if times is not None and (not isinstance(times, int) or times < 1):
        raise ValueError("times must be a positive integer or null (until cleared)")
    retry_after, latency_ms = spec.get("retry_after"), spec.get("latency_ms")
    for name, value in (("retry_after", retry_after), ("latency_ms", latency_ms)):
        if value is not None and (not isinstance(value, int) or value < 0):
            raise ValueError(f"{name} must be a non-negative integer or null")
    return Fault(path, method.upper(), mode, status, retry_after, times, latency_ms)


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

    def take(self, path: str, method: str) -> Fault | None:
        """Return the first fault matching the request, using up one of its `times`."""
        with self._lock:
            for fault in self._faults:
                if fault.matches(path, method):
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


def reset_connection(request: Request) -> None:
    """Drop the client connection without an answer and abandon the request."""
    sock = request.environ.get("werkzeug.socket")
    if isinstance(sock, socket.socket):
        # Linger 0 makes the final close a reset; shutdown ends the exchange at once even
        # though Werkzeug still holds file objects on the socket (as in the GZ simulator).
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        sock.shutdown(socket.SHUT_RDWR)
    raise ConnectionResetError("sandbox fault: connection reset")
