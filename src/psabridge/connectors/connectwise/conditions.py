"""Safe ConnectWise `conditions` strings: quoted values, bracketed dates, chunked `in`."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from datetime import UTC, date, datetime
from urllib.parse import quote

from psabridge.connectors.errors import ConfigError

# Reference: connectwise.md §2.2 (URLs at or under 2,000 characters). What a condition may use
# of them once encoded; the rest is the host, path and the other query parameters.
CONDITION_BUDGET = 1500
_PATH = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*(/[A-Za-z_][A-Za-z0-9_]*)*$")
_OPERATORS = frozenset({"=", "!=", "<", "<=", ">", ">=", "like", "contains"})

Value = str | int | float | bool | date | datetime | None


def literal(value: Value) -> str:
    """Return `value` as a condition literal (reference §2.2 value syntax)."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value) if isinstance(value, float) else str(value)
    if isinstance(value, datetime):
        moment = value.astimezone(UTC) if value.tzinfo else value
        return f"[{moment.strftime('%Y-%m-%dT%H:%M:%SZ')}]"
    if isinstance(value, date):
        return f"[{value.isoformat()}T00:00:00Z]"
    if isinstance(value, str):
        return quote_text(value)
    raise ConfigError(f"Cannot write a {type(value).__name__} in a ConnectWise condition")


def quote_text(text: str) -> str:
    """Return `text` double-quoted, backslashes and double quotes escaped with a backslash."""
    escaped = text.replace("\\", "\\\\").replace('"', '\\"')
    return f'"{escaped}"'


def field_path(path: str) -> str:
    """Return `path` if it is a plain field path (`company/id`), else raise ConfigError."""
    if not _PATH.match(path):
        raise ConfigError(f"Not a ConnectWise field path: {path!r}")
    return path


def compare(path: str, operator: str, value: Value) -> str:
    """Return `path <operator> value`, e.g. `effectiveDate>=[2026-11-01T00:00:00Z]`."""
    if operator not in _OPERATORS:
        raise ConfigError(f"Not a ConnectWise condition operator: {operator!r}")
    spaced = f" {operator} " if operator.isalpha() else operator
    return f"{field_path(path)}{spaced}{literal(value)}"


def eq(path: str, value: Value) -> str:
    """Return `path=value`."""
    return compare(path, "=", value)


def all_of(*conditions: str) -> str:
    """Return the conditions joined with `and`, each in parentheses when it holds an `or`."""
    parts = [c if " or " not in c.lower() else f"({c})" for c in conditions if c]
    return " and ".join(parts)


def is_in(path: str, values: Iterable[Value]) -> str:
    """Return `path in (v1, v2, ...)` (reference §2.2 `in`)."""
    return f"{field_path(path)} in ({', '.join(literal(v) for v in values)})"


def in_chunks(
    path: str, values: Iterable[Value], *, budget: int = CONDITION_BUDGET
) -> Iterator[str]:
    """Yield `path in (...)` conditions whose URL-encoded length stays within `budget`."""
    fixed = _encoded_length(is_in(path, []))
    separator = _encoded_length(", ")
    chunk: list[Value] = []
    length = fixed
    for value in values:
        size = _encoded_length(literal(value))
        if fixed + size > budget:
            raise ConfigError("A ConnectWise condition value is too long for one URL")
        added = size + (separator if chunk else 0)
        if chunk and length + added > budget:
            yield is_in(path, chunk)
            chunk, length, added = [], fixed, size
        chunk.append(value)
        length += added
    if chunk:
        yield is_in(path, chunk)


def _encoded_length(condition: str) -> int:
    return len(quote(condition, safe=""))
