"""HaloSimulator: the Halo world, its auth server, rate limit, faults and call counters."""

from __future__ import annotations

import threading
from collections.abc import Sequence
from typing import Any

from ..common.clock import SimClock
from ..common.simulator import CallStats, SimulatorBase
from .app import HaloApp
from .auth import App, AuthServer
from .billing import billing_state
from .catalog import API_AGENT_ID
from .errors import rate_limit_message
from .faults import Fault, FaultBook
from .params import halo_time
from .ratelimit import DEFAULT_LIMIT, RollingWindowLimiter
from .scenario import SourceCompany, build_store, credentials
from .store import TABLES, public
from .ticket_api import render_ticket

__all__ = ["CallStats", "HaloSimulator"]


class HaloSimulator(SimulatorBase):
    """A stand-in for one HaloPSA instance, reached through one API application."""

    name = "halopsa"

    def __init__(
        self,
        *,
        seed: int = 7,
        sources: Sequence[SourceCompany] = (),
        clock: SimClock | None = None,
        rate_limit: tuple[int, float] | None = DEFAULT_LIMIT,
        token_lifetime: int = 3600,
    ) -> None:
        super().__init__()
        self.seed = seed
        self.sources = tuple(sources)
        self.clock = clock or SimClock()
        self.credentials = credentials(seed)
        self.lock = threading.RLock()
        self.store = build_store(seed, self.sources, self.clock.now())
        self.auth = AuthServer(self.clock, self.credentials.tenant, token_lifetime)
        creds = self.credentials
        self.auth.add_app(
            App(creds.client_id, creds.client_secret, frozenset({"all"}), API_AGENT_ID)
        )
        self.limiter = RollingWindowLimiter(rate_limit)
        self.faults: FaultBook[Fault] = FaultBook()
        self.stats = CallStats()
        self.app = HaloApp(self)

    def info(self, root_url: str) -> dict[str, str]:
        """Return what a client needs to connect, given the server's root URL."""
        return {
            "base_url": root_url,
            "auth_url": f"{root_url}/auth",
            "tenant": self.credentials.tenant,
            "client_id": self.credentials.client_id,
            "client_secret": self.credentials.client_secret,
            "sandbox_url": f"{root_url}/_sandbox",
        }

    def limit_text(self) -> str:
        """Return the 429 message of the configured limit."""
        requests, window = self.limiter.limit or DEFAULT_LIMIT
        return rate_limit_message(requests, window)

    def reset(self) -> None:
        """Put the scenario back to the seed; forget faults, limits, counters (not tokens)."""
        with self.lock:
            self.store = build_store(self.seed, self.sources, self.clock.now())
        self.faults.clear()
        self.limiter.reset()
        self.stats.reset()
        self.auth.tokens_issued = 0

    def snapshot(self) -> dict[str, Any]:
        """Return the inspection `state`: tickets with their actions, counts, counters."""
        with self.lock:
            store = self.store
            actions: dict[int, list[dict[str, Any]]] = {}
            for action in store.rows("actions"):
                actions.setdefault(action["ticket_id"], []).append(public(action))
            tickets = [
                {**render_ticket(store, t), "actions": actions.get(t["id"], [])}
                for t in store.rows("tickets")
            ]
            counts = {table: len(store.tables[table]) for table in TABLES}
            removed = [s["name"] for s in store.removed_statuses.values()]
            billing = billing_state(store)
        return {
            "now": halo_time(self.clock.now()),
            "tenant": self.credentials.tenant,
            "tickets": tickets,
            **billing,
            "counts": counts,
            "removed_statuses": removed,
            "scenario": store.scenario,
            "faults": self.faults.describe(),
            "tokens_issued": self.auth.tokens_issued,
            **self.stats.snapshot(),
        }
