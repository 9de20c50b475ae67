"""In-memory HaloPSA tables: dict records with Halo's field names; `__` keys stay private."""

from __future__ import annotations

import copy
from typing import Any

Record = dict[str, Any]
TABLES = (
    "clients",
    "sites",
    "assets",
    "tickettypes",
    "statuses",
    "slas",
    "categories",
    "teams",
    "lookups",
    "outcomes",
    "agents",
    "tickets",
    "actions",
    "items",
    "invoices",
)
PRIVATE = "__"  # single-underscore keys such as `_itemid` are Halo's own (reference 6.3)


def public(record: Record) -> Record:
    """Return a deep copy of a record without its private (`__`) keys."""
    return {k: copy.deepcopy(v) for k, v in record.items() if not k.startswith(PRIVATE)}


class HaloStore:
    """Every table of one Halo instance, keyed by id; the caller holds the simulator lock."""

    def __init__(self) -> None:
        self.tables: dict[str, dict[int, Record]] = {name: {} for name in TABLES}
        self._next: dict[str, int] = dict.fromkeys((*TABLES, "lines"), 1)
        self.removed_statuses: dict[int, Record] = {}
        self.scenario: dict[str, Any] = {}  # the name-matching plan, for `/_sandbox/state`

    def next_id(self, counter: str) -> int:
        """Return a fresh id from a counter (a table name, or "lines" for invoice lines)."""
        value = self._next[counter]
        self._next[counter] = value + 1
        return value

    def start_ids_at(self, counter: str, value: int) -> None:
        """Make the next id of a counter at least `value` (tickets start at 1001)."""
        self._next[counter] = max(self._next[counter], value)

    def insert(self, table: str, record: Record) -> Record:
        """Store a record (id first), giving it the next id unless it has one; return it."""
        if record.get("id") is None:
            record = {"id": self.next_id(table), **record}
        else:
            self.start_ids_at(table, record["id"] + 1)
        self.tables[table][record["id"]] = record
        return record

    def get(self, table: str, record_id: int | None) -> Record | None:
        """Return a record by id, or None."""
        if record_id is None:
            return None
        return self.tables[table].get(record_id)

    def delete(self, table: str, record_id: int) -> Record | None:
        """Remove a record and return it (None if it was not there)."""
        return self.tables[table].pop(record_id, None)

    def rows(self, table: str) -> list[Record]:
        """Return a table's records ordered by id."""
        return [self.tables[table][key] for key in sorted(self.tables[table])]

    def by_name(self, table: str, name: str, field: str = "name") -> Record | None:
        """Return the first record whose `field` equals `name`, ignoring case."""
        wanted = name.strip().lower()
        for record in self.rows(table):
            value = record.get(field)
            if isinstance(value, str) and value.lower() == wanted:
                return record
        return None

    def name_of(self, table: str, record_id: int | None, field: str = "name") -> str | None:
        """Return the display name of a record, or None when it does not exist."""
        record = self.get(table, record_id)
        return None if record is None else record.get(field)
