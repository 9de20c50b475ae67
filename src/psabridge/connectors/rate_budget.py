"""A moving-window rate budget per outside system and credential, shared via `limits` storage."""

from __future__ import annotations

import hashlib
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar

import limits
from limits.errors import StorageError
from limits.storage import Storage, storage_from_string
from limits.strategies import MovingWindowRateLimiter

from psabridge.connectors import sqlite_window  # noqa: F401 - registers the sqlite:// scheme
from psabridge.connectors.errors import RateLimitedError, TransientError

# Waits shorter than this are rounded up so a loop never spins on clock granularity.
_MIN_WAIT = 0.01
# `limits` keeps an entry in the window while atime >= now - expiry (inclusive), so wait a hair
# past the reset time instead of waking exactly on it and sleeping again.
_PAST_RESET = 0.001

_storages: dict[str, Storage] = {}
_storages_lock = threading.Lock()

# The longest wait for a slot that the code running in this context accepts (see `patient`).
_patience: ContextVar[float] = ContextVar("rate_budget_patience", default=0.0)


@contextmanager
def patient(max_wait: float) -> Iterator[None]:
    """Within the block, let every budget wait up to `max_wait` seconds for a slot.

    A caller's own `max_wait` (HttpClient's 30 s by default) stays the bound for interactive
    work: a page must not hang for a minute. A background job that has to make more calls than
    one window holds (the ConnectWise month-start sync: ~3,000 calls under 900 a minute) would
    otherwise be refused at the first full window ("retry in 40 s") and finish only runs later;
    it waits the window out instead. A ContextVar, so a job in one worker thread never makes a
    web request of another thread wait longer.
    """
    token = _patience.set(max_wait)
    try:
        yield
    finally:
        _patience.reset(token)


def _shared_storage(uri: str, key_prefix: str = "") -> Storage:
    """Return one storage per URI (and key prefix), so every budget of this process on it shares
    its counts. `key_prefix` keeps sites sharing one Redis apart (other storages ignore it)."""
    key = f"{uri}#{key_prefix}"
    with _storages_lock:
        if key not in _storages:
            options = {"key_prefix": key_prefix} if key_prefix and uri.startswith("redis") else {}
            storage = storage_from_string(uri, wrap_exceptions=True, **options)
            if not isinstance(storage, Storage):
                raise ValueError("rate budget storage must be synchronous")
            _storages[key] = storage
        return _storages[key]


def secret_fingerprint(secret: str) -> str:
    """Return a short stable hash of a secret, for rate identities and log correlation."""
    return hashlib.sha256(secret.encode()).hexdigest()[:12]


class RateBudget:
    """Block until a rate item allows one more call, or refuse when the wait would be too long.

    Budgets with the same storage URI share their counts: `memory://` within a process,
    `redis://...` across every web and worker process. `namespace` separates systems.
    """

    def __init__(
        self,
        storage_uri: str = "memory://",
        namespace: str = "psabridge",
        *,
        sleeper: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.time,
        share: float = 1.0,
        key_prefix: str = "",
        limit: limits.RateLimitItem | None = None,
    ) -> None:
        self.namespace = namespace
        # The tenant's own limit, when set, replaces the connector's items.
        self.limit = limit
        # With process-local storage each process may use only its share of a system's limit,
        # so that web and worker processes together stay within it.
        self.share = min(max(share, 0.0), 1.0)
        self._limiter = MovingWindowRateLimiter(_shared_storage(storage_uri, key_prefix))
        self._sleeper = sleeper
        # Wall clock: `limits` stamps window entries with time.time(), so waits are computed
        # against the same clock.
        self._clock = clock

    def acquire(self, item: limits.RateLimitItem, identity: str, max_wait: float) -> float:
        """Take one slot of `item` for `identity`; return the seconds waited for it.

        Raises RateLimitedError (local) rather than wait longer than `max_wait`, or than the
        enclosing `patient` block allows when that is longer.
        """
        item = self._scaled(item)
        max_wait = max(max_wait, _patience.get())
        waited = 0.0
        while not self._hit(item, identity):
            delay = max(self._wait_time(item, identity), _MIN_WAIT)
            if waited + delay > max_wait:
                raise RateLimitedError(
                    f"Local rate budget for {self.namespace} exhausted ({item}); "
                    f"retry in {delay:.0f} s",
                    retry_after=delay,
                    local=True,
                )
            self._sleeper(delay)
            waited += delay
        return waited

    def _scaled(self, item: limits.RateLimitItem) -> limits.RateLimitItem:
        item = self.limit or item
        if self.share >= 1.0:
            return item
        # Every process may still make two calls a window: interactive actions (Validate, then
        # Enable push) must not wait a minute under a 5-a-minute limit.
        amount = max(min(item.amount, 2), int(item.amount * self.share))
        return type(item)(amount, item.multiples, item.namespace)

    def wait_time(self, item: limits.RateLimitItem, identity: str) -> float:
        """Return the seconds until `item` frees a slot for `identity` (0 when one is free)."""
        return self._wait_time(self._scaled(item), identity)

    def _wait_time(self, item: limits.RateLimitItem, identity: str) -> float:
        try:
            stats = self._limiter.get_window_stats(item, self.namespace, identity)
        except StorageError as exc:
            raise _storage_down() from exc
        if stats.remaining > 0:
            return 0.0
        return max(stats.reset_time - self._clock() + _PAST_RESET, 0.0)

    def _hit(self, item: limits.RateLimitItem, identity: str) -> bool:
        try:
            return self._limiter.hit(item, self.namespace, identity)
        except StorageError as exc:
            raise _storage_down() from exc


def parse_limit(name: str, text: str) -> limits.RateLimitItem:
    """Parse a limit such as "500/5 minutes" or "100 per minute"; ValueError names the setting."""
    try:
        return limits.parse(text)
    except ValueError:
        raise ValueError(
            f'{name}: "{text}" is not a rate limit; write it as "500/5 minutes"'
        ) from None


def _storage_down() -> TransientError:
    return TransientError("Rate budget storage is unreachable")
