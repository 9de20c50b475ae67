"""The mappings table of the page: views, search, sort and pages over every row (R2, 2,000+)."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from psabridge.server.mappings import services
from psabridge.server.mappings.services import Row

PAGE_SIZE = 50
VIEWS = ("all", "attention", "suggested", "unmapped")
SORTS = ("psa", "company", "attention")


@dataclass
class Table:
    """One page of rows, and the counts every filter button shows."""

    rows: list[Row]
    view: str
    q: str
    sort: str
    page: int
    pages: int
    shown: int  # rows matching the view and the search, on every page
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def first(self) -> int:
        return 0 if not self.shown else (self.page - 1) * PAGE_SIZE + 1

    @property
    def last(self) -> int:
        return min(self.page * PAGE_SIZE, self.shown)


def build(system: str, view: str = "all", q: str = "", sort: str = "psa", page: int = 1) -> Table:
    """Return the rows of a view matching `q`, sorted, one page of them, and every count."""
    view = view if view in VIEWS else "all"
    sort = sort if sort in SORTS else "psa"
    every = services.rows(system, "all")
    mapped = [r for r in every if r.mapping is not None]
    free_psa = [r for r in every if r.psa is not None and r.mapping is None]
    free_companies = [r for r in every if r.company is not None and r.mapping is None and not r.psa]
    # A company suggested for an unmapped PSA row is listed on that row, not again on its own.
    suggested = {r.suggestion.company.id for r in free_psa if r.suggestion is not None}
    lone = [r for r in free_companies if r.company and r.company.company_id not in suggested]
    groups = {
        "all": mapped + free_psa,
        "attention": [r for r in mapped if r.issues],
        "suggested": [r for r in free_psa if r.suggestion],
        "unmapped": free_psa + lone,
    }
    counts = {name: len(rows) for name, rows in groups.items()}
    counts["unmapped_psa"], counts["unmapped_companies"] = len(free_psa), len(free_companies)
    found = sorted(matching(groups[view], q), key=lambda r: _key(r, sort))
    pages = max(1, math.ceil(len(found) / PAGE_SIZE))
    page = min(max(1, page), pages)
    start = (page - 1) * PAGE_SIZE
    return Table(found[start : start + PAGE_SIZE], view, q, sort, page, pages, len(found), counts)


def matching(rows: list[Row], q: str) -> list[Row]:
    """Return the rows whose PSA company, GravityZone company or suggestion name holds `q`."""
    wanted = q.strip().casefold()
    if not wanted:
        return rows
    return [r for r in rows if any(wanted in name.casefold() for name in names(r))]


def names(row: Row) -> list[str]:
    """Return every name a row shows."""
    found: list[str] = []
    if row.mapping is not None:
        found += [row.mapping.psa_client_name, row.mapping.company_name]
    if row.psa is not None:
        found.append(row.psa.name)
    if row.company is not None:
        found.append(row.company.name)
    if row.suggestion is not None:
        found.append(row.suggestion.company.name)
    if row.automate:
        found.append(row.automate)
    return found


def _key(row: Row, sort: str) -> tuple[Any, ...]:
    psa, company = _psa_name(row).casefold(), _company_name(row).casefold()
    if sort == "company":
        return (company == "", company, psa)
    if sort == "attention":
        return (-len(row.issues), row.mapping is None, psa, company)
    return (psa == "", psa, company)


def _psa_name(row: Row) -> str:
    if row.mapping is not None:
        return row.mapping.psa_client_name
    return row.psa.name if row.psa is not None else ""


def _company_name(row: Row) -> str:
    if row.mapping is not None:
        return row.mapping.company_name
    if row.company is not None:
        return row.company.name
    return row.suggestion.company.name if row.suggestion is not None else ""


def confirm_suggested(system: str, q: str = "") -> list[tuple[Any, str]]:
    """Confirm every suggestion matching `q`; return each mapping made with its reason."""
    suggested = [r for r in services.rows(system, "unmapped") if r.psa and r.suggestion]
    made = []
    for row in matching(suggested, q):
        assert row.psa is not None and row.suggestion is not None
        mapping = services.confirm(system, row.psa.client_id, row.suggestion.company.id)
        made.append((mapping, row.suggestion.reason))
    return made
