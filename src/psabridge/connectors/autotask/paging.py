"""Bounded Autotask paging: follow `nextPageUrl` until null, never loop, never truncate."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

from psabridge.connectors.autotask.models import QueryPage
from psabridge.connectors.errors import TransientError

DEFAULT_MAX_PAGES = 400  # 200,000 records: far above any tenant's contracts or unit rows


def read_all(
    first: Callable[[], QueryPage],
    follow: Callable[[str], QueryPage],
    what: str,
    *,
    base_url: str,
    max_pages: int = DEFAULT_MAX_PAGES,
) -> list[dict[str, Any]]:
    """Return the items of every page; raise rather than loop or return a truncated list.

    Reference: autotask.md §2.3 (`pageDetails.nextPageUrl`, absolute; POST the same body).
    """
    page, number, seen = first(), 1, set[str]()
    records = _checked(page, what, number)
    while page.page_details.next_page_url:
        url = page.page_details.next_page_url
        _check_next(page, url, base_url, seen, what, number)
        if number >= max_pages:
            raise incomplete(what, f"more than {max_pages} pages")
        seen.add(url)
        number += 1
        page = follow(url)
        records.extend(_checked(page, what, number))
    _check_unique(records, what)
    return records


def _checked(page: QueryPage, what: str, number: int) -> list[dict[str, Any]]:
    """Return a page's items after checking them against its own `pageDetails.count`."""
    if page.page_details.count != len(page.items):
        count = page.page_details.count
        raise incomplete(what, f"page {number} claims {count} records but holds {len(page.items)}")
    return list(page.items)


def _check_next(
    page: QueryPage, url: str, base_url: str, seen: set[str], what: str, number: int
) -> None:
    size = page.page_details.request_count
    if size is not None and len(page.items) < size:
        raise incomplete(what, f"page {number} is short but names a next page")
    if not page.items:
        raise incomplete(what, f"page {number} is empty but names a next page")
    if url in seen:
        raise incomplete(what, f"page {number} names an earlier page as next")
    if not _same_origin(url, base_url):
        # Never send the credentials anywhere but the zone discovery named.
        raise incomplete(what, "the next page is on another host")


def _same_origin(url: str, base_url: str) -> bool:
    a, b = urlsplit(url), urlsplit(base_url)
    return (a.scheme, a.netloc.lower()) == (b.scheme, b.netloc.lower())


def _check_unique(records: list[dict[str, Any]], what: str) -> None:
    ids = [r.get("id") for r in records if isinstance(r, dict) and r.get("id") is not None]
    if len(set(ids)) != len(ids):
        raise incomplete(what, "the list changed while it was being read")


def incomplete(what: str, reason: str) -> TransientError:
    """Return the error of a list that cannot be read whole."""
    return TransientError(f"Incomplete {what} list from Autotask PSA: {reason}; retry later")
