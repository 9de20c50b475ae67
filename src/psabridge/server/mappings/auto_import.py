"""The opt-in automatic import (seeds): on every Refresh, each new PSA company is mapped to its
suggested GravityZone company, or created in GravityZone and mapped; one event lists them."""

from __future__ import annotations

import logging

from psabridge.connectors.errors import ConnectorError
from psabridge.server.core import events as event_service
from psabridge.server.core import systems
from psabridge.server.mappings.models import Mapping, MappingSettings, PsaClient

log = logging.getLogger(__name__)
KIND = "companies_auto_imported"


def known_clients(system: str) -> set[str]:
    """Return the PSA companies the last Refresh read (taken before the next one)."""
    return set(PsaClient.objects.filter(system=system).values_list("client_id", flat=True))


def run(system: str, before: set[str]) -> list[str]:
    """Map or create each PSA company that is new since `before`; return what was done.

    Off unless the admin turned it on, and never on the first Refresh (every company would be
    "new": the admin confirms those on the page).
    """
    if not before or not MappingSettings.current().auto_import:
        return []
    from psabridge.server.mappings import services

    mapped = set(Mapping.objects.filter(system=system).values_list("psa_client_id", flat=True))
    new = known_clients(system) - before - mapped
    if not new:
        return []
    done: list[str] = []
    for row in services.rows(system, "unmapped"):
        if row.psa is not None and row.psa.client_id in new and row.suggestion is not None:
            services.confirm(system, row.psa.client_id, row.suggestion.company.id)
            done.append(
                f"{row.psa.name} mapped to {row.suggestion.company.name} ({row.suggestion.reason})"
            )
            new.discard(row.psa.client_id)
    done += _create(system, sorted(new))
    if done:
        event_service.raise_event(
            KIND,
            scope=system,
            message="; ".join(done)[:500],
            subject=f"{len(done)} new {systems.psa(system).clients}",
        )
    return done


def _create(system: str, client_ids: list[str]) -> list[str]:
    from psabridge.server.mappings import services

    if not client_ids:
        return []
    try:
        created = services.import_clients(system, client_ids)
    except ConnectorError as exc:
        log.warning("automatic import: GravityZone refused to create a company: %s", exc)
        return [f"not created in GravityZone ({exc})"]
    return [f"{m.psa_client_name} created in GravityZone and mapped" for m in created]
