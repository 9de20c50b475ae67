"""AutotaskSimulator: one Autotask database, its API user, limits, faults, counters."""

from __future__ import annotations

import random
import string
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from ..common.clock import SimClock
from ..common.simulator import CallStats, SimulatorBase
from ..connectwise.scenario import Source
from .app import AtApp
from .config import PICKLISTS
from .contracts import approve_and_post
from .faults import Fault, FaultBook
from .limits import DEFAULT_THRESHOLD, THREAD_LIMIT, AtLimits, HourlyThreshold, ThreadGate
from .scenario import build_store
from .store import TABLES, public
from .values import at_time


@dataclass(frozen=True)
class Credentials:
    """The API user's name and secret and the integration's tracking identifier."""

    username: str
    secret: str
    integration_code: str


def credentials(seed: int) -> Credentials:
    """Return the seed's credentials (a 26-character secret and integration code)."""
    rng = random.Random(f"autotask-credentials:{seed}")
    secret = "".join(rng.choice(string.ascii_letters + string.digits + "$#@*") for _ in range(26))
    code = "".join(rng.choice(string.ascii_uppercase + string.digits) for _ in range(26))
    return Credentials("psabridge-api@bluewaveit.example", secret, code)


class AutotaskSimulator(SimulatorBase):
    """A stand-in for one Autotask PSA database reached with one API-only user."""

    name = "autotask"

    def __init__(
        self,
        *,
        seed: int = 7,
        sources: Sequence[Source] = (),
        clock: SimClock | None = None,
        threshold: int | None = DEFAULT_THRESHOLD,
        thread_limit: int | None = THREAD_LIMIT,
        time_scale: float = 1.0,
    ) -> None:
        super().__init__()
        self.seed = seed
        self.sources = tuple(sources)
        self.clock = clock or SimClock()
        self.credentials = credentials(seed)
        self.integration_codes = {self.credentials.integration_code}
        self.lock = threading.RLock()
        self.store = build_store(seed, self.sources, self.clock.now())
        self.limits = AtLimits(
            HourlyThreshold(threshold, time_scale=time_scale), ThreadGate(thread_limit)
        )
        self.faults: FaultBook[Fault] = FaultBook()
        self.stats = CallStats()
        self.app = AtApp(self)

    @property
    def limiter(self) -> AtLimits:
        """Return the limits the inspection API's `reset-limits` resets."""
        return self.limits

    def info(self, root_url: str) -> dict[str, str]:
        """Return what a client needs to connect, given the server's root URL."""
        creds = self.credentials
        return {
            "zone_url": root_url,  # the connection form's address (the lookup path is added)
            "zone_lookup_url": f"{root_url}/atservicesrest/v1.0/zoneInformation",
            "api_url": f"{root_url}/ATServicesRest/",
            "username": creds.username,
            "secret": creds.secret,
            "integration_code": creds.integration_code,
            "sandbox_url": f"{root_url}/_sandbox",
        }

    def zone_information(self, root_url: str) -> dict[str, Any]:
        """Return the zoneInformation answer: this server is the zone (open question 14)."""
        return {
            "zoneName": "Sandbox Zone",
            "url": f"{root_url}/ATServicesRest/",
            "webUrl": f"{root_url}/",
            "ci": 700000 + self.seed,
        }

    def threshold_information(self) -> dict[str, Any]:
        """Return the ThresholdInformation answer (reference 2.7)."""
        threshold = self.limits.threshold
        return {
            "externalRequestThreshold": threshold.limit,
            "requestThresholdTimeframe": 60,
            "currentTimeframeRequestCount": threshold.current(),
        }

    def reset(self) -> None:
        """Rebuild the scenario from the seed; forget faults, limits, counters."""
        with self.lock:
            self.store = build_store(self.seed, self.sources, self.clock.now())
        self.faults.clear()
        self.limits.reset()
        self.stats.reset()

    def calls(self) -> dict[str, Any]:
        """Return the call counters per "METHOD /template" label and the 429 count."""
        return self.stats.snapshot()

    def snapshot(self) -> dict[str, Any]:
        """Return the inspection `state`: tickets with notes, contracts, units, scenario."""
        with self.lock:
            store = self.store
            notes: dict[int, list[dict[str, Any]]] = {}
            for note in store.rows("TicketNotes"):
                notes.setdefault(note["ticketID"], []).append(public(note))
            return {
                "now": at_time(self.clock.now()),
                "tickets": [
                    {**public(t), "notes": notes.get(t["id"], [])} for t in store.rows("Tickets")
                ],
                "contracts": [public(c) for c in store.rows("Contracts")],
                "contract_services": [public(s) for s in store.rows("ContractServices")],
                "adjustments": [public(a) for a in store.rows("ContractServiceAdjustments")],
                "counts": {table: len(store.tables[table]) for table in TABLES},
                "scenario": store.scenario,
                "require_queue": store.require_queue,
                "threshold": self.threshold_information(),
                "threads": {"busy": self.limits.gate.busy(), "refused": self.limits.gate.refused},
                "faults": self.faults.describe(),
                **self.stats.snapshot(),
            }

    # Scenario actions (also served under /_sandbox/, see inspection.py).

    def approve_and_post(self, contract_id: int, through: datetime) -> int:
        """Mark a contract's unit rows ending by `through` approved and posted; count them."""
        with self.lock:
            return approve_and_post(self.store, contract_id, through, self.clock.now())

    def set_picklist_active(self, entity: str, field: str, value: int, active: bool) -> None:
        """Activate or deactivate one picklist value (e.g. retire a queue)."""
        if (entity, field) not in PICKLISTS:
            raise ValueError(f"no picklist {entity}.{field}")
        with self.lock:
            for item in self.store.picklist(entity, field):
                if item["value"] == str(value):
                    item["isActive"] = active
                    return
        raise ValueError(f"{entity}.{field} has no value {value}")

    def remove_company(self, company_id: int) -> None:
        """Take a company out, as merging it into another in the UI does (the API cannot)."""
        with self.lock:
            if self.store.tables["Companies"].pop(company_id, None) is None:
                raise ValueError(f"no company {company_id}")

    def require_queue(self, required: bool = True) -> None:
        """Make `queueID` required on ticket create, as some tenants do (open question 11)."""
        with self.lock:
            self.store.require_queue = required
