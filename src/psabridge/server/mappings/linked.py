"""Mappings of a PSA with an RMM between: Refresh through it or directly, R2.4 checks, Update."""

# Design (R1.4, R2.1-R2.5). A row is anchored on the PSA company. When an Automate connection
# is saved, a mapping is PSA company <-> Automate client <-> GravityZone company: the client is
# the one whose ExternalId is the company's id, the GravityZone company the one whose normalized
# name is the client's (domain.mapping.detect). Without Automate a mapping is PSA company <->
# GravityZone company and suggestions are the plain name matches. Refresh caches what the three
# systems said (PSA companies and Automate clients as PsaClient rows, GravityZone companies as
# SecurityCompany rows) and re-checks every mapping from that cache; Update stores the detected
# associations; nothing changes a mapping without the admin pressing a button.

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone

from psabridge.domain.mapping import (
    Association,
    AutomateLink,
    Detection,
    Issue,
    LinkedWorld,
    Party,
    PsaCompanyState,
    Suggestion,
    detect,
    detected_association,
    linked_issues,
    suggest,
    suggest_through_automate,
)
from psabridge.server.core import connections, systems
from psabridge.server.core.models import Connection, SecurityCompany
from psabridge.server.mappings.models import Mapping, PsaClient
from psabridge.server.mappings.signals import MappingChange, mapping_changed


def _psa() -> str:
    """The connected PSA whose mappings may go through an RMM (its profile names the RMM)."""
    return next(kind for kind in _connected() if systems.psa(kind).rmm)


def _rmm() -> str:
    return systems.psa(_psa()).rmm


def _connected() -> list[str]:
    found = set(Connection.objects.values_list("system", flat=True))
    kinds = [kind for kind in systems.psa_kinds() if kind in found]
    return kinds or [k for k in systems.psa_kinds() if systems.psa(k).rmm]


# What a re-check writes: never the billing engineer's billing_issues or the checkboxes.
CHECKED = ["issues", "checked_at", "psa_client_name", "automate_client_name", "company_name"]


@dataclass
class UpdateResult:
    """What Update All / Update Selected changed, and the detected changes it could not apply."""

    changed: set[int] = field(default_factory=set)
    conflicts: list[str] = field(default_factory=list)


def automate_used() -> bool:
    """Return whether mappings go through the RMM (an RMM connection exists)."""
    return connections.connection_for(_rmm()) is not None


def refresh() -> dict[str, int]:
    """Re-read PSA companies, Automate clients (when used) and companies; re-check mappings."""
    companies = connections.stored_desk(_psa()).clients()
    clients = connections.stored_rmm(_rmm()).clients() if automate_used() else []
    now = timezone.now()
    with transaction.atomic():
        _store(_psa(), ((c.id, c.name, _plain(c.extra)) for c in companies), now)
        _store(_rmm(), ((c.id, c.name, {"external_id": c.external_id}) for c in clients), now)
    read = connections.refresh_companies()
    checked = recheck()
    return {
        "psa_clients": len(companies),
        "automate_clients": len(clients),
        "companies": read,
        "mappings": checked,
    }


def _store(system: str, rows: Iterable[tuple[str, str, dict[str, Any]]], now: datetime) -> None:
    seen = []
    for client_id, name, extra in rows:
        PsaClient.objects.update_or_create(
            system=system,
            client_id=client_id,
            defaults={
                "name": name[:200],
                "inactive": bool(extra.get("inactive")),
                "extra": extra,
                "refreshed_at": now,
            },
        )
        seen.append(client_id)
    PsaClient.objects.filter(system=system).exclude(client_id__in=seen).delete()


def _plain(extra: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in extra.items() if isinstance(v, str | int | float | bool | type(None))}


def detection() -> Detection | None:
    """Return the Automate detections over the cached clients and companies, or None (direct)."""
    if not automate_used():
        return None
    links = [
        AutomateLink(c.client_id, c.name, _external_id(c.extra))
        for c in PsaClient.objects.filter(system=_rmm())
    ]
    customers = SecurityCompany.objects.filter(company_type=1)
    return detect(links, [Party(c.company_id, c.name) for c in customers])


def _external_id(extra: dict[str, Any]) -> str | None:
    value = extra.get("external_id")
    return str(value) if value not in (None, "", 0, "0") else None


def world() -> LinkedWorld:
    """Return what the last Refresh read, as the domain checks take it."""
    psa = {
        c.client_id: PsaCompanyState(c.client_id, c.name, bool(c.extra.get("disallow_saving")))
        for c in PsaClient.objects.filter(system=_psa())
    }
    companies = frozenset(SecurityCompany.objects.values_list("company_id", flat=True))
    return LinkedWorld(psa, companies, detection())


def association(mapping: Mapping) -> Association:
    """Return a stored mapping as the domain sees it."""
    return Association(mapping.psa_client_id, mapping.automate_client_id, mapping.company_id)


def recheck() -> int:
    """Recompute every mapping's issues and names from the cached systems."""
    seen = world()
    names = dict(SecurityCompany.objects.values_list("company_id", "name"))
    now = timezone.now()
    mappings = list(Mapping.objects.filter(system=_psa()))
    for mapping in mappings:
        was_blocked = _blocks_tickets(mapping)
        check(mapping, seen, names)
        mapping.checked_at = now
        mapping.save(update_fields=CHECKED)
        if was_blocked and not _blocks_tickets(mapping):
            mapping_changed.send(Mapping, mapping=mapping, change=MappingChange.UNBLOCKED)
    return len(mappings)


