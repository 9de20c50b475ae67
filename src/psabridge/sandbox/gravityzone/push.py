"""Event Push Service sender: queue, background delivery, stats and auto-disable (3.1-3.5)."""

from __future__ import annotations

import logging
import random
import threading
from collections import deque
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import httpx

from .clock import SimClock, epoch_millis
from .pushformat import build_body, build_headers
from .pushstate import PushSettings, PushStats

log = logging.getLogger(__name__)
MAX_FAILURES = 100  # reference 3.4: more than 100 failures disable the service
NO_SUCCESS_WINDOW = timedelta(seconds=10800)  # reference 3.4: 3 h after the last error
MAX_QUEUE = 10_000  # our bound: the oldest queued events are dropped beyond it


@dataclass
class Queued:
    """A queued event; test events travel in a message of their own."""

    event: dict[str, Any]
    test: bool = False


class PushService:
    """Hold push settings and stats, queue events and deliver them to the receiver."""

    def __init__(
        self, clock: SimClock, *, seed: int, batch_max: int = 10, http_timeout: float = 10.0
    ) -> None:
        self.clock = clock
        self.rng = random.Random(seed * 31 + 3)
        self.batch_max = max(1, batch_max)
        self.http_timeout = http_timeout
        self.coalesce_seconds = 0.05
        self.settings: PushSettings | None = None
        self.stats = PushStats(last_update=clock.now())
        self.omit_authorization = False
        self.disabled_reason: str | None = None
        self.recent: deque[dict[str, Any]] = deque(maxlen=50)
        self._queue: deque[Queued] = deque()
        self._failures = 0
        self._last_error_at: datetime | None = None
        self._cond = threading.Condition()
        self._send_lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._clients: dict[bool, httpx.Client] = {}

    # settings and stats -------------------------------------------------------------
    @property
    def enabled(self) -> bool:
        """Return whether events are being pushed."""
        return self.settings is not None and self.settings.status == 1

    def configure(self, settings: PushSettings) -> None:
        """Apply new settings at once (open question 17); this re-arms auto-disable."""
        with self._cond:
            self.settings = settings
            self._failures = 0
            self._last_error_at = None
            self.disabled_reason = None
            if settings.status != 1:
                self._queue.clear()
            self._cond.notify_all()

    def reset_stats(self) -> None:
        """Zero the counters (resetPushEventStats)."""
        with self._cond:
            self.stats = PushStats(last_update=self.clock.now())
            self._failures = 0

    def check_auto_disable(self) -> None:
        """Disable pushing after 3 h with no 200 since the last error (reference 3.4)."""
        with self._cond:
            last_error = self._last_error_at
            if last_error is not None and self.enabled and self._quiet_since(last_error):
                self._disable("no_success_3h")

    def _quiet_since(self, last_error: datetime) -> bool:
        return self.clock.now() - last_error >= NO_SUCCESS_WINDOW

    def _disable(self, reason: str) -> None:
        assert self.settings is not None
        self.settings.status = 0
        self.disabled_reason = reason
        self._queue.clear()  # our choice: events queued while disabled are lost
        log.info("push auto-disabled: %s", reason)

    # queue --------------------------------------------------------------------------
    def enqueue(self, events: list[dict[str, Any]], *, test: bool = False) -> int:
        """Queue the events the settings subscribe to (tests bypass filters); return count."""
        with self._cond:
            settings = self.settings
            if settings is None or settings.status != 1:
                return 0
            accepted = [Queued(e, test) for e in events if test or settings.wants(e)]
            self._queue.extend(accepted)
            while len(self._queue) > MAX_QUEUE:
                self._queue.popleft()
            self._cond.notify_all()
            return len(accepted)

    def queue_length(self) -> int:
        """Return how many events wait for delivery."""
        with self._cond:
            return len(self._queue)

    def _take_batch(self) -> tuple[list[Queued], PushSettings] | None:
        with self._cond:
            if not self._queue or not self.enabled or self.settings is None:
                return None
            if self._queue[0].test:
                return [self._queue.popleft()], self.settings
            size = self.rng.randint(1, self.batch_max)
            batch: list[Queued] = []
            while self._queue and len(batch) < size and not self._queue[0].test:
                batch.append(self._queue.popleft())
            return batch, self.settings

    # delivery -----------------------------------------------------------------------
    def flush(self) -> list[dict[str, Any]]:
        """Deliver everything queued now, synchronously; return the delivery results."""
        self.check_auto_disable()
        results = []
        with self._send_lock:
            while (taken := self._take_batch()) is not None:
                results.append(self._deliver(*taken))
        return results

    def _deliver(self, batch: list[Queued], settings: PushSettings) -> dict[str, Any]:
        events = [q.event for q in batch]
        body = build_body(settings.service_type, events, epoch_millis(self.clock.now()))
        if settings.authorization is None:
            outcome, status = "configurationError", None  # reference 3.4: no authorization set
        else:
            outcome, status = self._post(settings, body)
        tests = sum(1 for q in batch if q.test)
        self._record(outcome, len(batch) - tests, tests)
        result = {
            "outcome": outcome,
            "http_status": status,
            "events": len(batch),
            "bytes": len(body),
        }
        with self._cond:
            self.recent.append(result)
        return result

    def recent_deliveries(self) -> list[dict[str, Any]]:
        """Return the last 50 delivery results, oldest first."""
        with self._cond:
            return list(self.recent)

    def _post(self, settings: PushSettings, body: bytes) -> tuple[str, int | None]:
        url = str(settings.service_settings.get("url", ""))
        verify = settings.service_settings.get("requireValidSslCertificate") is not False
        headers = build_headers(settings, body, self.omit_authorization)
        try:
            client = self._client(verify)
            request = client.build_request("POST", url, content=body, headers=headers)
            request.headers.pop("Content-Type", None)  # GravityZone sends none (3.5)
            response = client.send(request)
        except httpx.TimeoutException:
            return "timeout", None
        except httpx.TransportError:
            return "connectionError", None
        except Exception:  # an URL httpx refuses, for example
            log.debug("push delivery failed", exc_info=True)
            return "serviceError", None
        return _classify(response.status_code), response.status_code

    def _client(self, verify: bool) -> httpx.Client:
        """Return a pooled client (building an SSL context per message is slow)."""
        if verify not in self._clients:
            self._clients[verify] = httpx.Client(timeout=self.http_timeout, verify=verify)
        return self._clients[verify]

    def _record(self, outcome: str, events: int, tests: int) -> None:
        now = self.clock.now()
        with self._cond:
            if outcome == "ok":
                self.stats.record_success(events, tests, now)
                self._last_error_at = None
                return
            self.stats.record_failure(outcome, now)
            self._failures += 1
            self._last_error_at = now
            if self._failures > MAX_FAILURES and self.enabled:
                self._disable("error_messages")

    # background thread --------------------------------------------------------------
    def start(self) -> None:
        """Start the background sender thread."""
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name="gz-push", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Stop the sender thread (queued events stay queued)."""
        self._stop.set()
        with self._cond:
            self._cond.notify_all()
        if self._thread is not None:
            self._thread.join(timeout=self.http_timeout + 5)
            self._thread = None
        with self._send_lock:
            for client in self._clients.values():
                client.close()
            self._clients.clear()

    def _run(self) -> None:
        while not self._stop.is_set():
            self.check_auto_disable()
            with self._cond:
                if not (self._queue and self.enabled):
                    self._cond.wait(0.5)
                    continue
            if self._stop.wait(self.coalesce_seconds):
                return
            with self._send_lock:
                taken = self._take_batch()
                if taken is not None:
                    self._deliver(*taken)


def _classify(status: int) -> str:
    """Return the stats outcome of an HTTP status: only 200 is success (open question 16)."""
    if status == 200:
        return "ok"
    if 200 <= status < 300:
        return "statusCode2xx"
    if 300 <= status < 400:
        return "statusCode300"
    if 400 <= status < 500:
        return "statusCode400"
    if status >= 500:
        return "statusCode500"
    return "serviceError"
