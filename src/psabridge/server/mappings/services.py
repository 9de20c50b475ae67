"""Mappings: read both sides, suggest, confirm, update checkboxes, re-check health (R2.1-R2.5)."""

# Mappings are PSA client <-> company and live here; a PSA whose profile names an RMM adds the
# RMM between and its own checks in `linked` (its module comment holds the design). The
# functions below dispatch on the profile.

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.utils import timezone

from psabridge.domain.mapping import (
    Issue,
    Party,
    Suggestion,
    item_removed,
    mapping_issues,
    suggest,
)
from psabridge.server.core import connections, systems
from psabridge.server.core.models import Connection, SecurityCompany
from psabridge.server.mappings import auto_import, linked, orphans
from psabridge.server.mappings.linked import UpdateResult
from psabridge.server.mappings.models import Mapping, PsaClient
from psabridge.server.mappings.signals import MappingChange, mapping_changed

log = logging.getLogger(__name__)


def psa_system() -> str | None:
    """Return the connected PSA, if any."""
    found = Connection.objects.filter(system__in=systems.psa_kinds()).order_by("system").first()
    return found.system if found else None


@dataclass
class Row:
    """One line of the mappings table: a mapping, or an unmapped PSA client or company."""

    mapping: Mapping | None = None
    psa: PsaClient | None = None
    company: SecurityCompany | None = None
    suggestion: Suggestion | None = None
    issues: list[dict[str, str]] = field(default_factory=list)
    automate: str = ""  # the RMM client's name (stored, or detected if unmapped)


def refresh(system: str) -> dict[str, int]:
    """Re-read the PSA clients and GravityZone companies, re-check every mapping, then map the
    new PSA companies when automatic import is on."""
    before = auto_import.known_clients(system)
    counts = _refresh(system)
    counts["auto_imported"] = len(auto_import.run(system, before))
    return counts


def _refresh(system: str) -> dict[str, int]:
    if _linked(system):
        counts = linked.refresh()
        orphans.check(system)
        return counts
    clients = connections.stored_desk(system).clients()
    now = timezone.now()
    with transaction.atomic():
        for client in clients:
            PsaClient.objects.update_or_create(
                system=system,
                client_id=client.id,
                defaults={
                    "name": client.name[:200],
                    "inactive": bool(client.extra.get("inactive")),
                    "extra": _plain(client.extra),
                    "refreshed_at": now,
                },
            )
        PsaClient.objects.filter(system=system).exclude(
            client_id__in=[c.id for c in clients]
        ).delete()
    companies = connections.refresh_companies()
    checked = recheck(system)
    return {"psa_clients": len(clients), "companies": companies, "mappings": checked}


def _plain(extra: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in extra.items() if isinstance(v, str | int | float | bool | type(None))}


def recheck(system: str) -> int:
    """Recompute the needs-attention issues of every mapping from the cached systems; a mapping
    whose two companies are gone opens an event (R7.1)."""
    checked = linked.recheck() if _linked(system) else _recheck(system)
    orphans.check(system)
    return checked


def _recheck(system: str) -> int:
    clients = {c.client_id: c for c in PsaClient.objects.filter(system=system)}
    companies = set(SecurityCompany.objects.values_list("company_id", flat=True))
    now = timezone.now()
    mappings = list(Mapping.objects.filter(system=system))
    for mapping in mappings:
        client = clients.get(mapping.psa_client_id)
        issues = mapping_issues(
            client is not None, mapping.company_id in companies, bool(client and client.inactive)
        )
        mapping.issues = [_issue(i) for i in issues]
        mapping.checked_at = now
        if client:
            mapping.psa_client_name = client.name
        mapping.save(update_fields=["issues", "checked_at", "psa_client_name"])
    return len(mappings)


def _issue(issue: Issue) -> dict[str, str]:
    return {"code": issue.code, "text": issue.text, "action": issue.action}


def rows(system: str, view: str = "all") -> list[Row]:
    """Return the table rows: mappings first, then unmapped PSA clients, then companies."""
    mappings = list(Mapping.objects.filter(system=system))
    clients = {c.client_id: c for c in PsaClient.objects.filter(system=system)}
    companies = {c.company_id: c for c in SecurityCompany.objects.filter(company_type=1)}
    mapped_rows = [
        Row(
            m,
            clients.get(m.psa_client_id),
            companies.get(m.company_id),
            issues=all_issues(m),
            automate=m.automate_client_name,
        )
        for m in mappings
    ]
    free_clients = [
        c for c in clients.values() if c.client_id not in {m.psa_client_id for m in mappings}
    ]
    free_companies = [
        c for c in companies.values() if c.company_id not in {m.company_id for m in mappings}
    ]
    hints = {s.psa.id: s for s in _suggestions(system, free_clients, free_companies)}
    via = linked.client_names(c.client_id for c in free_clients) if _linked(system) else {}
    unmapped = [
        Row(psa=c, suggestion=hints.get(c.client_id), automate=via.get(c.client_id, ""))
        for c in sorted(free_clients, key=_name)
    ]
    unmapped += [Row(company=c) for c in sorted(free_companies, key=_name)]
    if view == "attention":
        return [r for r in mapped_rows if r.issues]
    if view == "unmapped":
        return unmapped
    return mapped_rows + unmapped


def _linked(system: str) -> bool:
    return system in systems.psa_kinds() and bool(systems.psa(system).rmm)


