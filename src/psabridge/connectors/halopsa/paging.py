"""Bounded HaloPSA paging: every page or an error, never a silently truncated list."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from pydantic import BaseModel

from psabridge.connectors.errors import TransientError
from psabridge.connectors.halopsa.responses import Page

M = TypeVar("M", bound=BaseModel)
DEFAULT_MAX_PAGES = 100


def read_all(
    fetch: Callable[[int], Page[M]], what: str, max_pages: int = DEFAULT_MAX_PAGES
) -> list[M]:
    """Return every record of a paged list (`fetch(page_no)`); raise rather than truncate."""
    first = fetch(1)
    if first.pages is not None and first.pages > max_pages:
        raise _incomplete(what, f"more than {max_pages} pages")
    items, current = list(first.records), first
    while _has_more(current, what):
        if current.page_no >= max_pages:
            raise _incomplete(what, f"more than {max_pages} pages")
        current = fetch(current.page_no + 1)
        if current.record_count != first.record_count:
            raise _incomplete(what, "the list changed while it was being read")
        items.extend(current.records)
    _check_complete(items, first.record_count, what)
    return items


def _has_more(page: Page[M], what: str) -> bool:
    if page.pages is None:  # a bare array: only a full page may have a successor
        return len(page.records) >= page.page_size
    if page.page_no < page.pages and len(page.records) < page.page_size:
        raise _incomplete(what, f"page {page.page_no} held fewer records than announced")
    return page.page_no < page.pages


def _check_complete(items: list[M], record_count: int | None, what: str) -> None:
    if record_count is not None and len(items) != record_count:
        raise _incomplete(what, "the record count does not match what HaloPSA announced")
    ids = [getattr(item, "id", None) for item in items]
    if len(set(ids)) != len(ids):
        raise _incomplete(what, "the list changed while it was being read")


def _incomplete(what: str, reason: str) -> TransientError:
    return TransientError(f"Incomplete {what} list from HaloPSA: {reason}; retry later")
