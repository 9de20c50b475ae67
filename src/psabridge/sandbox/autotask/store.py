"""In-memory Autotask tables: dict records in wire shape; `__` keys stay private."""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from werkzeug.datastructures import MultiDict

Record = dict[str, Any]
TABLES = (
    "Companies",
    "Contracts",
    "Services",
    "ContractServices",
    "ContractServiceAdjustments",
    "ContractServiceUnits",
    "Tickets",
    "TicketNotes",
    "ConfigurationItems",
)
PRIVATE = "__"


def public(record: Record) -> Record:
    """Return a deep copy of a record without its private (`__`) keys."""
    return {k: copy.deepcopy(v) for k, v in record.items() if not k.startswith(PRIVATE)}


class AtStore:
    """Every table of one Autotask database, keyed by id; the caller holds the simulator lock."""

    def __init__(self) -> None:
        self.tables: dict[str, dict[int, Record]] = {name: {} for name in TABLES}
        self._next: dict[str, int] = dict.fromkeys(TABLES, 1)
        # (entity, field) -> picklist values in wire shape (reference 2.6)
        self.picklists: dict[tuple[str, str], list[Record]] = {}
        # (contractServiceID, period start, segment start) -> ContractServiceUnits id
        self.unit_ids: dict[tuple[int, datetime, datetime], int] = {}
        # ContractService id -> its unit row ids and its adjustment ids (kept by contracts.py)
        self.units_of: dict[int, list[int]] = {}
        self.adjustments_of: dict[int, list[int]] = {}
        self.require_queue = False  # open question 11: a tenant that makes queueID required
        self.scenario: dict[str, Any] = {}

    def start_ids_at(self, table: str, value: int) -> None:
        """Make the next id of a table at least `value`."""
        self._next[table] = max(self._next[table], value)

    def next_id(self, table: str) -> int:
        """Use up and return the next id of a table."""
        value = self._next[table]
        self._next[table] = value + 1
        return value

    def insert(self, table: str, record: Record) -> Record:
        """Store a record (id first), giving it the next id unless it has one; return it."""
        if record.get("id") is None:
            rest = {k: v for k, v in record.items() if k != "id"}
            record = {"id": self.next_id(table), **rest}
        self.start_ids_at(table, record["id"] + 1)
        self.tables[table][record["id"]] = record
        return record

    def get(self, table: str, record_id: Any) -> Record | None:
        """Return a record by id, or None."""
        if not isinstance(record_id, int) or isinstance(record_id, bool):
            return None
        return self.tables[table].get(record_id)

    def rows(self, table: str) -> list[Record]:
        """Return a table's records ordered by id."""
        return [self.tables[table][key] for key in sorted(self.tables[table])]

    def find(self, table: str, **wanted: Any) -> Record | None:
        """Return the first record (by id) whose keys equal the given values."""
        for record in self.rows(table):
            if all(record.get(k) == v for k, v in wanted.items()):
                return record
        return None

    def picklist(self, entity: str, field_name: str) -> list[Record]:
        """Return a field's picklist values (empty when it has none)."""
        return self.picklists.get((entity, field_name), [])


@dataclass
class Call:
    """One authenticated API request, as the handlers see it."""

    store: AtStore
    now: datetime
    entity: str
    args: MultiDict[str, str]
    zone_url: str  # the zone's API root with a trailing slash, e.g. "http://h/ATServicesRest/"
    method: str = "GET"
    ids: dict[str, int] = field(default_factory=dict)
    body: Any = None


@dataclass
class Reply:
    """A JSON answer."""

    body: Any
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
