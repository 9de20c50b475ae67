"""GravityZoneSimulator: the world, the API app, the push sender and the demo alert loop."""

from __future__ import annotations

import secrets
import threading
from collections.abc import Iterable
from typing import Any

from ..common.simulator import CallStats, SimulatorBase
from .app import GravityZoneApp
from .clock import SimClock, api_time
from .faults import Fault, FaultBook
from .generator import AlertGenerator
from .push import PushService
from .pushstate import MASK
from .ratelimit import RateLimiter
from .scenario import build_world
from .state import ApiKey

__all__ = ["CallStats", "GravityZoneSimulator"]


class GravityZoneSimulator(SimulatorBase):
    """A stand-in for one GravityZone tenant, seen through its partner API key."""

    name = "gravityzone"

    def __init__(
        self,
        *,
        seed: int = 7,
        companies: int = 25,
        endpoints: int = 600,
        alert_interval: float | None = None,
        push_batch_max: int = 10,
        rate_limits: bool = True,
        time_scale: float = 1.0,
        mirror_limits: bool = False,
        push_timeout: float = 10.0,
    ) -> None:
        super().__init__()
        self.clock = SimClock()
        self.world = build_world(
            seed=seed, companies=companies, endpoints=endpoints, now=self.clock.now()
        )
        self.push = PushService(
            self.clock, seed=seed, batch_max=push_batch_max, http_timeout=push_timeout
        )
        self.generator = AlertGenerator(self.world, self.clock, seed)
        self.limiter = RateLimiter(
            enabled=rate_limits, time_scale=time_scale, mirror_limits=mirror_limits
        )
        self.faults: FaultBook[Fault] = FaultBook()
        self.calls = CallStats()
        self.alert_interval = alert_interval
        self.push_batch_max = push_batch_max
        self.app = GravityZoneApp(self)
        self._alert_thread: threading.Thread | None = None

    @property
    def api_key(self) -> str:
        """Return the scenario's main key (every service enabled)."""
        return self.world.main_key

    @property
    def partner_company_id(self) -> str:
        """Return the id of the key's own partner company (the root)."""
        return self.world.root_id

    def info(self, root_url: str) -> dict[str, str]:
        """Return what a client needs to connect, given the server's root URL."""
        return {
            "base_url": f"{root_url}/api",
            "api_key": self.api_key,
            "sandbox_url": f"{root_url}/_sandbox",
            "partner_company_id": self.partner_company_id,
        }

    def start_background(self) -> None:
        """Start the push sender and, in demo mode, the alert loop."""
        super().start_background()
        self.push.start()
        if self.alert_interval:
            self._alert_thread = threading.Thread(
                target=self._alert_loop, name="gz-alerts", daemon=True
            )
            self._alert_thread.start()

    def stop_background(self) -> None:
        """Stop the background threads and wake requests held by faults or queues."""
        super().stop_background()
        self.push.stop()
        if self._alert_thread is not None:
            self._alert_thread.join(timeout=5)
            self._alert_thread = None

    def _alert_loop(self) -> None:
        assert self.alert_interval is not None
        while not self.stopping.wait(self.alert_interval):
            if self.push.enabled:
                batch = self.generator.random_batch(self.push_batch_max)
                self.push.enqueue([g.event for g in batch])

    def add_key(self, services: Iterable[str], company_id: str | None = None) -> ApiKey:
        """Create an extra API key with the given services."""
        key = ApiKey(secrets.token_hex(16), company_id or self.world.root_id, frozenset(services))
        self.world.keys[key.key] = key
        return key

    def snapshot(self) -> dict[str, Any]:
        """Return the inspection `state`: world summary, push and call counters."""
        self.push.check_auto_disable()
        settings = self.push.settings
        return {
            "now": api_time(self.clock.now()),
            "partner_company_id": self.partner_company_id,
            "companies": [self._company_summary(c.id) for c in self.world.companies.values()],
            "endpoints": self._endpoint_counts(),
            "push": {
                "settings": None if settings is None else settings.public(),
                "url": None if settings is None else settings.service_settings.get("url"),
                "authorization_set": bool(settings and settings.authorization),
                "authorization": MASK if settings and settings.authorization else None,
                "stats": self.push.stats.result(),
                "queue_length": self.push.queue_length(),
                "disabled_reason": self.push.disabled_reason,
                "omit_authorization": self.push.omit_authorization,
                "recent_deliveries": self.push.recent_deliveries(),
            },
            "faults": self.faults.describe(),
            **self.calls.snapshot(),
        }

    def _company_summary(self, company_id: str) -> dict[str, Any]:
        company = self.world.companies[company_id]
        endpoints = self.world.endpoints_of(company_id)
        return {
            "id": company.id,
            "name": company.name,
            "type": company.type,
            "parent_id": company.parent_id,
            "license_type": company.licence.license_type,
            "addons": sorted(company.licence.addons),
            "endpoints": len(endpoints),
            "managed": sum(1 for e in endpoints if e.is_managed),
        }

    def _endpoint_counts(self) -> dict[str, int]:
        endpoints = list(self.world.endpoints.values())
        return {
            "total": len(endpoints),
            "managed": sum(1 for e in endpoints if e.is_managed),
            "licensed": sum(1 for e in endpoints if e.is_managed and e.licensed == 1),
        }
