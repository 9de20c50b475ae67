"""In-memory PSA tables: dict records in wire shape; `__` keys stay private."""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from werkzeug.datastructures import MultiDict

Record = dict[str, Any]
TABLES = (
    "companies",
    "company_statuses",
    "agreements",
    "agreement_types",
    "additions",
    "catalog",
    "boards",
    "board_statuses",
    "board_types",
    "priorities",
    "tickets",
    "notes",
    "configurations",
)
PRIVATE = "__"


def public(record: Record) -> Record:
    """Return a deep copy of a record without its private (`__`) keys."""
    return {k: copy.deepcopy(v) for k, v in record.items() if not k.startswith(PRIVATE)}


class CwStore:
    """Every table of one PSA instance, keyed by id; the caller holds the simulator lock."""

    def __init__(self) -> None:
        self.tables: dict[str, dict[int, Record]] = {name: {} for name in TABLES}
        self._next: dict[str, int] = dict.fromkeys(TABLES, 1)
        self.ticket_configurations: dict[int, list[int]] = {}
        self.priorities_limited = False  # reference 3.10 quirk: rows without defaultFlag
        self.scenario: dict[str, Any] = {}

    def start_ids_at(self, table: str, value: int) -> None:
        """Make the next id of a table at least `value`."""
        self._next[table] = max(self._next[table], value)

    def insert(self, table: str, record: Record) -> Record:
        """Store a record (id first), giving it the next id unless it has one; return it."""
        if record.get("id") is None:
            record = {"id": self._next[table], **{k: v for k, v in record.items() if k != "id"}}
        self.start_ids_at(table, record["id"] + 1)
        self.tables[table][record["id"]] = record
        return record

    def get(self, table: str, record_id: int | None) -> Record | None:
        """Return a record by id, or None."""
        return None if record_id is None else self.tables[table].get(record_id)

    def delete(self, table: str, record_id: int) -> Record | None:
        """Remove a record and return it (None if it was not there)."""
        return self.tables[table].pop(record_id, None)

    def rows(self, table: str) -> list[Record]:
        """Return a table's records ordered by id."""
        return [self.tables[table][key] for key in sorted(self.tables[table])]

    def find(self, table: str, key: str, value: Any) -> Record | None:
        """Return the first record whose `key` equals `value` (strings ignore case)."""
        wanted = value.lower() if isinstance(value, str) else value
        for record in self.rows(table):
            found = record.get(key)
            if (found.lower() if isinstance(found, str) else found) == wanted:
                return record
        return None


@dataclass
class Call:
    """One authenticated API request, as the handlers see it."""

    store: CwStore
    now: datetime
    args: MultiDict[str, str]
    url: str  # the request URL without its query (for Link headers)
    ids: dict[str, int] = field(default_factory=dict)
    body: Any = None
    member: Record = field(default_factory=dict)


@dataclass
class Reply:
    """A JSON answer (None body: no content)."""

    body: Any
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
