"""Per-API-key rate limits with bounded burst queues (reference 1.6)."""

from __future__ import annotations

import math
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

from .errors import rate_limited


@dataclass(frozen=True)
class Limit:
    """`requests` per `period` seconds; up to `burst` more wait in a queue."""

    requests: int
    period: float
    burst: int


LIMITS = {
    "default": Limit(10, 1.0, 10),
    "licensing": Limit(5, 1.0, 5),
    "push": Limit(5, 60.0, 0),
}
LICENSING_LIMITED = {
    "getLicenseInfo",
    "setLicenseKey",
    "addProductKey",
    "removeProductKey",
    "getMonthlyUsage",
    "getMonthlyUsagePerProductType",
}
COMPANIES_LIMITED = {"deleteCompany", "updateCompanyDetails", "suspendCompany", "activateCompany"}
# Open question 3: only an older mirror limits these to 5 req/s; off by default.
MIRROR_LIMITED = {"createCompany", "getCompanyDetails"}


def limit_class(service: str, method: str, mirror_limits: bool = False) -> str:
    """Return the name of the limit a method falls under."""
    if service == "push":
        return "push"
    if service == "licensing" and method in LICENSING_LIMITED:
        return "licensing"
    if service == "companies" and (
        method in COMPANIES_LIMITED or (mirror_limits and method in MIRROR_LIMITED)
    ):
        return "licensing"
    return "default"


class RateLimiter:
    """Admit, queue or refuse calls per (API key, limit class); `time_scale` shrinks periods."""

    def __init__(
        self,
        *,
        enabled: bool = True,
        time_scale: float = 1.0,
        mirror_limits: bool = False,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.enabled = enabled
        self.time_scale = time_scale
        self.mirror_limits = mirror_limits
        self._monotonic = monotonic
        self._starts: dict[tuple[str, str], deque[float]] = {}
        self._lock = threading.Lock()

    def reserve(self, api_key: str, service: str, method: str) -> float:
        """Return how long the call must wait in the queue, or raise the 429 RpcError."""
        if not self.enabled:
            return 0.0
        name = limit_class(service, method, self.mirror_limits)
        limit = LIMITS[name]
        period = limit.period / self.time_scale
        with self._lock:
            now = self._monotonic()
            starts = self._starts.setdefault((api_key, name), deque())
            while starts and starts[0] <= now - period:
                starts.popleft()
            slot = now
            if len(starts) >= limit.requests:
                slot = max(now, starts[-limit.requests] + period)
            if slot > now:
                queued = [s for s in starts if s > now]
                if len(queued) >= limit.burst:
                    # Retry-After: seconds until the queue has room (or, without burst, a slot).
                    free_at = queued[0] if limit.burst else slot
                    raise rate_limited(max(1, math.ceil(free_at - now)))
            starts.append(slot)
            return slot - now

    def reset(self) -> None:
        """Forget every past call (inspection API `reset-limits`)."""
        with self._lock:
            self._starts.clear()
