"""The BillingTarget port and its values: invoices, usage lines, line changes, write results."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal, Protocol

from psabridge.connectors.errors import ConnectorError

if TYPE_CHECKING:  # ports re-exports this module, so these are for annotations only
    from psabridge.connectors.ports import Option, ValidationResult

LineAction = Literal["create", "update", "remove"]


@dataclass(frozen=True)
class UsageLine:
    """One billing line of a PSA company: a product/item and its quantity.

    `marker` is psabridge's ownership mark (None on a line psabridge did not write);
    `item_id` is "" for a line without an item; `invoice_id` is the billing document the line
    is on (a Halo recurring invoice).
    """

    company_id: str
    item_id: str
    quantity: float
    description: str
    line_id: str | None = None
    marker: str | None = None
    invoice_id: str | None = None
    unit_price: float | None = None
    item_code: str | None = None
    inactive: bool = False


@dataclass(frozen=True)
class BillingInvoice:
    """A PSA billing document usage lines are written to (a Halo recurring invoice).

    `lines` is None when the lines were not read with the document.
    """

    id: str
    company_id: str
    name: str
    disabled: bool = False
    lines: tuple[UsageLine, ...] | None = None


@dataclass(frozen=True)
class LineChange:
    """One change to an invoice's lines; build it with `create`, `update` or `remove`.

    A line is addressed by `line_id`, else by our `marker`. `None` values leave a field as it
    is. A create always carries a marker: that is how a write that landed unseen is found.
    """

    action: LineAction
    item_id: str | None = None
    quantity: float | None = None
    marker: str | None = None
    line_id: str | None = None
    description: str | None = None
    unit_price: float | None = None

    @classmethod
    def create(
        cls,
        item_id: str,
        quantity: float,
        marker: str,
        *,
        description: str | None = None,
        unit_price: float | None = None,
    ) -> LineChange:
        """Return the change adding a line of `item_id` carrying `marker`."""
        return cls("create", item_id, quantity, marker, None, description, unit_price)

    @classmethod
    def update(
        cls,
        *,
        line_id: str | None = None,
        marker: str | None = None,
        quantity: float | None = None,
        item_id: str | None = None,
        description: str | None = None,
        unit_price: float | None = None,
    ) -> LineChange:
        """Return the change setting the given values on the line `line_id` (or `marker`)."""
        return cls("update", item_id, quantity, marker, line_id, description, unit_price)

    @classmethod
    def remove(cls, *, line_id: str | None = None, marker: str | None = None) -> LineChange:
        """Return the change removing the line `line_id` (or the one carrying `marker`)."""
        return cls("remove", marker=marker, line_id=line_id)


@dataclass(frozen=True)
class InvoiceChanges:
    """The line changes of one invoice in a batch write."""

    invoice_id: str
    company_id: str
    changes: tuple[LineChange, ...]


@dataclass(frozen=True)
class InvoiceWrite:
    """What a write did to one invoice: the resulting lines and whether a write was sent.

    `error` is set (and `lines` empty) when this invoice alone could not be written.
    """

    invoice_id: str
    lines: tuple[UsageLine, ...]
    written: bool
    error: ConnectorError | None = None

    @property
    def ok(self) -> bool:
        return self.error is None


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
