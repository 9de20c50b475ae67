"""Mappings whose two companies are gone: one event each, and its fix (R7.1: Resolve deletes)."""

from __future__ import annotations

from psabridge.server.core import events as event_service
from psabridge.server.core.models import IntegrationEvent
from psabridge.server.mappings.models import Mapping

KIND = "mapping_orphaned"
GONE = frozenset({"psa_client_gone", "company_gone"})


def scope_of(mapping: Mapping) -> str:
    return f"{mapping.system}:mapping:{mapping.pk}"


def is_orphan(mapping: Mapping) -> bool:
    """Return whether both sides of a mapping are gone, as its last check found."""
    return {issue.get("code") for issue in mapping.issues or []} >= GONE


def check(system: str) -> int:
    """Open an event for each orphaned mapping of a PSA, close those fixed; return how many."""
    orphans = [m for m in Mapping.objects.filter(system=system) if is_orphan(m)]
    for mapping in orphans:
        event_service.raise_event(
            KIND,
            scope=scope_of(mapping),
            message=f"Both {mapping.psa_client_name} (PSA) and {mapping.company_name} "
            "(GravityZone) no longer exist.",
            subject=f"{mapping.psa_client_name} / {mapping.company_name}",
        )
    still = {scope_of(m) for m in orphans}
    for event in IntegrationEvent.objects.open().filter(kind=KIND, scope__startswith=f"{system}:"):
        if event.scope not in still:
            event_service.close_events(KIND, scope=event.scope)
    return len(orphans)


def resolve(event: IntegrationEvent) -> str:
    """Delete the mapping of an orphan event if both sides are still gone."""
    mapping_id = event.scope.rsplit(":", 1)[-1]
    mapping = Mapping.objects.filter(pk=int(mapping_id)).first() if mapping_id.isdigit() else None
    if mapping is None:
        event_service.close_events(KIND, scope=event.scope)
        return "the mapping was already deleted"
    if not is_orphan(mapping):
        return "not deleted: one of its companies exists again (press Refresh on Mappings)"
    name = f"{mapping.psa_client_name} / {mapping.company_name}"
    mapping.delete()
    event_service.close_events(KIND, scope=event.scope)
    return f"mapping {name} deleted"
