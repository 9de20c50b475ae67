"""ConnectWiseBilling: our AgreementBilling port (agreements, additions) on the PSA client."""

from __future__ import annotations

from datetime import date
from typing import Any

from pydantic import SecretStr

from psabridge.connectors.connectwise import conditions, models
from psabridge.connectors.connectwise.client import ConnectWiseClient
from psabridge.connectors.connectwise.companies import read_companies
from psabridge.connectors.connectwise.ids import record_id
from psabridge.connectors.connectwise.validation import validate_credentials
from psabridge.connectors.errors import ConfigError
from psabridge.connectors.ports import Option, ValidationResult
from psabridge.connectors.ports_agreements import (
    Addition,
    AgreementInfo,
    NewAddition,
    PsaCompany,
    ServiceTicket,
)

# Reference: connectwise.md §3.4, §2.5 (fields= keeps the bulk read small)
AGREEMENT_FIELDS = (
    "id,name,type,company,agreementStatus,startDate,endDate,billStartDate,cancelledFlag"
)
SUMMARY_MAX = 100


class ConnectWiseBilling:
    """The AgreementBilling port for one ConnectWise PSA API member (may share a desk client)."""

    def __init__(self, client: ConnectWiseClient) -> None:
        self.client = client

    @classmethod
    def connect(
        cls,
        site_url: str,
        company_id: str,
        public_key: SecretStr,
        private_key: SecretStr,
        client_id: str,
        **http_options: Any,
    ) -> ConnectWiseBilling:
        """Return a billing side with its own client; `http_options` go to the HttpClient."""
        client = ConnectWiseClient.connect(
            site_url, company_id, public_key, private_key, client_id, **http_options
        )
        return cls(client)

    def __repr__(self) -> str:
        return f"ConnectWiseBilling({self.client!r})"

    def close(self) -> None:
        """Release pooled connections."""
        self.client.close()

    def validate(self) -> ValidationResult:
        """Test the site, company, keys and permissions (never raises)."""
        return validate_credentials(self.client)

    # --- reads -----------------------------------------------------------------------------------

    def companies(self) -> list[PsaCompany]:
        """Return every non-deleted company with its status flags (two bulk reads)."""
        return read_companies(self.client)

    def agreement_types(self) -> list[Option]:
        """Return the agreement types (extra: inactive, default)."""
        return [
            Option(str(t.id), t.name, {"inactive": t.inactive_flag, "default": t.default_flag})
            for t in self.client.agreement_types()
        ]

    def products(self) -> list[Option]:
        """Return the catalog items (extra: identifier, inactive, product_class, price)."""
        return [_product(item) for item in self.client.catalog()]

    def boards(self) -> list[Option]:
        """Return the service boards (extra: inactive)."""
        return [
            Option(str(b.id), b.name, {"inactive": b.inactive_flag}) for b in self.client.boards()
        ]

    def priorities(self) -> list[Option]:
        """Return the priorities (extra: default, sort)."""
        return [
            Option(str(p.id), p.name, {"default": p.default_flag, "sort": p.sort_order})
            for p in self.client.priorities()
        ]

    def agreements(self, type_id: str) -> list[AgreementInfo]:
        """Return every agreement of the type, of every status and company (one paged read)."""
        where = conditions.eq("type/id", record_id("agreement type id", type_id))
        found = self.client.agreements(conditions=where, fields=AGREEMENT_FIELDS)
        return [_agreement(a) for a in found if a.company is not None and a.company.id]

    def additions(
        self, agreement_id: str, product_id: str, effective_from: date | None = None
    ) -> list[Addition]:
        """Return an agreement's additions of a product (effective on or after a date)."""
        agreement = record_id("agreement id", agreement_id)
        parts = [conditions.eq("product/id", record_id("product id", product_id))]
        if effective_from is not None:
            parts.append(conditions.compare("effectiveDate", ">=", effective_from))
        found = self.client.additions(agreement, conditions=conditions.all_of(*parts))
        return [_addition(a, agreement) for a in found]

    # --- writes ----------------------------------------------------------------------------------

    def create_addition(self, addition: NewAddition) -> Addition:
        """POST one addition (never re-sent after an ambiguous failure: the caller looks first)."""
        agreement = record_id("agreement id", addition.agreement_id)
        body = {
            "product": {"id": record_id("product id", addition.product_id)},
            "billCustomer": "Billable",
            "quantity": addition.quantity,
            "effectiveDate": _wire_date(addition.effective),
            "cancelledDate": _wire_date(addition.cancelled),
            "description": addition.description,
        }
        return _addition(self.client.create_addition(agreement, body), agreement)

    def set_addition_quantity(
        self, agreement_id: str, addition_id: str, quantity: float
    ) -> Addition:
        """PATCH the quantity in place (idempotent: retried by the HTTP policy)."""
        agreement = record_id("agreement id", agreement_id)
        operation = {"op": "replace", "path": "quantity", "value": quantity}
        patched = self.client.patch_addition(
            agreement, record_id("addition id", addition_id), [operation]
        )
        return _addition(patched, agreement)

    def find_service_ticket(self, reference: str) -> str | None:
        """Return the id of the oldest ticket whose externalXRef is `reference`, if any."""
        where = conditions.eq("externalXRef", reference)
        tickets = self.client.tickets(conditions=where, fields="id,externalXRef")
        ids = [t.id for t in tickets if t.external_x_ref == reference]
        return str(min(ids)) if ids else None

    def create_service_ticket(self, ticket: ServiceTicket) -> str:
        """Open the R4.2 service ticket (externalXRef = reference); never re-sent blindly."""
        body: dict[str, Any] = {
            "summary": ticket.summary[:SUMMARY_MAX],
            "company": {"id": record_id("company id", ticket.company_id)},
            "board": {"id": record_id("board id", ticket.board_id)},
            "initialDescription": ticket.details,
            "externalXRef": ticket.reference,
        }
        if ticket.priority_id:
            body["priority"] = {"id": record_id("priority id", ticket.priority_id)}
        return str(self.client.create_ticket(body).id)


