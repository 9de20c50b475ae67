"""The Status page's facts and the Prometheus metrics, read from storage."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.db.models import Count
from django.utils import timezone

from psabridge.server.alerts.models import Alert, EventState, InboundEvent, PushState
from psabridge.server.core import events as event_service
from psabridge.server.core import systems
from psabridge.server.core.models import (
    Connection,
    Heartbeat,
    IntegrationEvent,
    OutboundCall,
    SystemHealth,
)

HEARTBEAT_STALE = timedelta(minutes=3)


def status_context() -> dict[str, Any]:
    """Return everything the Status page shows."""
    from psabridge.server.alerts import queue_health

    now = timezone.now()
    system_rows = _system_rows(now)
    beats = [
        {"beat": b, "stale": now - b.at > HEARTBEAT_STALE}
        for b in Heartbeat.objects.order_by("-at")[:10]
    ]
    return {
        "systems": system_rows,
        "push": PushState.objects.first(),
        "heartbeats": beats,
        "recent_calls": OutboundCall.objects.order_by("-at")[:50],
        "pending_events": InboundEvent.objects.filter(state=EventState.PENDING).count(),
        "failed_events": InboundEvent.objects.filter(state=EventState.FAILED).count(),
        "stuck": queue_health.problems(now),
    }


def _system_rows(now: Any) -> list[dict[str, Any]]:
    """One row per configured connection or system called (R7.2), in the registry's order."""
    connections = {c.system: c for c in Connection.objects.all()}
    health = {h.system: h for h in SystemHealth.objects.all()}
    known = [p.kind for p in systems.all_profiles()]
    order = known + sorted(set(health) - set(known))
    return [
        {
            "system": name,
            "label": _label(name),
            "health": health.get(name) or SystemHealth(system=name),
            "connection": connections.get(name),
            "calls_last_minute": _calls_since(name, now - timedelta(minutes=1)),
        }
        for name in order
        if name in connections or name in health
    ]


def _label(system: str) -> str:
    return systems.label(system)


def _calls_since(system: str, since: Any) -> int:
    return OutboundCall.objects.filter(system=system, at__gte=since).count()


def recheck_all() -> str:
    """Re-validate every connection and re-check push; return a short summary."""
    from psabridge.server.alerts import push, queue_health
    from psabridge.server.core import connections

    stuck = queue_health.check()
    results = [f"work waiting: {'; '.join(stuck)}"] if stuck else []
    for connection in Connection.objects.order_by("system"):
        outcome = connections.revalidate(connection)
        results.append(f"{systems.label(connection.system)} {outcome.outcome}")
        if connection.system == systems.GRAVITYZONE and outcome.outcome == "ok":
            results.append(f"push {push.check_push_quietly()}")
    results += _recheck_mappings()
    return ", ".join(results) or "nothing is configured yet"


def _recheck_mappings() -> list[str]:
    """Re-check the mappings from what the last Refresh read (no outside call)."""
    from psabridge.server.mappings import services

    system = services.psa_system()
    if system is None:
        return []
    return [f"{services.recheck(system)} mappings rechecked"]


def resolve(event: IntegrationEvent) -> str:
    """Apply the recommended fix of an event psabridge can fix itself; return what happened."""
    from psabridge.connectors.errors import ConnectorError
    from psabridge.server.alerts import push
    from psabridge.server.core import connections

    try:
        if event.kind in ("push_disabled", "push_misconfigured"):
            push.enable_push()
            return "push enabled again"
        if event.kind == "companies_auto_imported":
            event_service.close_events(event.kind, scope=event.scope)
            return "marked as read"
        if event.kind == "psa_switched":  # nothing to repair: the admin has read it
            event_service.close_events("psa_switched", scope=event.scope)
            return "noted: the replaced PSA's mappings and settings stay until it is reconnected"
        if event.kind == "queue_stuck":
            from psabridge.server.alerts import queue_health

            stuck = queue_health.check()
            return "still waiting: " + "; ".join(stuck) if stuck else "work moves again"
        if event.kind == "mapping_orphaned":
            from psabridge.server.mappings import orphans

            return orphans.resolve(event)
        if event.kind == "connection_failed":
            connection = connections.connection_for(event.scope)
            if connection is None:
                return "the connection no longer exists"
            return f"validation {connections.revalidate(connection).outcome}"
    except ConnectorError as exc:
        return f"the fix failed: {exc}"
    return "no automatic fix; follow the recommended action"


def prometheus_text() -> str:
    """Return the metrics in the Prometheus text format."""
    lines = [
        "# HELP psabridge_inbound_events Stored pushed events by state.",
        "# TYPE psabridge_inbound_events gauge",
    ]
    for state_row in InboundEvent.objects.values("state").annotate(n=Count("id")):
        lines.append(f'psabridge_inbound_events{{state="{state_row["state"]}"}} {state_row["n"]}')
    lines += ["# HELP psabridge_alerts Normalized alerts by kind.", "# TYPE psabridge_alerts gauge"]
    for kind_row in Alert.objects.values("kind").annotate(n=Count("id")):
        lines.append(f'psabridge_alerts{{kind="{kind_row["kind"]}"}} {kind_row["n"]}')
    lines += [
        "# HELP psabridge_outside_failures Consecutive failed calls per outside system.",
        "# TYPE psabridge_outside_failures gauge",
    ]
    for health in SystemHealth.objects.all():
        lines.append(
            f'psabridge_outside_failures{{system="{health.system}"}} {health.consecutive_failures}'
        )
    lines += [
        "# HELP psabridge_open_events Open integration events.",
        "# TYPE psabridge_open_events gauge",
    ]
    lines.append(f"psabridge_open_events {IntegrationEvent.objects.open().count()}")
    return "\n".join(lines) + "\n"
