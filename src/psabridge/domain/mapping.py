"""Company mappings: name matching for suggestions (R2.2) and the needs-attention checks (R2.4)."""

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
