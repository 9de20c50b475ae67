"""REST API of ticketing: a test ticket with the exact routing of one alert kind (R5.11, R7.4)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Router, Schema
from ninja.errors import HttpError

from psabridge.domain.alerts import AlertKind
from psabridge.server.mappings.services import psa_system
from psabridge.server.ticketing import trial_ticket

router = Router(tags=["ticketing"])


class TestTicketIn(Schema):
    kind: str
    mapping_id: str = ""  # "" : the first mapped company with Ticketing on
    blocked: bool = True


class TestTicketOut(Schema):
    ok: bool
    message: str
    ticket_id: str
    routing: dict[str, Any]
    described: list[tuple[str, str]]


@router.post("/test", response=TestTicketOut, summary="Open a test ticket of one alert kind")
def test_ticket(request: HttpRequest, body: TestTicketIn) -> dict[str, Any]:
    system = psa_system()
    if system is None:
        raise HttpError(409, "no PSA is connected")
    if body.kind not in AlertKind._value2member_map_:
        kinds = ", ".join(k.value for k in AlertKind)
        raise HttpError(400, f"kind must be one of {kinds}")
    result = trial_ticket.send(system, body.kind, body.mapping_id, blocked=body.blocked)
    return {
        "ok": result.ok,
        "message": result.message,
        "ticket_id": result.ticket_id,
        "routing": {k: v for k, v in result.routing.items() if _plain(v)},
        "described": result.described,
    }


def _plain(value: Any) -> bool:
    return isinstance(value, str | int | float | bool | list) or value is None
