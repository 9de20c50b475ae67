"""The Autotask JSON query language: conditions, and/or groups, IncludeFields, MaxRecords."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from psabridge.connectors.errors import ConfigError

# Reference: autotask.md §2.2 (operators; `exist`/`notExist` take no value, `in`/`notIn` a list)
COMPARE_OPS = frozenset(
    {"eq", "noteq", "gt", "gte", "lt", "lte", "beginsWith", "endsWith", "contains"}
)
LIST_OPS = frozenset({"in", "notIn"})
NO_VALUE_OPS = frozenset({"exist", "notExist"})
PAGE_MAX = 500  # Reference: autotask.md §2.2, §2.3 (MaxRecords 1-500, 500 per page)
OR_MAX = 500  # Reference: autotask.md §2.2 (at most 500 OR conditions)
IN_CHUNK = 400  # Reference: autotask.md §2.2 (DJ batches `in` lists at 400)
_FIELD = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")

Scalar = str | int | float | bool | date | datetime
Condition = dict[str, Any]


def wire_value(value: Scalar) -> str | int | float | bool:
    """Return `value` as JSON: datetimes as UTC `YYYY-MM-DDTHH:MM:SSZ` (reference §2.4)."""
    if isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, datetime):
        moment = value.astimezone(UTC) if value.tzinfo else value
        return moment.strftime("%Y-%m-%dT%H:%M:%SZ")
    if isinstance(value, date):
        return f"{value.isoformat()}T00:00:00Z"
    raise ConfigError(f"Cannot write a {type(value).__name__} in an Autotask query")


def field_name(name: str) -> str:
    """Return `name` if it is a plain field name, else raise ConfigError."""
    if not isinstance(name, str) or not _FIELD.match(name):
        raise ConfigError(f"Not an Autotask field name: {name!r}")
    return name


def cond(field: str, op: str, value: Scalar | Sequence[Scalar] | None = None) -> Condition:
    """Return one condition `{"op", "field", "value"}` checked against its operator."""
    name = field_name(field)
    if op in NO_VALUE_OPS:
        if value is not None:
            raise ConfigError(f"The Autotask operator {op!r} takes no value")
        return {"op": op, "field": name}
    if value is None:  # Reference: autotask.md §2.2 (null values give an error)
        raise ConfigError(f"The Autotask operator {op!r} needs a value")
    if op in LIST_OPS:
        if isinstance(value, str | bytes) or not isinstance(value, Sequence) or not value:
            raise ConfigError(f"The Autotask operator {op!r} needs a non-empty list")
        return {"op": op, "field": name, "value": [wire_value(v) for v in value]}
    if op not in COMPARE_OPS:
        raise ConfigError(f"Not an Autotask query operator: {op!r}")
    if not isinstance(value, Scalar):
        raise ConfigError(f"The Autotask operator {op!r} needs a single value")
    return {"op": op, "field": name, "value": wire_value(value)}


def eq(field: str, value: Scalar) -> Condition:
    """Return `field eq value`."""
    return cond(field, "eq", value)


def udf(name: str, op: str, value: Scalar) -> Condition:
    """Return a user-defined-field condition (reference §2.2: one UDF per query)."""
    return {**cond(name, op, value), "udf": True}


def all_of(*items: Condition) -> Condition:
    """Return an `and` group of conditions or groups."""
    return _group("and", items)


def any_of(*items: Condition) -> Condition:
    """Return an `or` group of conditions or groups."""
    return _group("or", items)


def _group(op: str, items: Sequence[Condition]) -> Condition:
    if not items:
        raise ConfigError(f"An Autotask '{op}' group needs at least one condition")
    return {"op": op, "items": list(items)}


def in_chunks(field: str, values: Iterable[Scalar], size: int = IN_CHUNK) -> Iterator[Condition]:
    """Yield `field in [...]` conditions of at most `size` values each."""
    chunk: list[Scalar] = []
    for value in values:
        chunk.append(value)
        if len(chunk) == size:
            yield cond(field, "in", chunk)
            chunk = []
    if chunk:
        yield cond(field, "in", chunk)


@dataclass(frozen=True)
class Query:
    """A query body: top-level conditions (ANDed), IncludeFields and the page size."""

    filter: tuple[Condition, ...]
    include_fields: tuple[str, ...] = ()
    max_records: int = PAGE_MAX

    def body(self) -> dict[str, Any]:
        """Return the JSON body (reference §2.2), checked before anything is sent."""
        if not self.filter:
            # Reference: autotask.md §2.2, §5 q1 (no filter: 500; `[]`: no rows, silently)
            raise ConfigError("An Autotask query needs at least one condition")
        if not 1 <= self.max_records <= PAGE_MAX:
            raise ConfigError(f"Autotask MaxRecords must be 1-{PAGE_MAX}")
        if sum(_or_count(c) for c in self.filter) > OR_MAX:
            raise ConfigError(f"An Autotask query may hold at most {OR_MAX} OR conditions")
        if sum(_udf_count(c) for c in self.filter) > 1:
            raise ConfigError("An Autotask query may filter on one user-defined field only")
        body: dict[str, Any] = {"MaxRecords": self.max_records, "filter": list(self.filter)}
        if self.include_fields:
            # Reference: autotask.md §2.2 (H:Adv: past 500 records `id` must be included)
            names = [field_name(n) for n in self.include_fields]
            body["IncludeFields"] = names if "id" in names else ["id", *names]
        return body


def query(*conditions: Condition, fields: Sequence[str] = (), max_records: int = PAGE_MAX) -> Query:
    """Return a Query of `conditions` (ANDed), optionally limited to `fields`."""
    return Query(tuple(conditions), tuple(fields), max_records)


def every() -> Condition:
    """Return the "all records" condition, `id gte 0` (reference §2.2)."""
    return cond("id", "gte", 0)


def _or_count(condition: Condition, under_or: bool = False) -> int:
    items = condition.get("items")
    if items is None:
        return 1 if under_or else 0
    inside = under_or or condition.get("op") == "or"
    return sum(_or_count(item, inside) for item in items)


def _udf_count(condition: Condition) -> int:
    items = condition.get("items")
    if items is None:
        return 1 if condition.get("udf") else 0
    return sum(_udf_count(item) for item in items)
