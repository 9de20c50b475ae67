"""Agreement ports: PSA companies, agreements and their additions, and the RMM clients."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Protocol

# The values live in the domain (Connectors -> Domain); re-exported for the adapters.
from psabridge.domain.psa_billing import Addition as Addition
from psabridge.domain.psa_billing import AgreementInfo as AgreementInfo
from psabridge.domain.psa_billing import NewAddition as NewAddition
from psabridge.domain.psa_billing import PsaCompany as PsaCompany
from psabridge.domain.psa_billing import ServiceTicket as ServiceTicket

if TYPE_CHECKING:  # ports re-exports nothing from here; annotations only
    from psabridge.connectors.ports import Option, ValidationResult


class AgreementBilling(Protocol):
    """ConnectWise PSA's billing side: agreements of a type and their additions (R4.1-R4.5).

    Every list is read in bulk (pageSize 1000, conditions, fields), never one call per company.
    """

    def validate(self) -> ValidationResult:
        """Test the credentials with cheap calls."""
        ...

    def companies(self) -> list[PsaCompany]:
        """Return every company that is not deleted, with its status flags."""
        ...

    def agreement_types(self) -> list[Option]:
        """Return the agreement types (extra: inactive)."""
        ...

    def products(self) -> list[Option]:
        """Return the catalog items (extra: identifier, inactive, product_class, price)."""
        ...

    def boards(self) -> list[Option]:
        """Return the service boards (extra: inactive)."""
        ...

    def priorities(self) -> list[Option]:
        """Return the priorities (extra: default, True on the one with defaultFlag)."""
        ...

    def agreements(self, type_id: str) -> list[AgreementInfo]:
        """Return every agreement of the type, of every status, of every company."""
        ...

    def additions(
        self, agreement_id: str, product_id: str, effective_from: date | None = None
    ) -> list[Addition]:
        """Return an agreement's additions of the product (effective on or after a date)."""
        ...

    def create_addition(self, addition: NewAddition) -> Addition:
        """POST one addition; the caller looks for an existing one first (never blind)."""
        ...

    def set_addition_quantity(
        self, agreement_id: str, addition_id: str, quantity: float
    ) -> Addition:
        """PATCH an addition's quantity in place and return it as the PSA now has it."""
        ...

    def find_service_ticket(self, reference: str) -> str | None:
        """Return the id of the ticket whose externalXRef is `reference`, if any."""
        ...

    def create_service_ticket(self, ticket: ServiceTicket) -> str:
        """Open the R4.2 service ticket and return its id."""
        ...


@dataclass(frozen=True)
class AutomateClient:
    """A ConnectWise Automate client; `external_id` is the linked PSA company id, if any."""

    id: str
    name: str
    external_id: str | None = None


class RmmClients(Protocol):
    """ConnectWise Automate as the mappings see it (R1.4, R2.2)."""

    def validate(self) -> ValidationResult:
        """Test the credentials with a token request and one cheap read."""
        ...

    def clients(self) -> list[AutomateClient]:
        """Return every client with its PSA link (ExternalId; None when unlinked)."""
        ...
