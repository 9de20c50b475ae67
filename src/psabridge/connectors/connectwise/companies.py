"""PSA companies read in bulk with their status flags, shared by the desk and the billing side."""

from __future__ import annotations

from psabridge.connectors.connectwise import models
from psabridge.connectors.connectwise.client import ConnectWiseClient
from psabridge.connectors.ports import Option
from psabridge.connectors.ports_agreements import PsaCompany

# Reference: connectwise.md §3.2 (fields= keeps the pages small: one read of every company)
COMPANY_FIELDS = "id,identifier,name,status,deletedFlag"


def read_companies(client: ConnectWiseClient) -> list[PsaCompany]:
    """Return every non-deleted company: one paged read plus one read of the statuses."""
    statuses = {s.id: s for s in client.company_statuses()}
    companies = client.companies(fields=COMPANY_FIELDS)
    return [_company(c, statuses) for c in companies if not c.deleted_flag]


def _company(company: models.Company, statuses: dict[int, models.CompanyStatus]) -> PsaCompany:
    ref = company.status
    status = statuses.get(ref.id) if ref is not None and ref.id is not None else None
    return PsaCompany(
        id=str(company.id),
        identifier=company.identifier,
        name=company.name,
        status_id=str(ref.id) if ref is not None and ref.id is not None else None,
        status_name=(status.name if status else None) or (ref.name if ref else None) or "",
        inactive=status.inactive_flag if status else False,
        disallow_saving=status.disallow_saving_flag if status else False,
        deleted=company.deleted_flag,
    )


def company_option(company: PsaCompany) -> Option:
    """Return a company as a mapping choice (extra: identifier, status flags)."""
    extra = {
        "identifier": company.identifier,
        "inactive": company.inactive,
        "disallow_saving": company.disallow_saving,
        "status": company.status_name,
        "status_id": company.status_id,
    }
    return Option(company.id, company.name, extra)
