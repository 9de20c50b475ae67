"""Request thresholds: the database's hourly count with latency, and the thread limit (2.7)."""

from __future__ import annotations

import math
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from .errors import rate_limited, thread_limited

DEFAULT_THRESHOLD = 10_000
WINDOW_SECONDS = 3600.0
THREAD_LIMIT = 3
# (share of the threshold used, added latency in seconds): open question 13, N8N
PENALTIES = ((0.75, 1.0), (0.5, 0.5))


class HourlyThreshold:
    """Count requests per rolling hour for the whole database; `time_scale` shrinks the hour."""

    def __init__(
        self,
        limit: int | None = DEFAULT_THRESHOLD,
        *,
        time_scale: float = 1.0,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.limit = limit
        self.time_scale = time_scale
        self._monotonic = monotonic
        self._starts: deque[float] = deque()
        self._lock = threading.Lock()

    @property
    def window(self) -> float:
        """Return the scaled window in seconds."""
        return WINDOW_SECONDS / self.time_scale

    def admit(self) -> float:
        """Count one request and return its added latency (s), or raise the 429."""
        if self.limit is None:
            return 0.0
        with self._lock:
            now = self._trim()
            if len(self._starts) >= self.limit:
                wait = self._starts[0] + self.window - now
                raise rate_limited(max(1, math.ceil(wait)), self.limit)
            used = len(self._starts) / self.limit
            self._starts.append(now)
        penalty = next((delay for share, delay in PENALTIES if used >= share), 0.0)
        return penalty / self.time_scale

    def current(self) -> int:
        """Return the requests counted in the current window."""
        with self._lock:
            self._trim()
            return len(self._starts)

    def reset(self) -> None:
        """Forget every counted request."""
        with self._lock:
            self._starts.clear()

    def _trim(self) -> float:
        now = self._monotonic()
        while self._starts and self._starts[0] <= now - self.window:
            self._starts.popleft()
        return now


class ThreadGate:
    """Admit at most `limit` concurrent calls per (integration code, endpoint)."""

    def __init__(self, limit: int | None = THREAD_LIMIT) -> None:
        self.limit = limit
        self.refused = 0
        self._busy: dict[tuple[str, str], int] = {}
        self._lock = threading.Lock()

    @contextmanager
    def hold(self, code: str, endpoint: str) -> Iterator[None]:
        """Hold a thread slot for the duration of a call, or raise the refusal."""
        key = (code, endpoint.lower())
        with self._lock:
            busy = self._busy.get(key, 0)
            if self.limit is not None and busy >= self.limit:
                self.refused += 1
                raise thread_limited(self.limit)
            self._busy[key] = busy + 1
        try:
            yield
        finally:
            with self._lock:
                self._busy[key] -= 1

    def busy(self) -> dict[str, int]:
        """Return the calls in flight per "code endpoint" key."""
        with self._lock:
            return {f"{c} {e}": n for (c, e), n in self._busy.items() if n}


class AtLimits:
    """Both limits, resettable together by the inspection API."""

    def __init__(self, threshold: HourlyThreshold, gate: ThreadGate) -> None:
        self.threshold = threshold
        self.gate = gate

    def reset(self) -> None:
        """Forget the hourly count and the refusals."""
        self.threshold.reset()
        self.gate.refused = 0
