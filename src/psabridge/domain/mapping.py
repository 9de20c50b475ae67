"""Company mappings: name and Automate detection for suggestions (R2.2), needs-attention (R2.4)."""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

# Legal forms dropped before comparing names (R2.2: "legal suffixes such as Ltd/LLC/GmbH").
LEGAL_SUFFIXES = frozenset(
    [
        "ltd",
        "limited",
        "llc",
        "l.l.c",
        "inc",
        "incorporated",
        "corp",
        "corporation",
        "co",
        "company",
        "plc",
        "gmbh",
        "ag",
        "kg",
        "mbh",
        "sa",
        "sas",
        "sarl",
        "srl",
        "spa",
        "bv",
        "nv",
        "oy",
        "ab",
        "as",
        "aps",
        "pty",
        "llp",
        "lp",
        "ug",
    ]
)
_NON_WORD = re.compile(r"[^\w]+")


def normalize_name(name: str) -> str:
    """Return a company name without case, accents, punctuation or trailing legal forms."""
    text = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().lower()
    text = text.replace("&", " and ").replace("l.l.c", "llc")
    words = [w for w in _NON_WORD.sub(" ", text).split() if w]
    while len(words) > 1 and words[-1] in LEGAL_SUFFIXES:
        words.pop()
    return " ".join(words)


@dataclass(frozen=True)
class Party:
    """One side of a mapping: an id and a display name."""

    id: str
    name: str


@dataclass(frozen=True)
class Suggestion:
    """A proposed mapping and why; applied only when the admin confirms (R2.2)."""

    psa: Party
    company: Party
    reason: str
    via: Party | None = None  # the Automate client the suggestion goes through, if any


def suggest(psa_clients: Iterable[Party], companies: Iterable[Party]) -> list[Suggestion]:
    """Return one suggestion per unambiguous normalized-name match of unmapped parties."""
    by_name: dict[str, list[Party]] = defaultdict(list)
    for company in companies:
        by_name[normalize_name(company.name)].append(company)
    psa_by_name: dict[str, list[Party]] = defaultdict(list)
    for client in psa_clients:
        psa_by_name[normalize_name(client.name)].append(client)
    suggestions = []
    for key, clients in psa_by_name.items():
        matches = by_name.get(key, [])
        # Two candidates on either side: guessing could bill the wrong customer, so say nothing.
        if key and len(clients) == 1 and len(matches) == 1:
            suggestions.append(Suggestion(clients[0], matches[0], _reason(clients[0], matches[0])))
    return sorted(suggestions, key=lambda s: s.psa.name.lower())


def _reason(client: Party, company: Party) -> str:
    if client.name.strip().lower() == company.name.strip().lower():
        return "same name"
    return (
        f"same name once case, punctuation and legal forms are ignored "
        f"('{client.name}' ~ '{company.name}')"
    )


@dataclass(frozen=True)
class Issue:
    """One needs-attention issue of a mapping row and what to do about it (R2.4)."""

    code: str
    text: str
    action: str


PSA_CLIENT_GONE = Issue(
    "psa_client_gone",
    "The PSA company no longer exists.",
    "Map the GravityZone company to another PSA company, or delete the mapping.",
)
COMPANY_GONE = Issue(
    "company_gone",
    "The GravityZone company no longer exists.",
    "Map the PSA company to another GravityZone company, or delete the mapping.",
)
PSA_CLIENT_INACTIVE = Issue(
    "psa_client_inactive",
    "The PSA company is inactive.",
    "Reactivate it in the PSA or map the GravityZone company to an active PSA company.",
)


def item_removed(item: str) -> Issue:
    """R2.4/R3.7: a mapped PSA item is gone, so billing stopped for the client."""
    return Issue(
        "item_removed",
        f"The mapped PSA item {item} no longer exists: billing stopped for this client.",
        "Choose another item in Billing > Product mapping (or the mapping's custom billing).",
    )


def mapping_issues(
    psa_client_exists: bool, company_exists: bool, psa_client_inactive: bool = False
) -> list[Issue]:
    """Return every issue of one mapping, given what the systems said at the last refresh."""
    issues = []
    if not psa_client_exists:
        issues.append(PSA_CLIENT_GONE)
    elif psa_client_inactive:
        issues.append(PSA_CLIENT_INACTIVE)
    if not company_exists:
        issues.append(COMPANY_GONE)
    return issues


