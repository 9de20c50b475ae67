"""Route table of the Halo API: case-insensitive paths, scope areas, handlers (ref 1.4, 3-6)."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

from . import billing, config_api, ticket_api
from .handling import Call, Reply

Handler = Callable[[Call], Reply]
TOKEN_PATH = "/auth/token"
AUTHINFO_PATH = "/api/authinfo"


@dataclass(frozen=True)
class Route:
    """One method + path template (e.g. "/api/Tickets/{id}") and its handler."""

    method: str
    template: str
    handler: Handler | None
    area: str | None = "tickets"
    pattern: re.Pattern[str] = field(init=False, compare=False)

    def __post_init__(self) -> None:
        regex = re.escape(self.template.lower()).replace(r"\{id\}", r"(?P<id>-?\d+)")
        object.__setattr__(self, "pattern", re.compile(f"^{regex}/?$"))

    @property
    def name(self) -> str:
        """Return the label calls are counted under, e.g. "GET /api/Tickets/{id}"."""
        return f"{self.method} {self.template}"


def _crud(path: str, area: str, handlers: tuple[Handler, ...]) -> list[Route]:
    """Return list, get, post (and delete when a fourth handler is given) routes."""
    routes = [
        Route("GET", path, handlers[0], area),
        Route("GET", f"{path}/{{id}}", handlers[1], area),
        Route("POST", path, handlers[2], area),
    ]
    if len(handlers) > 3:
        routes.append(Route("DELETE", f"{path}/{{id}}", handlers[3], area))
    return routes


ROUTES: list[Route] = [
    Route("POST", TOKEN_PATH, None, None),  # served by the app (auth server, reference 1.2)
    Route("GET", "/api/authinfo", None, None),  # no auth (reference 1.2 discovery)
    Route("GET", "/api/Agent/me", config_api.agent_me, None),
    Route("GET", "/api/Agent", config_api.list_agents),
    Route("GET", "/api/Agent/{id}", config_api.get_agent),
    Route("GET", "/api/TicketType", config_api.list_ticket_types),
    Route("GET", "/api/TicketType/{id}", config_api.get_ticket_type),
    Route("GET", "/api/Status", config_api.list_statuses),
    Route("GET", "/api/SLA", config_api.list_slas),
    Route("GET", "/api/SLA/{id}", config_api.get_sla),
    Route("GET", "/api/Priority", config_api.list_priorities),
    Route("GET", "/api/Category", config_api.list_categories),
    Route("GET", "/api/Team", config_api.list_teams),
    Route("GET", "/api/Lookup", config_api.list_lookups),
    Route("GET", "/api/Outcome", config_api.list_outcomes),
    Route("GET", "/api/Client", config_api.list_clients, "customers"),
    Route("GET", "/api/Client/{id}", config_api.get_client, "customers"),
    Route("GET", "/api/Site", config_api.list_sites, "customers"),
    Route("GET", "/api/Site/{id}", config_api.get_site, "customers"),
    Route("GET", "/api/Asset", config_api.list_assets, "assets"),
    Route("GET", "/api/Asset/{id}", config_api.get_asset, "assets"),
    *_crud(
        "/api/Tickets",
        "tickets",
        (
            ticket_api.list_tickets,
            ticket_api.get_ticket,
            ticket_api.post_tickets,
            ticket_api.delete_ticket,
        ),
    ),
    *_crud(
        "/api/Actions",
        "tickets",
        (ticket_api.list_actions, ticket_api.get_action, ticket_api.post_actions),
    ),
    *_crud(
        "/api/Item",
        "items",
        (billing.list_items, billing.get_item, billing.post_items, billing.delete_item),
    ),
    *_crud(
        "/api/RecurringInvoice",
        "invoices",
        (
            billing.list_invoices,
            billing.get_invoice,
            billing.post_invoices,
            billing.delete_invoice,
        ),
    ),
    Route("POST", "/api/RecurringInvoice/updatelines", billing.post_update_lines, "invoices"),
    Route("POST", "/api/RecurringInvoice/Lines", billing.post_lines, "invoices"),
]


def find_route(method: str, path: str) -> tuple[Route | None, int | None, bool]:
    """Return (route, record id, path known under another method) for a request."""
    lowered = path.lower()
    known = False
    for route in ROUTES:
        match = route.pattern.match(lowered)
        if match is None:
            continue
        if route.method == method.upper():
            record_id = match.groupdict().get("id")
            return route, None if record_id is None else int(record_id), True
        known = True
    return None, None, known
