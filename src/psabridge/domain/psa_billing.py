"""What a PSA's billing holds and what is written to it: the values of the billing ports."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Literal

from psabridge.domain.billing import CurrentLine, Plan

LineAction = Literal["create", "update", "remove"]

# --- invoice lines (a PSA billing documents with lines: HaloPSA recurring invoices) ----------


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
    error: Exception | None = None  # the connector's error for this document alone

    @property
    def ok(self) -> bool:
        return self.error is None


# --- period quantities (a quantity per company and month on its agreement) ------------------


@dataclass(frozen=True)
class PsaCompany:
    """A ConnectWise PSA company with what its status says (reference connectwise.md 3.2, 3.3)."""

    id: str
    identifier: str
    name: str
    status_id: str | None = None
    status_name: str = ""
    inactive: bool = False  # the status has inactiveFlag
    disallow_saving: bool = False  # the status has disallowSavingFlag: no ticket, no addition
    deleted: bool = False


@dataclass(frozen=True)
class AgreementInfo:
    """A ConnectWise agreement (reference 3.4); dates are calendar dates (UTC day)."""

    id: str
    company_id: str
    name: str
    type_id: str
    type_name: str
    status: str  # agreementStatus: Active, Cancelled, Expired or Inactive
    start: date | None = None
    end: date | None = None
    bill_start: date | None = None
    cancelled: bool = False


@dataclass(frozen=True)
class Addition:
    """An agreement addition (reference 3.6)."""

    id: str
    agreement_id: str
    product_id: str
    quantity: float
    effective: date | None = None
    cancelled: date | None = None
    description: str = ""
    status: str | None = None


@dataclass(frozen=True)
class NewAddition:
    """An addition to create: the product, the count, and the month it bills (R4.4)."""

    agreement_id: str
    product_id: str
    quantity: float
    effective: date
    cancelled: date
    description: str = ""


@dataclass(frozen=True)
class ServiceTicket:
    """The R4.2 service ticket; `reference` goes to externalXRef so a retry finds it."""

    reference: str
    company_id: str
    board_id: str
    priority_id: str | None
    summary: str
    details: str


# --- between the PSA's records and our plans (the server translates nothing) ----------------


def current_line(line: UsageLine) -> CurrentLine:
    """Return an invoice's line as the line plan compares it."""
    # A line without an item (a text line) is item 0: never ours, never written.
    item = int(line.item_id) if line.item_id and line.item_id.isdigit() else 0
    return CurrentLine(int(line.line_id or 0), item, line.quantity, line.description, line.marker)


def line_changes(plan: Plan) -> tuple[LineChange, ...]:
    """Return a line plan's writes as the changes an invoice write carries."""
    creates = [
        LineChange.create(str(d.item_id), d.quantity, d.marker, description=d.description)
        for d in plan.creates
    ]
    updates = [
        LineChange.update(
            line_id=str(u.line_id),
            marker=u.after.marker,
            item_id=str(u.after.item_id),
            quantity=u.after.quantity,
            description=u.after.description,
        )
        for u in plan.updates
    ]
    removes = [
        LineChange.remove(line_id=str(r.line.line_id), marker=r.line.marker) for r in plan.removes
    ]
    return (*creates, *updates, *removes)
