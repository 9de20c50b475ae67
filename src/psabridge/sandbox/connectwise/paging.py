"""List answers: conditions, orderBy, page/pageSize with Link headers, fields (ref 2.1, 2.2)."""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any
from urllib.parse import urlencode

from werkzeug.datastructures import MultiDict

from .conditions import compile_conditions, lookup
from .errors import bad_request, not_found
from .store import Call, Reply

DEFAULT_PAGE_SIZE = 25
MAX_PAGE_SIZE = 1000  # contract: larger sizes are clamped, not refused
Record = dict[str, Any]


def filtered(rows: Iterable[Record], args: MultiDict[str, str]) -> list[Record]:
    """Return the rows the `conditions` parameter keeps (all when it is absent)."""
    text = args.get("conditions")
    if text is None or not text.strip():
        return list(rows)
    predicate = compile_conditions(text)
    return [row for row in rows if predicate(row)]


def ordered(rows: list[Record], args: MultiDict[str, str]) -> list[Record]:
    """Return the rows sorted by `orderBy` ("name asc, id desc"); by id otherwise."""
    text = (args.get("orderBy") or args.get("orderby") or "").strip()
    keys: list[tuple[str, bool]] = []
    for part in filter(None, (p.strip() for p in text.split(","))):
        words = part.split()
        if len(words) > 2 or (len(words) == 2 and words[1].lower() not in ("asc", "desc")):
            raise bad_request(f"orderBy '{part}' must be a field followed by asc or desc.")
        keys.append((words[0], len(words) == 2 and words[1].lower() == "desc"))
    result = sorted(rows, key=lambda r: r.get("id") or 0)
    for path, descending in reversed(keys):
        present = [r for r in result if lookup(r, path) is not None]
        absent = [r for r in result if lookup(r, path) is None]
        present.sort(key=lambda r: _sort_key(lookup(r, path)), reverse=descending)
        result = present + absent
    return result


def _sort_key(value: Any) -> Any:
    if isinstance(value, str):
        return (1, value.lower())
    if isinstance(value, dict):
        return (2, str(value.get("name") or value.get("id")).lower())
    return (0, value)


def page_numbers(args: MultiDict[str, str]) -> tuple[int, int]:
    """Return (page, pageSize): page from 1, size 25 by default, clamped to 1..1000."""
    page = _integer(args, "page", 1)
    size = _integer(args, "pageSize", DEFAULT_PAGE_SIZE, alias="pagesize")
    if page < 1:
        raise bad_request("page must be 1 or greater.")
    return page, min(max(size, 1), MAX_PAGE_SIZE)


def _integer(args: MultiDict[str, str], name: str, default: int, alias: str = "") -> int:
    raw = args.get(name) or (args.get(alias) if alias else None)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError:
        raise bad_request(f"{name} must be an integer.") from None


def link_header(url: str, args: MultiDict[str, str], page: int, size: int, total: int) -> str:
    """Return the RFC 5988 Link value (first/prev/next/last as they apply), "" if one page."""
    last = max(1, math.ceil(total / size))
    if last == 1 and page == 1:
        return ""
    rels: list[tuple[str, int]] = []
    if page > 1:
        rels += [("first", 1), ("prev", min(page - 1, last))]
    if page < last:
        rels += [("next", page + 1), ("last", last)]
    kept = [(k, v) for k, v in args.items(multi=True) if k.lower() not in ("page", "pagesize")]
    return ", ".join(
        f'<{url}?{urlencode([*kept, ("pageSize", size), ("page", number)])}>; rel="{rel}"'
        for rel, number in rels
    )


def project(record: Record, fields_text: str | None) -> Record:
    """Return the partial record of `fields=id,name,status/id` (top level + nested)."""
    if not fields_text:
        return record
    result: Record = {}
    for path in filter(None, (f.strip() for f in fields_text.split(","))):
        head, _, rest = path.partition("/")
        if head not in record:
            continue
        value = record[head]
        if not rest or not isinstance(value, dict):
            result[head] = value
            continue
        nested = result.setdefault(head, {})
        if isinstance(nested, dict):
            inner = project(value, rest)
            nested.update(inner)
    return result


def page_of(
    rows: list[Record], url: str, args: MultiDict[str, str]
) -> tuple[list[Record], dict[str, str]]:
    """Return one page of already filtered rows (ordered, projected) and its headers."""
    rows = ordered(rows, args)
    page, size = page_numbers(args)
    chunk = rows[(page - 1) * size : page * size]
    link = link_header(url, args, page, size, len(rows))
    fields_text = args.get("fields")
    return [project(r, fields_text) for r in chunk], ({"Link": link} if link else {})


def list_reply(call: Call, rows: Iterable[Record]) -> Reply:
    """Answer a list route: conditions, orderBy, one page with its Link header, fields."""
    body, headers = page_of(filtered(rows, call.args), call.url, call.args)
    return Reply(body, 200, headers)


def count_reply(call: Call, rows: Iterable[Record]) -> Reply:
    """Answer a `/count` route: `{"count": n}` of the rows the conditions keep."""
    return Reply({"count": len(filtered(rows, call.args))})


def one_reply(record: Record | None, call: Call, status: int = 200) -> Reply:
    """Answer one record (404 when None), honouring `fields`."""
    if record is None:
        raise not_found()
    return Reply(project(record, call.args.get("fields")), status)
