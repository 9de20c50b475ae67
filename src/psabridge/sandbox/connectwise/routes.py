"""Route table of the PSA API under `<codebase>apis/3.0` (reference 3)."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

from ..common.routes import template_pattern
from . import companies, finance, service
from .store import Call, Reply

Handler = Callable[[Call], Reply]


@dataclass(frozen=True)
class Route:
    """One method + path template (e.g. "/service/tickets/{id}") and its handler."""

    method: str
    template: str
    handler: Handler
    pattern: re.Pattern[str] = field(init=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "pattern", template_pattern(self.template))

    @property
    def name(self) -> str:
        """Return the label calls are counted under, e.g. "GET /service/tickets/{id}"."""
        return f"{self.method} {self.template}"

    @property
    def module(self) -> str:
        """Return the API module (first path segment), e.g. "finance"."""
        return self.template.strip("/").split("/")[0]


def _list(path: str, handlers: tuple[Handler, Handler, Handler]) -> list[Route]:
    """Return the list, /count and /{id} GET routes of an entity."""
    return [
        Route("GET", path, handlers[0]),
        Route("GET", f"{path}/count", handlers[1]),
        Route("GET", f"{path}/{{id}}", handlers[2]),
    ]


ADDITIONS = "/finance/agreements/{parentId}/additions"
ROUTES: list[Route] = [
    Route("GET", "/system/info", companies.system_info),
    Route("GET", "/company/companies/statuses", companies.list_statuses),
    Route("GET", "/company/companies/statuses/{id}", companies.get_status),
    *_list(
        "/company/companies",
        (companies.list_companies, companies.count_companies, companies.get_company),
    ),
    *_list(
        "/company/configurations",
        (
            companies.list_configurations,
            companies.count_configurations,
            companies.get_configuration,
        ),
    ),
    Route("GET", "/finance/agreements/types", finance.list_types),
    Route("GET", "/finance/agreements/types/{id}", finance.get_type),
    *_list(
        "/finance/agreements",
        (finance.list_agreements, finance.count_agreements, finance.get_agreement),
    ),
    *_list(ADDITIONS, (finance.list_additions, finance.count_additions, finance.get_addition)),
    Route("POST", ADDITIONS, finance.post_addition),
    Route("PUT", f"{ADDITIONS}/{{id}}", finance.put_addition),
    Route("PATCH", f"{ADDITIONS}/{{id}}", finance.patch_addition),
    Route("DELETE", f"{ADDITIONS}/{{id}}", finance.delete_addition),
    *_list(
        "/procurement/catalog",
        (finance.list_catalog, finance.count_catalog, finance.get_catalog_item),
    ),
    Route("GET", "/service/boards", service.list_boards),
    Route("GET", "/service/boards/{id}", service.get_board),
    Route("GET", "/service/boards/{parentId}/statuses", service.list_board_statuses),
    Route("GET", "/service/boards/{parentId}/types", service.list_board_types),
    Route("GET", "/service/priorities", service.list_priorities),
    Route("GET", "/service/priorities/{id}", service.get_priority),
    *_list(
        "/service/tickets",
        (service.list_tickets, service.count_tickets, service.get_ticket),
    ),
    Route("POST", "/service/tickets", service.post_ticket),
    Route("PATCH", "/service/tickets/{id}", service.patch_ticket),
    Route("GET", "/service/tickets/{parentId}/notes", service.list_notes),
    Route("POST", "/service/tickets/{parentId}/notes", service.post_note),
    Route("GET", "/service/tickets/{parentId}/configurations", service.list_ticket_configurations),
    Route("POST", "/service/tickets/{parentId}/configurations", service.post_ticket_configuration),
]


def find_route(method: str, path: str) -> tuple[Route | None, dict[str, int], bool]:
    """Return (route, path ids, path known under another method) for an API path."""
    known = False
    for route in ROUTES:
        match = route.pattern.match(path)
        if match is None:
            continue
        if route.method == method.upper():
            return route, {k: int(v) for k, v in match.groupdict().items()}, True
        known = True
    return None, {}, known
