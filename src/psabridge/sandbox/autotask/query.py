"""The JSON query language: filter conditions and groups, IncludeFields, MaxRecords (ref 2.2)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from .errors import invalid
from .schema import Entity, Field
from .store import Record
from .values import coerce

Test = Callable[[Record], bool]
PAGE_SIZE = 500
MAX_OR = 500
OR_MESSAGE = "Invalid query syntax. Queries are limited to 500 or fewer 'OR' conditions."
COMPARE = {
    "eq": lambda a, b: a == b,
    "noteq": lambda a, b: a != b,
    "gt": lambda a, b: a > b,
    "gte": lambda a, b: a >= b,
    "lt": lambda a, b: a < b,
    "lte": lambda a, b: a <= b,
    "beginswith": lambda a, b: a.startswith(b),
    "endswith": lambda a, b: a.endswith(b),
    "contains": lambda a, b: b in a,
}
TEXT_OPS = ("beginswith", "endswith", "contains")
PRESENCE = ("exist", "notexist")
LISTS = ("in", "notin")
GROUPS = ("and", "or")


@dataclass(frozen=True)
class Query:
    """A parsed query: the row test (None: the empty filter, no rows), fields, page size."""

    test: Test | None
    include: tuple[str, ...] | None
    page_size: int


def lower_keys(body: dict[str, Any]) -> dict[str, Any]:
    """Return a dict keyed by lower-case names (body keys bind case-insensitively, oq 6)."""
    return {str(k).lower(): v for k, v in body.items()}


def parse_query(entity: Entity, body: Any) -> Query:
    """Return the Query of a `search` object, or raise the 500 of a malformed one."""
    if not isinstance(body, dict):
        raise invalid("The query must be a JSON object.")
    keys = lower_keys(body)
    if "filter" not in keys:  # open question 1: a missing filter is an error
        raise invalid("Invalid query: the filter is required.")
    conditions = keys["filter"]
    if not isinstance(conditions, list):
        raise invalid("Invalid query: the filter must be a list of conditions.")
    state = _State()
    tests = [_parse(entity, item, state, in_or=False) for item in conditions]
    if state.ors > MAX_OR:
        raise invalid(OR_MESSAGE)
    test = (lambda row: all(t(row) for t in tests)) if tests else None
    return Query(test, _include(entity, keys.get("includefields")), _size(keys.get("maxrecords")))


class _State:
    """What a whole query may hold once: OR conditions counted, one UDF."""

    def __init__(self) -> None:
        self.ors = 0
        self.udfs = 0


def _parse(entity: Entity, item: Any, state: _State, *, in_or: bool) -> Test:
    if not isinstance(item, dict):
        raise invalid("Invalid query: each condition must be an object.")
    keys = lower_keys(item)
    op = str(keys.get("op", "")).lower()
    if op in GROUPS:
        return _group(entity, op, keys.get("items"), state, in_or=in_or)
    if in_or:
        state.ors += 1
    return _condition(entity, op, keys, state)


def _group(entity: Entity, op: str, items: Any, state: _State, *, in_or: bool) -> Test:
    if not isinstance(items, list):
        raise invalid(f"Invalid query: the '{op}' group needs a list of items.")
    tests = [_parse(entity, i, state, in_or=in_or or op == "or") for i in items]
    if op == "and":
        return lambda row: all(t(row) for t in tests)
    return lambda row: any(t(row) for t in tests)


def _condition(entity: Entity, op: str, keys: dict[str, Any], state: _State) -> Test:
    if op not in COMPARE and op not in PRESENCE and op not in LISTS:
        raise invalid(f"Invalid query: unknown operator '{keys.get('op')}'.")
    read, data_type = _reader(entity, keys, state)
    if op in PRESENCE:
        wanted = op == "exist"
        return lambda row: (read(row) not in (None, "")) == wanted
    if op in LISTS:
        return _membership(op, read, _values(keys, data_type))
    value = _value(keys.get("value"), data_type, keys.get("field"))
    if op in TEXT_OPS and data_type != "string":
        raise invalid(f"Invalid query: '{keys.get('op')}' needs a text field.")
    compare = COMPARE[op]
    return lambda row: _compare(compare, read(row), value)


def _reader(entity: Entity, keys: dict[str, Any], state: _State) -> tuple[Callable[..., Any], str]:
    """Return a row reader for the condition's field and the field's data type."""
    name = keys.get("field")
    if keys.get("udf") is True:
        state.udfs += 1
        if not entity.has_udfs or not isinstance(name, str):
            raise invalid(f"Invalid query: {entity.name} has no user-defined field '{name}'.")
        if state.udfs > 1:
            raise invalid("Invalid query: only one user-defined field may be queried at a time.")
        return lambda row: _udf(row, name), "string"
    found = entity.field(name)
    if found is None:
        raise invalid(f"Invalid query: unknown field '{name}' on {entity.name}.")
    if not found.queryable:
        raise invalid(f"Invalid query: the field {found.name} is not queryable.")
    return _field_reader(found), found.data_type


def _field_reader(found: Field) -> Callable[[Record], Any]:
    return lambda row: row.get(found.name)


def _udf(row: Record, name: str) -> Any:
    for item in row.get("userDefinedFields") or []:
        if str(item.get("name", "")).lower() == name.lower():
            return item.get("value")
    return None


def _value(raw: Any, data_type: str, field_name: Any) -> Any:
    if raw is None or isinstance(raw, list | dict):
        raise invalid(f"Invalid query: the value of {field_name} must be a single value.")
    try:
        return _fold(coerce(data_type, raw))
    except ValueError:
        raise invalid(
            f"Invalid query: '{raw}' is not a valid {data_type} for {field_name}."
        ) from None


def _values(keys: dict[str, Any], data_type: str) -> set[Any]:
    raw = keys.get("value")
    if not isinstance(raw, list):
        raise invalid(f"Invalid query: '{keys.get('op')}' needs a list value.")
    return {_value(item, data_type, keys.get("field")) for item in raw}


def _membership(op: str, read: Callable[[Record], Any], values: set[Any]) -> Test:
    if op == "in":
        return lambda row: _fold(read(row)) in values
    return lambda row: read(row) is not None and _fold(read(row)) not in values


def _fold(value: Any) -> Any:
    """Return a value as compared: text ignores case (the database's collation, a choice)."""
    return value.lower() if isinstance(value, str) else value


def _compare(compare: Callable[[Any, Any], bool], actual: Any, wanted: Any) -> bool:
    if actual is None:  # SQL semantics: null satisfies no comparison (a choice)
        return False
    try:
        return bool(compare(_fold(actual), wanted))
    except TypeError:
        return False


def _include(entity: Entity, raw: Any) -> tuple[str, ...] | None:
    if raw is None:
        return None
    if not isinstance(raw, list) or not raw:
        raise invalid("Invalid query: IncludeFields must be a non-empty list of field names.")
    names = []
    for name in raw:
        found = entity.field(name)
        if found is None:
            raise invalid(f"Invalid query: unknown field '{name}' in IncludeFields.")
        names.append(found.name)
    return tuple(names)


def _size(raw: Any) -> int:
    if raw is None:
        return PAGE_SIZE
    try:
        size = coerce("integer", raw)
    except ValueError:
        size = 0
    if not 1 <= size <= PAGE_SIZE:  # open question 7
        raise invalid("MaxRecords must be between 1 and 500.")
    return int(size)


def project(row: Record, include: tuple[str, ...] | None) -> Record:
    """Return a row reduced to the included fields (all fields without IncludeFields)."""
    if include is None:
        return row
    return {name: row.get(name) for name in include}
