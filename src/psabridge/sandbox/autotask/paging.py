"""Query answers: `items` + `pageDetails`, 500 per page, `nextPageUrl` cursors (ref 2.3)."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import quote

from .entities import ENTITIES
from .errors import invalid, method_not_allowed
from .query import Query, parse_query, project
from .store import Call, Reply, public


def search_body(call: Call) -> tuple[Any, str | None]:
    """Return the query object of a call (the POST body or `?search=`) and the search text."""
    if call.method == "POST":
        return call.body, None
    text = call.args.get("search")
    if text is None:
        raise invalid("Invalid query: the search parameter is required.")
    try:
        return json.loads(text), text
    except ValueError:
        raise invalid("Invalid query: the search parameter is not valid JSON.") from None


def matching(call: Call, query: Query, after: int | None = None) -> list[dict[str, Any]]:
    """Return the entity's rows passing a query, by id, after a cursor's last id."""
    if query.test is None:  # open question 1: `"filter": []` answers no rows
        return []
    test = query.test
    rows = call.store.rows(call.entity)
    return [r for r in rows if (after is None or r["id"] > after) and test(r)]


def query_reply(call: Call) -> Reply:
    """Answer `GET|POST /{Entity}/query`."""
    body, text = search_body(call)
    query = parse_query(ENTITIES[call.entity], body)
    return _page(call, query, query.page_size, None, text)


def count_reply(call: Call) -> Reply:
    """Answer `GET|POST /{Entity}/query/count` with `{"queryCount": n}`."""
    body, _ = search_body(call)
    query = parse_query(ENTITIES[call.entity], body)
    return Reply({"queryCount": len(matching(call, query))})


def next_reply(call: Call) -> Reply:
    """Answer a `nextPageUrl`: POST the first query's body again, or GET it with `search`."""
    if call.method == "GET" and "search" not in call.args:
        raise method_not_allowed("GET")  # a POST query's cursor (reference 2.3)
    cursor = _cursor(call.args.get("paging"))
    body, text = search_body(call)
    query = parse_query(ENTITIES[call.entity], body)
    return _page(call, query, cursor[0], cursor[1], text)


def _cursor(raw: str | None) -> tuple[int, int]:
    try:
        paging = json.loads(raw or "")
        size, last = int(paging["pageSize"]), int(paging["lastId"])
    except (ValueError, TypeError, KeyError):
        raise invalid("Invalid paging parameter.") from None
    return size, last


def _page(call: Call, query: Query, size: int, after: int | None, text: str | None) -> Reply:
    rows = matching(call, query, after)
    page = rows[:size]
    more = len(rows) > size
    # Without `id` in IncludeFields a result over one page cannot be paged (H:Adv, oq 7).
    pageable = query.include is None or "id" in query.include
    next_url = _next_url(call, size, page[-1]["id"], text) if more and pageable else None
    items = [project(public(r), query.include) for r in page]
    details = {"count": len(items), "requestCount": size, "prevPageUrl": None}
    return Reply({"items": items, "pageDetails": {**details, "nextPageUrl": next_url}})


def _next_url(call: Call, size: int, last_id: int, text: str | None) -> str:
    """Return `{zoneUrl}V1.0/{Entity}/query/next?paging=...` (open question 2)."""
    paging = quote(json.dumps({"pageSize": size, "lastId": last_id}, separators=(",", ":")))
    url = f"{call.zone_url}V1.0/{call.entity}/query/next?paging={paging}"
    return url if text is None else f"{url}&search={quote(text)}"
