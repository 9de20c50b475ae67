"""The first-run guide (seeds' initial configuration): six steps, each done only once it is
validated, in order, resumable because each step's state is read from what is configured."""

from __future__ import annotations

from dataclasses import dataclass

from django.urls import reverse

from psabridge.server.alerts.models import PushState
from psabridge.server.billing.models import CwBillingSettings
from psabridge.server.billing.plans import item_map
from psabridge.server.core import systems
from psabridge.server.core.models import Connection
from psabridge.server.mappings import services as mapping_services
from psabridge.server.mappings.models import Mapping
from psabridge.server.ticketing.models import TicketingSettings


@dataclass(frozen=True)
class Step:
    """One step of the guide: done or not, what it needs, where it is done."""

    title: str
    done: bool
    todo: str  # what is missing, in words ("" when done)
    url: str
    open: bool = True  # reachable: every step before it is done


def steps() -> list[Step]:
    """Return the six steps in order; a step after an unfinished one is not open yet."""
    found = [_gravityzone(), _psa(), *_after_psa()]
    shown, open_ = [], True
    for step in found:
        shown.append(Step(step.title, step.done, step.todo, step.url, open_))
        open_ = open_ and step.done
    return shown


def finished() -> bool:
    return all(step.done for step in steps())


def _valid(system: str) -> bool:
    connection = Connection.objects.filter(system=system).first()
    return bool(connection and connection.is_valid)


def _gravityzone() -> Step:
    done = _valid(systems.GRAVITYZONE)
    todo = "" if done else "Enter the Access URL and an API key, press Validate, then Save."
    return Step("Connect GravityZone", done, todo, reverse("connection", args=["gravityzone"]))


def _psa() -> Step:
    system = mapping_services.psa_system()
    done = bool(system and _valid(system))
    todo = "" if done else "Choose your PSA, enter its credentials, press Validate, then Save."
    url = reverse("connection", args=[system]) if system else reverse("connections")
    return Step("Connect your PSA", done, todo, url)


def _after_psa() -> list[Step]:
    system = mapping_services.psa_system()
    mapped = Mapping.objects.filter(system=system).exists() if system else False
    billed = Mapping.objects.filter(system=system, billing=True).exists() if system else False
    return [
        Step(
            "Confirm the mappings",
            mapped,
            "" if mapped else "Confirm the suggested pairs (or map by hand) on Mappings.",
            reverse("mappings") + "?view=suggested",
        ),
        Step(
            "Set up billing",
            billed and _billing_configured(system),
            "" if billed and _billing_configured(system) else _billing_todo(system),
            reverse("billing"),
        ),
        Step(
            "Set up ticketing",
            _ticketing_on(system),
            "" if _ticketing_on(system) else "Turn ticketing on and route each alert kind; Save.",
            reverse("ticketing"),
        ),
        Step(
            "Enable event push",
            _push_on(),
            "" if _push_on() else "Press Enable push on the GravityZone connection.",
            reverse("connection", args=["gravityzone"]) + "#push",
        ),
    ]


def _billing_configured(system: str | None) -> bool:
    if system is None:
        return False
    if systems.psa(system).billing_style == "period_quantities":
        saved = CwBillingSettings.objects.filter(pk=1).first()
        return bool(saved and saved.is_configured)
    return bool(item_map(system))


def _billing_todo(system: str | None) -> str:
    if system and systems.psa(system).billing_style == "period_quantities":
        words = systems.psa(system).billing
        return (
            f"Choose the {words.document} type and the product on Billing, and tick Billing on "
            "the mappings to bill."
        )
    return "Map the products to PSA items on Billing, and tick Billing on the mappings to bill."


def _ticketing_on(system: str | None) -> bool:
    if system is None:
        return False
    return TicketingSettings.objects.filter(system=system, enabled=True, valid=True).exists()


def _push_on() -> bool:
    state = PushState.objects.first()
    return bool(state and state.enabled_by_us and state.status == 1)
