"""Alert generator: events about real scenario endpoints, with blocked/current outcomes."""

from __future__ import annotations

import random
import threading
from dataclasses import dataclass
from typing import Any

from .clock import SimClock
from .events import ALERT_BUILDERS, ALERT_MODULES, Draw, Subject, escalate, new_incident
from .events_other import NON_ALERT_MODULES, build_non_alert, build_test_event, test_subject
from .state import CUSTOMER, Endpoint, World

OUTCOMES = ("blocked", "current", "mixed")
MAX_INCIDENTS = 500  # incidents remembered for re-sends (bounded for long demos)


@dataclass(frozen=True)
class AlertRequest:
    """What the inspection API asked for (POST /_sandbox/alerts)."""

    count: int = 5
    kinds: tuple[str, ...] = ALERT_MODULES
    outcome: str = "mixed"
    company_id: str | None = None
    endpoint_id: str | None = None
    non_alerts: int = 0
    edr_resend: bool = False


@dataclass(frozen=True)
class Generated:
    """An event and the outcome it encodes (None for non-alert modules)."""

    event: dict[str, Any]
    outcome: str | None


class AlertGenerator:
    """Build events for the simulator, remembering EDR incidents for re-sends."""

    def __init__(self, world: World, clock: SimClock, seed: int) -> None:
        self.world = world
        self.clock = clock
        self.rng = random.Random(seed * 7919 + 1)
        self.incidents: dict[str, dict[str, Any]] = {}
        self._lock = threading.Lock()

    def generate(self, request: AlertRequest) -> list[Generated]:
        """Return events for the request; raise ValueError for bad arguments."""
        self._validate(request)
        endpoints = self._candidates(request.company_id, request.endpoint_id)
        with self._lock:
            draw = Draw(self.rng, self.clock.now())
            result = [
                self._alert(request.kinds[i % len(request.kinds)], request.outcome, endpoints, draw)
                for i in range(request.count)
            ]
            result += [self._non_alert(i, endpoints, draw) for i in range(request.non_alerts)]
            if request.edr_resend:
                result += self._resend(request.outcome, endpoints, draw)
        return result

    def random_batch(self, max_events: int) -> list[Generated]:
        """Return a random demo batch of alerts (and now and then a non-alert event)."""
        count = self.rng.randint(1, max(1, max_events))
        kinds = tuple(self.rng.sample(ALERT_MODULES, min(count, len(ALERT_MODULES))))
        request = AlertRequest(count=count, kinds=kinds, non_alerts=self.rng.choice((0, 0, 1)))
        return self.generate(request)

    def test_event(self, event_type: str, company_id: str, data: dict[str, Any]) -> dict[str, Any]:
        """Return a test event for the caller's company, with `data` overriding fields."""
        company = self.world.companies[company_id]
        with self._lock:
            draw = Draw(self.rng, self.clock.now())
            event = build_test_event(event_type, test_subject(company.id, company.name, draw), draw)
        event.update(data)
        event["_testEvent_"] = True
        return event

    def _validate(self, request: AlertRequest) -> None:
        unknown = [k for k in request.kinds if k not in ALERT_BUILDERS]
        if unknown or not request.kinds:
            raise ValueError(f"kinds must be alert modules of {', '.join(ALERT_MODULES)}")
        if request.outcome not in OUTCOMES:
            raise ValueError(f"outcome must be one of {', '.join(OUTCOMES)}")
        if not 0 <= request.count <= 1000 or not 0 <= request.non_alerts <= 1000:
            raise ValueError("count and non_alerts must be between 0 and 1000")

    def _candidates(self, company_id: str | None, endpoint_id: str | None) -> list[Endpoint]:
        if endpoint_id is not None:
            # The API id or the events' computer_id (reference 4.2: they differ) both name it.
            endpoint = self.world.endpoints.get(endpoint_id) or next(
                (e for e in self.world.endpoints.values() if e.computer_id == endpoint_id), None
            )
            if endpoint is None:
                raise ValueError("unknown endpoint_id")
            return [endpoint]
        if company_id is not None and company_id not in self.world.companies:
            raise ValueError("unknown company_id")
        candidates = [
            e
            for e in self.world.endpoints.values()
            if e.is_managed
            and self.world.companies[e.company_id].type == CUSTOMER
            and company_id in (None, e.company_id)
        ]
        if not candidates:
            raise ValueError("no managed endpoint matches")
        return candidates

    def _subject(self, endpoints: list[Endpoint]) -> Subject:
        endpoint = self.rng.choice(endpoints)
        return Subject.of(endpoint, self.world.companies[endpoint.company_id])

    def _alert(self, module: str, outcome: str, endpoints: list[Endpoint], draw: Draw) -> Generated:
        blocked = outcome == "blocked" or (outcome == "mixed" and self.rng.random() < 0.5)
        if module == "ransomware-mitigation":
            blocked = True  # reference 4.12: no action field, always reads as blocked
        event = ALERT_BUILDERS[module](self._subject(endpoints), blocked, draw)
        if module == "new-incident":
            self._remember(event)
        return Generated(event, "blocked" if blocked else "current")

    def _non_alert(self, index: int, endpoints: list[Endpoint], draw: Draw) -> Generated:
        module = NON_ALERT_MODULES[index % len(NON_ALERT_MODULES)]
        return Generated(build_non_alert(module, self._subject(endpoints), draw), None)

    def _resend(self, outcome: str, endpoints: list[Endpoint], draw: Draw) -> list[Generated]:
        """Return a re-send of the latest incident (creating one first if none exists)."""
        result: list[Generated] = []
        if not self.incidents:
            blocked = outcome == "blocked"
            first = new_incident(self._subject(endpoints), blocked, draw)
            self._remember(first)
            result.append(Generated(first, "blocked" if blocked else "current"))
        previous = list(self.incidents.values())[-1]
        event = escalate(previous, draw)
        self._remember(event)
        outcome_of = "blocked" if event["main_action"] == "blocked" else "current"
        return [*result, Generated(event, outcome_of)]

    def _remember(self, event: dict[str, Any]) -> None:
        """Keep the latest version of an incident, most recent last."""
        self.incidents.pop(event["incident_id"], None)
        self.incidents[event["incident_id"]] = event
        while len(self.incidents) > MAX_INCIDENTS:
            self.incidents.pop(next(iter(self.incidents)))
