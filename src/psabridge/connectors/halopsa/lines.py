"""Recurring-invoice lines: merge our changes into the lines read, keep the rest, check answers."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from psabridge.connectors.errors import ConfigError
from psabridge.connectors.halopsa import models
from psabridge.connectors.ports_billing import LineChange, UsageLine

# Our marker goes in `comment_1`, a free text field of InvoiceDetail (OAS24) that nothing else
# we know of uses; it is written on every line psabridge creates (contract "Billing").
MARKER_FIELD = "comment_1"
# Text and prices a line takes from its item; dropped when the item changes so Halo refills them.
ITEM_DERIVED = ("item_code", "item_shortdescription", "unit_price", "unit_cost")

Wire = dict[str, Any]


def check_changes(changes: Sequence[LineChange]) -> None:
    """Raise ConfigError for a change that cannot be applied, before anything is read."""
    for change in changes:
        if change.action == "create":
            if not change.marker or change.quantity is None or not change.item_id:
                raise ConfigError("A new invoice line needs an item, a quantity and our marker")
        elif not change.line_id and not change.marker:
            raise ConfigError(f"An invoice line to {change.action} needs a line id or a marker")
        for name, value in (("item id", change.item_id), ("line id", change.line_id)):
            if value is not None:
                number(name, value)


def number(name: str, value: object) -> int:
    """Return a HaloPSA id as an int ("12", 12 and 12.0 alike), or raise ConfigError."""
    try:
        parsed = float(str(value).strip())
    except ValueError:
        raise ConfigError(f"The HaloPSA {name} must be a number") from None
    if not parsed.is_integer():
        raise ConfigError(f"The HaloPSA {name} must be a whole number")
    return int(parsed)


def merge(current: Sequence[Wire], changes: Sequence[LineChange]) -> list[Wire]:
    """Return the full set of lines to send: every line read, with `changes` applied in order.

    Lines no change addresses are sent back exactly as read (every field Halo gave), so
    `lines` replacing the whole set drops nothing (reference §6.4). Creates and updates are
    upserts: a create whose marker is already on the invoice (an earlier write that landed
    unseen) updates that line; an update whose line is gone is re-created when it names an
    item, a quantity and a marker (else ConfigError); a remove of a missing line does nothing.
    """
    lines = [dict(line) for line in current]
    for change in changes:
        index = _find(lines, change)
        if change.action == "remove":
            if index is not None:
                del lines[index]
        elif index is not None:
            lines[index] = _updated(lines[index], change)
        elif change.item_id and change.quantity is not None and change.marker:
            lines.append(_new_line(change))
        else:
            raise ConfigError(
                f"Invoice line {change.line_id or change.marker} is no longer on the invoice"
            )
    return lines


def _find(lines: list[Wire], change: LineChange) -> int | None:
    """Return the index of the addressed line: by `line_id`, else by marker.

    A remove that names a line id matches that id only: removing one of two lines carrying the
    same marker (a duplicate) must never fall back to the other one.
    """
    if change.line_id is not None:
        wanted = number("line id", change.line_id)
        for index, line in enumerate(lines):
            if line.get("id") not in (None, "") and number("line id", line["id"]) == wanted:
                return index
        if change.action == "remove":
            return None
    if change.marker:
        for index, line in enumerate(lines):
            if line.get(MARKER_FIELD) == change.marker:
                return index
    return None


def _updated(line: Wire, change: LineChange) -> Wire:
    updated = dict(line)
    if change.item_id is not None:
        item_id = number("item id", change.item_id)
        if updated.get("_itemid") != item_id:
            for name in ITEM_DERIVED:
                updated.pop(name, None)
            updated["_itemid"] = item_id
    _set_values(updated, change)
    return updated


def _new_line(change: LineChange) -> Wire:
    line: Wire = {"_itemid": number("item id", change.item_id)}
    _set_values(line, change)
    return line


def _set_values(line: Wire, change: LineChange) -> None:
    # Reference: halopsa.md §6.3 (qty_order is the quantity, item_shortdescription the text)
    if change.quantity is not None:
        line["qty_order"] = change.quantity
    if change.description is not None:
        line["item_shortdescription"] = change.description
    if change.unit_price is not None:
        line["unit_price"] = change.unit_price
    if change.marker:
        line[MARKER_FIELD] = change.marker


def creates_lines(lines: Sequence[Wire]) -> bool:
    """Return whether sending `lines` adds a line (one without an id): then it is not idempotent."""
    return any(line.get("id") in (None, "", 0) for line in lines)


def verify(answered: Sequence[models.InvoiceLine], sent: Sequence[Wire], invoice_id: int) -> None:
    """Raise ConfigError unless Halo kept exactly the lines sent (reference §6.4 safe pattern)."""
    kept = {int(line["id"]) for line in sent if line.get("id") not in (None, "", 0)}
    markers = [line.get(MARKER_FIELD) for line in sent if line.get("id") in (None, "", 0)]
    ids = {line.id for line in answered}
    found = [line.comment_1 for line in answered]
    if len(answered) != len(sent) or not kept <= ids or any(m and m not in found for m in markers):
        raise ConfigError(
            f"HaloPSA did not keep the lines of recurring invoice {invoice_id} as sent "
            f"({len(sent)} sent, {len(answered)} now); check the invoice in HaloPSA"
        )


def usage_line(line: models.InvoiceLine, invoice: models.RecurringInvoice) -> UsageLine:
    """Return one Halo line as our UsageLine (marker from comment_1, "" for no item)."""
    return UsageLine(
        company_id="" if invoice.client_id is None else str(invoice.client_id),
        item_id="" if line.itemid is None else str(line.itemid),
        quantity=line.qty_order or 0.0,
        description=line.item_shortdescription or "",
        line_id=None if line.id is None else str(line.id),
        marker=line.comment_1 or None,
        invoice_id=str(invoice.id),
        unit_price=line.unit_price,
        item_code=line.item_code,
        inactive=line.isinactive,
    )


def usage_lines(invoice: models.RecurringInvoice) -> tuple[UsageLine, ...]:
    """Return every line of an invoice read with its lines."""
    return tuple(usage_line(line, invoice) for line in invoice.lines or [])