def _suggestions(
    system: str, clients: list[PsaClient], companies: list[SecurityCompany]
) -> list[Suggestion]:
    if _linked(system):
        return linked.suggestions(clients, companies)
    return suggest(
        [Party(c.client_id, c.name) for c in clients],
        [Party(c.company_id, c.name) for c in companies],
    )


def automate_used(system: str) -> bool:
    """Return whether the mappings of a PSA go through its RMM (R1.4)."""
    return _linked(system) and linked.automate_used()


# Billing issues that repeat a mapping issue in other words (the sync finds the same status).
SAME_AS_MAPPING_ISSUE = {"cw_disallow_saving": "disallow_saving"}


def all_issues(mapping: Mapping) -> list[dict[str, str]]:
    """Return a mapping's issues, its billing issues (R2.4, R3.7, R4.5) included, each once."""
    codes = {issue.get("code") for issue in mapping.issues}
    billing = [
        issue
        for issue in mapping.billing_issues or []
        if SAME_AS_MAPPING_ISSUE.get(issue.get("code", "")) not in codes
    ]
    issues = [*mapping.issues, *billing]
    if not mapping.billing_issue:
        return issues
    action = item_removed("").action
    return [*issues, {"code": "item_removed", "text": mapping.billing_issue, "action": action}]


def _name(item: Any) -> str:
    return str(item.name).lower()


def unmapped_company_count(system: str) -> int:
    """Return how many GravityZone customer companies have no mapping (R2.2)."""
    mapped = Mapping.objects.filter(system=system).values_list("company_id", flat=True)
    return SecurityCompany.objects.filter(company_type=1).exclude(company_id__in=mapped).count()


@transaction.atomic
def confirm(system: str, psa_client_id: str, company_id: str) -> Mapping:
    """Create a mapping the admin confirmed; parked alerts of the company are replayed."""
    client = PsaClient.objects.get(system=system, client_id=psa_client_id)
    company = SecurityCompany.objects.get(company_id=company_id)
    mapping = Mapping.objects.create(
        system=system,
        psa_client_id=client.client_id,
        psa_client_name=client.name,
        company_id=company.company_id,
        company_name=company.name,
        ticketing=True,
        checked_at=timezone.now(),
    )
    if _linked(system):
        linked.on_confirm(mapping)
    _announce(mapping, MappingChange.CREATED)
    return mapping


def import_clients(system: str, psa_client_ids: list[str]) -> list[Mapping]:
    """Create a GravityZone company for each unmapped PSA client and map the two (R2.5)."""
    if _linked(system):
        pairs = linked.import_targets(psa_client_ids)
        return [confirm(system, client_id, company_id) for client_id, company_id in pairs]
    platform = connections.gravityzone_platform()
    created = []
    for client in PsaClient.objects.filter(system=system, client_id__in=psa_client_ids):
        if Mapping.objects.filter(system=system, psa_client_id=client.client_id).exists():
            continue
        company_id = platform.create_company(client.name)
        SecurityCompany.objects.update_or_create(
            company_id=company_id,
            defaults={"name": client.name, "company_type": 1, "refreshed_at": timezone.now()},
        )
        created.append(confirm(system, client.client_id, company_id))
    return created


def delete(mapping_id: int) -> None:
    """Remove a mapping."""
    Mapping.objects.filter(pk=mapping_id).delete()


def update(system: str, wanted: dict[int, dict[str, bool]], only: set[int] | None = None) -> int:
    """Apply Billing/Ticketing checkbox changes to all rows or the selected ones (R2.3)."""
    return len(apply(system, wanted, only).changed)


@transaction.atomic
def apply(
    system: str, wanted: dict[int, dict[str, bool]], only: set[int] | None = None
) -> UpdateResult:
    """Update All / Update Selected: detected associations (through an RMM) and checkboxes (R2.3).

    `wanted` holds the checkboxes of every row in the table; `only` the selected rows.
    """
    chosen = [
        m
        for m in Mapping.objects.filter(system=system, pk__in=list(wanted))
        if only is None or m.pk in only
    ]
    result = linked.apply_detected(chosen) if _linked(system) else UpdateResult()
    for mapping in chosen:
        if mapping.pk in result.changed:  # maybe now another company's mapping
            _announce(mapping, MappingChange.ASSOCIATION_CHANGED)
    for mapping in chosen:
        if _set_checkboxes(mapping, wanted[mapping.pk]):
            result.changed.add(mapping.pk)
    if _linked(system) and result.changed:
        linked.recheck()
    return result


def _set_checkboxes(mapping: Mapping, values: dict[str, bool]) -> bool:
    if (mapping.billing, mapping.ticketing) == (values["billing"], values["ticketing"]):
        return False
    turned_on = values["ticketing"] and not mapping.ticketing
    billing_on = values["billing"] and not mapping.billing
    mapping.billing, mapping.ticketing = values["billing"], values["ticketing"]
    mapping.save(update_fields=["billing", "ticketing"])
    if turned_on:
        _announce(mapping, MappingChange.TICKETING_ON)
    if billing_on:
        _announce(mapping, MappingChange.BILLING_ON)
    return True


def _announce(mapping: Mapping, change: MappingChange) -> None:
    """Tell the apps above (ticketing, billing) what changed; they act at once."""
    mapping_changed.send(Mapping, mapping=mapping, change=change)