# ConnectWise (R1.4, R2.2, R2.4). A row is anchored on the PSA company. With Automate, the
# *detected* Automate client of a PSA company is the one client whose ExternalId is that
# company's id (reference connectwise.md 4.3); the *detected* GravityZone company of an Automate
# client is the one customer company whose normalized name is the client's (and no other client
# has that name). Anything ambiguous detects nothing: guessing could bill the wrong customer.


@dataclass(frozen=True)
class AutomateLink:
    """A ConnectWise Automate client and the PSA company id its ExternalId holds (or None)."""

    id: str
    name: str
    external_id: str | None = None


@dataclass(frozen=True)
class Detection:
    """The two detection rules applied once to what the last Refresh read."""

    clients: dict[str, AutomateLink]
    client_by_psa: dict[str, AutomateLink]
    company_by_client: dict[str, Party]

    def client_of(self, psa_id: str) -> AutomateLink | None:
        """Return the detected Automate client of a PSA company (ExternalId link)."""
        return self.client_by_psa.get(psa_id)

    def company_of(self, client_id: str) -> Party | None:
        """Return the detected GravityZone company of an Automate client (name match)."""
        return self.company_by_client.get(client_id)


def detect(clients: Iterable[AutomateLink], companies: Iterable[Party]) -> Detection:
    """Return the unambiguous ExternalId links and client name matches."""
    clients = list(clients)
    by_psa: dict[str, list[AutomateLink]] = defaultdict(list)
    for client in clients:
        if client.external_id:
            by_psa[client.external_id].append(client)
    by_name = _unique_by_name(companies)
    client_names = _unique_by_name(Party(c.id, c.name) for c in clients)
    matches = {}
    for key, named in client_names.items():
        if key in by_name:
            matches[named.id] = by_name[key]
    return Detection(
        clients={c.id: c for c in clients},
        client_by_psa={psa: found[0] for psa, found in by_psa.items() if len(found) == 1},
        company_by_client=matches,
    )


def _unique_by_name(parties: Iterable[Party]) -> dict[str, Party]:
    grouped: dict[str, list[Party]] = defaultdict(list)
    for party in parties:
        grouped[normalize_name(party.name)].append(party)
    return {key: found[0] for key, found in grouped.items() if key and len(found) == 1}


def suggest_through_automate(
    psa_companies: Iterable[Party], free_companies: Iterable[Party], detection: Detection
) -> list[Suggestion]:
    """Return PSA company -> detected Automate client -> detected free GravityZone company.

    A PSA company no Automate client links to falls back to the plain name match, among the
    free companies no Automate suggestion points at (one suggestion per company).
    """
    psa_companies, free_companies = list(psa_companies), list(free_companies)
    free = {company.id for company in free_companies}
    suggestions = []
    for psa in psa_companies:
        client = detection.client_of(psa.id)
        company = detection.company_of(client.id) if client else None
        if client and company and company.id in free:
            suggestions.append(
                Suggestion(
                    psa, company, _chain_reason(psa, client, company), Party(client.id, client.name)
                )
            )
    taken = {s.company.id for s in suggestions}
    unlinked = [p for p in psa_companies if detection.client_of(p.id) is None]
    for named in suggest(unlinked, [c for c in free_companies if c.id not in taken]):
        reason = f"{named.reason}; no Automate client links to this company (ExternalId)"
        suggestions.append(Suggestion(named.psa, named.company, reason))
    return sorted(suggestions, key=lambda s: s.psa.name.lower())


def _chain_reason(psa: Party, client: AutomateLink, company: Party) -> str:
    reason = (
        f"Automate client {client.name} links to this company (ExternalId) "
        f"and matches GravityZone company {company.name} by name"
    )
    if normalize_name(psa.name) != normalize_name(company.name):
        reason += "; the ConnectWise PSA company's own name differs: check the link"
    return reason


@dataclass(frozen=True)
class Association:
    """A stored ConnectWise mapping: PSA company, Automate client ("" when direct), company."""

    psa_id: str
    client_id: str
    company_id: str


@dataclass(frozen=True)
class PsaCompanyState:
    """A ConnectWise PSA company as last read: name and whether its status disallows saving."""

    id: str
    name: str
    disallow_saving: bool = False


