"""Bounded ConnectWise PSA paging: follow Link rel="next", never loop, never truncate."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, urlsplit

from psabridge.connectors.errors import TransientError

PAGE_MAX = 1000  # Reference: connectwise.md §2.1 (pageSize maximum 1000)
DEFAULT_MAX_PAGES = 200
_LINK = re.compile(r'<([^>]*)>\s*;\s*rel="?([A-Za-z]+)"?')


@dataclass(frozen=True)
class Page:
    """One page: its records (raw JSON objects) and the page number its `next` link names."""

    records: list[Any]
    next_page: int | None


def next_page(link_header: str | None) -> int | None:
    """Return the `page` of the rel="next" link (reference §2.1), None without one."""
    for url, rel in _LINK.findall(link_header or ""):
        if rel.lower() != "next":
            continue
        query = {k.lower(): v for k, v in parse_qs(urlsplit(url).query).items()}
        pages = query.get("page")
        if not pages or not pages[0].isdigit():
            raise TransientError("ConnectWise PSA sent a next link without a page number")
        return int(pages[0])
    return None


def read_all(
    fetch: Callable[[int], Page],
    what: str,
    page_size: int = PAGE_MAX,
    max_pages: int = DEFAULT_MAX_PAGES,
) -> list[Any]:
    """Return the records of every page (`fetch(page)`); raise rather than loop or truncate."""
    number, seen = 1, {1}
    page = fetch(number)
    records = list(page.records)
    while page.next_page is not None:
        if len(page.records) < page_size:
            raise _incomplete(what, f"page {number} is short but names a next page")
        if page.next_page in seen or page.next_page != number + 1:
            raise _incomplete(what, f"page {number} names page {page.next_page} as next")
        if len(seen) >= max_pages:
            raise _incomplete(what, f"more than {max_pages} pages")
        number = page.next_page
        seen.add(number)
        page = fetch(number)
        records.extend(page.records)
    _check_unique(records, what)
    return records


def _check_unique(records: list[Any], what: str) -> None:
    ids = [r.get("id") for r in records if isinstance(r, dict) and r.get("id") is not None]
    if len(set(ids)) != len(ids):
        raise _incomplete(what, "the list changed while it was being read")


def _incomplete(what: str, reason: str) -> TransientError:
    return TransientError(f"Incomplete {what} list from ConnectWise PSA: {reason}; retry later")