def _blocks_tickets(mapping: Mapping) -> bool:
    # The ticketing engine parks a Disallow Saving company's alerts (R2.4, R5.8).
    return any(issue.get("code") == "disallow_saving" for issue in mapping.issues)


def check(mapping: Mapping, seen: LinkedWorld, names: dict[str, str]) -> None:
    """Set a mapping's issues and the current names of its parties (not saved)."""
    mapping.issues = [_issue(i) for i in linked_issues(association(mapping), seen)]
    if mapping.psa_client_id in seen.psa:
        mapping.psa_client_name = seen.psa[mapping.psa_client_id].name
    client = seen.automate.clients.get(mapping.automate_client_id) if seen.automate else None
    if client is not None:
        mapping.automate_client_name = client.name
    mapping.company_name = names.get(mapping.company_id, mapping.company_name)


def _issue(issue: Issue) -> dict[str, str]:
    return {"code": issue.code, "text": issue.text, "action": issue.action}


def suggestions(clients: list[PsaClient], companies: list[SecurityCompany]) -> list[Suggestion]:
    """Return the suggestions for unmapped PSA companies: through Automate when used (R2.2)."""
    psa = [Party(c.client_id, c.name) for c in clients]
    free = [Party(c.company_id, c.name) for c in companies]
    found = detection()
    return suggest_through_automate(psa, free, found) if found else suggest(psa, free)


def client_names(psa_ids: Iterable[str]) -> dict[str, str]:
    """Return the detected Automate client's name of each PSA company that has one."""
    found = detection()
    if found is None:
        return {}
    links = {psa_id: found.client_of(psa_id) for psa_id in psa_ids}
    return {psa_id: link.name for psa_id, link in links.items() if link}


def on_confirm(mapping: Mapping) -> None:
    """Give a new mapping its detected Automate client and its issues, then save it."""
    found = detection()
    link = found.client_of(mapping.psa_client_id) if found else None
    if link is not None:
        mapping.automate_client_id, mapping.automate_client_name = link.id, link.name
    check(mapping, world(), {})
    mapping.save(update_fields=[*CHECKED, "automate_client_id"])


def apply_detected(mappings: list[Mapping]) -> UpdateResult:
    """Store the detected Automate client and GravityZone company of each mapping (R2.3)."""
    result = UpdateResult()
    seen = world()
    taken = set(Mapping.objects.filter(system=_psa()).values_list("company_id", flat=True))
    for mapping in mappings:
        target = detected_association(association(mapping), seen)
        if target == association(mapping):
            continue
        if target.company_id != mapping.company_id and target.company_id in taken:
            result.conflicts.append(mapping.psa_client_name)
            continue
        taken.discard(mapping.company_id)
        taken.add(target.company_id)
        _move(mapping, target, seen)
        result.changed.add(mapping.pk)
    return result


def _move(mapping: Mapping, target: Association, seen: LinkedWorld) -> None:
    client = seen.automate.clients.get(target.client_id) if seen.automate else None
    mapping.automate_client_id = target.client_id
    mapping.automate_client_name = client.name if client else mapping.automate_client_name
    if target.company_id != mapping.company_id:
        company = SecurityCompany.objects.get(company_id=target.company_id)
        mapping.company_id, mapping.company_name = company.company_id, company.name
    mapping.save(
        update_fields=["automate_client_id", "automate_client_name", "company_id", "company_name"]
    )


def import_targets(psa_ids: list[str]) -> Iterator[tuple[str, str]]:
    """Yield (PSA company, GravityZone company) for each unmapped PSA company chosen (R2.5).

    An existing unmapped company is used when Automate's chain or an unambiguous name match
    finds one; otherwise a company is created, named after the detected Automate client (so
    the chain holds) or the PSA company.
    """
    psa = _psa()  # one lookup of the connected PSA, not two per company
    for client in PsaClient.objects.filter(system=psa, client_id__in=psa_ids):
        if Mapping.objects.filter(system=psa, psa_client_id=client.client_id).exists():
            continue
        existing = _existing_company(client)
        yield client.client_id, existing or _create_company(_import_name(client))


def _existing_company(client: PsaClient) -> str | None:
    mapped = Mapping.objects.filter(system=_psa()).values_list("company_id", flat=True)
    free = list(SecurityCompany.objects.filter(company_type=1).exclude(company_id__in=mapped))
    party = Party(client.client_id, client.name)
    found = detection()
    if found is not None:
        through = suggest_through_automate(
            [party], [Party(c.company_id, c.name) for c in free], found
        )
        if through:
            return through[0].company.id
    named = suggest([party], [Party(c.company_id, c.name) for c in free])
    return named[0].company.id if named else None


def _import_name(client: PsaClient) -> str:
    found = detection()
    link = found.client_of(client.client_id) if found else None
    return link.name if link else client.name


def _create_company(name: str) -> str:
    company_id = connections.gravityzone_platform().create_company(name)
    SecurityCompany.objects.update_or_create(
        company_id=company_id,
        defaults={"name": name, "company_type": 1, "refreshed_at": timezone.now()},
    )
    return company_id
