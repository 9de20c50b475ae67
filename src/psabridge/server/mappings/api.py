"""REST API of mappings: list, refresh, confirm, update, import into GravityZone, delete (R7.4)."""

from __future__ import annotations

from typing import Any

from django.db import IntegrityError
from django.http import HttpRequest
from ninja import Router, Schema
from ninja.errors import HttpError

from psabridge.connectors.errors import ConnectorError
from psabridge.server.core.models import SecurityCompany
from psabridge.server.mappings import services
from psabridge.server.mappings.models import Mapping, PsaClient

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


class ConfirmIn(Schema):
    psa_client_id: str
    company_id: str


class ChangeIn(Schema):
    id: int
    billing: bool
    ticketing: bool


class UpdateIn(Schema):
    changes: list[ChangeIn]
    only: list[int] | None = None  # Update Selected: these rows; None: Update All


class UpdateOut(Schema):
    changed: list[int]
    conflicts: list[str]


class ImportIn(Schema):
    psa_client_ids: list[str]


def _psa() -> str:
    system = services.psa_system()
    if system is None:
        raise HttpError(409, "no PSA is connected")
    return system


@router.post("/confirm", response=MappingOut, summary="Map a PSA company to a GravityZone company")
def confirm(request: HttpRequest, body: ConfirmIn) -> Mapping:
    system = _psa()
    try:
        return services.confirm(system, body.psa_client_id, body.company_id)
    except PsaClient.DoesNotExist:
        raise HttpError(404, f"no PSA company {body.psa_client_id}: refresh first") from None
    except SecurityCompany.DoesNotExist:
        raise HttpError(404, f"no GravityZone company {body.company_id}: refresh first") from None
    except IntegrityError:
        raise HttpError(409, "one of the two is already mapped") from None


@router.post("/update", response=UpdateOut, summary="Update All / Update Selected (checkboxes)")
def update(request: HttpRequest, body: UpdateIn) -> dict[str, Any]:
    system = _psa()
    wanted = {c.id: {"billing": c.billing, "ticketing": c.ticketing} for c in body.changes}
    only = set(body.only) if body.only is not None else None
    if only is not None and not only:
        raise HttpError(400, "only: name at least one mapping, or leave it out for all")
    try:
        result = services.apply(system, wanted, only)
    except ConnectorError as exc:
        raise HttpError(502, f"nothing was changed: the PSA refused: {exc}") from None
    return {"changed": sorted(result.changed), "conflicts": result.conflicts}


@router.post(
    "/import", response=list[MappingOut], summary="Create PSA companies in GravityZone and map them"
)
def import_clients(request: HttpRequest, body: ImportIn) -> list[Mapping]:
    system = _psa()
    if not body.psa_client_ids:
        raise HttpError(400, "psa_client_ids: name at least one unmapped PSA company")
    try:
        return services.import_clients(system, body.psa_client_ids)
    except ConnectorError as exc:
        raise HttpError(502, f"GravityZone refused to create the company: {exc}") from None


@router.delete("/{mapping_id}", response={204: None}, summary="Delete one mapping")
def delete(request: HttpRequest, mapping_id: int) -> tuple[int, None]:
    if not Mapping.objects.filter(pk=mapping_id).exists():
        raise HttpError(404, f"no mapping {mapping_id}")
    services.delete(mapping_id)
    return 204, None
