"""What ticketing does when alerts and mappings signal: queue, route and replay alerts."""

from __future__ import annotations

from typing import Any

from psabridge.server.mappings.models import Mapping
from psabridge.server.mappings.signals import MappingChange
from psabridge.server.ticketing.models import TicketingSettings
from psabridge.server.ticketing.replay import replay_parked

# The mapping changes after which a company's alerts parked as unmapped may become tickets.
REPLAY_AFTER = {
    MappingChange.CREATED,
    MappingChange.ASSOCIATION_CHANGED,
    MappingChange.TICKETING_ON,
    MappingChange.UNBLOCKED,
}


def queue_when_on(sender: Any, **kwargs: Any) -> bool:
    """Answer whether new alerts are queued for tickets: only while ticketing is switched on."""
    return TicketingSettings.objects.filter(enabled=True).exists()


def route_queued_alerts(sender: Any, **kwargs: Any) -> None:
    """Enqueue the routing task for the alerts a processing run left queued."""
    from psabridge.server.ticketing import tasks

    tasks.route_alerts()


def replay_for_mapping(sender: Any, mapping: Mapping, change: str, **kwargs: Any) -> None:
    """Replay the company's parked alerts once a mapping change may let them through."""
    if change not in REPLAY_AFTER:
        return
    if change == MappingChange.ASSOCIATION_CHANGED and not mapping.ticketing:
        return  # another company's mapping now, but its alerts do not become tickets
    replay_parked(mapping.system, reason="mapping", company_id=mapping.company_id)


def replay_after_reconnect(sender: Any, **kwargs: Any) -> None:
    """A PSA connection was saved: alerts parked because their PSA was not connected go again."""
    from psabridge.server.ticketing.engine import active_psa

    system = active_psa()
    if system is not None:
        replay_parked(system, reason="configuration")
