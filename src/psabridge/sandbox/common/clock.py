"""Injectable simulator clock: real UTC time plus an offset that tests can advance."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta


class SimClock:
    """Return real UTC time shifted by an offset that tests can advance."""

    def __init__(self) -> None:
        self._offset = timedelta(0)
        self._lock = threading.Lock()

    def now(self) -> datetime:
        """Return the simulated current time (timezone-aware UTC)."""
        with self._lock:
            return datetime.now(UTC) + self._offset

    def advance(self, seconds: float) -> datetime:
        """Move simulated time forward and return the new now."""
        with self._lock:
            self._offset += timedelta(seconds=seconds)
        return self.now()