def _wire_date(day: date) -> str:
    # Reference: wire contract "dates" (YYYY-MM-DDTHH:MM:SSZ, no fractions)
    return f"{day.isoformat()}T00:00:00Z"


def _product(item: models.CatalogItem) -> Option:
    extra = {
        "identifier": item.identifier,
        "inactive": item.inactive_flag,
        "product_class": item.product_class,
        "price": item.price,
        "description": item.description,
    }
    return Option(str(item.id), item.description or item.identifier, extra)


def _agreement(agreement: models.Agreement) -> AgreementInfo:
    kind = agreement.type or models.Ref()
    company = agreement.company or models.Ref()
    if not agreement.agreement_status:
        raise ConfigError(f"ConnectWise PSA agreement {agreement.id} has no agreementStatus")
    return AgreementInfo(
        id=str(agreement.id),
        company_id=str(company.id),
        name=agreement.name,
        type_id=str(kind.id) if kind.id is not None else "",
        type_name=kind.name or "",
        status=agreement.agreement_status,
        start=agreement.start_date,
        end=agreement.end_date,
        bill_start=agreement.bill_start_date,
        cancelled=agreement.cancelled_flag,
    )


def _addition(addition: models.Addition, agreement_id: int) -> Addition:
    product = addition.product
    return Addition(
        id=str(addition.id),
        agreement_id=str(addition.agreement_id or agreement_id),
        product_id=str(product.id) if product is not None and product.id is not None else "",
        quantity=addition.quantity or 0.0,
        effective=addition.effective_date,
        cancelled=addition.cancelled_date,
        description=addition.description or "",
        status=addition.agreement_status,
    )
