"""Fault injection shared by the simulators: validation, the armed-fault book, early answers."""

from __future__ import annotations

import socket
import struct
import threading
from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any, ClassVar, Generic, Protocol, TypeVar

from werkzeug.wrappers import Request, Response

COMMON_MODES = ("status", "timeout", "non_json", "short_page", "reset", "latency", "hang")
# Modes that hold the request and then drop the connection without an answer.
HANGING_MODES = ("timeout", "hang", "commit_then_hang")
DEFAULT_TIMEOUT_SECONDS = 35.0
HTML_ERROR = "<html><body><h1>502 Bad Gateway</h1></body></html>"


class FaultTiming:
    """Mixin for fault dataclasses: how long a timeout/latency fault holds the answer."""

    mode: str
    latency_ms: int | None

    def delay_seconds(self) -> float:
        """Return how long a timeout/latency fault holds the answer."""
        if self.latency_ms is not None:
            return self.latency_ms / 1000
        return DEFAULT_TIMEOUT_SECONDS if self.mode in HANGING_MODES else 0.0


class Matching(Protocol):
    """What the book needs of a fault: a dataclass with a match test and a use count."""

    __dataclass_fields__: ClassVar[dict[str, Any]]
    times: int | None

    def matches(self, target: str, method: str) -> bool: ...


F = TypeVar("F", bound=Matching)


class FaultBook(Generic[F]):
    """The armed faults, consumed in the order they were added."""

    def __init__(self) -> None:
        self._faults: list[F] = []
        self._lock = threading.Lock()

    def add(self, fault: F) -> None:
        """Arm a fault."""
        with self._lock:
            self._faults.append(fault)

    def clear(self) -> None:
        """Disarm every fault."""
        with self._lock:
            self._faults.clear()

    def take(self, target: str, method: str) -> F | None:
        """Return the first fault matching the call, using up one of its `times`."""
        with self._lock:
            for fault in self._faults:
                if fault.matches(target, method):
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


def parse_mode(spec: dict[str, Any], modes: tuple[str, ...]) -> str:
    """Return the fault mode of an inspection API body, or raise ValueError."""
    mode = spec.get("mode")
    if mode not in modes:
        raise ValueError(f"mode must be one of {', '.join(modes)}")
    return str(mode)


def is_http_status(value: Any) -> bool:
    """Return whether a body value is an HTTP status code (booleans are not)."""
    return not isinstance(value, bool) and isinstance(value, int) and 100 <= value <= 599


def parse_counts(spec: dict[str, Any]) -> tuple[int | None, int | None, int | None]:
    """Return (times, retry_after, latency_ms) of an inspection API body, or raise ValueError."""
    times = spec.get("times", 1)
    if times is not None and (not isinstance(times, int) or times < 1):
        raise ValueError("times must be a positive integer or null (until cleared)")
    retry_after, latency_ms = spec.get("retry_after"), spec.get("latency_ms")
    for name, value in (("retry_after", retry_after), ("latency_ms", latency_ms)):
        if value is not None and (not isinstance(value, int) or value < 0):
            raise ValueError(f"{name} must be a non-negative integer or null")
    return times, retry_after, latency_ms


@dataclass
class PathFault(FaultTiming):
    """One armed fault of a REST API, by path and method; `times` None means until cleared."""

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


def parse_path_fault(
    spec: dict[str, Any], modes: tuple[str, ...], methods: tuple[str, ...], example: str
) -> PathFault:
    """Return a PathFault from an inspection API body, or raise ValueError."""
    mode = parse_mode(spec, modes)
    path, method = spec.get("path", "*"), spec.get("method", "*")
    status = spec.get("status", 500)
    if not isinstance(path, str) or not path:
        raise ValueError(f"path must be a non-empty string such as {example} or *")
    if not isinstance(method, str) or method.upper() not in methods:
        raise ValueError(f"method must be one of {', '.join(methods)}")
    if not is_http_status(status):
        raise ValueError("status must be an HTTP status code")
    times, retry_after, latency_ms = parse_counts(spec)
    return PathFault(path, method.upper(), mode, status, retry_after, times, latency_ms)


def retry_headers(status: int, retry_after: int | None) -> dict[str, str]:
    """Return the Retry-After header of an injected 429 that names one, else no headers."""
    if status == 429 and retry_after is not None:
        return {"Retry-After": str(retry_after)}
    return {}


def answer_early(
    fault: FaultTiming,
    request: Request,
    stopping: threading.Event,
    status_answer: Callable[[], Response],
) -> Response | None:
    """Answer a common fault now, or return None to go on (delays and later modes)."""
    if fault.mode in ("latency", "timeout"):
        stopping.wait(fault.delay_seconds())
        return None
    if fault.mode == "hang":  # never handled: the client hears nothing, nothing is written
        hang_up(fault, request, stopping)
    if fault.mode == "non_json":
        return Response(HTML_ERROR, 200, mimetype="text/html")
    if fault.mode == "reset":
        reset_connection(request)
    if fault.mode == "status":
        return status_answer()
    return None


def hang_up(fault: FaultTiming, request: Request, stopping: threading.Event) -> None:
    """Hold the request (`latency_ms`, default 35 s, or until the sandbox stops), then drop it.

    `hang` does it before handling the request (nothing is written); `commit_then_hang` after
    (the write is done, its answer never comes): a client killed meanwhile is what they model.
    """
    stopping.wait(fault.delay_seconds())
    reset_connection(request)


def reset_connection(request: Request) -> None:
    """Drop the client connection without an answer and abandon the request."""
    sock = request.environ.get("werkzeug.socket")
    if isinstance(sock, socket.socket):
        # Linger 0 makes the final close a reset; shutdown ends the exchange at once even
        # though Werkzeug still holds file objects on the socket.
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        sock.shutdown(socket.SHUT_RDWR)
    raise ConnectionResetError("sandbox fault: connection reset")
