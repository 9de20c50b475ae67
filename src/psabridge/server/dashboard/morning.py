"""What the dashboard shows an MSP each morning: every system's state, the last day's alerts and
tickets, this month's billing, the mappings, and what needs attention (issue 14)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.db.models import Count
from django.urls import reverse
from django.utils import timezone

from psabridge.domain.alerts import AlertKind
from psabridge.server.alerts.models import Alert, AlertState, EventState, InboundEvent, PushState
from psabridge.server.billing import collection
from psabridge.server.billing.models import BillingRun
from psabridge.server.core import systems
from psabridge.server.core.models import Connection, IntegrationEvent
from psabridge.server.mappings import services as mapping_services
from psabridge.server.mappings.models import Mapping
from psabridge.server.ticketing.models import TicketingSettings, TicketThread

DAY = timedelta(hours=24)


def context() -> dict[str, Any]:
    """Return the dashboard's cards."""
    since = timezone.now() - DAY
    return {
        "systems": system_cards(),
        "push": PushState.objects.first(),
        "open_events": IntegrationEvent.objects.open().order_by("-priority", "-last_seen")[:5],
        "open_event_count": IntegrationEvent.objects.open().count(),
        "alerts": alert_card(since),
        "alerts_by_kind": kinds_of(since),
        "billing": billing_card(),
        "mappings": mapping_card(),
    }


def system_cards() -> list[dict[str, Any]]:
    """Every outside system: connected or not, valid or why not, with its page."""
    stored = {c.system: c for c in Connection.objects.all()}
    wanted = [systems.GRAVITYZONE, *[k for k in systems.psa_kinds() if k in stored]]
    wanted += [k for k in systems.rmm_kinds() if k in stored]
    if not any(k in stored for k in systems.psa_kinds()):
        wanted.append("")  # "no PSA yet", linking to Connections
    cards = []
    for kind in wanted:
        connection = stored.get(kind)
        cards.append(
            {
                "name": systems.label(kind) if kind else "PSA",
                "connection": connection,
                "state": _state(connection),
                "ok": bool(connection and connection.is_valid),
                "url": reverse("connection", args=[kind]) if kind else reverse("connections"),
            }
        )
    return cards


def _state(connection: Connection | None) -> str:
    if connection is None:
        return "Not connected"
    if connection.is_valid:
        return "Connected"
    return {
        "invalid_key": "Credentials refused",
        "cannot_connect": "Cannot connect",
        "missing_permission": "Missing permission",
    }.get(connection.validation_outcome, "Not validated")


def alert_card(since: Any) -> dict[str, Any]:
    """The last day's alerts by what became of them, and the tickets opened."""
    recent = Alert.objects.filter(occurred_at__gte=since, is_test=False)
    states = dict(recent.values_list("state").annotate(n=Count("id")))
    parked = states.get(AlertState.PARKED_UNMAPPED, 0) + states.get(AlertState.PARKED_CONFIG, 0)
    return {
        "received": sum(states.values()),
        "ticketed": states.get(AlertState.TICKETED, 0),
        "noted": states.get(AlertState.NOTED, 0),
        "parked": parked,
        "waiting": InboundEvent.objects.filter(state=EventState.PENDING).count()
        + states.get(AlertState.QUEUED, 0),
        "tickets_opened": TicketThread.objects.filter(created_at__gte=since).count(),
        "ticketing_on": TicketingSettings.objects.filter(enabled=True).exists(),
    }


def kinds_of(since: Any) -> list[dict[str, Any]]:
    rows = (
        Alert.objects.filter(occurred_at__gte=since, is_test=False)
        .values("kind")
        .annotate(n=Count("id"))
        .order_by("-n")
    )
    labels = {k.value: k.label for k in AlertKind}
    return [
        {"kind": r["kind"], "label": labels.get(r["kind"], r["kind"]), "n": r["n"]} for r in rows
    ]


def billing_card() -> dict[str, Any]:
    """The month the PSA bills now and its last push or sync."""
    system = mapping_services.psa_system()
    if system is None:
        return {"system": None}
    profile = systems.psa(system)
    month = collection.month_to_bill(system)
    last = BillingRun.objects.filter(system=system, month=str(month)).order_by("-started_at")
    return {
        "system": system,
        "name": profile.name,
        "month": month,
        "verb": profile.billing.push,
        "run": last.first(),
        "billed": Mapping.objects.filter(system=system, billing=True).count(),
    }


def mapping_card() -> dict[str, Any]:
    system = mapping_services.psa_system()
    if system is None:
        return {"system": None}
    mapped = list(Mapping.objects.filter(system=system))
    return {
        "system": system,
        "mapped": len(mapped),
        "attention": sum(1 for m in mapped if mapping_services.all_issues(m)),
        "unmapped": mapping_services.unmapped_company_count(system),
    }
