"""Sliding-window rate limit per API key: 1,000 calls per 60 s by default (ref 2.5)."""

from __future__ import annotations

import math
import threading
import time
from collections import deque
from collections.abc import Callable

from .errors import rate_limited

DEFAULT_LIMIT = (1000, 60.0)


class SlidingWindowLimiter:
    """Admit at most `calls` per `window` seconds per key; `time_scale` shrinks the window."""

    def __init__(
        self,
        limit: tuple[int, float] | None = DEFAULT_LIMIT,
        *,
        time_scale: float = 1.0,
        monotonic: Callable[[], float] = time.monotonic,
        error: Callable[[int], Exception] = rate_limited,
    ) -> None:
        self.limit = limit
        self.time_scale = time_scale
        self._monotonic = monotonic
        self._error = error
        self._starts: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def admit(self, key: str) -> None:
        """Count one call, or raise the 429 (refused calls are not counted)."""
        if self.limit is None:
            return
        calls, window = self.limit[0], self.limit[1] / self.time_scale
        with self._lock:
            now = self._monotonic()
            starts = self._starts.setdefault(key, deque())
            while starts and starts[0] <= now - window:
                starts.popleft()
            if len(starts) >= calls:
                # Retry-After: whole seconds until the oldest call leaves the window.
                raise self._error(max(1, math.ceil(starts[0] + window - now)))
            starts.append(now)

    def reset(self) -> None:
        """Forget every past call (inspection API `reset-limits`)."""
        with self._lock:
            self._starts.clear()
