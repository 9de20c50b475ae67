"""Replay of parked alerts: queue them again once their cause (mapping, configuration) is fixed."""

from __future__ import annotations

from django.db import transaction

from psabridge.server.alerts.models import Alert, AlertState
from psabridge.server.core import events as event_service


def replay_parked(system: str, reason: str, company_id: str | None = None) -> int:
    """Queue parked alerts again once their cause is fixed; return how many."""
    state = AlertState.PARKED_CONFIG if reason == "configuration" else AlertState.PARKED_UNMAPPED
    parked = Alert.objects.filter(state=state)
    if company_id is not None:
        parked = parked.filter(company_id=company_id)
    count = parked.update(state=AlertState.QUEUED, state_reason=f"replayed: {reason} fixed")
    if count:
        from psabridge.server.ticketing.tasks import route_alerts

        transaction.on_commit(route_alerts)
        if company_id is not None:
            for kind in ("alerts_unmapped_company", "alerts_blocked_company"):
                event_service.close_events(kind, scope=f"{system}:{company_id}")
    return count
