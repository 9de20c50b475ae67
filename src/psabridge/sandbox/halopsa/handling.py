"""What an API handler receives and returns; the shared POST-of-an-array logic (ref 2.1)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from .errors import bad_request, not_found
from .params import Query, as_int, halo_time
from .store import HaloStore, Record


@dataclass
class Call:
    """One authenticated API request, as the handlers see it."""

    store: HaloStore
    now: datetime
    query: Query
    body: Any = None
    record_id: int | None = None
    agent_id: int = 1

    @property
    def stamp(self) -> str:
        """Return `now` in Halo's date-time format."""
        return halo_time(self.now)


@dataclass
class Reply:
    """A JSON answer; `status` 200 unless said otherwise."""

    body: Any
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)


Writer = Callable[[Call, dict[str, Any]], Record]


def post_array(call: Call, create: Writer, update: Writer) -> Reply:
    """Create (no `id`) or update (`id`) each element in order; answer the first, or all.

    Contract: 201 when the first element was created, 200 when updated; one object unless
    `?returnall=true`. Elements are applied one by one: a 400 leaves earlier ones written.
    """
    elements = call.body
    if not isinstance(elements, list) or not elements:
        raise bad_request("The request body must be a non-empty JSON array.")
    results: list[Record] = []
    first_created: bool | None = None
    for element in elements:
        if not isinstance(element, dict):
            raise bad_request("Each element of the request body must be a JSON object.")
        created = not as_int(element.get("id"), "id")
        results.append(create(call, element) if created else update(call, element))
        first_created = created if first_created is None else first_created
    body: Any = results if call.query.get_bool("returnall") else results[0]
    return Reply(body, 201 if first_created else 200)


def existing(store: HaloStore, table: str, record_id: int | None) -> Record:
    """Return a record or raise the 404 (reference 2.3)."""
    record = store.get(table, record_id)
    if record is None:
        raise not_found()
    return record


def element_id(element: dict[str, Any]) -> int | None:
    """Return the `id` of a POSTed element."""
    return as_int(element.get("id"), "id")
