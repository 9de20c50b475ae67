"""The BillingTarget port and its values: invoices, usage lines, line changes, write results."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Protocol

# The values live in the domain (Connectors -> Domain); re-exported for the adapters.
from psabridge.domain.psa_billing import BillingInvoice as BillingInvoice
from psabridge.domain.psa_billing import InvoiceChanges as InvoiceChanges
from psabridge.domain.psa_billing import InvoiceWrite as InvoiceWrite
from psabridge.domain.psa_billing import LineAction as LineAction
from psabridge.domain.psa_billing import LineChange as LineChange
from psabridge.domain.psa_billing import UsageLine as UsageLine

if TYPE_CHECKING:  # ports re-exports this module, so these are for annotations only
    from psabridge.connectors.ports import Option, ValidationResult


class BillingTarget(Protocol):
    """A PSA's billing side (Halo recurring invoices; later ConnectWise agreement additions)."""

    write_batch_size: int  # invoices one batch write may carry (1: no batch writes)

    def validate(self) -> ValidationResult:
        """Test the credentials with cheap calls."""
        ...

    def companies(self) -> list[Option]:
        """Return the PSA companies (clients)."""
        ...

    def billable_items(self) -> list[Option]:
        """Return the billable items (extra: code, price, cost, recurring, inactive)."""
        ...

    def recurring_invoices(self, company_id: str) -> list[BillingInvoice]:
        """Return a company's billing documents, without their lines."""
        ...

    def find_or_create_invoice(self, company_id: str, name: str) -> BillingInvoice:
        """Return the company's document named `name`, creating it once if there is none."""
        ...

    def usage_lines(self, invoice_id: str) -> list[UsageLine]:
        """Return every line of one document, ours (with their marker) and foreign ones."""
        ...

    def invoices_with_lines(self, company_ids: Iterable[str]) -> list[BillingInvoice]:
        """Return the documents of many companies with their lines, in few calls."""
        ...

    def apply_line_changes(self, invoice_id: str, changes: Sequence[LineChange]) -> InvoiceWrite:
        """Apply changes to one document, keeping every other line; no change: no write."""
        ...

    def apply_invoice_changes(self, batch: Sequence[InvoiceChanges]) -> list[InvoiceWrite]:
        """Apply the changes of many documents, `write_batch_size` per write call."""
        ...

    def write_usage_line(self, line: UsageLine) -> UsageLine:
        """Create (by marker) or update (by line_id) one line of `line.invoice_id`."""
        ...

    def remove_usage_line(self, invoice_id: str, line_id: str) -> None:
        """Remove one line of a document."""
        ...