@dataclass(frozen=True)
class LinkedWorld:
    """What the last Refresh read; `automate` is None when no Automate connection is used."""

    psa: dict[str, PsaCompanyState]
    companies: frozenset[str]
    automate: Detection | None = None


def linked_issues(stored: Association, world: LinkedWorld) -> list[Issue]:
    """Return every needs-attention issue of one ConnectWise mapping (R2.4), seed order."""
    issues = _automate_issues(stored, world.automate) if world.automate else []
    psa = world.psa.get(stored.psa_id)
    if psa is None:
        issues.append(CW_PSA_COMPANY_GONE)
    if stored.company_id not in world.companies:
        issues.append(CW_COMPANY_GONE)
    if psa is not None and psa.disallow_saving:
        issues.append(DISALLOW_SAVING)
    return issues


def _automate_issues(stored: Association, detection: Detection) -> list[Issue]:
    client = detection.clients.get(stored.client_id)
    issues = _client_company_issues(stored, client, detection) if stored.client_id else []
    detected = detection.client_of(stored.psa_id)
    moved = client is not None and client.external_id != stored.psa_id
    replaced = detected is not None and detected.id != stored.client_id
    if moved or replaced:
        issues.append(automate_psa_changed(detected))
    return issues


def _client_company_issues(
    stored: Association, client: AutomateLink | None, detection: Detection
) -> list[Issue]:
    company = detection.company_of(client.id) if client else None
    if company is None:
        return [automate_company_gone(stored.client_id, client)]
    if client is not None and company.id != stored.company_id:
        return [automate_company_changed(client, company)]
    return []


def detected_association(stored: Association, world: LinkedWorld) -> Association:
    """Return the association Update would store: the detected client and company, if any."""
    if world.automate is None:
        return stored
    detected = world.automate.client_of(stored.psa_id)
    client_id = detected.id if detected else stored.client_id
    company = world.automate.company_of(client_id) if client_id else None
    return Association(stored.psa_id, client_id, company.id if company else stored.company_id)


AUTOMATE_COMPANY_CHANGED = "automate_company_changed"
AUTOMATE_COMPANY_GONE = "automate_company_gone"
AUTOMATE_PSA_CHANGED = "automate_psa_changed"
CW_PSA_COMPANY_GONE = Issue(
    "psa_client_gone",
    "ConnectWise PSA company no longer exists.",
    "Map the GravityZone company to another ConnectWise PSA company, or delete the mapping.",
)
CW_COMPANY_GONE = Issue(
    "company_gone",
    "GravityZone company no longer exists.",
    "Map the ConnectWise PSA company to another GravityZone company, or delete the mapping.",
)
DISALLOW_SAVING = Issue(
    "disallow_saving",
    "The company status of the ConnectWise PSA company has the option Disallow Saving enabled.",
    "No addition or service ticket can be saved for it: give the company a status without "
    "Disallow Saving in ConnectWise PSA (Setup Tables > Company Status), then press Refresh.",
)


def automate_company_changed(client: AutomateLink, company: Party) -> Issue:
    """The stored Automate client now matches another GravityZone company."""
    return Issue(
        AUTOMATE_COMPANY_CHANGED,
        "The ConnectWise Automate and GravityZone association has changed.",
        f"Automate client {client.name} now matches GravityZone company {company.name}: "
        "press Update to map to it, or rename the client in Automate.",
    )


def automate_company_gone(client_id: str, client: AutomateLink | None) -> Issue:
    """The stored Automate client is gone, or matches no GravityZone company any more."""
    action = (
        f"Automate client {client.name} matches no GravityZone company by name: rename it "
        "in Automate or delete the mapping."
        if client
        else f"Automate client {client_id} no longer exists: link the ConnectWise PSA company "
        "to an Automate client, or delete the mapping."
    )
    return Issue(
        AUTOMATE_COMPANY_GONE,
        "The ConnectWise Automate and GravityZone association no longer exists.",
        action,
    )


def automate_psa_changed(detected: AutomateLink | None) -> Issue:
    """The ExternalId link between the PSA company and the Automate client changed."""
    action = (
        f"Automate client {detected.name} now links to this company: press Update to use it."
        if detected
        else "No single Automate client links to this company any more (ExternalId): fix the "
        "link in Automate's ConnectWise plugin, or delete the mapping."
    )
    return Issue(
        AUTOMATE_PSA_CHANGED,
        "The ConnectWise Automate and ConnectWise PSA association has changed.",
        action,
    )
