"""Simulator glue: call counters, the stop event, and the WSGI app routing /_sandbox/."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from werkzeug.wrappers import Request, Response

from .inspection import PREFIX

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIEnvironment


class CallStats:
    """Counters of calls per label and of 429 answers."""

    def __init__(self) -> None:
        self.calls: Counter[str] = Counter()
        self.rate_limited = 0
        self._lock = threading.Lock()

    def count(self, label: str) -> None:
        """Count one call."""
        with self._lock:
            self.calls[label] += 1

    def count_rate_limited(self) -> None:
        """Count one 429 answer."""
        with self._lock:
            self.rate_limited += 1

    def reset(self) -> None:
        """Forget every count."""
        with self._lock:
            self.calls.clear()
            self.rate_limited = 0

    def snapshot(self) -> dict[str, Any]:
        """Return the counters as JSON-ready data."""
        with self._lock:
            return {"calls": dict(self.calls), "rate_limited": self.rate_limited}


class SimulatorApp:
    """A simulator's WSGI app: /_sandbox/ goes to `_inspect`, the rest to `_serve`."""

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        request = Request(environ)
        if request.path.startswith(PREFIX):
            response = self._inspect(request)
        else:
            response = self._serve(request)
        return response(environ, start_response)

    def _inspect(self, request: Request) -> Response:
        raise NotImplementedError

    def _serve(self, request: Request) -> Response:
        raise NotImplementedError


class SimulatorBase:
    """WSGI entry and the stop event that wakes requests held by faults or queues."""

    name: str
    app: SimulatorApp

    def __init__(self) -> None:
        self.stopping = threading.Event()

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        """Serve the simulator as a WSGI app."""
        return self.app(environ, start_response)

    def start_background(self) -> None:
        """Re-arm the stop event (subclasses start their threads after this)."""
        self.stopping.clear()

    def stop_background(self) -> None:
        """Wake requests held by latency or timeout faults (subclasses stop threads after)."""
        self.stopping.set()
