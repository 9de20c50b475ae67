"""AutomateSimulator: clients linked to PSA companies, token auth, limits, faults."""

from __future__ import annotations

import copy
import random
import string
import threading
import uuid
from collections.abc import Iterable, Mapping
from typing import Any

from ..common.clock import SimClock
from ..common.simulator import CallStats, SimulatorBase
from ..connectwise.faults import Fault, FaultBook
from ..connectwise.ratelimit import SlidingWindowLimiter
from ..connectwise.values import cw_time
from .app import AutomateApp
from .auth import TokenServer
from .errors import rate_limited
from .scenario import build_clients, new_client

DEFAULT_LIMIT = (600, 60.0)


class AutomateSimulator(SimulatorBase):
    """A stand-in for one Automate server reached by one integrator user."""

    name = "automate"

    def __init__(
        self,
        *,
        seed: int = 7,
        plan: Iterable[Mapping[str, Any]] = (),
        clock: SimClock | None = None,
        rate_limit: tuple[int, float] | None = DEFAULT_LIMIT,
        token_lifetime: int = 3600,
        time_scale: float = 1.0,
    ) -> None:
        super().__init__()
        self.plan = [dict(row) for row in plan]
        self.clock = clock or SimClock()
        rng = random.Random(f"automate-credentials:{seed}")
        self.username = "psabridge"
        self.password = "".join(rng.choice(string.ascii_letters + string.digits) for _ in range(20))
        self.client_id = str(uuid.UUID(int=rng.getrandbits(128), version=4))
        self.client_ids = {self.client_id}
        self.lock = threading.RLock()
        self.clients = build_clients(self.plan)
        self.auth = TokenServer(self.clock, self.username, self.password, token_lifetime)
        self.limiter = SlidingWindowLimiter(rate_limit, time_scale=time_scale, error=rate_limited)
        self.faults: FaultBook[Fault] = FaultBook()
        self.stats = CallStats()
        self.app = AutomateApp(self)

    def info(self, root_url: str) -> dict[str, str]:
        """Return what a client needs to connect, given the server's root URL."""
        return {
            "server_url": root_url,
            "username": self.username,
            "password": self.password,
            "client_id": self.client_id,
            "sandbox_url": f"{root_url}/_sandbox",
        }

    def reset(self) -> None:
        """Rebuild the clients from the plan; forget faults, limits and counters."""
        with self.lock:
            self.clients = build_clients(self.plan)
        self.faults.clear()
        self.limiter.reset()
        self.stats.reset()

    def reset_calls(self) -> None:
        """Forget the call counters."""
        self.stats.reset()

    def calls(self) -> dict[str, Any]:
        """Return the call counters per "METHOD /template" label and the 429 count."""
        return self.stats.snapshot()

    def snapshot(self) -> dict[str, Any]:
        """Return the inspection `state`: clients, token count, faults, counters."""
        with self.lock:
            clients = [copy.deepcopy(self.clients[k]) for k in sorted(self.clients)]
        return {
            "now": cw_time(self.clock.now()),
            "clients": clients,
            "tokens_issued": self.auth.tokens_issued,
            "faults": self.faults.describe(),
            **self.stats.snapshot(),
        }

    def add_client(self, name: str, external_id: int = 0) -> dict[str, Any]:
        """Add a client (ExternalId 0: not linked)."""
        if not isinstance(name, str) or not name.strip():
            raise ValueError("Name must be a non-empty string")
        if isinstance(external_id, bool) or not isinstance(external_id, int):
            raise ValueError("ExternalId must be an integer")
        with self.lock:
            client = new_client(max(self.clients, default=0) + 1, name.strip(), external_id)
            self.clients[client["Id"]] = client
            return copy.deepcopy(client)

    def update_client(self, client_id: int, **changes: Any) -> dict[str, Any]:
        """Set a client's `ExternalId` and/or `Name`."""
        with self.lock:
            client = self.clients.get(client_id)
            if client is None:
                raise ValueError(f"no client {client_id}")
            if "ExternalId" in changes:
                value = changes["ExternalId"]
                if isinstance(value, bool) or not isinstance(value, int):
                    raise ValueError("ExternalId must be an integer")
                client["ExternalId"] = value
            if "Name" in changes:
                if not isinstance(changes["Name"], str) or not changes["Name"].strip():
                    raise ValueError("Name must be a non-empty string")
                client["Name"] = client["Company"] = changes["Name"].strip()
            return copy.deepcopy(client)

    def delete_client(self, client_id: int) -> dict[str, Any]:
        """Delete a client."""
        with self.lock:
            client = self.clients.pop(client_id, None)
        if client is None:
            raise ValueError(f"no client {client_id}")
        return {"deleted": client_id}
