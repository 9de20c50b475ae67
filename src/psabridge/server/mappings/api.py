"""REST API of mappings: list them with their issues, and refresh both systems (R7.4)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Router, Schema
from ninja.errors import HttpError

from psabridge.connectors.errors import ConnectorError
from psabridge.server.mappings import services
from psabridge.server.mappings.models import Mapping

router = Router(tags=["mappings"])


class IssueOut(Schema):
    code: str
    text: str
    action: str


class MappingOut(Schema):
    id: int
    system: str
    psa_client_id: str
    psa_client_name: str
    automate_client_id: str
    automate_client_name: str
    company_id: str
    company_name: str
    billing: bool
    ticketing: bool
    issues: list[IssueOut]

    @staticmethod
    def resolve_issues(obj: Mapping) -> list[dict[str, str]]:
        return services.all_issues(obj)


class MappingList(Schema):
    system: str | None
    unmapped_companies: int
    items: list[MappingOut]


@router.get("", response=MappingList, summary="Mappings with their needs-attention issues")
def list_mappings(request: HttpRequest) -> dict[str, Any]:
    system = services.psa_system()
    rows = Mapping.objects.filter(system=system) if system else Mapping.objects.none()
    unmapped = services.unmapped_company_count(system) if system else 0
    return {"system": system, "unmapped_companies": unmapped, "items": list(rows)}


@router.post("/refresh", response=dict[str, int], summary="Re-read both systems, re-check mappings")
def refresh(request: HttpRequest) -> dict[str, int]:
    system = services.psa_system()
    if system is None:
        raise HttpError(409, "no PSA is connected")
    try:
        return services.refresh(system)
    except ConnectorError as exc:
        raise HttpError(502, str(exc)) from None
