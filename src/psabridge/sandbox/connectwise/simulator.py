"""ConnectWiseSimulator: the PSA world, credentials, limits, faults, counters, actions."""

from __future__ import annotations

import random
import string
import threading
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from ..common.clock import SimClock
from ..common.simulator import CallStats, SimulatorBase
from . import actions
from .additions import render_addition
from .agreements import render_agreement
from .app import CwApp
from .config import API_MEMBER
from .faults import Fault, FaultBook
from .ratelimit import DEFAULT_LIMIT, SlidingWindowLimiter
from .scenario import Source, build_store
from .store import TABLES, public
from .values import cw_time

CODEBASE = "v2025_1/"


@dataclass(frozen=True)
class Credentials:
    """The login company, the API member's key pair and the integration's clientId."""

    company_id: str
    public_key: str
    private_key: str
    client_id: str


def credentials(seed: int) -> Credentials:
    """Return the seed's credentials (keys of 16 letters and digits, a GUID clientId)."""
    rng = random.Random(f"connectwise-credentials:{seed}")
    alphabet = string.ascii_letters + string.digits
    public_key = "".join(rng.choice(alphabet) for _ in range(16))
    private_key = "".join(rng.choice(alphabet) for _ in range(16))
    client_id = str(uuid.UUID(int=rng.getrandbits(128), version=4))
    return Credentials("bluewave", public_key, private_key, client_id)


class ConnectWiseSimulator(SimulatorBase):
    """A stand-in for one ConnectWise PSA (Manage) site reached with one API member."""

    name = "connectwise"

    def __init__(
        self,
        *,
        seed: int = 7,
        sources: Sequence[Source] = (),
        clock: SimClock | None = None,
        rate_limit: tuple[int, float] | None = DEFAULT_LIMIT,
        time_scale: float = 1.0,
    ) -> None:
        super().__init__()
        self.seed = seed
        self.sources = tuple(sources)
        self.clock = clock or SimClock()
        self.codebase = CODEBASE
        self.credentials = credentials(seed)
        self.client_ids = {self.credentials.client_id}
        self.member = dict(API_MEMBER)
        self.lock = threading.RLock()
        self.store = build_store(seed, self.sources, self.clock.now())
        self.denied: set[str] = set()
        self.limiter = SlidingWindowLimiter(rate_limit, time_scale=time_scale)
        self.faults: FaultBook[Fault] = FaultBook()
        self.stats = CallStats()
        self.app = CwApp(self)

    def info(self, root_url: str) -> dict[str, str]:
        """Return what a client needs to connect, given the server's root URL."""
        creds = self.credentials
        return {
            "site_url": root_url,
            "company_id": creds.company_id,
            "public_key": creds.public_key,
            "private_key": creds.private_key,
            "client_id": creds.client_id,
            "sandbox_url": f"{root_url}/_sandbox",
        }

    def company_info(self, site_url: str) -> dict[str, Any]:
        """Return the `/login/companyinfo` answer (contract: codebase)."""
        return {
            "CompanyName": "Bluewave IT",
            "Codebase": self.codebase,
            "VersionCode": "v2025.1",
            "VersionNumber": "v4.6.2025",
            "CompanyID": self.credentials.company_id,
            "IsCloud": True,
            "SiteUrl": site_url.split("://", 1)[-1],
        }

    def reset(self) -> None:
        """Rebuild the scenario from the seed; forget faults, limits, counters, knobs."""
        with self.lock:
            self.store = build_store(self.seed, self.sources, self.clock.now())
            self.denied.clear()
        self.faults.clear()
        self.limiter.reset()
        self.stats.reset()

    def calls(self) -> dict[str, Any]:
        """Return the call counters per "METHOD /template" label and the 429 count."""
        return self.stats.snapshot()

    def snapshot(self) -> dict[str, Any]:
        """Return the inspection `state`: tickets with notes, agreements, additions, plan."""
        with self.lock:
            store, now = self.store, self.clock.now()
            notes: dict[int, list[dict[str, Any]]] = {}
            for note in store.rows("notes"):
                notes.setdefault(note["ticketId"], []).append(public(note))
            tickets = [
                {
                    **public(t),
                    "notes": notes.get(t["id"], []),
                    "configurations": list(store.ticket_configurations.get(t["id"], [])),
                }
                for t in store.rows("tickets")
            ]
            return {
                "now": cw_time(now),
                "tickets": tickets,
                "agreements": [render_agreement(a, now) for a in store.rows("agreements")],
                "additions": [render_addition(a, now) for a in store.rows("additions")],
                "companies": [public(c) for c in store.rows("companies")],
                "counts": {table: len(store.tables[table]) for table in TABLES},
                "scenario": store.scenario,
                "denied": sorted(self.denied),
                "priorities_limited": store.priorities_limited,
                "faults": self.faults.describe(),
                **self.stats.snapshot(),
            }

    # Scenario actions (also served under /_sandbox/, see inspection.py).

    def set_company_status(self, company_id: int, status: int | str) -> dict[str, Any]:
        """Put a company in a status by id or name (e.g. "Not Approved")."""
        with self.lock:
            return actions.set_status(self.store, company_id, status)

    def delete_company(self, company_id: int) -> dict[str, Any]:
        """Soft-delete a company."""
        with self.lock:
            return actions.soft_delete(self.store, company_id, self.clock.now())

    def create_company(self, name: str, status: int | str = "Active") -> dict[str, Any]:
        """Add a company."""
        with self.lock:
            return actions.create_company(self.store, name, status, self.clock.now())

    def remove_product(self, product: int | str, mode: str = "inactivate") -> dict[str, Any]:
        """Inactivate or delete a catalog item by id or identifier."""
        with self.lock:
            return actions.remove_product(self.store, product, mode)

    def delete_agreement_type(self, agreement_type: int | str) -> dict[str, Any]:
        """Delete an agreement type by id or name."""
        with self.lock:
            return actions.delete_agreement_type(self.store, agreement_type)

    def remove_priority(self, priority: int | str) -> dict[str, Any]:
        """Delete a priority by id or name."""
        with self.lock:
            return actions.remove_priority(self.store, priority)

    def limit_priorities(self, limited: bool = True) -> None:
        """Serve priorities as `{id, name}` only (the limited quirk) or in full again."""
        with self.lock:
            self.store.priorities_limited = limited

    def deny(self, module: str) -> None:
        """Make every path of a module (e.g. "finance") answer 403."""
        self.denied.add(module.strip("/").lower())

    def allow(self, module: str | None = None) -> None:
        """Lift the denial of a module, or of every module."""
        if module is None:
            self.denied.clear()
        else:
            self.denied.discard(module.strip("/").lower())

    def add_agreement(self, company_id: int, kind: str = "Active", **fields: Any) -> dict[str, Any]:
        """Add an agreement (kind Active, Expired, Inactive, Cancelled, Other, FutureBill)."""
        with self.lock:
            return actions.add_agreement(self.store, company_id, kind, fields, self.clock.now())

    def set_addition(self, agreement_id: int, **fields: Any) -> dict[str, Any]:
        """Create (no `id`) or overwrite an addition's fields without validation."""
        with self.lock:
            return actions.set_addition(self.store, agreement_id, fields, self.clock.now())
