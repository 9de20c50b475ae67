"""Rolling-window rate limit per client_id, 300 requests per 5 minutes by default (ref 2.4)."""

from __future__ import annotations

import math
import threading
import time
from collections import deque
from collections.abc import Callable

from .errors import rate_limited

DEFAULT_LIMIT = (300, 300.0)


class RollingWindowLimiter:
    """Admit at most `requests` per `window` seconds per client_id; None turns it off."""

    def __init__(
        self,
        limit: tuple[int, float] | None = DEFAULT_LIMIT,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.limit = limit
        self._monotonic = monotonic
        self._starts: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def admit(self, client_id: str) -> None:
        """Count one request, or raise the 429 HaloError; refused requests are not counted."""
        if self.limit is None:
            return
        requests, window = self.limit
        with self._lock:
            now = self._monotonic()
            starts = self._starts.setdefault(client_id, deque())
            while starts and starts[0] <= now - window:
                starts.popleft()
            if len(starts) >= requests:
                # Retry-After: whole seconds until the oldest request leaves the window.
                raise rate_limited(requests, window, max(1, math.ceil(starts[0] + window - now)))
            starts.append(now)

    def reset(self) -> None:
        """Forget every past request (inspection API `reset-limits`)."""
        with self._lock:
            self._starts.clear()
